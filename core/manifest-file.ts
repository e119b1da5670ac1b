/**
 * Reads a deployment manifest from a file (Node only). Kept apart from `manifest.ts` so the
 * schema and its lookups stay free of `node:*` and bundle for browsers; the SDK re-exports this
 * from `@portcullis/sdk/node`.
 */
import { readFileSync } from "node:fs";
import { ManifestError, parseManifest, type Manifest } from "./manifest.js";

export function loadManifest(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new ManifestError(
      `no deployment manifest at ${path} (start the devnet with \`npm run devnet\` or set MANIFEST)`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`${path} is not JSON: ${(e as Error).message}`);
  }
  return parseManifest(json, path);
}

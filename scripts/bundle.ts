/**
 * Bundles every service and CLI with esbuild into dist/<entry>.mjs, each beside a list of the
 * project files it was built from (dist/<entry>.inputs.json). `core/bundles.mjs` says why and
 * when a bundle is used; `npm run build` runs this, and so does the integration tests' global
 * setup (test/integration/setup/bundle.ts), so a single test file run never starts stale code.
 *
 * Writes are atomic (temp file + rename): two runs at once (two engineers' test runs) leave
 * whole files.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { bundleStem, REPO_ROOT } from "../core/bundles.mjs";

/** Every process the devnet, the tests and users start from this repository. */
export const BUNDLED_ENTRIES = [
  "guardian/index.ts",
  "relayer/index.ts",
  "monitor/index.ts",
  "explorer/index.ts",
  "devnet/op-stack/index.ts",
  "cli/bridge.ts",
  "cli/guardian.ts",
] as const;

function writeAtomic(path: string, contents: string | Uint8Array) {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, path);
}

async function bundleOne(entry: string): Promise<void> {
  const stem = join(REPO_ROOT, bundleStem(entry));
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile: `${stem}.mjs`,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    write: false,
    metafile: true,
    logLevel: "warning",
    // CommonJS dependencies call `require` for Node built-ins; an ES module has none of its own.
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
    },
    // pg's optional native binding, loaded only when asked for (we never do).
    external: ["pg-native"],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes("node_modules/"));
  // The list first, the bundle last: a bundle is trusted only if it is newer than its inputs.
  writeAtomic(`${stem}.inputs.json`, JSON.stringify(inputs));
  for (const file of result.outputFiles) writeAtomic(file.path, file.contents);
}

export async function bundleAll(): Promise<void> {
  // One at a time: esbuild is fast (~0.5 s an entry) and the machine is shared with other builds.
  for (const entry of BUNDLED_ENTRIES) await bundleOne(entry);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await bundleAll();
}

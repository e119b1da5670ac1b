// Runs one of the repository's entry files: its bundle (dist/, from `npm run build`) while that
// is fresh, else the TypeScript source through tsx. core/bundles.mjs says why and how.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freshBundle, REPO_ROOT } from "../../core/bundles.mjs";

/** `entry`: repository-relative, e.g. "cli/bridge.ts". */
export async function launch(entry) {
  const bundle = freshBundle(entry);
  if (bundle) {
    await import(pathToFileURL(bundle).href);
    return;
  }
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(REPO_ROOT, entry)).href);
}

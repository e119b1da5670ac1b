// Plain JavaScript on purpose: the CLI's bin scripts (cli/bin/*.mjs) run this before anything
// can load TypeScript. Types: core/bundles.d.mts.
//
// `npm run build` (and the integration tests' global setup) bundles every service and CLI with
// esbuild into dist/<entry>.mjs (scripts/bundle.ts): starting one from the bundle costs ~0.5 s
// of CPU, from the TypeScript sources through tsx ~1.3-1.9 s, and the tests and the devnet start
// over a hundred of them. Next to each bundle, dist/<entry>.inputs.json lists the project files it
// was built from. A bundle is used only while none of them, and no installed package, is newer
// than the bundle; otherwise the caller runs the sources through tsx, so an edit never runs stale
// code, built or not.
import { statSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is core/bundles.mjs). */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Installing packages rewrites this file: a bundle older than it may hold old dependencies. */
const INSTALL_MARKER = "node_modules/.package-lock.json";

/** "relayer/index.ts" (or its absolute path) → "dist/relayer/index" (no extension), repo-relative. */
export function bundleStem(entry) {
  const rel = relative(REPO_ROOT, resolve(REPO_ROOT, entry)).split("\\").join("/");
  return `dist/${rel.replace(/\.ts$/, "")}`;
}

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The absolute path of `entry`'s bundle when it exists and is fresh, else undefined. */
export function freshBundle(entry) {
  const stem = join(REPO_ROOT, bundleStem(entry));
  const built = mtimeMs(`${stem}.mjs`);
  if (built === undefined) return undefined;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(`${stem}.inputs.json`, "utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(inputs)) return undefined;
  for (const input of [...inputs, INSTALL_MARKER]) {
    const changed = mtimeMs(join(REPO_ROOT, input));
    if (changed === undefined ? input !== INSTALL_MARKER : changed > built) return undefined;
  }
  return `${stem}.mjs`;
}

#!/usr/bin/env node
/**
 * Adds package-lock entries for optional platform packages the registry mirror does not serve.
 *
 * Why: this project's registry mirror answers 404 for other platforms' native packages (e.g.
 * `@foundry-rs/anvil-darwin-arm64`), so `npm install` silently leaves them out of the lock, and
 * `npm ci` then refuses the lock as out of sync. An entry with the package's version and its
 * `os`/`cpu`/`libc` constraints is all `npm ci` needs: on a non-matching platform it skips the
 * package without fetching it. Run after every dependency change:
 *   npm install && node scripts/lock-platform-packages.mjs
 * Plain JavaScript with no dependencies, so it works before `npm ci`.
 */
import { readFileSync, writeFileSync } from "node:fs";

const LOCK = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, "utf8"));
const packages = lock.packages;

function constraints(name) {
  const base = name.split("/").pop();
  const os = ["darwin", "linux", "win32", "freebsd", "android"].find((o) => base.includes(o));
  const cpu = ["arm64", "x64", "amd64", "arm", "ia32"].find((c) => base.includes(`-${c}`));
  const out = {};
  if (os) out.os = [os];
  if (cpu) out.cpu = [cpu === "amd64" ? "x64" : cpu];
  if (base.includes("musl")) out.libc = ["musl"];
  else if (base.includes("gnu")) out.libc = ["glibc"];
  return out;
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  const optional = entry.optionalDependencies ?? {};
  for (const [name, range] of Object.entries(optional)) {
    // Where npm would place it: next to the parent's own node_modules, or hoisted at the root.
    const nested = `${path ? `${path}/` : ""}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const c = constraints(name);
    if (!c.os && !c.cpu) continue; // not a platform package: leave it to npm
    const version = String(range).replace(/^[\^~=]/, "");
    packages[hoisted] = { version, dev: entry.dev || undefined, optional: true, ...c };
    added++;
  }
}
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platform-packages: added ${added} platform package entries`);

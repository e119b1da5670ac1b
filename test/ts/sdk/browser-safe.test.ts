/**
 * The SDK's main entry must bundle for browsers (the web app builds on it): nothing it imports,
 * directly or through `core/`, may be a Node built-in. Walks the static and dynamic imports from
 * `sdk/index.ts` with TypeScript's own pre-processor, so a new `node:fs` anywhere in the graph
 * fails here rather than in the web app's build.
 */
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const BUILTINS = new Set(builtinModules);

/** Every file reachable from `entry` and every bare module specifier it imports. */
function importGraph(entry: string): { files: string[]; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [resolve(ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: spec } of info.importedFiles) {
      if (spec.startsWith(".")) {
        queue.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      } else {
        packages.set(spec, relative(ROOT, file));
      }
    }
  }
  return { files: [...files].map((f) => relative(ROOT, f)), packages };
}

function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || BUILTINS.has(spec.split("/")[0]!);
}

describe("@portcullis/sdk is browser-safe", () => {
  it("imports no Node built-in from its main entry, directly or through core/", () => {
    const { files, packages } = importGraph("sdk/index.ts");
    expect(files).toContain("core/gateway.ts");
    const builtins = [...packages].filter(([spec]) => isNodeBuiltin(spec)).map(([spec, from]) => `${spec} (${from})`);
    expect(builtins).toEqual([]);
  });

  it("the walker does see a built-in where there is one (the node entry)", () => {
    const { packages } = importGraph("sdk/node.ts");
    expect([...packages.keys()].filter(isNodeBuiltin)).toContain("node:fs");
  });
});

/**
 * `npm test`: builds, then runs the Solidity suite (`hardhat test solidity`), the unit project and
 * the integration project (vitest) side by side, each line of their output prefixed with its
 * suite, and prints one closing line `tests: N passed, N failed[, N skipped]` summed over all of
 * them. Exits non-zero when any step fails.
 *
 * Why side by side: the integration files spend most of their time waiting (1-second blocks,
 * timelock and large-transfer delays, finalization windows), which leaves CPU for the Solidity
 * and unit suites; run one after the other the whole takes about the sum. docs/testing.md has the
 * measurements.
 *
 * Extra arguments go to vitest instead (one run with them, e.g. `npm test -- --project unit` or
 * `npm test -- test/integration/cli.test.ts`), after the Solidity suite.
 */
import { spawn } from "node:child_process";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface Result {
  name: string;
  code: number;
  output: string;
  seconds: number;
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** Runs a command, prefixing each line of its output with `label`. */
function run(label: string, command: string, args: string[]): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let output = "";
    const prefix = label ? `${label.padEnd(12)}│ ` : "";
    const pipe = (to: NodeJS.WriteStream) => {
      let partial = "";
      return (d: Buffer) => {
        const text = partial + d.toString();
        output += d.toString();
        const lines = text.split("\n");
        partial = lines.pop() ?? "";
        if (lines.length) to.write(lines.map((l) => `${prefix}${l}\n`).join(""));
      };
    };
    child.stdout.on("data", pipe(process.stdout));
    child.stderr.on("data", pipe(process.stderr));
    child.on("close", (code) =>
      resolve({
        name: label,
        code: code ?? 1,
        output: output.replace(ANSI, ""),
        seconds: (Date.now() - started) / 1000,
      }),
    );
  });
}

function solidityCounts(output: string): Counts {
  const passed = Number(/(\d+) passing/.exec(output)?.[1] ?? 0);
  const failed = Number(/(\d+) failing/.exec(output)?.[1] ?? 0);
  return { passed, failed, skipped: 0 };
}

function vitestCounts(output: string): Counts {
  const line = /^\s*Tests\s+(.*)$/m.exec(output)?.[1] ?? "";
  const n = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(line)?.[1] ?? 0);
  return { passed: n("passed"), failed: n("failed"), skipped: n("skipped") + n("todo") };
}

/** Per-file durations vitest reported ("✓ integration test/x.test.ts (5 tests) 81234ms"). */
function fileDurations(output: string): { file: string; seconds: number }[] {
  const files: { file: string; seconds: number }[] = [];
  for (const m of output.matchAll(/^\s*[✓×↓]\s+(?:\S+\s+)?(\S+\.test\.ts)\s+\([^)]*\)\s+(\d+)ms/gm)) {
    files.push({ file: m[1]!, seconds: Number(m[2]) / 1000 });
  }
  return files;
}

/** A suite that exited non-zero counts as at least one failure. */
function counted(r: Result, parse: (output: string) => Counts): Counts {
  const c = parse(r.output);
  if (r.code !== 0 && c.failed === 0) c.failed = 1;
  return c;
}

const bin = (name: string) => `node_modules/.bin/${name}`;
const started = Date.now();

const build = await run("", "npm", ["run", "build", "--silent"]);
if (build.code !== 0) {
  console.log("tests: 0 passed, 1 failed (build failed)");
  process.exit(1);
}

const vitestArgs = process.argv.slice(2);
let sol: Result;
let ts: Result[];
if (vitestArgs.length > 0) {
  sol = await run("solidity", bin("hardhat"), ["test", "solidity"]);
  ts = [await run("vitest", bin("vitest"), ["run", ...vitestArgs])];
} else {
  [sol, ...ts] = await Promise.all([
    run("solidity", bin("hardhat"), ["test", "solidity"]),
    run("unit", bin("vitest"), ["run", "--project", "unit"]),
    run("integration", bin("vitest"), ["run", "--project", "integration"]),
  ]);
}

const solCounts = counted(sol, solidityCounts);
const tsCounts = ts.map((r) => counted(r, vitestCounts));
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
for (const c of [solCounts, ...tsCounts]) {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}

const slowest = ts
  .flatMap((r) => fileDurations(r.output))
  .sort((a, b) => b.seconds - a.seconds)
  .slice(0, 8);
if (slowest.length) {
  console.log("\nslowest test files:");
  for (const f of slowest) console.log(`  ${f.seconds.toFixed(1).padStart(7)} s  ${f.file}`);
}
const suites = [sol, ...ts].map((r, i) => {
  const c = [solCounts, ...tsCounts][i]!;
  return `${r.name}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""} (${r.seconds.toFixed(0)} s)`;
});
console.log(`\n${suites.join("; ")}; wall time ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(
  `tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`,
);
const ok = [sol, ...ts].every((r) => r.code === 0);
process.exit(ok && total.passed > 0 ? 0 : 1);

/**
 * `npm test`: builds, runs the Solidity suite (`hardhat test solidity`) and the TypeScript suites
 * (vitest: unit and integration projects), streaming their output, then prints one closing line
 * `tests: N passed, N failed[, N skipped]` summed over both runners. Exits non-zero when any step
 * fails. Extra arguments go to vitest (e.g. `npm test -- --project unit`).
 */
import { spawn } from "node:child_process";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const ANSI = /\x1b\[[0-9;]*m/g;

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      process.stdout.write(d);
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      process.stderr.write(d);
      output += d.toString();
    });
    child.on("close", (code) => resolve({ code: code ?? 1, output: output.replace(ANSI, "") }));
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

const bin = (name: string) => `node_modules/.bin/${name}`;
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
let ok = true;

const build = await run("npm", ["run", "build", "--silent"]);
if (build.code !== 0) {
  console.log("tests: 0 passed, 1 failed (build failed)");
  process.exit(1);
}

const sol = await run(bin("hardhat"), ["test", "solidity"]);
const solCounts = solidityCounts(sol.output);
if (sol.code !== 0) {
  ok = false;
  if (solCounts.failed === 0) solCounts.failed = 1;
}

const ts = await run(bin("vitest"), ["run", ...process.argv.slice(2)]);
const tsCounts = vitestCounts(ts.output);
if (ts.code !== 0) {
  ok = false;
  if (tsCounts.failed === 0) tsCounts.failed = 1;
}

for (const c of [solCounts, tsCounts]) {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}
console.log(
  `\nsolidity: ${solCounts.passed} passed, ${solCounts.failed} failed; typescript: ${tsCounts.passed} passed, ${tsCounts.failed} failed, ${tsCounts.skipped} skipped`,
);
console.log(
  `tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`,
);
process.exit(ok && total.passed > 0 ? 0 : 1);

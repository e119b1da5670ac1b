/**
 * `npm run <script>` does not pass a SIGINT or SIGTERM sent to the npm process on to the script
 * (npm → sh → tsx → node): killing npm orphans the script, and every chain and service it started
 * keeps running. Long-running scripts that own child processes (the devnet, benchmarks) call
 * `onLauncherExit` to treat the death of the npm process that launched them like SIGTERM.
 *
 * Linux only (reads /proc); elsewhere, or when not started by npm, it does nothing. A Ctrl-C in a
 * terminal needs none of this: it signals the whole foreground process group.
 */
import { readFileSync } from "node:fs";

interface ProcInfo {
  ppid: number;
  state: string;
  argv: string[];
}

function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may contain spaces: parse after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return { state: fields[0] ?? "", ppid: Number(fields[1]), argv };
  } catch {
    return undefined;
  }
}

/** npm retitles itself ("npm run devnet" in one argv slot); older ones show node + npm-cli.js. */
function isNpm(argv: string[]): boolean {
  const first = argv[0]?.split(" ")[0] ?? "";
  return first === "npm" || first.endsWith("/npm") || argv.some((a) => a.endsWith("npm-cli.js"));
}

/** The ancestors from our parent up to the nearest npm process, or [] if npm is not among them. */
export function launcherChain(pid = process.pid, maxDepth = 8): number[] {
  const chain: number[] = [];
  let current = procInfo(pid)?.ppid;
  while (current !== undefined && current > 1 && chain.length < maxDepth) {
    const info = procInfo(current);
    if (!info) return [];
    chain.push(current);
    if (isNpm(info.argv)) return chain;
    current = info.ppid;
  }
  return [];
}

function gone(pid: number): boolean {
  const info = procInfo(pid);
  return info === undefined || info.state === "Z";
}

/**
 * Calls `onExit` once when any process between us and the npm that launched us exits. Returns a
 * function that stops watching.
 */
export function onLauncherExit(onExit: () => void, intervalMs = 1_000): () => void {
  const chain = launcherChain();
  if (chain.length === 0) return () => {};
  const timer = setInterval(() => {
    if (chain.some(gone)) {
      clearInterval(timer);
      onExit();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

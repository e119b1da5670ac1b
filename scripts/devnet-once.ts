/**
 * Starts one devnet the way `governance.test.ts` does (chains, Redis, the deployed bridge; no
 * services), prints one line — `<tag> OK <seconds> chains=<ports>` or `<tag> FAIL <seconds>
 * <error>` — and stops it. `scripts/concurrent-devnets.sh` runs many at once to show whether
 * concurrent devnets can collide (docs/testing.md). It imports `devnet/start.ts` from the current
 * directory, so the same script can be pointed at any checkout, old or new.
 *
 * Usage (from a checkout): node --import tsx <path>/devnet-once.ts <tag>
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

interface StartedDevnet {
  chains: { rpcUrl: string }[];
  stop(): Promise<void>;
}

const { startDevnet } = (await import(pathToFileURL(resolve("devnet/start.ts")).href)) as {
  startDevnet(o: Record<string, unknown>): Promise<StartedDevnet>;
};
const tag = process.argv[2] ?? "devnet";
const dir = mkdtempSync(join(tmpdir(), `portcullis-once-${tag}-`));
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
try {
  const devnet = await startDevnet({ dir, services: false, governanceDelaySeconds: 8 });
  const ports = devnet.chains.map((c) => new URL(c.rpcUrl).port).join(",");
  console.log(`${tag} OK ${seconds()}s chains=${ports}`);
  await devnet.stop();
} catch (e) {
  console.log(
    `${tag} FAIL ${seconds()}s ${String((e as Error).message)
      .split("\n")
      .slice(0, 3)
      .join(" | ")}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);

/**
 * `npm run devnet [-- --l2s <n>] [-- --no-demo] [-- --dir <path>] [-- --prometheus]`: the whole bridge on this
 * machine. Starts an L1 and `n` L2s (anvil), Redis (or uses REDIS_URL), deploys everything,
 * starts guardians, relayers and the monitor, prints where everything is and what to try, runs a
 * demo transfer L2-A → L2-B and back with each stage's timing, then runs until Ctrl-C and stops
 * every process it started. With `--prometheus` it also starts a real Prometheus (Debian package
 * `prometheus`) scraping every service with the alert rules of `monitor/alerts.yml`.
 *
 * Environment: REDIS_URL — use this Redis instead of starting redis-server.
 */
import { Command } from "commander";
import { relative, resolve } from "node:path";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { BridgeClient, PortcullisError, ProgressPrinter } from "@portcullis/sdk";
import { walletClientFor } from "../core/chains.js";
import { onLauncherExit } from "../core/service/launcher.js";
import { untilAborted } from "../core/service/lifecycle.js";
import { anvilBinary, PrerequisiteError, redisBinary } from "../devnet/infra.js";
import { prometheusBinary, startPrometheus } from "../devnet/prometheus.js";
import { DEFAULT_DEVNET, startDevnet, type Devnet } from "../devnet/start.js";

const options = new Command("devnet")
  .description("start a local Portcullis devnet with all services and run a demo transfer")
  .option("--l2s <n>", "number of L2 chains (2 to 4)", String(DEFAULT_DEVNET.l2Count))
  .option("--no-demo", "skip the demo transfer")
  .option("--dir <path>", "where the manifest, logs and service data go (wiped at start)", DEFAULT_DEVNET.dir)
  .option("--prometheus", "also start Prometheus scraping the devnet, with the alert rules")
  .parse()
  .opts<{ l2s: string; demo: boolean; dir: string; prometheus?: boolean }>();

const out = (line = "") => process.stdout.write(`${line}\n`);

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const l2Count = Number(options.l2s);
if (!Number.isInteger(l2Count) || l2Count < 2 || l2Count > 4)
  fail(`--l2s must be a whole number from 2 to 4, got "${options.l2s}".`);
const redisUrl = process.env.REDIS_URL || undefined;
try {
  anvilBinary();
  if (!redisUrl) redisBinary();
  if (options.prometheus) prometheusBinary();
} catch (e) {
  if (e instanceof PrerequisiteError) fail(e.message);
  throw e;
}

// Signals are caught from the first moment: a Ctrl-C during start-up waits for the start to
// finish (or fail) and then stops what was started, so no chain or service outlives this process.
const stop = new AbortController();
process.on("SIGINT", () => stop.abort());
process.on("SIGTERM", () => stop.abort());
onLauncherExit(() => {
  out("npm exited; stopping the devnet.");
  stop.abort();
});

const startedAt = Date.now();
out(`starting the devnet: L1 + ${l2Count} L2s, ${redisUrl ? `Redis at ${redisUrl}` : "Redis"}, contracts, services…`);
let devnet: Devnet | undefined;
let exitCode = 0;
try {
  devnet = await startDevnet({ l2Count, dir: options.dir, redisUrl, services: true, fees: true });
  const prometheus = options.prometheus ? await startPrometheus(devnet) : undefined;
  out(`devnet up in ${((Date.now() - startedAt) / 1000).toFixed(1)}s\n`);
  printInfo(devnet);
  if (prometheus) {
    out(`prometheus ${prometheus.url}  (/targets, /alerts; config ${shortPath(prometheus.configPath)})`);
    out(`           Grafana: add it as a Prometheus data source, import monitor/dashboards/*.json`);
  }
  if (options.demo && !stop.signal.aborted) {
    // A failed demo is reported, but the devnet stays up so its logs and state can be inspected.
    // The demo takes the stop signal into every wait (the send's receipt too): Ctrl-C reaches
    // every process of the terminal at once, and a transfer waiting on a stopped chain must not
    // keep this process from stopping the services.
    await demo(devnet, stop.signal).catch((e: unknown) => {
      if (stop.signal.aborted) return;
      exitCode = 1;
      process.stderr.write(`demo failed: ${(e as Error).message}\nservice logs: ${devnet!.group.logDir}\n`);
    });
  }
  if (!stop.signal.aborted) out("\nrunning; press Ctrl-C to stop every chain and service.");
  await untilAborted(stop.signal);
} catch (e) {
  exitCode = 1;
  if (e instanceof PrerequisiteError) process.stderr.write(`${e.message}\n`);
  else if (e instanceof PortcullisError) process.stderr.write(`${e.shortMessage}\n`);
  else process.stderr.write(`devnet failed: ${(e as Error).stack ?? String(e)}\n`);
  if (devnet) process.stderr.write(`service logs: ${devnet.group.logDir}\n`);
} finally {
  if (devnet) {
    out("\nstopping…");
    await devnet.stop();
    const left = devnet.group.all.filter((p) => p.running).map((p) => `${p.name} (pid ${p.pid})`);
    if (left.length > 0) {
      process.stderr.write(`still running after stop: ${left.join(", ")}\n`);
      exitCode = 1;
    } else {
      out(`stopped ${devnet.group.all.length} processes.`);
    }
  }
}
process.exit(exitCode);

/** A path as short as it can be said: relative below the working directory, else absolute. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : resolve(path);
}

function printInfo(d: Devnet) {
  const manifestPath = shortPath(d.manifestPath);
  const isDefault = resolve(d.manifestPath) === resolve(DEFAULT_DEVNET.dir, "manifest.json");
  out(`manifest   ${manifestPath}`);
  out(`logs       ${shortPath(d.group.logDir)}`);
  out(`redis      ${d.redisUrl}`);
  out("chains");
  for (const c of d.manifest.chains) {
    out(`  ${c.name.padEnd(4)} chain ${c.chainId}  ${c.rpcUrl}${c.gateway ? `  gateway ${c.gateway}` : ""}`);
  }
  out("tokens");
  for (const t of d.manifest.tokens) {
    const home = d.manifest.chains.find((c) => c.chainId === t.homeChainId)?.name;
    const origin = t.l1Token ? `, canonical copy of L1 token ${t.l1Token}` : "";
    out(`  ${t.symbol.padEnd(6)} ${t.decimals} decimals, home ${home} (${t.homeToken})${origin}`);
  }
  const setSize = d.manifest.guardianSet.guardians.length;
  out(`services   (guardian set: ${d.manifest.guardianSet.threshold} of ${setSize}, plus standby guardians)`);
  d.ports.guardians.forEach((p, i) =>
    out(
      `  guardian-${i}  http://127.0.0.1:${p}  (/healthz, /metrics, /v1/messages/:msgId)${i >= setSize ? "  standby" : ""}`,
    ),
  );
  d.ports.relayers.forEach((p, i) => out(`  relayer-${i}   http://127.0.0.1:${p}  (/healthz, /metrics)`));
  out(`  monitor     http://127.0.0.1:${d.ports.monitor}  (/healthz, /metrics)`);
  if (d.explorer) {
    const web = d.explorer.webDir ? "web app at /, " : "";
    out(`  explorer    ${d.explorer.url}  (${web}/v1/messages, /v1/routes, /v1/stream, /openapi.json)`);
    out(
      d.explorer.webDir
        ? `web app    ${d.explorer.url}/  (bridge, follow, history, escape: a browser wallet holding a dev user key from the manifest's devKeys.users)`
        : "web app    not built: run `npm run build`, then `npm run devnet` again",
    );
  }
  d.ports.rollups.forEach((p, i) =>
    out(
      `  op-stack-${d.manifest.chains.filter((c) => c.rollup)[i]?.name}  http://127.0.0.1:${p}  (devnet stand-ins for OP's node software: output proposer + deposit executor)`,
    ),
  );
  if (d.manifest.escape) {
    out(
      `escape hatch ${d.manifest.escape.escapeHatch} on l1; OP Stack finalization window ${d.options.finalizationSeconds} s (7 days on OP Mainnet): bridge escape <msgId>`,
    );
  }
  const council = d.manifest.chains.find((c) => c.governance)?.governance;
  out(
    `governance (every chain: council Safe, ${council?.threshold} of ${council?.owners.length} dev owners; its TimelockController holds GOVERNOR)`,
  );
  out(
    `  governance delay ${d.options.governanceDelaySeconds} s: far below the escape duration, allowed only on this devnet`,
  );
  for (const c of d.manifest.chains) {
    if (c.governance) out(`  ${c.name.padEnd(4)} safe ${c.governance.safe}  timelock ${c.governance.timelock}`);
  }
  const env = isDefault ? "" : `MANIFEST=${manifestPath} `;
  const [a, b] = d.manifest.chains.filter((c) => c.gateway);
  out("\ntry (the first dev user signs by default; --key or BRIDGE_KEY for another key):");
  out(`  ${env}npx bridge balances`);
  out(`  ${env}npx bridge transfer --from ${a!.name} --to ${b!.name} --token ALPHA --amount 5`);
  out(`  ${env}npx bridge transfer --from ${b!.name} --to ${a!.name} --token BETA --amount 2.5 --recipient <address>`);
  out(
    `  ${env}npx bridge transfer --from ${a!.name} --to ${b!.name} --token ALPHA --amount 20000   # above the fast limit: delayed`,
  );
  out(`  ${env}npx bridge status <msgId|txHash>`);
  out(`  ${env}npx bridge council pause --chain ${a!.name} --signer 1   # then --signer 2: 2 of 3 owners`);
  out(`  ${env}npx bridge council propose unpause --chain ${a!.name} --signer 1   # then --signer 2; timelocked`);
  out(`  ${env}npx bridge council pending`);
}

/** L2-A → L2-B and back, through the same SDK calls as `bridge transfer` (quote, send, track). */
async function demo(d: Devnet, signal: AbortSignal) {
  const client = new BridgeClient(d.manifest);
  const account = privateKeyToAccount(d.manifest.devKeys!.users[0] as Hex);
  const [a, b] = client.gatewayChains;
  const legs = [
    { from: a!, to: b! },
    { from: b!, to: a! },
  ];
  out(`\ndemo: 5 ALPHA ${a!.name} → ${b!.name} and back, sent by ${account.address}`);
  for (const leg of legs) {
    if (signal.aborted) return;
    const legStart = Date.now();
    const request = { from: leg.from.name, to: leg.to.name, token: "ALPHA", amount: "5", sender: account.address };
    const quote = await client.quote(request);
    out(`\n${leg.from.name} → ${leg.to.name}  (${quote.path.kind} path, about ${quote.estimatedSeconds} s)`);
    const printer = new ProgressPrinter({ write: (t: string) => process.stdout.write(t) }, legStart, "  ");
    const sent = await client.sendTransfer(request, walletClientFor(leg.from, account), {
      signal,
      onProgress: (p) => {
        if (p.step === "approve" && p.status === "submitted") printer.note(`approve  ${p.hash}`);
      },
    });
    const last = await client.follow(sent, { onUpdate: (o) => printer.update(o), signal, timeoutMs: 120_000 });
    if (!last.status.final) {
      printer.stop();
      out(
        `  demo ${signal.aborted ? "interrupted" : "timed out"} at stage ${last.status.stage}: bridge status ${sent.msgId}`,
      );
      return;
    }
    printer.finish(last);
  }
}

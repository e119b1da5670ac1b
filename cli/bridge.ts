/**
 * `bridge`: the Portcullis user CLI, a thin shell over `@portcullis/sdk` (it maps flags and keys
 * onto the SDK's requests and prints the SDK's sentences).
 *
 *   bridge transfer --from <chain> --to <chain> --token <symbol|address> --amount <decimal>
 *                   [--recipient <address>] [--deadline <seconds>] [--drop-off <eth>]
 *                   [--self-relay] [--key <hex>] [--no-follow] [--timeout <seconds>]
 *   bridge status <msgId|txHash> [--follow] [--json]
 *   bridge relay <msgId|txHash> [--key <hex>]       deliver your own message (relayers stalled)
 *   bridge balances [--address <address>] [--json]
 *   bridge escape <msgId|txHash> [--to-l1] [--key <hex>] [--timeout <seconds>]
 *   bridge council pause|veto|propose|cancel|sign|pending|execute …   (cli/council.ts)
 *
 * Environment: MANIFEST (deployment manifest, default .devnet/manifest.json), BRIDGE_KEY (signing
 * key; on a devnet manifest the first funded dev user is the default).
 *
 * Bad input gets one sentence on stderr and exit code 1, and nothing is sent: every check runs
 * before the first transaction. A transfer that ends vetoed or cancelled exits 3; one still in
 * flight when --timeout passes exits 4; Ctrl-C while following exits 130 (the transfer goes on).
 */
import { Command, Option } from "commander";
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  AlreadyDeliveredError,
  BridgeClient,
  escapeStageText,
  observeEscape,
  ChainUnreachableError,
  formatEth,
  formatTokens,
  isoTime,
  ManifestError,
  MessageNotFoundError,
  parseAddress,
  parseMessageRef,
  PortcullisError,
  ProgressPrinter,
  type Manifest,
  type Observation,
  type Quote,
  type SentRecord,
} from "@portcullis/sdk";
import { loadManifest } from "@portcullis/sdk/node";
import { walletClientFor } from "../core/chains.js";
import { registerCouncilCommands } from "./council.js";
import { registerEscapeCommand } from "./escape-command.js";
import { parseDeadline, parseTimeoutMs, resolveKey } from "./options.js";
import { balancesJson, describeBalances, describeStatus, statusJson } from "./report.js";

const EXIT = { inputError: 1, notExecuted: 3, timedOut: 4, interrupted: 130 } as const;

const manifestOption = () =>
  new Option("--manifest <path>", "deployment manifest").env("MANIFEST").default(".devnet/manifest.json");
const keyOption = () =>
  new Option("--key <hex>", "private key that signs (default: BRIDGE_KEY, or the first dev user on a devnet)");

const program = new Command("bridge")
  .description("Portcullis cross-rollup token bridge: move tokens between L2s and follow them.")
  .configureOutput({ outputError: (text, write) => write(text) });

program
  .command("transfer")
  .description("send tokens to another chain and follow the transfer until it executes")
  .requiredOption("--from <chain>", "source chain (name or chain id)")
  .requiredOption("--to <chain>", "destination chain (name or chain id)")
  .requiredOption("--token <token>", "token symbol or address")
  .requiredOption("--amount <decimal>", "amount in whole tokens, e.g. 1.5")
  .option("--recipient <address>", "who receives the tokens on the destination (default: the sender)")
  .option(
    "--deadline <seconds>",
    "how long the transfer stays deliverable; after that it can be escaped through L1 (default: the gateway's, 1 day)",
  )
  .option(
    "--drop-off <eth>",
    "native gas (ETH) the recipient receives on the destination with the tokens, paid here with the fee (capped by governance)",
  )
  .option(
    "--self-relay",
    "pay no delivery fee and deliver the message yourself (relayers leave unpaid messages alone); needs ETH on the destination",
  )
  .addOption(keyOption())
  .addOption(manifestOption())
  .option("--no-follow", "print the message id once sent and exit")
  .option("--timeout <seconds>", "stop following after this many seconds (exit 4)")
  .action((opts) => run(() => transfer(opts)));

program
  .command("status")
  .description("show where a transfer is, by message id or by the hash of its send transaction")
  .argument("<msgIdOrTxHash>", "message id or transaction hash (0x + 64 hex digits)")
  .option("--follow", "keep following until the transfer executes")
  .option("--json", "print machine-readable JSON")
  .addOption(manifestOption())
  .action((id: string, opts) => run(() => status(id, opts)));

program
  .command("relay")
  .description(
    "deliver your own message with the guardians' signatures (when relayers stall but guardians are up); anyone may",
  )
  .argument("<msgIdOrTxHash>", "message id or the hash of its send transaction")
  .addOption(keyOption())
  .addOption(manifestOption())
  .action((id: string, opts) => run(() => relay(id, opts)));

program
  .command("balances")
  .description("balances of every bridged token on every chain, plus locked and minted supply")
  .option("--address <address>", "whose balances (default: the signing key's address)")
  .addOption(keyOption())
  .option("--json", "print machine-readable JSON")
  .addOption(manifestOption())
  .action((opts) => run(() => balances(opts)));

registerCouncilCommands(program, { run, load: async (path) => (await load(path)).manifest });
registerEscapeCommand(program, { run, load });

// -----------------------------------------------------------------------------------------------

interface TransferOptions {
  from: string;
  to: string;
  token: string;
  amount: string;
  recipient?: string;
  deadline?: string;
  dropOff?: string;
  selfRelay?: boolean;
  key?: string;
  manifest: string;
  follow: boolean;
  timeout?: string;
}

async function transfer(opts: TransferOptions) {
  const startedAt = Date.now();
  const timeoutMs = opts.timeout === undefined ? undefined : parseTimeoutMs(opts.timeout);
  const deadlineSeconds = opts.deadline === undefined ? undefined : parseDeadline(opts.deadline);
  const { manifest, client } = await load(opts.manifest);
  const account = privateKeyToAccount(resolveKey(manifest, opts.key, process.env));
  const request = {
    from: opts.from,
    to: opts.to,
    token: opts.token,
    amount: opts.amount,
    recipient: opts.recipient,
    sender: account.address,
    deadlineSeconds,
    dropOff: opts.dropOff,
    payFee: !opts.selfRelay,
  };
  const quote = await client.quote(request);
  const t = quote.transfer;
  const out = process.stdout;
  const tokens = formatTokens(t.amount, t.token.decimals, t.token.symbol);
  out.write(`sending ${tokens} from ${account.address} on ${t.from.name} to ${t.recipient} on ${t.to.name}\n`);
  out.write(`fee: ${feeLine(quote)}\n`);
  const note = pathNote(quote);
  if (note) out.write(`note: ${note}\n`);
  const printer = new ProgressPrinter(out, startedAt);
  const sent = await client.sendTransfer(request, walletClientFor(t.from, account), {
    onProgress: (p) => {
      if (p.step === "approve" && p.status === "submitted") {
        printer.note(`approving the ${t.from.name} gateway to take ${tokens} (tx ${p.hash})`);
      }
    },
  });
  if (!quote.fee.paid) {
    // Relayers leave an unpaid message alone: the sender delivers it once the guardians sign.
    out.write(`sent: msg ${sent.msgId} (tx ${sent.txHash}); relaying it yourself\n`);
    await selfRelayWhenSigned(client, sent, account, printer, timeoutMs);
    if (process.exitCode !== undefined || !opts.follow) return;
  } else if (!opts.follow) {
    out.write(`sent: msg ${sent.msgId} (tx ${sent.txHash})\nfollow it with: bridge status ${sent.msgId} --follow\n`);
    return;
  }
  await followToEnd(client, sent, printer, timeoutMs);
}

/** "0.0002 ETH delivery (+ 0.0101 ETH for 0.01 ETH of gas on l2b)", or the self-relay note. */
function feeLine(q: Quote): string {
  const f = q.fee;
  const dropOff =
    f.dropOff > 0n ? ` + ${formatEth(f.dropOffCost)} for ${formatEth(f.dropOff)} of gas on ${q.transfer.to.name}` : "";
  if (!f.paid) {
    return `none paid (the quote is ${formatEth(f.quote)}): relayers leave unpaid messages alone, so this command delivers it itself on ${q.transfer.to.name}${f.dropOff > 0n ? ", supplying the drop-off" : ""}`;
  }
  return `${formatEth(f.amount)} (${formatEth(f.delivery)} delivery${dropOff}), paid on ${q.transfer.from.name} with the send`;
}

/** Waits until the guardians sign `sent`, then delivers it with the sender's key (a self-relayed transfer). */
async function selfRelayWhenSigned(
  client: BridgeClient,
  sent: SentRecord,
  account: ReturnType<typeof privateKeyToAccount>,
  printer: ProgressPrinter,
  timeoutMs?: number,
) {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  for (;;) {
    const o = await client.status(sent);
    printer.update(o);
    if (o.status.reason.kind === "self-relay" || o.status.reason.kind === "relayer") break;
    // Delivered by someone else (a relayer that delivers everything), or it never will be.
    if (o.status.stage === "delivered" || o.status.final) return;
    if (o.status.reason.kind === "expired" || o.status.reason.kind === "rejected") return;
    if (Date.now() >= deadline) {
      printer.stop();
      process.stdout.write(`timed out waiting for the guardians; relay it later with: bridge relay ${sent.msgId}\n`);
      process.exitCode = EXIT.timedOut;
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    const result = await client.relay(sent, walletClientFor(sent.dest, account));
    printer.note(`delivered it yourself on ${sent.dest.name} (tx ${result.txHash})`);
  } catch (e) {
    if (!(e instanceof AlreadyDeliveredError)) throw e;
    printer.note(`already delivered on ${sent.dest.name}`);
  }
}

/** What the user should know before sending: a transfer that will wait on the destination, and why. */
function pathNote(q: Quote): string | undefined {
  const t = q.transfer;
  const tokens = (v: bigint) => formatTokens(v, t.token.decimals, t.token.symbol);
  if (q.path.kind === "fast") return undefined;
  if (q.path.reason === "above-fast-limit") {
    return `${tokens(t.amount)} is above the fast limit of ${tokens(q.limits.fastLimit)} on ${t.to.name}: after delivery it waits the large-transfer delay (${q.path.delaySeconds} s).`;
  }
  return `the ${t.to.name} inbound rate limit has room for ${tokens(q.limits.inboundAvailable)} now: after delivery the transfer waits the large-transfer delay (${q.path.delaySeconds} s).`;
}

async function followToEnd(client: BridgeClient, sent: SentRecord, printer: ProgressPrinter, timeoutMs?: number) {
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    let last: Observation | undefined;
    const updates = client.track(sent, {
      signal: controller.signal,
      intervalMs: process.stdout.isTTY ? 250 : 500,
      timeoutMs,
    });
    for await (const update of updates) {
      last = update;
      printer.update(update);
    }
    if (!last || !last.status.final) {
      printer.stop();
      const why = controller.signal.aborted ? "interrupted" : "timed out";
      const stage = last?.status.stage ?? "sent";
      process.stdout.write(
        `${why} while the transfer is ${stage}; it goes on without this command: bridge status ${sent.msgId} --follow\n`,
      );
      process.exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.timedOut;
      return;
    }
    printer.finish(last);
    if (last.status.stage !== "executed") process.exitCode = EXIT.notExecuted;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

async function status(id: string, opts: { follow?: boolean; json?: boolean; manifest: string }) {
  const ref = parseMessageRef(id);
  const { client } = await load(opts.manifest);
  const records = await client.findMessages(ref);
  if (records.length === 0)
    throw new MessageNotFoundError(
      ref,
      client.gatewayChains.map((c) => c.name),
    );
  const observations = await Promise.all(records.map((r) => client.status(r)));
  const escapes = await Promise.all(observations.map((o) => escapeLine(client, o)));
  if (opts.json) {
    const json = observations.map((o, i) => {
      const base = statusJson(o) as Record<string, unknown>;
      return escapes[i] ? { ...base, escape: escapes[i] } : base;
    });
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const text = observations.map((o, i) => describeStatus(o) + (escapes[i] ? `\nescape: ${escapes[i]}` : ""));
    process.stdout.write(text.join("\n\n") + "\n");
  }
  if (!opts.follow) return;
  for (const o of observations) {
    if (o.status.final) continue;
    process.stdout.write(`\nfollowing ${o.sent.msgId}\n`);
    await followToEnd(client, o.sent, new ProgressPrinter(process.stdout));
  }
}

/**
 * Where the message's escape through L1 stands, when that is worth saying: it expired
 * undelivered (or was vetoed) and can be escaped, or an escape is under way or done.
 */
async function escapeLine(client: BridgeClient, o: Observation): Promise<string | undefined> {
  if (!client.manifest.escape || o.status.stage === "executed") return undefined;
  const escape = await observeEscape(client, o.sent);
  const stage = escape.stage.stage;
  if (stage === "not-escapable" || stage === "waiting-deadline") return undefined;
  const text = escapeStageText(escape);
  return stage === "cancellable" ? `${text} (bridge escape ${o.sent.msgId})` : text;
}

async function relay(id: string, opts: { key?: string; manifest: string }) {
  const ref = parseMessageRef(id);
  const { manifest, client } = await load(opts.manifest);
  const account = privateKeyToAccount(resolveKey(manifest, opts.key, process.env));
  const sent = await client.findMessage(ref);
  const out = process.stdout;
  const dropOff = sent.message.dropOff > 0n ? `, supplying its ${formatEth(sent.message.dropOff)} drop-off` : "";
  out.write(`relaying ${sent.msgId} (${sent.source.name} → ${sent.dest.name}) from ${account.address}${dropOff}\n`);
  const result = await client.relay(sent, walletClientFor(sent.dest, account));
  out.write(`delivered on ${sent.dest.name} (tx ${result.txHash})\n`);
  if (result.outcome === "executed") {
    out.write(`executed: ${sent.message.recipient} received it on ${sent.dest.name}\n`);
  } else {
    out.write(
      `queued until ${isoTime(result.executableAt!)} (large-transfer delay); follow it with: bridge status ${sent.msgId} --follow\n`,
    );
  }
}

async function balances(opts: { address?: string; key?: string; json?: boolean; manifest: string }) {
  const { manifest, client } = await load(opts.manifest);
  const address: Address =
    opts.address !== undefined
      ? parseAddress(opts.address, "--address")
      : privateKeyToAccount(resolveKey(manifest, opts.key, process.env)).address;
  const report = await client.balances(address);
  process.stdout.write(opts.json ? `${JSON.stringify(balancesJson(report), null, 2)}\n` : describeBalances(report));
}

// -----------------------------------------------------------------------------------------------

/** Loads the manifest and the SDK client over it. */
async function load(manifestPath: string): Promise<{ manifest: Manifest; client: BridgeClient }> {
  const manifest = loadManifest(manifestPath);
  return { manifest, client: new BridgeClient(manifest) };
}

async function run(action: () => Promise<void>) {
  try {
    await action();
  } catch (e) {
    process.exitCode = EXIT.inputError;
    if (e instanceof ChainUnreachableError) {
      process.stderr.write(`error: ${e.shortMessage.replace(/\.$/, "")}; is the devnet running (npm run devnet)?\n`);
      return;
    }
    if (e instanceof PortcullisError) {
      process.stderr.write(`error: ${e.shortMessage}\n`);
      if (process.env.DEBUG && e.details) process.stderr.write(`details: ${e.details}\n`);
      if (process.env.DEBUG) process.stderr.write(`${e.stack}\n`);
      return;
    }
    if (e instanceof ManifestError) {
      process.stderr.write(`error: ${e.message}\n`);
      return;
    }
    const err = e as Error & { shortMessage?: string };
    process.stderr.write(`error: ${err.shortMessage ?? err.message}\n`);
    if (process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
  }
}

await program.parseAsync(process.argv);

/**
 * `bridge`: the Portcullis user CLI.
 *
 *   bridge transfer --from <chain> --to <chain> --token <symbol|address> --amount <decimal>
 *                   [--recipient <address>] [--key <hex>] [--no-follow] [--timeout <seconds>]
 *   bridge status <msgId|txHash> [--follow] [--json]
 *   bridge balances [--address <address>] [--json]
 *   bridge escape <msgId|txHash> [--to-l1] [--key <hex>] [--timeout <seconds>]
 *   bridge council ...               (see cli/council.ts)
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
import { ManifestError, type Manifest } from "../core/manifest.js";
import { loadManifest } from "../core/manifest-file.js";
import { registerCouncilCommands } from "./council.js";
import { registerEscapeCommand } from "./escape-command.js";
import { BridgeInputError, parseAddress } from "@portcullis/sdk";
import { parseMessageRef, parseTimeoutMs, resolveKey } from "./options.js";

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
  key?: string;
  manifest: string;
  follow: boolean;
  timeout?: string;
}

async function transfer(opts: TransferOptions) {
  const startedAt = Date.now();
  const timeoutMs = opts.timeout === undefined ? undefined : parseTimeoutMs(opts.timeout);
  const { manifest, sdk } = await load(opts.manifest);
  const { privateKeyToAccount } = await import("viem/accounts");
  const { ProgressPrinter } = await import("@portcullis/sdk");
  const { formatTokens } = await import("@portcullis/sdk");
  const key = resolveKey(manifest, opts.key, process.env);
  const sender = privateKeyToAccount(key).address;
  const deadlineIn = opts.deadline === undefined ? undefined : parseDeadline(opts.deadline);
  const prepared = await sdk.prepareTransfer(sender, opts);
  const deadline =
    deadlineIn === undefined
      ? undefined
      : (await sdk.client(prepared.from).getBlock({ blockTag: "latest" })).timestamp + BigInt(deadlineIn);

  const out = process.stdout;
  const tokens = formatTokens(prepared.amount, prepared.token.decimals, prepared.token.symbol);
  out.write(
    `sending ${tokens} from ${sender} on ${prepared.from.name} to ${prepared.recipient} on ${prepared.to.name}\n`,
  );
  for (const notice of prepared.notices) out.write(`note: ${notice}\n`);
  const printer = new ProgressPrinter(out, startedAt);
  const sent = await sdk.sendTransfer(sdk.wallet(prepared.from, key), prepared, {
    deadline,
    onApproval: (hash) => printer.note(`approving the ${prepared.from.name} gateway to take ${tokens} (tx ${hash})`),
  });
  if (!opts.follow) {
    out.write(`sent: msg ${sent.msgId} (tx ${sent.txHash})\nfollow it with: bridge status ${sent.msgId} --follow\n`);
    return;
  }
  await followToEnd(sdk, sent, printer, timeoutMs);
}

async function followToEnd(
  sdk: import("@portcullis/sdk").BridgeSdk,
  sent: import("@portcullis/sdk").SentRecord,
  printer: import("@portcullis/sdk").ProgressPrinter,
  timeoutMs?: number,
) {
  const { FINAL_STAGES } = await import("@portcullis/sdk");
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    const state = await sdk.follow(sent, {
      onUpdate: (s) => printer.update(s),
      signal: controller.signal,
      intervalMs: process.stdout.isTTY ? 250 : 500,
      timeoutMs,
    });
    if (!FINAL_STAGES.includes(state.stage)) {
      printer.stop();
      const why = controller.signal.aborted ? "interrupted" : "timed out";
      process.stdout.write(
        `${why} while the transfer is ${state.stage}; it goes on without this command: bridge status ${sent.msgId} --follow\n`,
      );
      process.exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.timedOut;
      return;
    }
    printer.finish(state);
    if (state.stage !== "executed") process.exitCode = EXIT.notExecuted;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

async function status(id: string, opts: { follow?: boolean; json?: boolean; manifest: string }) {
  const ref = parseMessageRef(id);
  const { sdk } = await load(opts.manifest);
  const { findSent } = await import("./escape-command.js");
  const records = await findSent(sdk, ref);
  const { describeStatus, statusJson } = await import("./report.js");
  const states = await Promise.all(records.map((r) => sdk.track(r).poll()));
  const escapes = await Promise.all(states.map((s) => escapeLine(sdk, s)));
  if (opts.json) {
    const json = states.map((s, i) => {
      const base = statusJson(s) as Record<string, unknown>;
      return escapes[i] ? { ...base, escape: escapes[i] } : base;
    });
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const text = states.map((s, i) => describeStatus(s) + (escapes[i] ? `\nescape: ${escapes[i]}` : ""));
    process.stdout.write(text.join("\n\n") + "\n");
  }
  if (!opts.follow) return;
  const { FINAL_STAGES } = await import("@portcullis/sdk");
  const { ProgressPrinter } = await import("@portcullis/sdk");
  for (const state of states) {
    if (FINAL_STAGES.includes(state.stage)) continue;
    process.stdout.write(`\nfollowing ${state.sent.msgId}\n`);
    await followToEnd(sdk, state.sent, new ProgressPrinter(process.stdout));
  }
}

/**
 * Where the message's escape through L1 stands, when that is worth saying: it expired
 * undelivered (or was vetoed) and can be escaped, or an escape is under way or done.
 */
async function escapeLine(
  sdk: import("@portcullis/sdk").BridgeSdk,
  state: import("@portcullis/sdk").TransferState,
): Promise<string | undefined> {
  if (!sdk.manifest.escape || state.stage === "executed") return undefined;
  const { observeEscape, escapeStageText } = await import("@portcullis/sdk");
  const escape = await observeEscape(sdk, state.sent);
  const stage = escape.stage.stage;
  if (stage === "not-escapable" || stage === "waiting-deadline") return undefined;
  const text = escapeStageText(escape);
  return stage === "cancellable" ? `${text} (bridge escape ${state.sent.msgId})` : text;
}

async function balances(opts: { address?: string; key?: string; json?: boolean; manifest: string }) {
  const { manifest, sdk } = await load(opts.manifest);
  let address: Address;
  if (opts.address !== undefined) {
    address = parseAddress(opts.address, "--address");
  } else {
    const { privateKeyToAccount } = await import("viem/accounts");
    address = privateKeyToAccount(resolveKey(manifest, opts.key, process.env)).address;
  }
  const report = await sdk.balances(address);
  const { balancesJson, describeBalances } = await import("./report.js");
  process.stdout.write(opts.json ? `${JSON.stringify(balancesJson(report), null, 2)}\n` : describeBalances(report));
}

// -----------------------------------------------------------------------------------------------

function parseDeadline(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new BridgeInputError(`--deadline "${text}" is not a positive whole number of seconds.`);
  return value;
}

/** Loads the manifest and the SDK over it. */
async function load(manifestPath: string): Promise<{ manifest: Manifest; sdk: import("@portcullis/sdk").BridgeSdk }> {
  const manifest = loadManifest(manifestPath);
  const { BridgeSdk } = await import("@portcullis/sdk");
  return { manifest, sdk: new BridgeSdk(manifest) };
}

async function run(action: () => Promise<void>) {
  try {
    await action();
  } catch (e) {
    process.exitCode = EXIT.inputError;
    if (e instanceof BridgeInputError || e instanceof ManifestError) {
      process.stderr.write(`error: ${e.message}\n`);
      return;
    }
    const err = e as Error & { shortMessage?: string };
    process.stderr.write(`error: ${err.shortMessage ?? err.message}\n`);
    if (process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
  }
}

await program.parseAsync(process.argv);

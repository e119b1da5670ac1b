/**
 * `guardian`: the guardian operator's CLI, a thin client of one guardian's operator routes.
 *
 *   guardian pending                 lists transfers waiting for this operator's approval
 *   guardian approve <msgId>         approves one of them
 *
 * Options (each subcommand): --url (env GUARDIAN_URL), --token (env OPERATOR_TOKEN), --json for
 * machine-readable output, and --manifest (env MANIFEST) to show chain names and whole-token
 * amounts. Errors are one sentence on stderr; exit 2 for bad input, 1 when the guardian cannot
 * be reached or refuses.
 *
 * Run as `node --import tsx cli/guardian.ts ...`.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import type { Hex } from "viem";
import { GuardianApiError, GuardianClient, type MessageView } from "../core/guardian-api.js";
import type { Manifest } from "../core/manifest.js";

const MSG_ID = /^0x[0-9a-fA-F]{64}$/;
const REQUEST_TIMEOUT_MS = 10_000;

/** A failure the operator can act on; `exitCode` 2 means the input was wrong. */
class OperatorError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

interface ConnectionOptions {
  url?: string;
  token?: string;
  json?: boolean;
  manifest?: string;
}

interface Connection {
  url: string;
  token: string;
}

function connection(opts: ConnectionOptions): Connection {
  if (!opts.url) throw new OperatorError("no guardian URL: pass --url <url> or set GUARDIAN_URL.", 2);
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new OperatorError(`--url "${opts.url}" is not a URL (expected e.g. http://127.0.0.1:7001).`, 2);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OperatorError(`--url "${opts.url}" must be an http:// or https:// URL.`, 2);
  }
  if (!opts.token) throw new OperatorError("no operator token: pass --token <token> or set OPERATOR_TOKEN.", 2);
  return { url: url.toString().replace(/\/+$/, ""), token: opts.token };
}

/** Runs one guardian API call, turning its failure into the sentence the operator acts on. */
async function call<T>(conn: Connection, fn: (client: GuardianClient) => Promise<T>): Promise<T> {
  const client = new GuardianClient(conn.url, { operatorToken: conn.token, timeoutMs: REQUEST_TIMEOUT_MS });
  try {
    return await fn(client);
  } catch (e) {
    if (!(e instanceof GuardianApiError)) throw e;
    if (e.kind === "unreachable") {
      throw new OperatorError(
        `cannot reach the guardian at ${conn.url} (${e.detail}); is it running and is --url right?`,
      );
    }
    if (e.status === 401) {
      throw new OperatorError(
        `the guardian at ${conn.url} refused the operator token (HTTP 401); check --token or OPERATOR_TOKEN.`,
      );
    }
    if (e.kind === "invalid-response") throw new OperatorError(`the guardian at ${conn.url} sent an ${e.detail}.`);
    const reason = e.detail ? `: ${e.detail.replace(/\.$/, "")}` : "";
    throw new OperatorError(`the guardian at ${conn.url} answered HTTP ${e.status}${reason}.`);
  }
}

function checkMsgId(msgId: string): string {
  if (!MSG_ID.test(msgId)) {
    throw new OperatorError(`"${msgId}" is not a message id (expected 0x followed by 64 hex digits).`, 2);
  }
  return msgId.toLowerCase();
}

/**
 * Renders a message for the operator. With a manifest, chain names and whole-token amounts; the
 * manifest is loaded only then.
 */
async function describer(manifestPath: string | undefined): Promise<(view: MessageView) => string> {
  let manifest: Manifest | undefined;
  let format = (amount: bigint, _decimals: number) => amount.toString();
  if (manifestPath) {
    const [{ loadManifest }, { formatUnits }] = await Promise.all([import("../core/manifest-file.js"), import("viem")]);
    try {
      manifest = loadManifest(manifestPath);
      format = formatUnits;
    } catch {
      // Display only: without a readable manifest the raw values are shown.
    }
  }
  return (view) => {
    const m = view.message;
    const chainName = (id: string) => manifest?.chains.find((c) => String(c.chainId) === id)?.name ?? id;
    const token = manifest?.tokens.find((t) => t.homeToken.toLowerCase() === m.token.toLowerCase());
    const amount = token ? `${format(BigInt(m.amount), token.decimals)} ${token.symbol}` : `${m.amount} of ${m.token}`;
    return [
      view.msgId,
      `  ${chainName(m.sourceChainId)} -> ${chainName(m.destChainId)}  nonce ${m.nonce}  block ${view.blockNumber}`,
      `  ${amount}  from ${m.sender} to ${m.recipient}`,
    ].join("\n");
  };
}

async function pending(opts: ConnectionOptions) {
  const conn = connection(opts);
  const views = await call(conn, (client) => client.pending());
  if (opts.json) return print(JSON.stringify(views, null, 2));
  if (views.length === 0) return print("No transfers are waiting for approval.");
  const describe = await describer(opts.manifest);
  print(`${views.length} transfer(s) waiting for approval:\n`);
  for (const view of views) print(`${describe(view)}\n`);
}

async function approve(msgId: string, opts: ConnectionOptions) {
  const id = checkMsgId(msgId);
  const conn = connection(opts);
  const view = await call(conn, (client) => client.approve(id as Hex));
  if (opts.json) return print(JSON.stringify(view, null, 2));
  print(`Approved ${view.msgId}: now ${view.state}.`);
  print((await describer(opts.manifest))(view));
}

function print(line: string) {
  process.stdout.write(`${line}\n`);
}

function withConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option("--url <url>", "guardian base URL").env("GUARDIAN_URL"))
    .addOption(new Option("--token <token>", "operator token").env("OPERATOR_TOKEN"))
    .addOption(new Option("--manifest <path>", "deployment manifest, for names and amounts").env("MANIFEST"))
    .option("--json", "print JSON");
}

export function guardianProgram(): Command {
  const program = new Command("guardian")
    .description("Operate a Portcullis guardian: review and approve large transfers.")
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });
  withConnectionOptions(
    program.command("pending").description("list transfers waiting for this operator's approval"),
  ).action((opts: ConnectionOptions) => pending(opts));
  withConnectionOptions(
    program
      .command("approve")
      .description("approve a transfer above the guardian's approval threshold")
      .argument("<msgId>", "message id (0x + 64 hex digits)"),
  ).action((msgId: string, opts: ConnectionOptions) => approve(msgId, opts));
  return program;
}

export async function runGuardianCli(argv: readonly string[]): Promise<number> {
  const program = guardianProgram().exitOverride();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof OperatorError) {
      process.stderr.write(`guardian: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof CommanderError) {
      // Commander already printed the usage problem, or the help (which is not an error).
      return e.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`guardian: unexpected error: ${(e as Error).message}\n`);
    return 1;
  }
}

/**
 * Runs when this file is the entry point (`node --import tsx cli/guardian.ts`) or is imported by
 * the `guardian` bin (cli/bin/guardian.mjs, possibly through a node_modules/.bin symlink); stays
 * inert when imported by tests.
 */
function invokedAsCli(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  let path: string;
  try {
    path = realpathSync(entry);
  } catch {
    return false;
  }
  return path === fileURLToPath(import.meta.url) || /[\\/]bin[\\/]guardian(\.[cm]?js)?$/.test(path);
}

if (invokedAsCli()) process.exitCode = await runGuardianCli(process.argv.slice(2));

/**
 * `bridge escape <msgId>`: gets a stuck transfer's funds back through L1, each step as soon as it
 * is allowed (see sdk/escape.ts for the steps). Every step is read back from the chains before it
 * is taken, so the command can be interrupted and run again at any point: it resumes where the
 * escape stands. Exit codes: 0 refunded, 1 bad input, 3 nothing to escape (delivered), 4 timed out
 * (the escape goes on: run the command again), 130 interrupted.
 */
import type { Command } from "commander";
import { Option } from "commander";
import { privateKeyToAccount } from "viem/accounts";
import {
  advanceEscape,
  escapeStageText,
  InvalidInputError,
  isoTime,
  observeEscape,
  parseMessageRef,
  seconds,
  sleep,
  type BridgeClient,
  type Manifest,
} from "@portcullis/sdk";
import { walletClientFor } from "../core/chains.js";
import { parseTimeoutMs, resolveKey } from "./options.js";

const EXIT = { notEscapable: 3, timedOut: 4, interrupted: 130 } as const;

export interface EscapeCommandDeps {
  run: (action: () => Promise<void>) => Promise<void>;
  load: (manifestPath: string) => Promise<{ manifest: Manifest; client: BridgeClient }>;
}

export function registerEscapeCommand(program: Command, deps: EscapeCommandDeps): void {
  program
    .command("escape")
    .description("recover a stuck transfer through L1 (after its deadline), without guardians or relayers")
    .argument("<msgIdOrTxHash>", "message id or the hash of its send transaction")
    .option("--to-l1", "refund on L1 instead of the source L2 (sender only; tokens with an L1 origin)")
    .addOption(
      new Option("--key <hex>", "private key that pays for the steps (default: BRIDGE_KEY, or the first dev user)"),
    )
    .addOption(new Option("--manifest <path>", "deployment manifest").env("MANIFEST").default(".devnet/manifest.json"))
    .option("--timeout <seconds>", "stop after this many seconds (exit 4; run again to resume)")
    .action((id: string, opts: EscapeOptions) => deps.run(() => escape(deps, id, opts)));
}

interface EscapeOptions {
  toL1?: boolean;
  key?: string;
  manifest: string;
  timeout?: string;
}

async function escape(deps: EscapeCommandDeps, id: string, opts: EscapeOptions) {
  const timeoutMs = opts.timeout === undefined ? Infinity : parseTimeoutMs(opts.timeout);
  const { manifest, client } = await deps.load(opts.manifest);
  const account = privateKeyToAccount(resolveKey(manifest, opts.key, process.env));
  const sent = await client.findMessage(parseMessageRef(id));
  if (opts.toL1) {
    // Checked before anything is sent: the gateway would refuse it anyway.
    const caller = account.address;
    if (caller.toLowerCase() !== sent.message.sender.toLowerCase()) {
      throw new InvalidInputError(
        `only the sender (${sent.message.sender}) can ask for the refund on L1, and this key is ${caller}; use the sender's key or drop --to-l1.`,
      );
    }
  }
  const out = process.stdout;
  out.write(
    `escaping ${sent.msgId} (${sent.source.name} → ${sent.dest.name}, deadline ${isoTime(Number(sent.message.deadline))})\n`,
  );

  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  const startedAt = Date.now();
  let last = "";
  try {
    for (;;) {
      const state = await observeEscape(client, sent);
      const text = escapeStageText(state);
      // Countdowns change every second; print a line when the stage itself changes.
      const stageKey = `${state.stage.stage}:${"leg" in state.stage ? state.stage.leg : ""}:${"withdrawal" in state.stage ? state.stage.withdrawal.status : ""}`;
      if (stageKey !== last) {
        out.write(`[${seconds(Date.now() - startedAt)}] ${text}\n`);
        last = stageKey;
      }
      if (state.stage.stage === "not-escapable") {
        process.exitCode = EXIT.notEscapable;
        return;
      }
      if (state.stage.stage === "done") {
        if (state.refundOnL1 && !state.stage.onL1) {
          out.write("note: the token has no L1 origin on the source chain, so the refund was paid there instead.\n");
        }
        out.write(`refund transaction on ${sent.source.name}: ${state.stage.refundTx}\n`);
        return;
      }
      if (state.cancelTx === undefined && state.stage.stage === "cancellable" && opts.toL1) {
        out.write("asking for the refund on L1\n");
      }
      const tx = await advanceEscape(client, state, (chain) => walletClientFor(chain, account), {
        refundOnL1: opts.toL1 === true,
      });
      if (tx) {
        out.write(`[${seconds(Date.now() - startedAt)}] sent ${tx}\n`);
        continue;
      }
      if (controller.signal.aborted || Date.now() - startedAt >= timeoutMs) {
        const why = controller.signal.aborted ? "interrupted" : "timed out";
        out.write(`${why}; nothing is lost: run \`bridge escape ${sent.msgId}\` again to resume.\n`);
        process.exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.timedOut;
        return;
      }
      await sleep(1_000, controller.signal);
    }
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

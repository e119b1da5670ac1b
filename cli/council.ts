/**
 * `bridge council …`: the security council's commands (see cli/README.md).
 *
 *   council pause --chain <c> --signer <key>                 instant: Safe tx → gateway.pause()
 *   council veto <msgId> [--chain <c>] --signer <key>         instant: Safe tx → gateway.veto(msgId)
 *   council propose <action> --chain <c> [options] --signer   timelocked: Safe tx → timelock.scheduleBatch
 *       actions: set-guardians --guardians a,b,c --threshold t [--grace s] [--allow-weak-threshold]
 *                set-threshold --threshold t [--grace s] [--allow-weak-threshold]
 *                set-limits --token T [--fast n] [--inbound cap/perSec] [--outbound cap/perSec]
 *                set-delay --seconds s [--governance [--allow-short-delay]]
 *                add-route --remote <chain>
 *                unpause
 *   council cancel <operationId> --chain <c> --signer <key>   Safe tx → timelock.cancel
 *   council sign <safeTxHash> --signer <key>                  add a signature to a stored Safe tx
 *   council pending [--chain <c>] [--json]                    timelock operations and unsigned Safe txs
 *   council execute <operationId> --chain <c> [--key <key>]   run a ready operation (anyone may)
 *
 * Each owner signs separately with `--signer` (or COUNCIL_KEY; on a devnet manifest `--signer 1`
 * is the first dev council owner). Signatures wait in COUNCIL_STORE (default
 * council/pending.json next to the manifest) until the Safe's threshold; the owner whose
 * signature completes it executes the Safe transaction. Every input check runs before anything
 * is signed.
 */
import { Option, type Command } from "commander";
import type { Hex } from "viem";
import {
  Gateway,
  gatewayChains,
  InvalidInputError,
  isoTime,
  resolveChain,
  type GatewayChain,
  type Manifest,
} from "@portcullis/sdk";
import type { ChainView, Council, GovernedChain, SubmitResult } from "@portcullis/sdk/council";
import { councilSigner, parseHash, parseProposal } from "./council-input.js";

export interface CouncilCliDeps {
  run: (action: () => Promise<void>) => Promise<void>;
  load: (manifestPath: string) => Promise<Manifest>;
}

const manifestOption = () =>
  new Option("--manifest <path>", "deployment manifest").env("MANIFEST").default(".devnet/manifest.json");
const signerOption = () =>
  new Option("--signer <key>", "owner key that signs (hex; on a devnet 1, 2 or 3 picks a dev council owner)").env(
    "COUNCIL_KEY",
  );

export function registerCouncilCommands(program: Command, deps: CouncilCliDeps): void {
  const council = program
    .command("council")
    .description("security council: instant pause and veto, timelocked governance through the Safe");

  council
    .command("pause")
    .description("pause a gateway now (Safe transaction, PAUSER_ROLE)")
    .requiredOption("--chain <chain>", "the L2 whose gateway to pause")
    .addOption(signerOption())
    .addOption(manifestOption())
    .action((opts) =>
      deps.run(async () => {
        const { manifest, council, actions } = await open(deps, opts.manifest);
        const l2 = resolveChain(manifest, opts.chain);
        const signer = councilSigner(manifest, opts.signer);
        report(await council.instant(council.chain(l2.name), actions.pauseCall(l2), signer), "pause executed");
      }),
    );

  council
    .command("veto")
    .description("veto a queued message now (Safe transaction, VETO_ROLE)")
    .argument("<msgId>", "message id (0x + 64 hex digits)")
    .option("--chain <chain>", "destination chain (default: the one where the message is queued)")
    .addOption(signerOption())
    .addOption(manifestOption())
    .action((msgIdText: string, opts) =>
      deps.run(async () => {
        const { manifest, council, actions } = await open(deps, opts.manifest);
        const msgId = parseHash(msgIdText, "a message id");
        const signer = councilSigner(manifest, opts.signer);
        const l2 = opts.chain ? resolveChain(manifest, opts.chain) : await findQueued(manifest, council, msgId);
        report(await council.instant(council.chain(l2.name), actions.vetoCall(l2, msgId), signer), "veto executed");
      }),
    );

  council
    .command("propose")
    .description("schedule a governance change on the timelock through the Safe")
    .argument("<action>", "set-guardians | set-threshold | set-limits | set-delay | add-route | unpause")
    .requiredOption("--chain <chain>", "the L2 whose gateway the change applies to")
    .option("--guardians <addresses>", "set-guardians: comma-separated guardian addresses")
    .option("--threshold <n>", "set-guardians, set-threshold: signatures required")
    .option("--grace <seconds>", "set-guardians, set-threshold: how long the previous set keeps verifying", "86400")
    .option("--allow-weak-threshold", "accept a guardian threshold below two thirds of the set")
    .option("--token <token>", "set-limits: token symbol or address")
    .option("--fast <amount>", "set-limits: fast limit in whole tokens")
    .option("--inbound <capacity/perSecond>", "set-limits: inbound bucket in whole tokens")
    .option("--outbound <capacity/perSecond>", "set-limits: outbound bucket in whole tokens")
    .option("--seconds <n>", "set-delay: the new delay")
    .option("--governance", "set-delay: change the timelock's own delay instead of the large-transfer delay")
    .option("--allow-short-delay", "set-delay --governance: accept a delay below the escape duration (devnet)")
    .option("--remote <chain>", "add-route: the chain to route to")
    .addOption(signerOption())
    .addOption(manifestOption())
    .action((actionText: string, opts) =>
      deps.run(async () => {
        const { manifest, council, actions } = await open(deps, opts.manifest);
        const proposal = parseProposal(manifest, actionText, opts);
        const l2 = resolveChain(manifest, opts.chain);
        const chain = council.chain(l2.name);
        const signer = councilSigner(manifest, opts.signer);
        const view = await chainView(council, chain);
        const calls = proposalCalls(actions, manifest, l2, proposal, view);
        for (const c of calls) process.stdout.write(`proposal: ${c.description}\n`);
        const result = await council.propose(chain, calls, signer);
        report(result, "scheduled on the timelock");
        if (result.executedTx && result.operationId) {
          const op = await council.operation(chain, result.operationId);
          process.stdout.write(
            `operation ${op.id} ready at ${isoTime(op.readyAt)}; then anyone runs: bridge council execute ${op.id} --chain ${chain.name}\n`,
          );
        }
      }),
    );

  council
    .command("cancel")
    .description("cancel a scheduled timelock operation (Safe transaction; the Safe is the canceller)")
    .argument("<operationId>", "timelock operation id")
    .requiredOption("--chain <chain>", "chain of the timelock")
    .addOption(signerOption())
    .addOption(manifestOption())
    .action((idText: string, opts) =>
      deps.run(async () => {
        const { manifest, council, actions } = await open(deps, opts.manifest);
        const id = parseHash(idText, "an operation id");
        const chain = council.chain(opts.chain);
        const signer = councilSigner(manifest, opts.signer);
        const op = await council.operation(chain, id);
        if (op.state !== "waiting" && op.state !== "ready") {
          throw new InvalidInputError(`operation ${id} is ${op.state}; only a pending operation can be cancelled.`);
        }
        report(await council.cancel(chain, id, signer), "operation cancelled");
      }),
    );

  council
    .command("sign")
    .description("add your signature to a stored council Safe transaction")
    .argument("<safeTxHash>", "Safe transaction hash (from `council pending`)")
    .addOption(signerOption())
    .addOption(manifestOption())
    .action((hashText: string, opts) =>
      deps.run(async () => {
        const { manifest, council, actions } = await open(deps, opts.manifest);
        const hash = parseHash(hashText, "a Safe transaction hash");
        report(await council.sign(hash, councilSigner(manifest, opts.signer)), "executed");
      }),
    );

  council
    .command("pending")
    .description(
      "timelock operations not yet executed (with their ready time) and Safe transactions awaiting signatures",
    )
    .option("--chain <chain>", "only this chain")
    .option("--all", "include executed and cancelled operations")
    .option("--json", "print machine-readable JSON")
    .addOption(manifestOption())
    .action((opts) =>
      deps.run(async () => {
        const { manifest, council } = await open(deps, opts.manifest);
        const chains = opts.chain
          ? [council.chain(opts.chain)]
          : manifest.chains.filter((c) => c.governance).map((c) => council.chain(c.name));
        const ops = (await Promise.all(chains.map((c) => council.operations(c)))).flat();
        const shown = opts.all ? ops : ops.filter((o) => o.state === "waiting" || o.state === "ready");
        const unsigned = Object.entries(council.store.all()).filter(([, e]) => chains.some((c) => c.name === e.chain));
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ operations: shown, safeTransactions: Object.fromEntries(unsigned) }, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`,
          );
          return;
        }
        const now = Math.floor(Date.now() / 1000);
        if (shown.length === 0) process.stdout.write("no pending timelock operations\n");
        for (const op of shown) {
          const when =
            op.state === "waiting"
              ? `ready at ${isoTime(op.readyAt)} (in ${Math.max(0, op.readyAt - now)} s)`
              : op.state;
          process.stdout.write(`${op.chain}  ${op.id}  ${when}\n`);
          for (const c of op.calls) process.stdout.write(`    ${c.target}  ${c.description}\n`);
        }
        for (const [hash, e] of unsigned) {
          const n = Object.keys(e.signatures).length;
          const threshold = manifest.chains.find((c) => c.name === e.chain)?.governance?.threshold ?? 0;
          process.stdout.write(
            `${e.chain}  Safe tx ${hash} (nonce ${e.tx.nonce}, ${e.kind}): ${n} of ${threshold} signatures, ${Math.max(0, threshold - n)} missing\n`,
          );
          for (const d of e.description) process.stdout.write(`    ${d}\n`);
        }
      }),
    );

  council
    .command("execute")
    .description("execute a timelock operation whose delay has passed (anyone may)")
    .argument("<operationId>", "timelock operation id")
    .requiredOption("--chain <chain>", "chain of the timelock")
    .option("--key <hex>", "key that pays for the transaction (default: COUNCIL_KEY, or a dev council owner)")
    .addOption(manifestOption())
    .action((idText: string, opts) =>
      deps.run(async () => {
        const { manifest, council, actions } = await open(deps, opts.manifest);
        const id = parseHash(idText, "an operation id");
        const chain = council.chain(opts.chain);
        // Anyone may execute: any funded key pays; on a devnet the first council owner by default.
        const payer = opts.key ?? (process.env.COUNCIL_KEY || (manifest.network === "devnet" ? "1" : undefined));
        const tx = await council.execute(chain, id, councilSigner(manifest, payer));
        process.stdout.write(`executed operation ${id} on ${chain.name} (tx ${tx})\n`);
      }),
    );
}

/** `buildProposal`, its two "accept it explicitly" refusals told with the flag that accepts them. */
function proposalCalls(
  actions: typeof import("@portcullis/sdk/council"),
  ...args: Parameters<(typeof import("@portcullis/sdk/council"))["buildProposal"]>
) {
  try {
    return actions.buildProposal(...args);
  } catch (e) {
    if (e instanceof actions.WeakThresholdError) {
      throw new InvalidInputError(
        `--threshold ${e.threshold} of ${e.guardians} is below the two-thirds minimum ${e.minimum}; pass --allow-weak-threshold if you really mean it.`,
      );
    }
    if (e instanceof actions.ShortGovernanceDelayError) {
      throw new InvalidInputError(
        `--seconds ${e.seconds} is shorter than an escape through L1 (${e.escapeDurationSeconds} s): users could not leave before a change lands; pass --allow-short-delay only on a devnet.`,
      );
    }
    throw e;
  }
}

async function open(deps: CouncilCliDeps, manifestPath: string) {
  const manifest = await deps.load(manifestPath);
  const actions = await import("@portcullis/sdk/council");
  const { defaultStorePath, FileCouncilStore } = await import("@portcullis/sdk/node");
  return {
    manifest,
    council: new actions.Council(manifest, new FileCouncilStore(defaultStorePath(manifestPath, process.env))),
    actions,
  };
}

async function chainView(council: Council, chain: GovernedChain): Promise<ChainView> {
  const { DEFAULT_ESCAPE_TIMING, escapeDurationSeconds } = await import("../deploy/governance.js");
  const { guardians } = await new Gateway(chain.gateway!, council.client(chain)).currentGuardianSet();
  return {
    guardians,
    escapeDurationSeconds: escapeDurationSeconds(DEFAULT_ESCAPE_TIMING),
    timelock: chain.governance.timelock,
  };
}

async function findQueued(manifest: Manifest, council: Council, msgId: Hex): Promise<GatewayChain> {
  for (const chain of gatewayChains(manifest)) {
    const queued = await new Gateway(chain.gateway, council.client(chain)).queuedMessage(msgId);
    if (queued.status === "Queued") return chain;
  }
  throw new InvalidInputError(
    `message ${msgId} is not queued on any gateway; nothing to veto (pass --chain to insist).`,
  );
}

function report(r: SubmitResult, done: string) {
  const out = process.stdout;
  const signed = r.alreadySigned ? "already signed by this owner" : "signed";
  out.write(
    `Safe tx ${r.safeTxHash} (nonce ${r.nonce}): ${signed}; ${r.signatures} of ${r.threshold} signatures, ${r.missing} missing\n`,
  );
  if (r.executedTx) {
    out.write(`${done} (tx ${r.executedTx})\n`);
  } else if (r.waitingForNonce !== undefined) {
    out.write(
      `threshold met, but the Safe is at nonce ${r.waitingForNonce}: execute the earlier council transaction first\n`,
    );
  } else {
    out.write(
      `another owner signs with the same command and --signer, or: bridge council sign ${r.safeTxHash} --signer <key>\n`,
    );
  }
}

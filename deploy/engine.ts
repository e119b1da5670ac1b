/**
 * The deployment engine behind `portcullis-deploy plan | apply | check` (docs/deploy.md):
 *
 *   inspect  check every RPC serves its chain and the config's OP Stack contracts belong together
 *            (`escape.ts`), read the token facts, compute what the config asks for
 *            (`desired.ts`), read what is on every chain (`observe.ts`), and compare (`plan.ts`);
 *   apply    send every fixing transaction (`execute.ts`), read again, and build the manifest
 *            every service and the CLI read. Idempotent: each step is derived from the chain, so
 *            a re-run — after a crash, a kill, a reverted step — sends only what is still missing,
 *            and CREATE2 addresses make a second creation of the same contract impossible;
 *   check    the differences that remain (drift).
 *
 * The devnet deploys through this same engine (`devnet/deploy.ts`).
 */
import type { Address, PublicClient } from "viem";
import { publicClientFor, walletClientFor } from "../core/chains.js";
import { parseManifest, type ChainInfo, type Manifest, type RollupInfo } from "../core/manifest.js";
import type { Signer } from "../core/signer.js";
import type { DeployConfig } from "./config.js";
import { CREATE2_DEPLOYER_SIGNER } from "./create2.js";
import { desiredDeployment, type Desired } from "./desired.js";
import { EscapeContractsError, opStackContractProblems } from "./escape.js";
import { executeSteps, settlePending, type ChainSender } from "./execute.js";
import { safeContractAddresses } from "./governance.js";
import { observe, readTokenFacts, type ObserveOptions, type Observed } from "./observe.js";
import { reconcile, stepsOf, type Finding } from "./plan.js";

/** The manifest's view of the config's chains (L1 first). */
export function chainInfos(config: DeployConfig): ChainInfo[] {
  const { l1 } = config;
  return [
    { name: l1.name, chainId: l1.chainId, rpcUrl: l1.rpcUrl, kind: "l1", confirmations: l1.confirmations },
    ...config.chains.map((c): ChainInfo => ({
      name: c.name,
      chainId: c.chainId,
      rpcUrl: c.rpcUrl,
      kind: "l2",
      confirmations: c.confirmations,
    })),
  ];
}

export interface Clients {
  l1: PublicClient;
  l2: Record<string, PublicClient>;
}

export function clientsFor(config: DeployConfig): Clients {
  const [l1, ...l2s] = chainInfos(config);
  return {
    l1: publicClientFor(l1!),
    l2: Object.fromEntries(l2s.map((c) => [c.name, publicClientFor(c)])),
  };
}

export class ChainMismatchError extends Error {
  override name = "ChainMismatchError";
}

/** Refuses an RPC URL that serves another chain than the config says. */
async function checkChainIds(config: DeployConfig, clients: Clients) {
  const infos = chainInfos(config);
  const problems = (
    await Promise.all(
      infos.map(async (c) => {
        const client = c.kind === "l1" ? clients.l1 : clients.l2[c.name]!;
        let id: number;
        try {
          id = await client.getChainId();
        } catch (e) {
          return `${c.name}: no answer from ${c.rpcUrl} (${(e as Error).message.split("\n")[0]})`;
        }
        return id === c.chainId ? undefined : `${c.name}: ${c.rpcUrl} serves chain ${id}, the config says ${c.chainId}`;
      }),
    )
  ).filter((p) => p !== undefined);
  if (problems.length) throw new ChainMismatchError(problems.join("\n"));
}

export interface Inspection {
  desired: Desired;
  observed: Observed;
  /** Every difference, in fixing order. */
  findings: Finding[];
}

export interface EngineOptions extends ObserveOptions {
  clients?: Clients;
}

/** Reads every chain and compares it with the config. */
export async function inspect(config: DeployConfig, options: EngineOptions = {}): Promise<Inspection> {
  const clients = options.clients ?? clientsFor(config);
  await checkChainIds(config, clients);
  const wrong = await opStackContractProblems(config, clients);
  if (wrong.length) {
    throw new EscapeContractsError(
      `the OP Stack contracts in the config do not belong together (the escape wiring is permanent: nothing planned):\n  ${wrong.join("\n  ")}`,
    );
  }
  const desired = desiredDeployment(config, await readTokenFacts(config, clients.l2));
  const observed = await observe(desired, clients, options);
  return { desired, observed, findings: reconcile(desired, observed) };
}

export interface ApplyOptions extends EngineOptions {
  log?: (line: string) => void;
  /**
   * Blocks to wait on top of each transaction before the next step. Default: each chain's
   * `confirmations` (its finality depth, right for a real network). Chains that cannot reorg
   * (the devnet's anvils) pass 1, so a deployment of many steps does not wait the guardians'
   * depth after each one.
   */
  receiptConfirmations?: number;
}

export interface ApplyResult {
  manifest: Manifest;
  /** Differences left that the deployer cannot fix (governance's, or nobody's). */
  remaining: Finding[];
  /** How many transactions this run sent. */
  sent: number;
}

export class DeployerMismatchError extends Error {
  override name = "DeployerMismatchError";
}

/** Sends every fix the deployer can make, then reads again and returns the manifest. */
export async function apply(config: DeployConfig, signer: Signer, options: ApplyOptions = {}): Promise<ApplyResult> {
  if (signer.address !== config.deployer) {
    throw new DeployerMismatchError(
      `the deployer key is ${signer.address}, the config's deployer is ${config.deployer}: every address depends on it`,
    );
  }
  const log = options.log ?? (() => {});
  const clients = options.clients ?? clientsFor(config);
  const infos = chainInfos(config);
  const senders: Record<string, ChainSender> = Object.fromEntries(
    infos.map((c) => [
      c.name,
      {
        publicClient: c.kind === "l1" ? clients.l1 : clients.l2[c.name]!,
        wallet: walletClientFor(c, signer),
        confirmations: options.receiptConfirmations ?? c.confirmations,
      },
    ]),
  );
  await checkChainIds(config, clients);
  // A killed run may have left transactions in flight: the deployer's, and the keyless
  // CREATE2-deployer transaction it broadcast.
  await Promise.all(
    infos.flatMap((c) =>
      [config.deployer, CREATE2_DEPLOYER_SIGNER].map((a) =>
        settlePending(c.name, senders[c.name]!.publicClient, a, log),
      ),
    ),
  );
  const before = await inspect(config, { ...options, clients });
  const steps = stepsOf(before.findings);
  log(
    steps.length
      ? `${steps.length} transaction(s) to send`
      : "nothing to send: every chain matches what the deployer can set",
  );
  await executeSteps(steps, senders, log);

  const after = await inspect(config, { ...options, clients });
  const left = stepsOf(after.findings);
  if (left.length) {
    // Every step's effect is what the planner predicted; anything left is a planner bug.
    throw new Error(`apply: ${left.length} step(s) still planned after sending everything: ${left[0]!.title}`);
  }
  return { manifest: buildManifest(after.desired, after.observed), remaining: after.findings, sent: steps.length };
}

/** Plan and check: every difference, without sending anything. */
export async function plan(config: DeployConfig, options: EngineOptions = {}): Promise<Inspection> {
  return inspect(config, options);
}

export class ManifestIncompleteError extends Error {
  override name = "ManifestIncompleteError";
}

/** The deployment manifest from what is on-chain (after `apply`). */
export function buildManifest(desired: Desired, observed: Observed): Manifest {
  const { config } = desired;
  const [l1, ...l2Infos] = chainInfos(config);
  const safeContracts = safeContractAddresses();
  const missing: string[] = [];
  const chains = l2Infos.map((info) => {
    const s = observed.l2[info.name]!;
    if (!s.gateway || !s.timelock || !s.safe) {
      missing.push(
        `${info.name}: ${[!s.gateway && "gateway", !s.timelock && "timelock", !s.safe && "council Safe"].filter(Boolean).join(", ")}`,
      );
      return info;
    }
    const rollup = rollupFor(desired.l2s.find((c) => c.name === info.name)!.rollup, observed);
    return {
      ...info,
      gateway: desired.gateway.address,
      deployBlock: s.gateway.deployBlock,
      governance: {
        safe: desired.council.safe,
        owners: s.safe.owners,
        threshold: s.safe.threshold,
        timelock: desired.timelock.address,
        delaySeconds: Number(s.timelock.minDelay),
        deployBlock: s.timelock.deployBlock,
        safeContracts,
      },
      ...(rollup ? { rollup } : {}),
    };
  });
  if (desired.escapeHatch && !observed.l1.escapeHatch) missing.push(`${l1!.name}: EscapeHatch`);
  if (missing.length) throw new ManifestIncompleteError(`no manifest: missing on-chain ${missing.join("; ")}`);

  const urls = new Map<Address, string>(
    [...config.guardians.members, ...config.guardians.standby].map((g) => [g.address, g.url]),
  );
  const members = desired.guardians.map((address) => ({ address, url: urls.get(address)! }));
  const firstGateway = observed.l2[desired.l2s[0]!.name]!.gateway!;
  return parseManifest({
    version: 1,
    network: config.network,
    chains: [l1, ...chains],
    guardianSet: { index: firstGateway.guardianSetIndex, threshold: desired.threshold, guardians: members },
    guardianDirectory: [...members, ...config.guardians.standby],
    tokens: desired.tokens.map((t) => ({
      symbol: t.symbol,
      name: t.name,
      decimals: t.decimals,
      homeChainId: t.homeChainId,
      homeToken: t.homeToken,
      addresses: Object.fromEntries(
        desired.l2s.map((c) => [String(c.chainId), c.name === t.home ? t.homeToken : t.bridged.address]),
      ),
    })),
    params: { largeDelaySeconds: config.largeDelaySeconds },
    ...(desired.escapeHatch && observed.l1.escapeHatch
      ? { escape: { escapeHatch: desired.escapeHatch.address, l1DeployBlock: observed.l1.escapeHatch.deployBlock } }
      : {}),
    roles: Object.fromEntries(
      desired.l2s.map((c) => [
        c.name,
        { governor: desired.timelock.address, pausers: desired.pausers, vetoers: desired.vetoers },
      ]),
    ),
  });
}

/** A production L2's `rollup` section starts its L1 scans at the EscapeHatch: no escape predates it. */
function rollupFor(rollup: RollupInfo | undefined, observed: Observed): RollupInfo | undefined {
  if (!rollup || rollup.l1DeployBlock !== 0) return rollup;
  return { ...rollup, l1DeployBlock: observed.l1.escapeHatch?.deployBlock ?? 0 };
}

/** Creation blocks recorded in a previous manifest (spares `observe` its searches). */
export function knownBlocksOf(manifest: Manifest | undefined): ObserveOptions["knownBlock"] {
  const out = new Map<string, number>();
  for (const c of manifest?.chains ?? []) {
    if (c.gateway && c.deployBlock !== undefined) out.set(`${c.name}/${c.gateway}`, c.deployBlock);
    if (c.governance) out.set(`${c.name}/${c.governance.timelock}`, c.governance.deployBlock);
  }
  const l1 = manifest?.chains.find((c) => c.kind === "l1");
  if (manifest?.escape && l1) out.set(`${l1.name}/${manifest.escape.escapeHatch}`, manifest.escape.l1DeployBlock);
  return (chain, address) => out.get(`${chain}/${address}`);
}

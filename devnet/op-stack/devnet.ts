/**
 * The devnet's OP Stack steps, called by `devnet/start.ts`: install the OP contracts before the
 * bridge is deployed (`installDevnetOpStack`), execute the deployment's own deposits (the
 * faucet's) in-process (`awaitDevnetDeposits`), then run one operator process per L2 — the output
 * proposer and deposit executor of `index.ts` (`opStackOperatorServices`, started by `start.ts`). Every step takes
 * addresses and URLs in and gives addresses out: `devnet/deploy.ts` (the production path,
 * `deploy/engine.ts`, with a devnet config) and the deploy test call them the same way.
 */
import { join, resolve } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { publicClientFor, walletClientFor } from "../../core/chains.js";
import type { ChainInfo, Manifest, RollupInfo } from "../../core/manifest.js";
import type { ServiceOptions } from "../services.js";
import { executePendingDeposits, FileDepositCursor } from "./deposits.js";
import { installOpStack } from "./install.js";

export interface DevnetOpStackOptions {
  deployerKey: Hex;
  /** Proposer key per L2 name. */
  proposerKeys: Record<string, Hex>;
  finalizationSeconds: number;
  outputIntervalBlocks: number;
  l2BlockTimeSeconds: number;
}

/** Installs the OP Stack contracts on L1 and every L2 of `chains`; returns the manifest's `rollup` per L2. */
export async function installDevnetOpStack(
  chains: readonly Omit<ChainInfo, "confirmations">[],
  o: DevnetOpStackOptions,
): Promise<Record<string, RollupInfo>> {
  const deployer = privateKeyToAccount(o.deployerKey);
  const opChain = (c: Omit<ChainInfo, "confirmations">) => {
    const info = { ...c, confirmations: 0 };
    return { ...c, publicClient: publicClientFor(info), wallet: walletClientFor(info, deployer) };
  };
  const l1 = chains.find((c) => c.kind === "l1");
  if (!l1) throw new Error("installDevnetOpStack: no L1 chain");
  return installOpStack({
    l1: opChain(l1),
    l2s: chains.filter((c) => c.kind === "l2").map(opChain),
    proposers: Object.fromEntries(
      Object.entries(o.proposerKeys).map(([name, key]) => [name, privateKeyToAccount(key).address]),
    ),
    finalizationSeconds: o.finalizationSeconds,
    submissionIntervalBlocks: o.outputIntervalBlocks,
    l2BlockTimeSeconds: o.l2BlockTimeSeconds,
  });
}

/** The deposit cursor of L2 `name` in the devnet directory (shared with its operator process). */
export function depositCursorFile(devnetDir: string, name: string): string {
  return join(resolve(devnetDir), "op-stack", `${name}.deposits.json`);
}

/** Executes every pending deposit of L2 `name` now, in-process (the deployment's faucet). */
export async function awaitDevnetDeposits(
  devnetDir: string,
  l1: ChainInfo,
  l2: ChainInfo & { rollup: RollupInfo },
): Promise<void> {
  await executePendingDeposits(
    {
      l1Client: publicClientFor(l1),
      l2Client: publicClientFor(l2),
      portal: l2.rollup.portal,
      fromBlock: BigInt(l2.rollup.l1DeployBlock),
    },
    new FileDepositCursor(depositCursorFile(devnetDir, l2.name)),
  );
}

/**
 * One operator process per L2 with OP Stack contracts (`devnet/op-stack/index.ts`): proposes
 * its output roots and executes its deposits. A real OP Stack chain runs its own; the escape
 * hatch depends on them and on nothing of Portcullis'. Returned as services for
 * `devnet/services.ts` (a port from the allocator, up when its own /healthz answers).
 */
export function opStackOperatorServices(
  manifest: Manifest,
  o: { devnetDir: string; proposeIntervalMs: number; pollIntervalMs: number },
): ServiceOptions[] {
  const l1 = manifest.chains.find((c) => c.kind === "l1")!;
  const keys = manifest.devKeys!.rollups;
  return manifest.chains
    .filter((c): c is ChainInfo & { rollup: RollupInfo } => c.rollup !== undefined)
    .map((c) => ({
      name: `op-stack-${c.name}`,
      entry: "devnet/op-stack/index.ts",
      env: {
        LOG_LEVEL: "info",
        L1_RPC_URL: l1.rpcUrl,
        L2_RPC_URL: c.rpcUrl,
        L2_CHAIN_ID: String(c.chainId),
        PORTAL: c.rollup.portal,
        L2_OUTPUT_ORACLE: c.rollup.l2OutputOracle,
        PROPOSER_KEY: keys[c.name]!.proposer,
        L1_DEPLOY_BLOCK: String(c.rollup.l1DeployBlock),
        DEPOSIT_CURSOR_FILE: depositCursorFile(o.devnetDir, c.name),
        PROPOSE_INTERVAL_MS: String(o.proposeIntervalMs),
        POLL_INTERVAL_MS: String(o.pollIntervalMs),
      },
    }));
}

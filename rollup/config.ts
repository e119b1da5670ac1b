/**
 * Rollup service configuration, parsed once at start-up from the environment (see `index.ts`
 * for the variables). One process serves one L2: its L1 portal and its L2 messenger.
 */
import { getAddress, type Address } from "viem";
import { z } from "zod";
import { envFields, parseConfig } from "../core/service/config.js";

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address")
  .transform((v) => getAddress(v));
const url = z.string().url("must be an http(s) URL");
const milliseconds = (min: number) => z.coerce.number().int().min(min, `must be at least ${min} ms`);

export const rollupConfigSchema = z
  .object({
    L1_RPC_URL: url,
    L2_RPC_URL: url,
    L2_CHAIN_ID: z.coerce.number().int().positive(),
    /** The L2's `SimRollupPortal` on L1. */
    PORTAL: address,
    /** The L2's `SimL2Messenger`. */
    MESSENGER: address,
    /** Key of the portal's PROPOSER (posts output roots on L1). */
    PROPOSER_KEY: envFields.privateKey,
    /** Key of the messenger's SEQUENCER (relays deposits on L2). */
    SEQUENCER_KEY: envFields.privateKey,
    /** L1 block the portal was deployed in: where the deposit scan starts. */
    PORTAL_DEPLOY_BLOCK: z.coerce.number().int().nonnegative().default(0),
    /** How often the proposer checks for new withdrawals (and posts a root if there are). */
    PROPOSE_INTERVAL_MS: milliseconds(50).default(12_000),
    /** How often the sequencer polls L1 for new deposits. */
    POLL_INTERVAL_MS: milliseconds(50).default(1_000),
    PORT: envFields.port.default(9300),
    LOG_LEVEL: envFields.logLevel,
  })
  .transform((env) => ({
    l1RpcUrl: env.L1_RPC_URL,
    l2RpcUrl: env.L2_RPC_URL,
    l2ChainId: env.L2_CHAIN_ID,
    portal: env.PORTAL as Address,
    messenger: env.MESSENGER as Address,
    proposerKey: env.PROPOSER_KEY as `0x${string}`,
    sequencerKey: env.SEQUENCER_KEY as `0x${string}`,
    portalDeployBlock: BigInt(env.PORTAL_DEPLOY_BLOCK),
    proposeIntervalMs: env.PROPOSE_INTERVAL_MS,
    pollIntervalMs: env.POLL_INTERVAL_MS,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
  }));

export type RollupConfig = z.infer<typeof rollupConfigSchema>;

/** Throws `ConfigError` listing every bad variable. */
export function loadRollupConfig(env: Record<string, string | undefined>): Readonly<RollupConfig> {
  return parseConfig(rollupConfigSchema, env, "rollup");
}

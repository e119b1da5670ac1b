/**
 * The devnet OP Stack operator's configuration, parsed once at start-up from the environment
 * (see `index.ts` for the variables). One process serves one L2.
 */
import { getAddress, type Address } from "viem";
import { z } from "zod";
import { envFields, parseConfig } from "../../core/service/config.js";

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address")
  .transform((v) => getAddress(v));
const url = z.string().url("must be an http(s) URL");
const milliseconds = (min: number) => z.coerce.number().int().min(min, `must be at least ${min} ms`);

export const opStackOperatorConfigSchema = z
  .object({
    L1_RPC_URL: url,
    L2_RPC_URL: url,
    L2_CHAIN_ID: z.coerce.number().int().positive(),
    /** The L2's `OptimismPortal` (proxy) on L1: deposits are read from it. */
    PORTAL: address,
    /** The L2's `L2OutputOracle` (proxy) on L1: outputs are proposed to it. */
    L2_OUTPUT_ORACLE: address,
    /** Key of the oracle's permissioned proposer. */
    PROPOSER_KEY: envFields.privateKey,
    /** L1 block of the portal's deployment: where the deposit scan starts. */
    L1_DEPLOY_BLOCK: z.coerce.number().int().nonnegative().default(0),
    /** Where the deposit cursor is kept (a JSON file, replaced atomically). */
    DEPOSIT_CURSOR_FILE: z.string().min(1),
    /** How often the proposer looks for due outputs. */
    PROPOSE_INTERVAL_MS: milliseconds(50).default(2_000),
    /** How often L1 is polled for new deposits. */
    POLL_INTERVAL_MS: milliseconds(50).default(1_000),
    PORT: envFields.port.default(9400),
    SERVICE_INSTANCE: z.string().min(1).optional(),
    LOG_LEVEL: envFields.logLevel,
  })
  .transform((env) => ({
    l1RpcUrl: env.L1_RPC_URL,
    l2RpcUrl: env.L2_RPC_URL,
    l2ChainId: env.L2_CHAIN_ID,
    portal: env.PORTAL as Address,
    oracle: env.L2_OUTPUT_ORACLE as Address,
    proposerKey: env.PROPOSER_KEY as `0x${string}`,
    l1DeployBlock: BigInt(env.L1_DEPLOY_BLOCK),
    depositCursorFile: env.DEPOSIT_CURSOR_FILE,
    proposeIntervalMs: env.PROPOSE_INTERVAL_MS,
    pollIntervalMs: env.POLL_INTERVAL_MS,
    port: env.PORT,
    instance: env.SERVICE_INSTANCE ?? `op-stack-${env.L2_CHAIN_ID}`,
    logLevel: env.LOG_LEVEL,
  }));

export type OpStackOperatorConfig = z.infer<typeof opStackOperatorConfigSchema>;

/** Throws `ConfigError` listing every bad variable. */
export function loadOpStackOperatorConfig(env: Record<string, string | undefined>): Readonly<OpStackOperatorConfig> {
  return parseConfig(opStackOperatorConfigSchema, env, "op-stack");
}

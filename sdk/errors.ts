/**
 * Errors a `bridge` user caused and can fix. Each carries exactly one sentence: the CLI prints it
 * on stderr and exits non-zero, with no stack trace, before any transaction is sent.
 */
export class BridgeInputError extends Error {
  override name = "BridgeInputError";
}

/** The RPC endpoint of a chain did not answer. */
export class ChainUnreachableError extends BridgeInputError {
  override name = "ChainUnreachableError";
  constructor(chain: string, rpcUrl: string) {
    super(`cannot reach ${chain} at ${rpcUrl}; is the devnet running (npm run devnet)?`);
  }
}

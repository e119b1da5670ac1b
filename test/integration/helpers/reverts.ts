/** What a contract call reverted with, for tests that expect a specific refusal. */
import { BaseError, ContractFunctionRevertedError } from "viem";

/**
 * The custom error `p` (a simulation or a write) reverts with — its name, or the revert reason
 * for a plain `require` string — or undefined when it succeeds. Any other failure (a node error,
 * a transaction error without revert data) yields its message, so a test comparing names fails
 * with something readable.
 */
export async function revertOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    const revert = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : undefined;
    if (revert instanceof ContractFunctionRevertedError) {
      const name = revert.data?.errorName;
      return name && name !== "Error" ? name : (revert.reason ?? "reverted");
    }
    return (e as Error).message;
  }
}

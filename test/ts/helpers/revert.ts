/**
 * Custom-error assertions for viem calls. viem wraps a revert in several layers
 * (`ContractFunctionExecutionError` → `ContractFunctionRevertedError` → RPC errors); the decoded
 * custom error sits on the `ContractFunctionRevertedError`, found with `BaseError.walk`.
 */
import { BaseError, ContractFunctionRevertedError } from "viem";
import { expect } from "vitest";

export interface Revert {
  errorName: string;
  args: readonly unknown[];
}

/** The decoded custom error `action` reverted with. Throws if it succeeded or failed otherwise. */
export async function revertOf(action: Promise<unknown>): Promise<Revert> {
  let result: unknown;
  try {
    result = await action;
  } catch (err) {
    const reverted = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (reverted instanceof ContractFunctionRevertedError && reverted.data) {
      return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
    }
    throw err;
  }
  throw new Error(`expected a revert, but the call succeeded${typeof result === "string" ? ` (${result})` : ""}`);
}

/** Asserts `action` reverts with the custom error `errorName` (and `args`, when given). */
export async function expectRevert(
  action: Promise<unknown>,
  errorName: string,
  args?: readonly unknown[],
): Promise<readonly unknown[]> {
  const revert = await revertOf(action);
  expect(revert.errorName, `reverted with ${revert.errorName}(${revert.args.join(", ")})`).toBe(errorName);
  if (args) expect(revert.args).toEqual(args);
  return revert.args;
}

/**
 * Chain time under the test's control, so that no test needs something to happen before a
 * wall-clock deadline (a loaded machine stretches every step): a chain's blocks can be held
 * (its clock stops at its latest block) and resumed, and the whole devnet's clocks can be moved
 * forward together (chains stay aligned with each other).
 */
import { rpc } from "../../../devnet/infra.js";

/** Stops block production on the chain: its latest block, and so its clock, stand still. */
export async function holdBlocks(rpcUrl: string): Promise<void> {
  await rpc(rpcUrl, "evm_setIntervalMining", [0]);
}

/** Resumes one block every `seconds` (the devnet's pace) after `holdBlocks`. */
export async function resumeBlocks(rpcUrl: string, seconds = 1): Promise<void> {
  await rpc(rpcUrl, "evm_setIntervalMining", [seconds]);
}

/** Moves every chain's clock `seconds` ahead and mines a block on each, so their heads show it. */
export async function advanceClocks(rpcUrls: readonly string[], seconds: number): Promise<void> {
  await Promise.all(
    rpcUrls.map(async (url) => {
      await rpc(url, "evm_increaseTime", [seconds]);
      await rpc(url, "evm_mine", []);
    }),
  );
}

/**
 * Sends a plan's transactions: chains in parallel, each chain's steps one after the other, each
 * waited for (the chain's confirmations) and checked (success; the contract it creates has
 * code) before the next. A step that fails stops its chain; the others finish what they can, and
 * a re-run continues from what is on-chain.
 */
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import type { Step } from "./plan.js";

export type DeployerWallet = WalletClient<Transport, Chain, Account>;

export interface ChainSender {
  publicClient: PublicClient;
  wallet: DeployerWallet;
  confirmations: number;
}

/** How long one transaction may take to be mined and confirmed. */
const RECEIPT_TIMEOUT_MS = 15 * 60_000;

export class StepFailedError extends Error {
  override name = "StepFailedError";
}

export async function executeSteps(
  steps: readonly Step[],
  senders: Record<string, ChainSender>,
  log: (line: string) => void,
): Promise<void> {
  const byChain = new Map<string, Step[]>();
  for (const s of steps) byChain.set(s.chain, [...(byChain.get(s.chain) ?? []), s]);
  const results = await Promise.allSettled(
    [...byChain].map(([chain, list]) => runChain(chain, list, senders[chain]!, log)),
  );
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failures.length) {
    throw new StepFailedError(failures.map((f) => (f.reason as Error).message).join("\n"));
  }
}

async function runChain(chain: string, steps: readonly Step[], sender: ChainSender, log: (line: string) => void) {
  const { publicClient, wallet } = sender;
  for (const [i, step] of steps.entries()) {
    const tag = `${chain} [${i + 1}/${steps.length}]`;
    log(`${tag} ${step.title}`);
    let hash: Hex;
    try {
      hash = step.raw
        ? await wallet.sendRawTransaction({ serializedTransaction: step.raw })
        : await wallet.sendTransaction({ to: step.to!, data: step.data, value: step.value ?? 0n });
    } catch (e) {
      throw new StepFailedError(`${tag} ${step.title}: not sent: ${firstLine(e)}`);
    }
    log(`${tag} sent ${hash}`);
    const receipt = await publicClient.waitForTransactionReceipt({
      hash,
      confirmations: Math.max(1, sender.confirmations),
      timeout: RECEIPT_TIMEOUT_MS,
    });
    if (receipt.status !== "success") throw new StepFailedError(`${tag} ${step.title}: reverted in ${hash}`);
    if (step.creates && !(await hasCode(publicClient, step.creates))) {
      throw new StepFailedError(`${tag} ${step.title}: mined, but no contract at ${step.creates}`);
    }
    log(`${tag} done in block ${receipt.blockNumber}`);
  }
}

async function hasCode(client: PublicClient, address: Address) {
  return ((await client.getCode({ address })) ?? "0x").length > 2;
}

function firstLine(e: unknown): string {
  return ((e as { shortMessage?: string }).shortMessage ?? (e as Error).message ?? String(e)).split("\n")[0]!;
}

/**
 * Waits until none of `address`'s transactions is pending on the chain: an apply killed after
 * sending a transaction leaves it in the mempool, and planning before it is mined would send
 * its step a second time.
 */
export async function settlePending(
  chain: string,
  client: PublicClient,
  address: Address,
  log: (line: string) => void,
  timeoutMs = RECEIPT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    const [latest, pending] = await Promise.all([
      client.getTransactionCount({ address, blockTag: "latest" }),
      client.getTransactionCount({ address, blockTag: "pending" }),
    ]);
    if (pending <= latest) return;
    if (!said) {
      log(
        `${chain}: waiting for ${pending - latest} pending transaction(s) of ${address} (an earlier run) to be mined`,
      );
      said = true;
    }
    if (Date.now() > deadline) {
      throw new StepFailedError(
        `${chain}: ${pending - latest} transaction(s) of ${address} are still pending; wait for them (or replace them) and re-run`,
      );
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

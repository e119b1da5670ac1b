/**
 * The devnet's deposit executor: a stand-in for what every OP Stack node does when it derives
 * the L2 from L1 — each `TransactionDeposited` of the L2's `OptimismPortal` becomes a deposit
 * transaction on the L2. Here it is executed as that transaction would be: a call from the
 * event's `from` (already aliased by the portal when an L1 contract sent it, e.g. the
 * `L1CrossDomainMessenger`) to its `to`, with its value and its gas limit, through anvil's
 * account impersonation. In L1 order (block, log index), each once: the cursor of the last
 * executed deposit is persisted (`DepositCursorStore`), and a deposit sent but not yet recorded
 * as executed is looked up by its transaction hash after a restart instead of being sent again.
 *
 * What differs from OP: a deposit transaction pays no L2 gas (its gas was bought on L1 through
 * the portal's metering); anvil has no such transaction type, so the executor credits the
 * impersonated sender with the ETH its gas costs on the L2 (plus the deposit's `mint`) first.
 * A reverted deposit is still included, as on OP.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { opaqueDataToDepositData } from "viem/op-stack";
import { optimismPortalAbi } from "../../core/generated/abis.js";

export interface DepositContext {
  l1Client: PublicClient;
  l2Client: PublicClient;
  /** The L2's `OptimismPortal` on L1. */
  portal: Address;
  /** L1 block the portal was deployed in: scans start there. */
  fromBlock: bigint;
}

/** Where the last executed deposit is. */
export interface DepositCursor {
  /** L1 position of the last deposit executed (undefined: none yet). */
  last?: { blockNumber: string; logIndex: number };
  /** A deposit sent to the L2 but not yet recorded as executed. */
  pending?: { blockNumber: string; logIndex: number; txHash: Hex };
  /** Deposits executed so far. */
  executed: number;
}

export interface DepositCursorStore {
  load(): DepositCursor;
  save(cursor: DepositCursor): void;
}

/** A cursor in a JSON file, replaced atomically (write, then rename). */
export class FileDepositCursor implements DepositCursorStore {
  constructor(private readonly path: string) {}

  load(): DepositCursor {
    if (!existsSync(this.path)) return { executed: 0 };
    return JSON.parse(readFileSync(this.path, "utf8")) as DepositCursor;
  }

  save(cursor: DepositCursor): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(cursor), { flush: true });
    renameSync(tmp, this.path);
  }
}

/** A deposit as the portal emitted it. */
export interface PortalDeposit {
  blockNumber: bigint;
  logIndex: number;
  l1TxHash: Hex;
  from: Address;
  to: Address;
  mint: bigint;
  value: bigint;
  gas: bigint;
  isCreation: boolean;
  data: Hex;
}

export interface ExecutedDeposit {
  deposit: PortalDeposit;
  l2TxHash: Hex;
  /** `success`: the call ran; `reverted`: included but reverted (as on OP, nothing retries it). */
  status: "success" | "reverted";
}

/** Every `TransactionDeposited` of `portal` in [fromBlock, toBlock], in L1 order. */
export async function fetchDeposits(
  client: PublicClient,
  portal: Address,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<PortalDeposit[]> {
  if (fromBlock > toBlock) return [];
  const logs = await client.getLogs({ address: portal, fromBlock, toBlock });
  return parseEventLogs({ abi: optimismPortalAbi, logs, eventName: "TransactionDeposited" }).map((log) => {
    if (log.args.version !== 0n) throw new Error(`deposit version ${log.args.version} is not supported`);
    const d = opaqueDataToDepositData(log.args.opaqueData);
    return {
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
      l1TxHash: log.transactionHash,
      from: log.args.from,
      to: log.args.to,
      mint: d.mint,
      value: d.value,
      gas: d.gas,
      isCreation: d.isCreation,
      data: d.data,
    };
  });
}

const after = (d: { blockNumber: bigint; logIndex: number }, c?: { blockNumber: string; logIndex: number }) =>
  c === undefined ||
  d.blockNumber > BigInt(c.blockNumber) ||
  (d.blockNumber === BigInt(c.blockNumber) && d.logIndex > c.logIndex);

/**
 * Executes on the L2, in order, every deposit of the portal after the cursor; returns what it
 * executed. The one code path: the executor process calls it every poll, and the devnet's
 * deployment calls it once for the faucet's deposits.
 */
export async function executePendingDeposits(
  ctx: DepositContext,
  store: DepositCursorStore,
  onExecuted?: (e: ExecutedDeposit) => void,
): Promise<ExecutedDeposit[]> {
  let cursor = store.load();
  if (cursor.pending) cursor = await settlePending(ctx, store, cursor);
  const head = await ctx.l1Client.getBlockNumber();
  const from = cursor.last ? BigInt(cursor.last.blockNumber) : ctx.fromBlock;
  const deposits = (await fetchDeposits(ctx.l1Client, ctx.portal, from, head)).filter((d) => after(d, cursor.last));
  const done: ExecutedDeposit[] = [];
  for (const deposit of deposits) {
    const position = { blockNumber: deposit.blockNumber.toString(), logIndex: deposit.logIndex };
    const l2TxHash = await sendDeposit(ctx.l2Client, deposit);
    cursor = { ...cursor, pending: { ...position, txHash: l2TxHash } };
    store.save(cursor);
    const receipt = await ctx.l2Client.waitForTransactionReceipt({ hash: l2TxHash });
    cursor = { last: position, executed: cursor.executed + 1 };
    store.save(cursor);
    const executed = { deposit, l2TxHash, status: receipt.status } as const;
    done.push(executed);
    onExecuted?.(executed);
  }
  return done;
}

/** After a restart: a deposit sent but not recorded is done once its transaction is mined. */
async function settlePending(
  ctx: DepositContext,
  store: DepositCursorStore,
  cursor: DepositCursor,
): Promise<DepositCursor> {
  const pending = cursor.pending!;
  const tx = await ctx.l2Client.getTransaction({ hash: pending.txHash }).catch(() => undefined);
  if (!tx) {
    // Never reached the L2 (the process died before anvil took it): send it again.
    const next: DepositCursor = { last: cursor.last, executed: cursor.executed };
    store.save(next);
    return next;
  }
  await ctx.l2Client.waitForTransactionReceipt({ hash: pending.txHash });
  const next: DepositCursor = {
    last: { blockNumber: pending.blockNumber, logIndex: pending.logIndex },
    executed: cursor.executed + 1,
  };
  store.save(next);
  return next;
}

/** Sends the deposit transaction from its (impersonated) sender; returns its L2 hash. */
async function sendDeposit(l2: PublicClient, d: PortalDeposit): Promise<Hex> {
  const request = (method: string, params: unknown[]) => l2.request({ method, params } as never) as Promise<unknown>;
  const [balance, gasPrice] = await Promise.all([l2.getBalance({ address: d.from }), l2.getGasPrice()]);
  // The deposit's L2 gas was paid on L1; anvil charges it here, so the sender gets it first.
  const needed = d.mint + d.value + d.gas * gasPrice * 2n;
  if (d.mint > 0n || balance < needed)
    await request("anvil_setBalance", [d.from, `0x${(balance + needed).toString(16)}`]);
  await request("anvil_impersonateAccount", [d.from]);
  try {
    return (await request("eth_sendTransaction", [
      {
        from: d.from,
        ...(d.isCreation ? {} : { to: d.to }),
        value: `0x${d.value.toString(16)}`,
        gas: `0x${d.gas.toString(16)}`,
        data: d.data,
      },
    ])) as Hex;
  } finally {
    await request("anvil_stopImpersonatingAccount", [d.from]);
  }
}

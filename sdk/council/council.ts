/**
 * The security council's engine, behind `bridge council …`, the integration tests and the relay
 * benchmark: Safe transactions built, signed (EIP-712, one owner at a time) and executed with
 * `@safe-global/protocol-kit`; timelock operations scheduled through the Safe, listed, executed
 * after the delay, or cancelled by the council.
 *
 * Two speeds:
 * - instant (`pause`, `veto`): a Safe transaction straight to the gateway — the council Safe holds
 *   PAUSER_ROLE and VETO_ROLE itself;
 * - timelocked (everything else): a Safe transaction calling `scheduleBatch` on the chain's
 *   TimelockController (the Safe is its only proposer); after the delay anyone executes it.
 *
 * Signatures wait in a `CouncilStore` until the Safe's threshold is reached; the owner whose
 * signature completes it executes the Safe transaction (and pays its gas).
 */
import {
  decodeFunctionData,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  isAddressEqual,
  keccak256,
  zeroHash,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { publicClientFor, walletClientFor } from "../../core/chains.js";
import { bridgeGatewayAbi, timelockControllerAbi } from "../../core/generated/abis.js";
import type { ChainInfo, Manifest } from "../../core/manifest.js";
import { EthSafeSignature, EthSafeTransaction, Safe } from "../../core/safe-kit.js";
import { BridgeInputError } from "../errors.js";
import type { GovernanceCall } from "./actions.js";
import type { CouncilStore, StoredTransaction } from "./store.js";
import { isoTime } from "../progress.js";

export type Governance = NonNullable<ChainInfo["governance"]>;
export type GovernedChain = ChainInfo & { governance: Governance };

/** `TimelockController.OperationState`. */
export const OperationState = { Unset: 0, Waiting: 1, Ready: 2, Done: 3 } as const;

export interface SubmitResult {
  safeTxHash: Hex;
  nonce: number;
  signatures: number;
  threshold: number;
  missing: number;
  /** Set when this call executed the Safe transaction. */
  executedTx?: Hex;
  /** Set when the threshold is met but an earlier Safe nonce must execute first. */
  waitingForNonce?: number;
  alreadySigned: boolean;
  /** The timelock operation a "schedule" transaction creates. */
  operationId?: Hex;
}

export interface TimelockOperation {
  id: Hex;
  chain: string;
  calls: { target: Address; value: bigint; data: Hex; description: string }[];
  predecessor: Hex;
  salt: Hex;
  state: "waiting" | "ready" | "done" | "cancelled";
  /** Unix seconds when it can execute (0 once done or cancelled). */
  readyAt: number;
}

export class Council {
  private readonly clients = new Map<number, PublicClient>();

  constructor(
    readonly manifest: Manifest,
    readonly store: CouncilStore,
  ) {}

  /** A chain with governance, by name or chain id. */
  chain(nameOrId: string): GovernedChain {
    const key = nameOrId.trim().toLowerCase();
    const chain = this.manifest.chains.find((c) => c.name.toLowerCase() === key || String(c.chainId) === key);
    const known = this.manifest.chains.filter((c) => c.governance).map((c) => c.name);
    if (!chain) throw new BridgeInputError(`--chain: unknown chain "${nameOrId}"; use one of ${known.join(", ")}.`);
    if (!chain.governance) throw new BridgeInputError(`--chain: ${chain.name} has no council Safe in this manifest.`);
    return chain as GovernedChain;
  }

  client(chain: ChainInfo): PublicClient {
    let c = this.clients.get(chain.chainId);
    if (!c) {
      c = publicClientFor(chain);
      this.clients.set(chain.chainId, c);
    }
    return c;
  }

  /** protocol-kit connected to the chain's council Safe, signing with `key`. */
  async kit(chain: GovernedChain, key: Hex): Promise<Safe> {
    return Safe.init({
      provider: chain.rpcUrl,
      signer: key,
      safeAddress: chain.governance.safe,
      contractNetworks: { [String(chain.chainId)]: { ...chain.governance.safeContracts } },
    });
  }

  /** Refuses a key that is not an owner of the chain's council Safe, before it signs anything. */
  async checkOwner(chain: GovernedChain, key: Hex): Promise<Address> {
    const signer = privateKeyToAccount(key).address;
    const owners = await this.client(chain).readContract({
      address: chain.governance.safe,
      abi: SAFE_OWNER_ABI,
      functionName: "getOwners",
    });
    if (!owners.some((o) => isAddressEqual(o, signer))) {
      throw new BridgeInputError(
        `${signer} is not an owner of the council Safe on ${chain.name} (owners: ${owners.join(", ")}); nothing was signed.`,
      );
    }
    return signer;
  }

  /** An instant council action (pause, veto): a Safe transaction straight to the gateway. */
  instant(chain: GovernedChain, call: GovernanceCall, key: Hex): Promise<SubmitResult> {
    return this.submit(chain, "instant", call.target, () => call.data, [call.description], key);
  }

  /** Schedules `calls` on the chain's timelock through the Safe (one batch operation). */
  async propose(chain: GovernedChain, calls: readonly GovernanceCall[], key: Hex): Promise<SubmitResult> {
    if (calls.length === 0) throw new BridgeInputError("nothing to propose.");
    const delay = await this.minDelay(chain);
    const { timelock, safe } = chain.governance;
    const payload = (nonce: number) =>
      encodeFunctionData({
        abi: timelockControllerAbi,
        functionName: "scheduleBatch",
        args: [
          calls.map((c) => c.target),
          calls.map(() => 0n),
          calls.map((c) => c.data),
          zeroHash,
          saltFor(safe, nonce),
          delay,
        ],
      });
    const result = await this.submit(
      chain,
      "schedule",
      timelock,
      payload,
      calls.map((c) => c.description),
      key,
    );
    const operationId = await this.client(chain).readContract({
      address: timelock,
      abi: timelockControllerAbi,
      functionName: "hashOperationBatch",
      args: [
        calls.map((c) => c.target),
        calls.map(() => 0n),
        calls.map((c) => c.data),
        zeroHash,
        saltFor(safe, result.nonce),
      ],
    });
    return { ...result, operationId };
  }

  /** Cancels a scheduled timelock operation through the Safe (the Safe is the canceller). */
  cancel(chain: GovernedChain, id: Hex, key: Hex): Promise<SubmitResult> {
    const data = encodeFunctionData({ abi: timelockControllerAbi, functionName: "cancel", args: [id] });
    return this.submit(chain, "cancel", chain.governance.timelock, () => data, [`${chain.name}: cancel ${id}`], key);
  }

  /** Adds `key`'s signature to a stored Safe transaction (`council sign <safeTxHash>`). */
  async sign(safeTxHash: Hex, key: Hex): Promise<SubmitResult> {
    const entry = this.store.get(safeTxHash);
    if (!entry) throw new BridgeInputError(`no pending council transaction ${safeTxHash} in ${this.store.path}.`);
    const chain = this.chain(entry.chain);
    return this.collect(chain, safeTxHash, entry, key);
  }

  /**
   * Finds the stored Safe transaction for this request (same chain, kind, target and intent, a
   * nonce not yet used) or builds a new one pinned to the next free nonce, signs it with `key`,
   * and executes it once the threshold is met.
   */
  private async submit(
    chain: GovernedChain,
    kind: StoredTransaction["kind"],
    to: Address,
    payload: (nonce: number) => Hex,
    description: string[],
    key: Hex,
  ): Promise<SubmitResult> {
    await this.checkOwner(chain, key);
    const kit = await this.kit(chain, key);
    const onchainNonce = await kit.getNonce();
    const intent = JSON.stringify({ kind, to, description, probe: payload(0) });
    const mine = Object.entries(this.store.all()).filter(
      ([, e]) => e.chainId === chain.chainId && isAddressEqual(e.safe as Address, chain.governance.safe),
    );
    for (const [hash, e] of mine) if (e.tx.nonce < onchainNonce) this.store.delete(hash); // used up by another tx
    const live = mine.filter(([, e]) => e.tx.nonce >= onchainNonce);
    const existing = live.find(([, e]) => e.intent === intent);
    if (existing) return this.collect(chain, existing[0] as Hex, existing[1], key);

    const nonce = Math.max(onchainNonce, ...live.map(([, e]) => e.tx.nonce + 1));
    const tx = await kit.createTransaction({
      transactions: [{ to, value: "0", data: payload(nonce), operation: 0 }],
      options: { nonce },
    });
    const safeTxHash = (await kit.getTransactionHash(tx)) as Hex;
    const entry: StoredTransaction = {
      chain: chain.name,
      chainId: chain.chainId,
      safe: chain.governance.safe,
      kind,
      intent,
      description,
      tx: { ...tx.data, nonce: Number(tx.data.nonce) },
      signatures: {},
      createdAt: new Date().toISOString(),
    };
    this.store.put(safeTxHash, entry);
    return this.collect(chain, safeTxHash, entry, key);
  }

  private async collect(
    chain: GovernedChain,
    safeTxHash: Hex,
    entry: StoredTransaction,
    key: Hex,
  ): Promise<SubmitResult> {
    const signer = await this.checkOwner(chain, key);
    const kit = await this.kit(chain, key);
    const tx = new EthSafeTransaction(entry.tx);
    for (const [owner, data] of Object.entries(entry.signatures)) tx.addSignature(new EthSafeSignature(owner, data));
    const alreadySigned = Object.keys(entry.signatures).some((o) => isAddressEqual(o as Address, signer));
    if (!alreadySigned) {
      const signed = await kit.signTransaction(tx);
      const mine = [...signed.signatures.values()].find((s) => isAddressEqual(s.signer as Address, signer));
      if (!mine) throw new Error("protocol-kit returned no signature for the signer");
      entry.signatures[getAddress(signer)] = mine.data as Hex;
      tx.addSignature(new EthSafeSignature(signer, mine.data));
      this.store.put(safeTxHash, entry);
    }
    const threshold = await kit.getThreshold();
    const signatures = Object.keys(entry.signatures).length;
    const result: SubmitResult = {
      safeTxHash,
      nonce: entry.tx.nonce,
      signatures,
      threshold,
      missing: Math.max(0, threshold - signatures),
      alreadySigned,
    };
    if (signatures < threshold) return result;
    const onchainNonce = await kit.getNonce();
    if (entry.tx.nonce > onchainNonce) return { ...result, waitingForNonce: onchainNonce };

    try {
      const execution = await kit.executeTransaction(tx);
      const receipt = await this.client(chain).waitForTransactionReceipt({ hash: execution.hash as Hex });
      if (receipt.status !== "success") throw new Error(`the Safe transaction reverted (tx ${execution.hash})`);
      return { ...result, executedTx: execution.hash as Hex };
    } finally {
      // Executed, or refused by the chain: either way this nonce's signatures are spent; keeping
      // a refused transaction would block every later nonce behind it.
      this.store.delete(safeTxHash);
    }
  }

  async minDelay(chain: GovernedChain): Promise<bigint> {
    return this.client(chain).readContract({
      address: chain.governance.timelock,
      abi: timelockControllerAbi,
      functionName: "getMinDelay",
    });
  }

  /** Every operation ever scheduled on the chain's timelock, with its state and ready time. */
  async operations(chain: GovernedChain): Promise<TimelockOperation[]> {
    const client = this.client(chain);
    const { timelock, deployBlock } = chain.governance;
    const fromBlock = BigInt(deployBlock);
    const [scheduled, salts] = await Promise.all([
      client.getContractEvents({
        address: timelock,
        abi: timelockControllerAbi,
        eventName: "CallScheduled",
        fromBlock,
      }),
      client.getContractEvents({ address: timelock, abi: timelockControllerAbi, eventName: "CallSalt", fromBlock }),
    ]);
    const byId = new Map<Hex, TimelockOperation>();
    for (const log of scheduled) {
      const a = log.args;
      let op = byId.get(a.id!);
      if (!op) {
        const salt = salts.find((s) => s.args.id === a.id)?.args.salt ?? zeroHash;
        op = {
          id: a.id!,
          chain: chain.name,
          calls: [],
          predecessor: a.predecessor!,
          salt,
          state: "waiting",
          readyAt: 0,
        };
        byId.set(a.id!, op);
      }
      op.calls[Number(a.index)] = {
        target: a.target!,
        value: a.value!,
        data: a.data!,
        description: describeCall(a.data!),
      };
    }
    const ops = [...byId.values()];
    await Promise.all(
      ops.map(async (op) => {
        const [state, timestamp] = await Promise.all([
          client.readContract({
            address: timelock,
            abi: timelockControllerAbi,
            functionName: "getOperationState",
            args: [op.id],
          }),
          client.readContract({
            address: timelock,
            abi: timelockControllerAbi,
            functionName: "getTimestamp",
            args: [op.id],
          }),
        ]);
        op.state = (["cancelled", "waiting", "ready", "done"] as const)[state]!;
        op.readyAt = state === OperationState.Waiting || state === OperationState.Ready ? Number(timestamp) : 0;
      }),
    );
    return ops;
  }

  async operation(chain: GovernedChain, id: Hex): Promise<TimelockOperation> {
    const op = (await this.operations(chain)).find((o) => o.id.toLowerCase() === id.toLowerCase());
    if (!op) throw new BridgeInputError(`no timelock operation ${id} was scheduled on ${chain.name}.`);
    return op;
  }

  /**
   * Executes a ready operation (anyone may: the executor role is open). Refuses, before sending,
   * one that is not ready yet, done, or cancelled.
   */
  async execute(chain: GovernedChain, id: Hex, key: Hex): Promise<Hex> {
    const op = await this.operation(chain, id);
    if (op.state === "done") throw new BridgeInputError(`operation ${id} was already executed.`);
    if (op.state === "cancelled")
      throw new BridgeInputError(`operation ${id} was cancelled by the council; it can never execute.`);
    if (op.state === "waiting") {
      const block = await this.client(chain).getBlock();
      const wait = op.readyAt - Number(block.timestamp);
      throw new BridgeInputError(
        `operation ${id} is ready at ${isoTime(op.readyAt)} (in ${Math.max(wait, 1)} s); the timelock would refuse it now.`,
      );
    }
    return this.sendExecute(chain, op, key);
  }

  /** Sends `executeBatch` for `op` without any check of its own (tests use it to prove the timelock refuses). */
  async sendExecute(chain: GovernedChain, op: TimelockOperation, key: Hex): Promise<Hex> {
    const wallet = walletClientFor(chain, privateKeyToAccount(key));
    const hash = await wallet.writeContract({
      address: chain.governance.timelock,
      abi: timelockControllerAbi,
      functionName: "executeBatch",
      args: [
        op.calls.map((c) => c.target),
        op.calls.map((c) => c.value),
        op.calls.map((c) => c.data),
        op.predecessor,
        op.salt,
      ],
    });
    const receipt = await this.client(chain).waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`executing ${op.id} reverted (tx ${hash})`);
    return hash;
  }

  /**
   * The whole timelocked path with dev keys (tests, benchmark): propose with the first
   * `threshold` owners, wait for the delay on chain, execute. Returns the operation id.
   */
  async enact(chain: GovernedChain, calls: readonly GovernanceCall[], ownerKeys: readonly Hex[]): Promise<Hex> {
    let result: SubmitResult | undefined;
    for (const key of ownerKeys) {
      result = await this.propose(chain, calls, key);
      if (result.executedTx) break;
    }
    if (!result?.executedTx || !result.operationId)
      throw new Error("the council keys did not reach the Safe threshold");
    await this.waitUntilReady(chain, result.operationId);
    await this.execute(chain, result.operationId, ownerKeys[0]!);
    return result.operationId;
  }

  /** Waits until the timelock, at the chain's latest block, reports the operation ready. */
  async waitUntilReady(chain: GovernedChain, id: Hex, pollMs = 250): Promise<void> {
    while ((await this.operation(chain, id)).state === "waiting") await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The timelock salt of the Safe transaction with `nonce`: unique per Safe and nonce. */
export function saltFor(safe: Address, nonce: number): Hex {
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [safe, BigInt(nonce)]));
}

/** "setRoute(902, 0x…, true)": a gateway or timelock call in words. */
export function describeCall(data: Hex): string {
  for (const abi of [bridgeGatewayAbi, timelockControllerAbi] as const) {
    try {
      const { functionName, args } = decodeFunctionData({ abi, data });
      return `${functionName}(${(args ?? []).map(formatArg).join(", ")})`;
    } catch {
      // not this ABI
    }
  }
  return data.length > 10 ? `call ${data.slice(0, 10)}…` : "call";
}

function formatArg(a: unknown): string {
  if (Array.isArray(a)) return `[${a.map(formatArg).join(", ")}]`;
  return String(a);
}

const SAFE_OWNER_ABI = [
  {
    type: "function",
    name: "getOwners",
    stateMutability: "view",
    inputs: [],
    outputs: [{ type: "address[]" }],
  },
] as const;

/**
 * The security council's engine, behind `bridge council …`, the integration tests and the relay
 * benchmark: Safe transactions built with `@safe-global/protocol-kit`, signed (EIP-712, one owner
 * at a time) and executed; timelock operations scheduled through the Safe, listed, executed
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
 *
 * Owners sign with a `CouncilSigner`: a viem account (a local key, a keystore- or
 * hardware-backed account) or a `WalletClient` (a browser wallet). The engine never sees a
 * private key: protocol-kit only builds and reads; the signer signs the Safe transaction's
 * EIP-712 data, and `execTransaction` goes out through the signer's wallet.
 */
import {
  decodeFunctionData,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  isAddressEqual,
  keccak256,
  parseAbi,
  recoverTypedDataAddress,
  zeroHash,
  type Account,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { publicClientFor, viemChain, walletClientFor } from "../../core/chains.js";
import { bridgeGatewayAbi, timelockControllerAbi } from "../../core/generated/abis.js";
import type { ChainInfo, Manifest } from "../../core/manifest.js";
import { EthSafeSignature, EthSafeTransaction, generateTypedData, Safe } from "../../core/safe-kit.js";
import { isoTime } from "../describe.js";
import {
  InvalidInputError,
  NotAnOwnerError,
  PortcullisError,
  TransactionRevertedError,
  WrongChainError,
} from "../errors.js";
import type { GovernanceCall } from "./actions.js";
import type { CouncilStore, StoredTransaction } from "./store.js";

/** Who signs for the council: a viem account, or a wallet client with an account. */
export type CouncilSigner = Account | WalletClient;

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
    if (!chain) {
      throw new InvalidInputError(`unknown chain "${nameOrId}"; the chains with a council are ${known.join(", ")}.`);
    }
    if (!chain.governance) throw new InvalidInputError(`${chain.name} has no council Safe in this manifest.`);
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

  /** protocol-kit over the chain's council Safe, for building and reading (it never signs). */
  async kit(chain: GovernedChain): Promise<Safe> {
    return Safe.init({
      provider: chain.rpcUrl,
      safeAddress: chain.governance.safe,
      contractNetworks: { [String(chain.chainId)]: { ...chain.governance.safeContracts } },
    });
  }

  /**
   * The signer's wallet on `chain` and its address. An account gets a wallet over the chain's
   * RPC URL; a wallet client must already be on the chain (else `WrongChainError`).
   */
  async walletFor(chain: ChainInfo, signer: CouncilSigner): Promise<{ wallet: WalletClient; address: Address }> {
    if (!("request" in signer)) return { wallet: walletClientFor(chain, signer), address: signer.address };
    const actual = await signer.getChainId();
    if (actual !== chain.chainId) throw new WrongChainError(chain.chainId, actual, chain.name);
    const address = signer.account?.address ?? (await signer.getAddresses())[0];
    if (!address) throw new PortcullisError("the wallet exposes no account.");
    return { wallet: signer, address };
  }

  /** Refuses a signer that is not an owner of the chain's council Safe, before it signs anything. */
  async checkOwner(chain: GovernedChain, signer: Address): Promise<Address> {
    const owners = await this.client(chain).readContract({
      address: chain.governance.safe,
      abi: SAFE_ABI,
      functionName: "getOwners",
    });
    if (!owners.some((o) => isAddressEqual(o, signer))) throw new NotAnOwnerError(signer, chain.name, owners);
    return getAddress(signer);
  }

  /** An instant council action (pause, veto): a Safe transaction straight to the gateway. */
  instant(chain: GovernedChain, call: GovernanceCall, signer: CouncilSigner): Promise<SubmitResult> {
    return this.submit(chain, "instant", call.target, () => call.data, [call.description], signer);
  }

  /** Schedules `calls` on the chain's timelock through the Safe (one batch operation). */
  async propose(chain: GovernedChain, calls: readonly GovernanceCall[], signer: CouncilSigner): Promise<SubmitResult> {
    if (calls.length === 0) throw new InvalidInputError("a proposal needs at least one call.");
    const delay = await this.minDelay(chain);
    const { timelock, safe } = chain.governance;
    const batch = (nonce: number) =>
      [
        calls.map((c) => c.target),
        calls.map(() => 0n),
        calls.map((c) => c.data),
        zeroHash,
        saltFor(safe, nonce),
      ] as const;
    const payload = (nonce: number) =>
      encodeFunctionData({ abi: timelockControllerAbi, functionName: "scheduleBatch", args: [...batch(nonce), delay] });
    const description = calls.map((c) => c.description);
    const result = await this.submit(chain, "schedule", timelock, payload, description, signer);
    const operationId = await this.client(chain).readContract({
      address: timelock,
      abi: timelockControllerAbi,
      functionName: "hashOperationBatch",
      args: batch(result.nonce),
    });
    return { ...result, operationId };
  }

  /** Cancels a scheduled timelock operation through the Safe (the Safe is the canceller). */
  cancel(chain: GovernedChain, id: Hex, signer: CouncilSigner): Promise<SubmitResult> {
    const data = encodeFunctionData({ abi: timelockControllerAbi, functionName: "cancel", args: [id] });
    return this.submit(chain, "cancel", chain.governance.timelock, () => data, [`${chain.name}: cancel ${id}`], signer);
  }

  /** Adds `signer`'s signature to a stored Safe transaction (`council sign <safeTxHash>`). */
  async sign(safeTxHash: Hex, signer: CouncilSigner): Promise<SubmitResult> {
    const entry = this.store.get(safeTxHash);
    if (!entry) {
      throw new InvalidInputError(`no pending council transaction ${safeTxHash} in ${this.store.location}.`);
    }
    return this.collect(this.chain(entry.chain), safeTxHash, entry, signer);
  }

  /**
   * Finds the stored Safe transaction for this request (same chain, kind, target and intent, a
   * nonce not yet used) or builds a new one pinned to the next free nonce, signs it with
   * `signer`, and executes it once the threshold is met.
   */
  private async submit(
    chain: GovernedChain,
    kind: StoredTransaction["kind"],
    to: Address,
    payload: (nonce: number) => Hex,
    description: string[],
    signer: CouncilSigner,
  ): Promise<SubmitResult> {
    await this.checkOwner(chain, (await this.walletFor(chain, signer)).address);
    const kit = await this.kit(chain);
    const onchainNonce = await kit.getNonce();
    const intent = JSON.stringify({ kind, to, description, probe: payload(0) });
    const mine = Object.entries(this.store.all()).filter(
      ([, e]) => e.chainId === chain.chainId && isAddressEqual(e.safe as Address, chain.governance.safe),
    );
    for (const [hash, e] of mine) if (e.tx.nonce < onchainNonce) this.store.delete(hash); // used up by another tx
    const live = mine.filter(([, e]) => e.tx.nonce >= onchainNonce);
    const existing = live.find(([, e]) => e.intent === intent);
    if (existing) return this.collect(chain, existing[0] as Hex, existing[1], signer);

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
    return this.collect(chain, safeTxHash, entry, signer);
  }

  private async collect(
    chain: GovernedChain,
    safeTxHash: Hex,
    entry: StoredTransaction,
    signer: CouncilSigner,
  ): Promise<SubmitResult> {
    const { wallet, address } = await this.walletFor(chain, signer);
    const owner = await this.checkOwner(chain, address);
    const kit = await this.kit(chain);
    const alreadySigned = Object.keys(entry.signatures).some((o) => isAddressEqual(o as Address, owner));
    if (!alreadySigned) {
      entry.signatures[owner] = await this.signSafeTransaction(chain, kit, wallet, owner, entry, safeTxHash);
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
      const hash = await this.execTransaction(chain, wallet, entry);
      return { ...result, executedTx: hash };
    } finally {
      // Executed, or refused by the chain: either way this nonce's signatures are spent; keeping
      // a refused transaction would block every later nonce behind it.
      this.store.delete(safeTxHash);
    }
  }

  /**
   * The owner's EIP-712 signature of the Safe transaction (the typed data protocol-kit defines
   * for the Safe's version), checked to recover to the owner before it is stored.
   */
  private async signSafeTransaction(
    chain: GovernedChain,
    kit: Safe,
    wallet: WalletClient,
    owner: Address,
    entry: StoredTransaction,
    safeTxHash: Hex,
  ): Promise<Hex> {
    const { EIP712Domain: _domain, ...types } = generateTypedData({
      safeAddress: chain.governance.safe,
      safeVersion: kit.getContractVersion(),
      chainId: BigInt(chain.chainId),
      data: entry.tx,
    }).types as unknown as Record<string, { name: string; type: string }[]>;
    const t = entry.tx;
    const typedData = {
      domain: { chainId: chain.chainId, verifyingContract: chain.governance.safe as Address },
      types,
      primaryType: "SafeTx",
      message: {
        to: t.to,
        value: BigInt(t.value),
        data: t.data,
        operation: t.operation,
        safeTxGas: BigInt(t.safeTxGas),
        baseGas: BigInt(t.baseGas),
        gasPrice: BigInt(t.gasPrice),
        gasToken: t.gasToken,
        refundReceiver: t.refundReceiver,
        nonce: BigInt(t.nonce),
      },
    } as const;
    const signature = await wallet.signTypedData({ account: wallet.account ?? owner, ...typedData });
    const recovered = await recoverTypedDataAddress({ ...typedData, signature });
    if (!isAddressEqual(recovered, owner)) {
      throw new PortcullisError(`the wallet's signature of Safe transaction ${safeTxHash} is not ${owner}'s.`);
    }
    return signature;
  }

  /** Sends `execTransaction` with every stored signature (ascending by owner, as the Safe wants). */
  private async execTransaction(chain: GovernedChain, wallet: WalletClient, entry: StoredTransaction): Promise<Hex> {
    const tx = new EthSafeTransaction(entry.tx);
    for (const [owner, data] of Object.entries(entry.signatures)) tx.addSignature(new EthSafeSignature(owner, data));
    const t = entry.tx;
    const hash = await wallet.writeContract({
      account: wallet.account ?? (await this.walletFor(chain, wallet)).address,
      chain: viemChain(chain),
      address: chain.governance.safe,
      abi: SAFE_ABI,
      functionName: "execTransaction",
      args: [
        t.to as Address,
        BigInt(t.value),
        t.data as Hex,
        t.operation,
        BigInt(t.safeTxGas),
        BigInt(t.baseGas),
        BigInt(t.gasPrice),
        t.gasToken as Address,
        t.refundReceiver as Address,
        tx.encodedSignatures() as Hex,
      ],
    });
    const receipt = await this.client(chain).waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new TransactionRevertedError("Safe", hash);
    return hash;
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
    if (!op) throw new InvalidInputError(`no timelock operation ${id} was scheduled on ${chain.name}.`);
    return op;
  }

  /**
   * Executes a ready operation (anyone may: the executor role is open). Refuses, before sending,
   * one that is not ready yet, done, or cancelled.
   */
  async execute(chain: GovernedChain, id: Hex, signer: CouncilSigner): Promise<Hex> {
    const op = await this.operation(chain, id);
    if (op.state === "done") throw new InvalidInputError(`operation ${id} was already executed.`);
    if (op.state === "cancelled") {
      throw new InvalidInputError(`operation ${id} was cancelled by the council; it can never execute.`);
    }
    if (op.state === "waiting") {
      const block = await this.client(chain).getBlock();
      const wait = op.readyAt - Number(block.timestamp);
      throw new InvalidInputError(
        `operation ${id} is ready at ${isoTime(op.readyAt)} (in ${Math.max(wait, 1)} s); the timelock would refuse it now.`,
      );
    }
    return this.sendExecute(chain, op, signer);
  }

  /** Sends `executeBatch` for `op` without any check of its own (tests use it to prove the timelock refuses). */
  async sendExecute(chain: GovernedChain, op: TimelockOperation, signer: CouncilSigner): Promise<Hex> {
    const { wallet, address } = await this.walletFor(chain, signer);
    const hash = await wallet.writeContract({
      account: wallet.account ?? address,
      chain: viemChain(chain),
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
    if (receipt.status !== "success") throw new TransactionRevertedError(`timelock executeBatch of ${op.id}`, hash);
    return hash;
  }

  /**
   * The whole timelocked path with several owners at hand (tests, benchmark, devnet tools):
   * propose with owners until the Safe's threshold, wait for the delay on chain, execute.
   * Returns the operation id.
   */
  async enact(chain: GovernedChain, calls: readonly GovernanceCall[], owners: readonly CouncilSigner[]): Promise<Hex> {
    let result: SubmitResult | undefined;
    for (const owner of owners) {
      result = await this.propose(chain, calls, owner);
      if (result.executedTx) break;
    }
    if (!result?.executedTx || !result.operationId) {
      throw new PortcullisError("the owners given did not reach the council Safe's threshold.");
    }
    await this.waitUntilReady(chain, result.operationId);
    await this.execute(chain, result.operationId, owners[0]!);
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

/** The two Safe functions the engine calls itself (protocol-kit handles the rest). */
const SAFE_ABI = parseAbi([
  "function getOwners() view returns (address[])",
  "function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool)",
]);

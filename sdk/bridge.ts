/**
 * The Portcullis client: everything a user-side tool needs — check a transfer against the
 * chains before anything is signed, send it (approve, then `send`), find a message by id or by
 * transaction, follow it through attestation, delivery and execution, and read balances. The
 * `bridge` CLI, the devnet demo (`scripts/devnet.ts`) and the relay benchmark use this module,
 * so what the demo shows is what a user runs. Gateway reads go through `core/gateway.ts`.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  erc20Abi,
  HttpRequestError,
  isAddressEqual,
  TimeoutError,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { publicClientFor, walletClientFor, type ChainWallet } from "../core/chains.js";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import { Gateway, type MessageEventName, type MessageStatusName } from "../core/gateway.js";
import { GuardianClient, type MessageState } from "../core/guardian-api.js";
import { decodeMessageSent, decodeMessagesSent } from "../core/logs.js";
import { guardianDirectory, tokenByHome, type ChainInfo, type Manifest, type TokenInfo } from "../core/manifest.js";
import type { Message } from "../core/message.js";
import { formatTokens } from "./amount.js";
import { BridgeInputError, ChainUnreachableError } from "./errors.js";
import { resolveTransfer, type GatewayChain, type ResolvedTransfer, type TransferInput } from "./input.js";

export interface BridgeSdkOptions {
  /** Builds the client of a chain (tests inject their own); default: `publicClientFor`. */
  publicClient?: (chain: ChainInfo) => PublicClient;
  /** HTTP client for the guardian API (default: global fetch). */
  fetch?: typeof fetch;
  /** Time a guardian has to answer GET /v1/messages/:msgId. */
  guardianTimeoutMs?: number;
}

/** A transfer that passed every check and can be sent. */
export interface PreparedTransfer extends ResolvedTransfer {
  sender: Address;
  recipient: Address;
  /** True when the source gateway locks the token (an ERC-20 allowance is needed). */
  sourceIsHome: boolean;
  allowance: bigint;
  /** Things the user should know before sending (e.g. the transfer will be delayed). */
  notices: string[];
}

/** A `MessageSent` found on its source chain. */
export interface SentRecord {
  msgId: Hex;
  message: Message;
  source: GatewayChain;
  dest: GatewayChain;
  token: TokenInfo | undefined;
  txHash: Hex;
  blockNumber: bigint;
  /** Block timestamp, unix seconds. */
  timestamp: number;
}

/** Where a gateway event happened. */
export interface EventRef {
  blockNumber: bigint;
  txHash: Hex;
  /** Block timestamp, unix seconds. */
  timestamp: number;
}

export type Stage = "sent" | "attested" | "delivered" | "executed" | "vetoed" | "cancelled";
export const FINAL_STAGES: readonly Stage[] = ["executed", "vetoed", "cancelled"];

export interface Attestations {
  /** Guardians that consider the message signable. */
  signable: number;
  threshold: number;
  guardians: number;
  /** Guardians waiting for their operator's approval (large transfers). */
  awaitingApproval: number;
  /** Guardians that saw the message but wait for the confirmation depth. */
  unconfirmed: number;
  /** Guardians that have not seen it yet (404). */
  unknown: number;
  /** Guardians that did not answer. */
  unreachable: number;
  /** Reasons of guardians that refused it for good. */
  rejected: string[];
}

/** Why a transfer is not moving right now. */
export type Waiting =
  | { kind: "attestations"; attestations: Attestations }
  | { kind: "delivery"; thenDelayed?: "large-transfer" | "rate-limit"; delaySeconds: number }
  | { kind: "rate-limit"; available: bigint; delaySeconds: number }
  | { kind: "large-transfer"; executableAt: number }
  | { kind: "rate-limited"; executableAt: number }
  | { kind: "execution"; executableAt: number }
  | { kind: "paused"; chain: string }
  | { kind: "expired"; deadline: number }
  | { kind: "unreachable"; what: string };

export interface TransferState {
  sent: SentRecord;
  stage: Stage;
  /** Polled from the guardians until the message is delivered. */
  attestations?: Attestations;
  delivered?: EventRef;
  executed?: EventRef;
  vetoed?: EventRef;
  /** Set when the destination queued the message instead of executing it at once. */
  queued?: { executableAt: number; reason: "large-transfer" | "rate-limit" };
  waiting?: Waiting;
  /** Local wall-clock (ms) at which this client first observed each stage. */
  observedAt: Partial<Record<Stage, number>>;
}

export interface Balances {
  address: Address;
  chains: { chain: GatewayChain; eth: bigint; tokens: { token: TokenInfo; address: Address; balance: bigint }[] }[];
  /** Per token: locked in its home gateway, and the bridged supply minted on every other chain. */
  supply: { token: TokenInfo; home: ChainInfo; locked: bigint; minted: { chain: ChainInfo; amount: bigint }[] }[];
}

export class BridgeSdk {
  private readonly clients = new Map<number, PublicClient>();
  private readonly gateways = new Map<number, Gateway>();
  private readonly makeClient: (chain: ChainInfo) => PublicClient;
  private readonly fetch: typeof fetch;
  private readonly guardianTimeoutMs: number;

  constructor(
    readonly manifest: Manifest,
    options: BridgeSdkOptions = {},
  ) {
    this.makeClient = options.publicClient ?? ((chain) => publicClientFor(chain));
    this.fetch = options.fetch ?? fetch;
    this.guardianTimeoutMs = options.guardianTimeoutMs ?? 2_000;
  }

  get gatewayChains(): GatewayChain[] {
    return this.manifest.chains.filter((c): c is GatewayChain => c.gateway !== undefined);
  }

  client(chain: ChainInfo): PublicClient {
    let client = this.clients.get(chain.chainId);
    if (!client) {
      client = this.makeClient(chain);
      this.clients.set(chain.chainId, client);
    }
    return client;
  }

  /** The typed gateway of an L2 (one per chain, sharing `client(chain)`). */
  gateway(chain: GatewayChain): Gateway {
    let gateway = this.gateways.get(chain.chainId);
    if (!gateway) {
      gateway = new Gateway(chain.gateway, this.client(chain));
      this.gateways.set(chain.chainId, gateway);
    }
    return gateway;
  }

  wallet(chain: ChainInfo, key: Hex): ChainWallet {
    return walletClientFor(chain, privateKeyToAccount(key));
  }

  gatewayChain(chainId: number | bigint): GatewayChain {
    const chain = this.gatewayChains.find((c) => c.chainId === Number(chainId));
    if (!chain) throw new BridgeInputError(`chain ${chainId} has no gateway in this manifest.`);
    return chain;
  }

  /**
   * Checks that the chains answer with the manifest's chain ids and that the gateway exists, so a
   * stale manifest (devnet restarted) is reported as such rather than as a confusing revert.
   */
  async checkReachable(chain: GatewayChain): Promise<void> {
    const client = this.client(chain);
    const [chainId, code] = await onChain(chain, () =>
      Promise.all([client.getChainId(), client.getCode({ address: chain.gateway })]),
    );
    if (chainId !== chain.chainId) {
      throw new BridgeInputError(
        `${chain.rpcUrl} reports chain id ${chainId} but the manifest says ${chain.name} is ${chain.chainId}; is the manifest stale?`,
      );
    }
    if (code === undefined || code === "0x") {
      throw new BridgeInputError(
        `there is no gateway at ${chain.gateway} on ${chain.name}; the manifest is stale (restart the devnet or set MANIFEST).`,
      );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Sending
  // ---------------------------------------------------------------------------------------------

  /**
   * Validates a transfer completely, offline first (`resolveTransfer`) and then against both
   * chains, and returns what `sendTransfer` needs. Throws `BridgeInputError` (one sentence) on
   * anything that would make the transfer fail or get stuck; sends nothing.
   */
  async prepareTransfer(sender: Address, input: TransferInput): Promise<PreparedTransfer> {
    const resolved = resolveTransfer(this.manifest, input);
    const { from, to, token, sourceToken, amount } = resolved;
    const recipient = resolved.recipient ?? sender;
    await Promise.all([this.checkReachable(from), this.checkReachable(to)]);
    const src = this.client(from);
    const srcGateway = this.gateway(from);
    const dstGateway = this.gateway(to);

    const [srcPaused, srcRoute, local, outbound, balance, eth] = await onChain(from, () =>
      Promise.all([
        srcGateway.paused(),
        srcGateway.route(to.chainId),
        srcGateway.localToken(sourceToken),
        srcGateway.availableRateLimit(token.homeToken, "outbound"),
        src.readContract({ address: sourceToken, abi: erc20Abi, functionName: "balanceOf", args: [sender] }),
        src.getBalance({ address: sender }),
      ]),
    );
    const [dstPaused, dstRoute, inbound, inboundRoom, largeDelay] = await onChain(to, () =>
      Promise.all([
        dstGateway.paused(),
        dstGateway.route(from.chainId),
        dstGateway.inboundToken(token.homeToken),
        dstGateway.availableRateLimit(token.homeToken, "inbound"),
        dstGateway.largeDelay(),
      ]),
    );

    const tokens = (v: bigint) => formatTokens(v, token.decimals, token.symbol);
    const route = `${from.name} → ${to.name}`;
    if (srcPaused)
      throw new BridgeInputError(`the ${from.name} gateway is paused, so nothing can be sent from it now.`);
    if (dstPaused) {
      throw new BridgeInputError(`the ${to.name} gateway is paused, so a transfer to it could not be delivered now.`);
    }
    if (!srcRoute.enabled || !isAddressEqual(srcRoute.gateway, to.gateway)) {
      throw new BridgeInputError(`the route ${route} is disabled on ${from.name}.`);
    }
    if (!dstRoute.enabled || !isAddressEqual(dstRoute.gateway, from.gateway)) {
      throw new BridgeInputError(
        `the route ${route} is disabled on ${to.name}, so the transfer could not be delivered.`,
      );
    }
    if (!isAddressEqual(local.homeToken, token.homeToken)) {
      throw new BridgeInputError(`${token.symbol} is not registered on the ${from.name} gateway.`);
    }
    if (!inbound.registered) {
      throw new BridgeInputError(`${token.symbol} is not registered on the ${to.name} gateway.`);
    }
    if (amount > balance) {
      throw new BridgeInputError(
        `amount ${tokens(amount)} exceeds the balance of ${sender} on ${from.name} (${tokens(balance)}).`,
      );
    }
    if (eth === 0n) throw new BridgeInputError(`${sender} has no ETH on ${from.name} to pay for gas.`);
    if (amount > outbound) {
      throw new BridgeInputError(
        `the ${from.name} outbound rate limit has room for ${tokens(outbound)} now; send less or wait for it to refill.`,
      );
    }

    const allowance = local.isHome
      ? await onChain(from, () =>
          src.readContract({
            address: sourceToken,
            abi: erc20Abi,
            functionName: "allowance",
            args: [sender, from.gateway],
          }),
        )
      : 0n;
    const notices: string[] = [];
    if (amount > inbound.fastLimit) {
      notices.push(
        `${tokens(amount)} is above the fast limit of ${tokens(inbound.fastLimit)} on ${to.name}: after delivery it waits the large-transfer delay (${largeDelay} s).`,
      );
    } else if (amount > inboundRoom) {
      notices.push(
        `the ${to.name} inbound rate limit has room for ${tokens(inboundRoom)} now: after delivery the transfer waits the large-transfer delay (${largeDelay} s).`,
      );
    }
    return { ...resolved, sender, recipient, sourceIsHome: local.isHome, allowance, notices };
  }

  /** The `send` call of a prepared transfer (benchmarks sign it themselves). */
  /** The `send` call of a transfer; `deadline` 0 lets the gateway apply its default window. */
  sendCall(t: Pick<PreparedTransfer, "from" | "to" | "sourceToken" | "recipient" | "amount">, deadline = 0n) {
    return {
      address: t.from.gateway,
      abi: bridgeGatewayAbi,
      functionName: "send" as const,
      args: [t.sourceToken, BigInt(t.to.chainId), t.recipient, t.amount, deadline] as const,
    };
  }

  /**
   * Sends a prepared transfer: approves the gateway first when a home token's allowance is short
   * (bridged tokens are burned without one), simulates `send` so a revert is explained before
   * anything is spent on it, sends, and returns the `MessageSent` from the receipt.
   */
  async sendTransfer(
    wallet: ChainWallet,
    t: PreparedTransfer,
    hooks: {
      onApproval?: (hash: Hex) => void;
      onSubmitted?: (hash: Hex) => void;
      /** Unix seconds after which the message can no longer be delivered (and can be escaped). */
      deadline?: bigint;
    } = {},
  ): Promise<SentRecord> {
    const client = this.client(t.from);
    if (t.sourceIsHome && t.allowance < t.amount) {
      const hash = await wallet.writeContract({
        address: t.sourceToken,
        abi: erc20Abi,
        functionName: "approve",
        args: [t.from.gateway, t.amount],
      });
      hooks.onApproval?.(hash);
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`approval ${hash} reverted`);
    }
    let request;
    try {
      ({ request } = await client.simulateContract({ account: wallet.account, ...this.sendCall(t, hooks.deadline) }));
    } catch (e) {
      throw explainRevert(e, t.from.name) ?? e;
    }
    const hash = await wallet.writeContract(request);
    hooks.onSubmitted?.(hash);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`send transaction ${hash} reverted`);
    const [sent] = decodeMessagesSent(receipt.logs, t.from.gateway);
    if (!sent) throw new Error(`send transaction ${hash} emitted no MessageSent`);
    const block = await client.getBlock({ blockNumber: receipt.blockNumber });
    return {
      ...sent,
      source: t.from,
      dest: t.to,
      token: t.token,
      txHash: hash,
      blockNumber: receipt.blockNumber,
      timestamp: Number(block.timestamp),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Finding and following messages
  // ---------------------------------------------------------------------------------------------

  /**
   * Finds messages by message id or by the hash of the transaction that sent them (a 32-byte
   * value could be either): the receipt's `MessageSent` logs on any L2, else the `MessageSent`
   * log with that id on any gateway. Returns [] when neither exists.
   */
  async findMessages(idOrTxHash: Hex): Promise<SentRecord[]> {
    const chains = this.gatewayChains;
    const byTx = await Promise.all(chains.map((chain) => this.messagesOfTransaction(chain, idOrTxHash)));
    const fromTx = byTx.flat();
    if (fromTx.length > 0) return fromTx;
    const byId = await Promise.all(chains.map((chain) => this.messageById(chain, idOrTxHash)));
    return byId.filter((r): r is SentRecord => r !== undefined);
  }

  private async messagesOfTransaction(chain: GatewayChain, hash: Hex): Promise<SentRecord[]> {
    const client = this.client(chain);
    const receipt = await onChain(chain, () => client.getTransactionReceipt({ hash })).catch((e: unknown) => {
      if (e instanceof BaseError && e.name === "TransactionReceiptNotFoundError") return undefined;
      throw e;
    });
    if (!receipt) return [];
    const block = await client.getBlock({ blockNumber: receipt.blockNumber });
    return decodeMessagesSent(receipt.logs, chain.gateway).map((sent) =>
      this.record(sent.msgId, sent.message, hash, receipt.blockNumber, Number(block.timestamp)),
    );
  }

  private async messageById(chain: GatewayChain, msgId: Hex): Promise<SentRecord | undefined> {
    const client = this.client(chain);
    const log = await onChain(chain, () =>
      this.gateway(chain).messageEvent("MessageSent", msgId, BigInt(chain.deployBlock ?? 0)),
    );
    if (!log || log.blockNumber === null || log.transactionHash === null) return undefined;
    const sent = decodeMessageSent(log);
    const block = await client.getBlock({ blockNumber: log.blockNumber });
    return this.record(sent.msgId, sent.message, log.transactionHash, log.blockNumber, Number(block.timestamp));
  }

  private record(msgId: Hex, message: Message, txHash: Hex, blockNumber: bigint, timestamp: number): SentRecord {
    return {
      msgId,
      message,
      source: this.gatewayChain(message.sourceChainId),
      dest: this.gatewayChain(message.destChainId),
      token: tokenByHome(this.manifest, message.token),
      txHash,
      blockNumber,
      timestamp,
    };
  }

  /**
   * What each guardian says about a message (GET /v1/messages/:msgId), tallied. With `dest`, the
   * guardians asked are the destination gateway's current set (so a rotation is followed), each
   * at its URL in the manifest's guardian directory; without it, the manifest's initial set.
   */
  async attestations(msgId: Hex, dest?: GatewayChain): Promise<Attestations> {
    const { guardians, threshold } = dest ? await this.currentGuardianSet(dest) : this.manifest.guardianSet;
    const states = await Promise.all(guardians.map((g) => this.guardianState(g.url, msgId)));
    const count = (s: MessageState | "unknown" | "unreachable") => states.filter((x) => x.state === s).length;
    return {
      signable: count("signable"),
      threshold,
      guardians: guardians.length,
      awaitingApproval: count("awaiting-approval"),
      unconfirmed: count("unconfirmed"),
      unknown: count("unknown"),
      unreachable: count("unreachable"),
      rejected: states.flatMap((s) => (s.state === "rejected" ? [s.reason ?? "rejected"] : [])),
    };
  }

  /** The destination gateway's current guardian set, with directory URLs ("" when unlisted). */
  async currentGuardianSet(
    dest: GatewayChain,
  ): Promise<{ guardians: { address: Address; url: string }[]; threshold: number }> {
    const { guardians: members, threshold } = await onChain(dest, () => this.gateway(dest).currentGuardianSet());
    const directory = guardianDirectory(this.manifest);
    return {
      threshold,
      guardians: members.map((address) => ({
        address,
        url: directory.find((g) => isAddressEqual(g.address, address))?.url ?? "",
      })),
    };
  }

  private async guardianState(
    url: string,
    msgId: Hex,
  ): Promise<{ state: MessageState | "unknown" | "unreachable"; reason?: string }> {
    if (!url) return { state: "unreachable" };
    try {
      const client = new GuardianClient(url, { timeoutMs: this.guardianTimeoutMs, fetch: this.fetch });
      const view = await client.message(msgId);
      return view ? { state: view.state, reason: view.reason } : { state: "unknown" };
    } catch {
      return { state: "unreachable" };
    }
  }

  /** A tracker that observes one message; `poll` it repeatedly (or use `follow`). */
  track(sent: SentRecord): MessageTracker {
    return new MessageTracker(this, sent);
  }

  /**
   * Polls a message until it is executed, vetoed or cancelled, calling `onUpdate` with every
   * observation. Resolves with the last state, also when `signal` aborts or `timeoutMs` passes
   * (check `FINAL_STAGES.includes(state.stage)`).
   */
  async follow(
    sent: SentRecord,
    options: {
      onUpdate?: (state: TransferState) => void;
      signal?: AbortSignal;
      intervalMs?: number;
      timeoutMs?: number;
    } = {},
  ): Promise<TransferState> {
    const tracker = this.track(sent);
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    for (;;) {
      const state = await tracker.poll();
      options.onUpdate?.(state);
      if (FINAL_STAGES.includes(state.stage) || options.signal?.aborted || Date.now() >= deadline) return state;
      await sleep(options.intervalMs ?? 500, options.signal);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Balances
  // ---------------------------------------------------------------------------------------------

  async balances(address: Address): Promise<Balances> {
    const chains = await Promise.all(
      this.gatewayChains.map(async (chain) => {
        const client = this.client(chain);
        const tokens = this.manifest.tokens.flatMap((token) => {
          const local = token.addresses[String(chain.chainId)];
          return local ? [{ token, address: local }] : [];
        });
        const [eth, ...amounts] = await onChain(chain, () =>
          Promise.all([
            client.getBalance({ address }),
            ...tokens.map((t) =>
              client.readContract({ address: t.address, abi: erc20Abi, functionName: "balanceOf", args: [address] }),
            ),
          ]),
        );
        return { chain, eth, tokens: tokens.map((t, i) => ({ ...t, balance: amounts[i]! })) };
      }),
    );
    const supply = await Promise.all(
      this.manifest.tokens.map(async (token) => {
        const home = this.gatewayChain(token.homeChainId);
        const locked = await onChain(home, () => this.gateway(home).lockedBalance(token.homeToken));
        const minted = await Promise.all(
          this.gatewayChains
            .filter((c) => c.chainId !== token.homeChainId && token.addresses[String(c.chainId)])
            .map(async (chain) => ({
              chain,
              amount: await onChain(chain, () =>
                this.client(chain).readContract({
                  address: token.addresses[String(chain.chainId)]!,
                  abi: erc20Abi,
                  functionName: "totalSupply",
                }),
              ),
            })),
        );
        return { token, home, locked, minted };
      }),
    );
    return { address, chains, supply };
  }
}

/**
 * Observes one message across polls. It remembers what it already found (delivery and execution
 * never un-happen), so each poll asks the chains and guardians only what is still open.
 */
export class MessageTracker {
  private readonly state: TransferState;
  private fastLimit?: bigint;
  private largeDelay?: number;

  constructor(
    private readonly sdk: BridgeSdk,
    readonly sent: SentRecord,
  ) {
    this.state = { sent, stage: "sent", observedAt: { sent: Date.now() } };
  }

  async poll(): Promise<TransferState> {
    const s = this.state;
    try {
      if (!s.delivered && !s.vetoed) await this.pollDelivery();
      if (s.delivered && !s.executed && !s.vetoed) await this.pollQueued();
      if (!s.delivered && !s.vetoed) await this.pollAttestations();
      s.waiting = FINAL_STAGES.includes(s.stage) ? undefined : await this.waitingReason();
    } catch (e) {
      if (!(e instanceof ChainUnreachableError)) throw e;
      s.waiting = { kind: "unreachable", what: e.message };
    }
    return { ...s, observedAt: { ...s.observedAt } };
  }

  private get dest() {
    return this.sent.dest;
  }

  /** A read of the destination gateway, an unreachable node reported as such. */
  private destRead<T>(read: (gateway: Gateway) => Promise<T>): Promise<T> {
    return onChain(this.dest, () => read(this.sdk.gateway(this.dest)));
  }

  private async pollDelivery() {
    const { message, msgId } = this.sent;
    const processed = await this.destRead((g) => g.isProcessed(message.sourceChainId, message.nonce));
    if (!processed) return;
    const queued = await this.destRead((g) => g.queuedMessage(msgId));
    if (queued.status === "Cancelled") {
      // Escaped: cancelled after its deadline without ever being delivered (see sdk/escape.ts).
      this.reach("cancelled");
      return;
    }
    if (queued.status === "None") {
      // Fast path: delivered and executed in one call, recorded only by the event.
      const executed = await this.eventRef("MessageExecuted");
      if (!executed) return; // the nonce went to a different message (after a veto); not ours
      this.reach("attested");
      this.state.delivered = executed;
      this.reach("delivered");
      this.state.executed = executed;
      this.reach("executed");
      return;
    }
    const delivered = await this.eventRef("MessageQueued");
    if (!delivered) return; // processed at a block our log query did not see yet: next poll
    this.reach("attested");
    this.state.delivered = delivered;
    this.reach("delivered");
    this.state.queued = {
      executableAt: queued.executableAt,
      reason: message.amount > (await this.getFastLimit()) ? "large-transfer" : "rate-limit",
    };
    await this.applyQueuedStatus(queued.status);
  }

  private async pollQueued() {
    const queued = await this.destRead((g) => g.queuedMessage(this.sent.msgId));
    await this.applyQueuedStatus(queued.status);
  }

  private async applyQueuedStatus(status: MessageStatusName) {
    if (status === "Executed") {
      this.state.executed = await this.eventRef("MessageExecuted");
      if (this.state.executed) this.reach("executed");
    } else if (status === "Vetoed") {
      this.state.vetoed = await this.eventRef("MessageVetoed");
      if (this.state.vetoed) this.reach("vetoed");
    } else if (status === "Cancelled") {
      this.reach("cancelled");
    }
  }

  private async pollAttestations() {
    const attestations = await this.sdk.attestations(this.sent.msgId, this.dest);
    this.state.attestations = attestations;
    if (attestations.signable >= attestations.threshold) this.reach("attested");
  }

  private async waitingReason(): Promise<Waiting | undefined> {
    const s = this.state;
    const now = Date.now() / 1000;
    if (await this.destRead((g) => g.paused())) return { kind: "paused", chain: this.dest.name };
    if (s.queued) {
      if (now < s.queued.executableAt) {
        return s.queued.reason === "large-transfer"
          ? { kind: "large-transfer", executableAt: s.queued.executableAt }
          : { kind: "rate-limited", executableAt: s.queued.executableAt };
      }
      return { kind: "execution", executableAt: s.queued.executableAt };
    }
    if (s.delivered) return undefined;
    const deadline = Number(this.sent.message.deadline);
    if (now > deadline) return { kind: "expired", deadline };
    const attestations = s.attestations;
    if (attestations && attestations.signable < attestations.threshold) return { kind: "attestations", attestations };
    const amount = this.sent.message.amount;
    const delaySeconds = await this.getLargeDelay();
    if (amount > (await this.getFastLimit())) return { kind: "delivery", thenDelayed: "large-transfer", delaySeconds };
    const room = await this.destRead((g) => g.availableRateLimit(this.sent.message.token, "inbound"));
    if (amount > room) return { kind: "rate-limit", available: room, delaySeconds };
    return { kind: "delivery", delaySeconds };
  }

  private async getFastLimit(): Promise<bigint> {
    if (this.fastLimit === undefined) {
      const t = await this.destRead((g) => g.inboundToken(this.sent.message.token));
      this.fastLimit = t.fastLimit;
    }
    return this.fastLimit;
  }

  private async getLargeDelay(): Promise<number> {
    this.largeDelay ??= await this.destRead((g) => g.largeDelay());
    return this.largeDelay;
  }

  private reach(stage: Stage) {
    const order: Stage[] = ["sent", "attested", "delivered", "executed"];
    this.state.observedAt[stage] ??= Date.now();
    // A final stage is never left (a cancelled message still has its guardians' signatures).
    if (FINAL_STAGES.includes(this.state.stage)) return;
    if (FINAL_STAGES.includes(stage) || order.indexOf(stage) > order.indexOf(this.state.stage)) {
      this.state.stage = stage;
    }
  }

  private async eventRef(eventName: MessageEventName): Promise<EventRef | undefined> {
    const client = this.sdk.client(this.dest);
    const log = await this.destRead((g) =>
      g.messageEvent(eventName, this.sent.msgId, BigInt(this.dest.deployBlock ?? 0)),
    );
    if (!log || log.blockNumber === null || log.transactionHash === null) return undefined;
    const block = await client.getBlock({ blockNumber: log.blockNumber });
    return { blockNumber: log.blockNumber, txHash: log.transactionHash, timestamp: Number(block.timestamp) };
  }
}

/** Runs a chain call, turning "the node is not there" into one sentence the user can act on. */
export async function onChain<T>(chain: ChainInfo, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isUnreachable(e)) throw new ChainUnreachableError(chain.name, chain.rpcUrl);
    throw e;
  }
}

function isUnreachable(e: unknown): boolean {
  if (!(e instanceof BaseError)) return false;
  return e.walk((x) => x instanceof HttpRequestError || x instanceof TimeoutError) !== null;
}

/** Sentences for the gateway errors a `send` can hit; undefined for anything else. */
export function explainRevert(e: unknown, chain: string): BridgeInputError | undefined {
  if (!(e instanceof BaseError)) return undefined;
  const revert = e.walk((x) => x instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  const name = revert.data?.errorName;
  const sentences: Record<string, string> = {
    BridgePaused: `the ${chain} gateway is paused, so nothing can be sent from it now.`,
    BridgeUnknownRoute: `the route to the destination is disabled on ${chain}.`,
    BridgeUnknownToken: `the token is not registered on the ${chain} gateway.`,
    BridgeRateLimited: `the ${chain} outbound rate limit has no room for this amount now; send less or wait for it to refill.`,
    BridgeInvalidTransfer: `the gateway refused the transfer (zero amount, zero recipient, or an amount too large for the limits).`,
    BridgeFeeOnTransfer: `the token charged a fee on transfer, which the bridge does not support.`,
    BridgeInvalidDeadline: `the deadline is outside the ${chain} gateway's allowed window (see its deadlineWindows()).`,
    ERC20InsufficientBalance: `the amount exceeds the sender's balance on ${chain}.`,
    ERC20InsufficientAllowance: `the gateway's allowance is too small on ${chain}.`,
  };
  const sentence = name ? sentences[name] : undefined;
  return new BridgeInputError(sentence ?? `the ${chain} gateway refused the transfer: ${revert.shortMessage}`);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * `BridgeClient`: a Portcullis deployment (its manifest) as a user-side program sees it. The
 * transfer flow follows the shape integrators know (Wormhole's validate → quote → initiate →
 * track, Across' quote → execute with progress, Hyperlane's WarpCore):
 *
 *   validateTransfer(request)          problems keyed by field, in plain words ({} when fine)
 *   quote(request)                     limits, fast or delayed (and why), deadline, fee, ETA
 *   buildTransfer(request)             unsigned transactions (approve + send) for any wallet
 *   sendTransfer(request, wallet)      signs them with a viem WalletClient, returns the message
 *   track(msgIdOrTxHash)               async iterable of updates: stage, reason, ETA
 *   relay(msgIdOrTxHash, wallet)       delivers your own message with the guardians' signatures
 *
 * It never holds a private key: signing is the wallet's. Reads go to each chain's RPC URL from
 * the manifest (or the clients the caller injects), gateway reads through `core/gateway.ts`,
 * guardian questions through `core/guardian-api.ts`.
 */
import {
  BaseError,
  erc20Abi,
  HttpRequestError,
  isAddressEqual,
  TimeoutError,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { publicClientFor } from "../core/chains.js";
import { Gateway } from "../core/gateway.js";
import { GuardianClient } from "../core/guardian-api.js";
import { decodeMessageSent, decodeMessagesSent, type SentMessage } from "../core/logs.js";
import {
  gatewayChains,
  guardianDirectory,
  tokenByHome,
  type ChainInfo,
  type GatewayChain,
  type Manifest,
  type TokenInfo,
} from "../core/manifest.js";
import type { Message } from "../core/message.js";
import {
  AmbiguousMessageError,
  ChainUnreachableError,
  InvalidInputError,
  MessageNotFoundError,
  StaleManifestError,
} from "./errors.js";
import { resolveChain, type TransferRequest } from "./input.js";
import { buildRelay, relay, type RelayResult } from "./relay.js";
import { RELAY_ALLOWANCE_SECONDS, type Attestations } from "./status.js";
import { MessageTracker, tallyAttestations, updateKey, type Observation, type SentRecord } from "./tracker.js";
import {
  buildTransfer,
  quote,
  sendTransfer,
  validateTransfer,
  type BuiltTransfer,
  type Quote,
  type SendOptions,
  type UnsignedTransaction,
} from "./transfer.js";
import type { TransferProblems } from "./errors.js";

export interface BridgeClientOptions {
  /** Builds the read client of a chain (tests and apps inject their own); default `publicClientFor`. */
  publicClient?: (chain: ChainInfo) => PublicClient;
  /** HTTP for the guardian API (default: the global fetch). */
  fetch?: typeof fetch;
  /** Time a guardian has to answer one request. */
  guardianTimeoutMs?: number;
  /** Seconds from "guardians can sign" to "delivered", for ETAs (default `RELAY_ALLOWANCE_SECONDS`). */
  relaySeconds?: number;
}

export interface TrackOptions {
  /** Stops the iteration (it then ends without an error). */
  signal?: AbortSignal;
  /** Between polls; default 1000 ms. */
  intervalMs?: number;
  /** Ends the iteration after this long even if the transfer is not final. */
  timeoutMs?: number;
  /** Yield every poll, not only when the stage or the reason changes. */
  everyPoll?: boolean;
}

export interface Balances {
  address: Address;
  chains: { chain: GatewayChain; eth: bigint; tokens: { token: TokenInfo; address: Address; balance: bigint }[] }[];
  /** Per token: locked in its home gateway, and the bridged supply minted on every other chain. */
  supply: { token: TokenInfo; home: GatewayChain; locked: bigint; minted: { chain: GatewayChain; amount: bigint }[] }[];
}

/** The guardian set a destination gateway verifies with now, with each member's URL ("" when unlisted). */
export interface GuardianEndpoints {
  index: number;
  threshold: number;
  guardians: { address: Address; url: string }[];
}

export class BridgeClient {
  readonly fetch: typeof fetch;
  readonly guardianTimeoutMs: number;
  readonly relaySeconds: number;
  private readonly makeClient: (chain: ChainInfo) => PublicClient;
  private readonly clients = new Map<number, PublicClient>();
  private readonly gateways = new Map<number, Gateway>();
  private readonly blockTimes = new Map<number, Promise<number>>();
  private readonly guardianClients = new Map<string, GuardianClient>();

  constructor(
    readonly manifest: Manifest,
    options: BridgeClientOptions = {},
  ) {
    this.makeClient = options.publicClient ?? ((chain) => publicClientFor(chain));
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.guardianTimeoutMs = options.guardianTimeoutMs ?? 2_000;
    this.relaySeconds = options.relaySeconds ?? RELAY_ALLOWANCE_SECONDS;
  }

  // ---------------------------------------------------------------------------------------------
  // Chains
  // ---------------------------------------------------------------------------------------------

  /** The L2s: every chain with a gateway. */
  get gatewayChains(): GatewayChain[] {
    return gatewayChains(this.manifest);
  }

  /** A chain with a gateway, by name or chain id. */
  chain(nameOrId: string | number | bigint): GatewayChain {
    return resolveChain(this.manifest, typeof nameOrId === "bigint" ? Number(nameOrId) : nameOrId);
  }

  client(chain: ChainInfo): PublicClient {
    let client = this.clients.get(chain.chainId);
    if (!client) {
      client = this.makeClient(chain);
      this.clients.set(chain.chainId, client);
    }
    return client;
  }

  /** The typed gateway of an L2 (one per chain, over `client(chain)`). */
  gateway(chain: GatewayChain): Gateway {
    let gateway = this.gateways.get(chain.chainId);
    if (!gateway) {
      gateway = new Gateway(chain.gateway, this.client(chain));
      this.gateways.set(chain.chainId, gateway);
    }
    return gateway;
  }

  /** Runs reads against `chain`, turning "the node is not there" into `ChainUnreachableError`. */
  async read<T>(chain: ChainInfo, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (isUnreachable(e)) throw new ChainUnreachableError(chain.name, chain.rpcUrl, { cause: e });
      throw e;
    }
  }

  /**
   * Checks that the chain answers with the manifest's chain id and that the gateway exists, so a
   * stale manifest (a restarted devnet) is reported as such rather than as a confusing revert.
   */
  async checkReachable(chain: GatewayChain): Promise<void> {
    const client = this.client(chain);
    const [chainId, code] = await this.read(chain, () =>
      Promise.all([client.getChainId(), client.getCode({ address: chain.gateway })]),
    );
    if (chainId !== chain.chainId) {
      throw new StaleManifestError(
        `${chain.rpcUrl} reports chain id ${chainId} but the manifest says ${chain.name} is ${chain.chainId}; the manifest is stale.`,
      );
    }
    if (code === undefined || code === "0x") {
      throw new StaleManifestError(`there is no gateway at ${chain.gateway} on ${chain.name}; the manifest is stale.`);
    }
  }

  /** The chain's recent block time in seconds (measured over its last blocks; 2 s when too young). */
  blockTimeSeconds(chain: ChainInfo): Promise<number> {
    let time = this.blockTimes.get(chain.chainId);
    if (!time) {
      time = this.measureBlockTime(chain);
      time.catch(() => this.blockTimes.delete(chain.chainId));
      this.blockTimes.set(chain.chainId, time);
    }
    return time;
  }

  private async measureBlockTime(chain: ChainInfo): Promise<number> {
    const client = this.client(chain);
    const latest = await this.read(chain, () => client.getBlock({ blockTag: "latest" }));
    const span = latest.number < 20n ? latest.number : 20n;
    if (span === 0n) return 2;
    const earlier = await this.read(chain, () => client.getBlock({ blockNumber: latest.number - span }));
    return Math.max(1, Number(latest.timestamp - earlier.timestamp) / Number(span));
  }

  // ---------------------------------------------------------------------------------------------
  // Transfers (transfer.ts)
  // ---------------------------------------------------------------------------------------------

  /**
   * Everything that would make the transfer fail or get stuck, keyed by field, each one sentence
   * in plain words; `{}` when it can be sent. Checks the request offline, then against both
   * chains (reachable, paused, routes, registration, balance, gas money, outbound limit, deadline
   * window). Sends nothing.
   */
  validateTransfer(request: TransferRequest): Promise<TransferProblems> {
    return validateTransfer(this, request);
  }

  /**
   * What the transfer will do: limits, whether it executes on delivery or waits (and why), its
   * deadline, the fee, the approval it needs and an estimate of how long it takes. Throws
   * `InvalidTransferError` (with `problems`) when `validateTransfer` would report any; without
   * a sender only the balance and allowance are left out.
   */
  quote(request: TransferRequest): Promise<Quote> {
    return quote(this, request);
  }

  /** The unsigned transactions (approve when the allowance is short, then send) for any wallet. */
  buildTransfer(request: TransferRequest): Promise<BuiltTransfer> {
    return buildTransfer(this, request);
  }

  /**
   * Signs and sends the transfer with `wallet` (on the source chain; the sender is the wallet's
   * account), waiting for each transaction, and returns the message it sent.
   */
  sendTransfer(request: TransferRequest, wallet: WalletClient, options?: SendOptions): Promise<SentRecord> {
    return sendTransfer(this, request, wallet, options);
  }

  // ---------------------------------------------------------------------------------------------
  // Finding and following messages
  // ---------------------------------------------------------------------------------------------

  /**
   * Messages by message id or by the hash of the transaction that sent them (a 32-byte value
   * could be either): the receipt's `MessageSent` logs on any L2, else the `MessageSent` with
   * that id on any gateway. [] when neither exists.
   */
  async findMessages(msgIdOrTxHash: Hex): Promise<SentRecord[]> {
    const ref = parseMessageRef(msgIdOrTxHash);
    const chains = this.gatewayChains;
    const byTx = (await Promise.all(chains.map((chain) => this.messagesOfTransaction(chain, ref)))).flat();
    if (byTx.length > 0) return byTx;
    const byId = await Promise.all(chains.map((chain) => this.messageById(chain, ref)));
    return byId.filter((r): r is SentRecord => r !== undefined);
  }

  /** The one message `msgIdOrTxHash` names; throws `MessageNotFoundError` or `AmbiguousMessageError`. */
  async findMessage(msgIdOrTxHash: Hex): Promise<SentRecord> {
    const records = await this.findMessages(msgIdOrTxHash);
    if (records.length === 0)
      throw new MessageNotFoundError(
        msgIdOrTxHash,
        this.gatewayChains.map((c) => c.name),
      );
    if (records.length > 1)
      throw new AmbiguousMessageError(
        msgIdOrTxHash,
        records.map((r) => r.msgId),
      );
    return records[0]!;
  }

  private async messagesOfTransaction(chain: GatewayChain, hash: Hex): Promise<SentRecord[]> {
    const client = this.client(chain);
    const receipt = await this.read(chain, () => client.getTransactionReceipt({ hash })).catch((e: unknown) => {
      if (e instanceof BaseError && e.name === "TransactionReceiptNotFoundError") return undefined;
      throw e;
    });
    if (!receipt) return [];
    const block = await this.read(chain, () => client.getBlock({ blockNumber: receipt.blockNumber }));
    return decodeMessagesSent(receipt.logs, chain.gateway).map((sent) =>
      this.record(sent, hash, receipt.blockNumber, Number(block.timestamp)),
    );
  }

  private async messageById(chain: GatewayChain, msgId: Hex): Promise<SentRecord | undefined> {
    const log = await this.read(chain, () =>
      this.gateway(chain).messageEvent("MessageSent", msgId, BigInt(chain.deployBlock ?? 0)),
    );
    if (!log || log.blockNumber === null || log.transactionHash === null) return undefined;
    const sent = decodeMessageSent(log);
    const block = await this.read(chain, () => this.client(chain).getBlock({ blockNumber: log.blockNumber! }));
    return this.record(sent, log.transactionHash, log.blockNumber, Number(block.timestamp));
  }

  /** A `SentRecord` for a decoded `MessageSent`. */
  record(sent: SentMessage, txHash: Hex, blockNumber: bigint, timestamp: number): SentRecord {
    const { msgId, message, fee, quote } = sent;
    return {
      msgId,
      message,
      source: this.chain(message.sourceChainId),
      dest: this.chain(message.destChainId),
      token: tokenByHome(this.manifest, message.token, message.tokenChainId),
      txHash,
      blockNumber,
      timestamp,
      payment: { fee, quote },
    };
  }

  /** A tracker for one message: `poll()` it for one observation at a time. */
  tracker(sent: SentRecord): MessageTracker {
    return new MessageTracker(this, sent);
  }

  /** One observation of a message (by record, id or send transaction). */
  async status(message: SentRecord | Hex): Promise<Observation> {
    const sent = typeof message === "string" ? await this.findMessage(message) : message;
    return this.tracker(sent).poll();
  }

  /**
   * Follows a message until it is final (executed, vetoed, cancelled, refunded): yields an
   * update at once, then whenever its stage or reason changes (every poll with `everyPoll`).
   * Each update carries the status (stage, reason, ETA) derived by `deriveStatus`, the facts
   * it came from and when each stage was first seen. Ends quietly on `signal` or `timeoutMs`.
   */
  async *track(message: SentRecord | Hex, options: TrackOptions = {}): AsyncGenerator<Observation, void> {
    const sent = typeof message === "string" ? await this.findMessage(message) : message;
    const tracker = this.tracker(sent);
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    let lastKey: string | undefined;
    for (;;) {
      const update = await tracker.poll();
      const key = updateKey(update);
      if (options.everyPoll || key !== lastKey) yield update;
      lastKey = key;
      if (update.status.final || options.signal?.aborted || Date.now() >= deadline) return;
      await sleep(options.intervalMs ?? 1_000, options.signal);
      if (options.signal?.aborted) return;
    }
  }

  /**
   * `track` as a promise (Across' `onProgress` style): calls `onUpdate` with every update and
   * resolves with the last one — final, or not when `signal` or `timeoutMs` stopped it.
   */
  async follow(
    message: SentRecord | Hex,
    options: TrackOptions & { onUpdate?: (update: Observation) => void } = {},
  ): Promise<Observation> {
    let last: Observation | undefined;
    for await (const update of this.track(message, options)) {
      last = update;
      options.onUpdate?.(update);
    }
    return last!;
  }

  /**
   * What each guardian of the destination's current set says about a message (GET
   * /v1/messages/:msgId through the guardian API client), tallied.
   */
  async attestations(msgId: Hex, dest: GatewayChain): Promise<Attestations> {
    const set = await this.currentGuardianSet(dest);
    const states = await Promise.all(
      set.guardians.map(async (g) => {
        if (g.url === "") return { state: "unreachable" };
        try {
          const view = await this.guardian(g.url).message(msgId);
          return view ? { state: view.state, reason: view.reason } : { state: "unknown" };
        } catch {
          return { state: "unreachable" };
        }
      }),
    );
    return tallyAttestations(states, set.threshold);
  }

  /** The guardian API client of one guardian (`core/guardian-api.ts`), with this client's fetch and timeout. */
  guardian(url: string): GuardianClient {
    let g = this.guardianClients.get(url);
    if (!g) {
      g = new GuardianClient(url, { timeoutMs: this.guardianTimeoutMs, fetch: this.fetch });
      this.guardianClients.set(url, g);
    }
    return g;
  }

  /** The destination gateway's current guardian set, with each member's URL from the directory. */
  async currentGuardianSet(dest: GatewayChain): Promise<GuardianEndpoints> {
    const set = await this.read(dest, () => this.gateway(dest).currentGuardianSet());
    const directory = guardianDirectory(this.manifest);
    return {
      index: set.index,
      threshold: set.threshold,
      guardians: set.guardians.map((address) => ({
        address,
        url: directory.find((g) => isAddressEqual(g.address, address))?.url ?? "",
      })),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Self-relay (relay.ts)
  // ---------------------------------------------------------------------------------------------

  /**
   * The `deliver` transaction of your own message, with the signatures of its destination's
   * guardians: anyone may send it (delivery is permissionless). Throws when it cannot be
   * delivered now (delivered already, expired, paused, too few signatures).
   */
  buildRelay(message: SentRecord | Hex): Promise<{ sent: SentRecord; transaction: UnsignedTransaction }> {
    return buildRelay(this, message);
  }

  /**
   * Delivers your own message with `wallet` (on the destination chain): the way out when
   * relayers stall but guardians are up. Returns whether it executed at once or was queued.
   */
  relay(message: SentRecord | Hex, wallet: WalletClient, options?: { signal?: AbortSignal }): Promise<RelayResult> {
    return relay(this, message, wallet, options);
  }

  // ---------------------------------------------------------------------------------------------
  // Balances
  // ---------------------------------------------------------------------------------------------

  /** `address`'s ETH and token balances on every L2, and each token's locked and minted supply. */
  async balances(address: Address): Promise<Balances> {
    const chains = await Promise.all(
      this.gatewayChains.map(async (chain) => {
        const client = this.client(chain);
        const tokens = this.manifest.tokens.flatMap((token) => {
          const local = token.addresses[String(chain.chainId)];
          return local ? [{ token, address: local }] : [];
        });
        const [eth, ...amounts] = await this.read(chain, () =>
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
        const home = this.chain(token.homeChainId);
        const locked = await this.read(home, () => this.gateway(home).lockedBalance(token.homeToken));
        const minted = await Promise.all(
          this.gatewayChains
            .filter((c) => c.chainId !== token.homeChainId && token.addresses[String(c.chainId)])
            .map(async (chain) => ({
              chain,
              amount: await this.read(chain, () =>
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

/** A message id or transaction hash: 0x + 64 hex digits. */
export function parseMessageRef(text: string): Hex {
  const trimmed = text.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(trimmed)) {
    throw new InvalidInputError(`"${text}" is not a message id or transaction hash (0x followed by 64 hex digits).`);
  }
  return trimmed as Hex;
}

function isUnreachable(e: unknown): boolean {
  if (!(e instanceof BaseError)) return false;
  return e.walk((x) => x instanceof HttpRequestError || x instanceof TimeoutError) !== null;
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

/**
 * The BridgeGateway, typed: the one module the SDK, the CLI and every service read a gateway
 * through (viem `getContract` over the generated ABI, so a renamed function or changed struct
 * fails `tsc`, not a user). It adds what every caller used to repeat by hand: enum names instead
 * of numbers, `number` for the 32/64-bit times and indexes, structs with named fields, the
 * current guardian set in one call, and the rate-limit bucket's arithmetic (`RateLimitLib`) for
 * "how much now" and "when is there room".
 *
 * Reads take an optional `{ blockNumber }`; without it they read `latest`. Writes go through
 * `gatewayContract(address, client, wallet).write.*`, or encode the call with the ABI directly.
 * Nothing here touches `node:*`: the SDK bundles it for browsers.
 */
import {
  decodeAbiParameters,
  encodeDeployData,
  getContract,
  type Address,
  type GetContractEventsReturnType,
  type GetContractReturnType,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { bridgeGatewayAbi, sentMessageIdsQueryAbi, sentMessageIdsQueryBytecode } from "./generated/abis.js";

export type BridgeGatewayAbi = typeof bridgeGatewayAbi;

/** `IBridgeGateway.MessageStatus`. */
export const MessageStatus = { None: 0, Queued: 1, Executed: 2, Vetoed: 3, Cancelled: 4 } as const;
export type MessageStatusName = keyof typeof MessageStatus;
export type MessageStatusValue = (typeof MessageStatus)[MessageStatusName];

/** The name of a `MessageStatus` value; throws on a value the contract does not define. */
export function messageStatusName(status: number): MessageStatusName {
  const name = (Object.keys(MessageStatus) as MessageStatusName[]).find((k) => MessageStatus[k] === status);
  if (!name) throw new Error(`unknown gateway message status ${status}`);
  return name;
}

/** `IBridgeGateway.Direction`: a bucket seen from the gateway that holds it. */
export const Direction = { Inbound: 0, Outbound: 1 } as const;
export type DirectionName = "inbound" | "outbound";

/** `RateLimitLib.UNLIMITED`: a bucket with this capacity never limits. */
export const UNLIMITED_CAPACITY = 2n ** 96n - 1n;
/** Largest `uint256`: what `availableRateLimit` returns for an unlimited bucket. */
const MAX_UINT256 = 2n ** 256n - 1n;
/** `RateLimitLib` keeps `fullAt` in 1/65536 s. */
const FRACTION_BITS = 16n;

export interface QueuedMessageView {
  /** `None` for a message never queued (undelivered, or delivered on the fast path). */
  status: MessageStatusName;
  /** Unix seconds after which `execute` pays it out (0 when never queued). */
  executableAt: number;
  recipient: Address;
  localToken: Address;
  sourceChainId: bigint;
  sourceGateway: Address;
  nonce: bigint;
  amount: bigint;
}

export interface GuardianSet {
  index: number;
  /** Ascending, as the gateway stores them. */
  guardians: readonly Address[];
  threshold: number;
  /** Unix seconds the set stops verifying after a rotation; 0 while it is current. */
  expiresAt: number;
}

/** A rate-limit bucket as stored (`RateLimitLib.Bucket`). */
export interface RateLimitBucket {
  capacity: bigint;
  refillPerSecond: bigint;
  /** When the bucket is full again, in seconds << 16 (at or before now: full). */
  fullAt: bigint;
}

export interface DeadlineWindows {
  /** Shortest window `send` accepts for an explicit deadline, in seconds. */
  minSeconds: number;
  /** The window `send` applies when given deadline 0. */
  defaultSeconds: number;
  maxSeconds: number;
}

export interface LocalTokenView {
  /** The token's identity in messages, part 1: its home chain id (0 when not registered). */
  homeChainId: bigint;
  /** The token's identity in messages, part 2: its home-chain address; zero when not registered. */
  homeToken: Address;
  isHome: boolean;
  registered: boolean;
}

export interface InboundTokenView {
  /** What this gateway pays out for the token; zero when not registered. */
  local: Address;
  /** Largest amount that executes at once (still subject to the inbound bucket). */
  fastLimit: bigint;
  isHome: boolean;
  registered: boolean;
}

export interface ReadAt {
  /** Read at this block instead of `latest`. */
  blockNumber?: bigint;
}

/** Gateway events whose first indexed argument is the message id. */
export type MessageEventName =
  "MessageSent" | "MessageQueued" | "MessageExecuted" | "MessageVetoed" | "MessageCancelled" | "MessageRefunded";
export type MessageEventLog<N extends MessageEventName> = GetContractEventsReturnType<BridgeGatewayAbi, N>[number];

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * Nonces per `SentMessageIdsQuery` call: its answer is returned as if it were runtime code, which
 * nodes cap at 24,576 bytes (766 ids); 512 leaves room and keeps one call's gas near 2.5 M.
 */
export const SENT_IDS_PER_QUERY = 512;

/** What `SentMessageIdsQuery` returns: the ids as ABI-encoded `bytes32[]`. */
export const SENT_IDS_RESULT = [{ type: "bytes32[]" }] as const;

/** viem's typed contract over the gateway ABI; with `wallet`, `.write.*` too. */
export function gatewayContract(
  address: Address,
  client: PublicClient,
): GetContractReturnType<BridgeGatewayAbi, PublicClient>;
export function gatewayContract<W extends WalletClient>(
  address: Address,
  client: PublicClient,
  wallet: W,
): GetContractReturnType<BridgeGatewayAbi, { public: PublicClient; wallet: W }>;
export function gatewayContract(address: Address, client: PublicClient, wallet?: WalletClient) {
  return wallet
    ? getContract({ address, abi: bridgeGatewayAbi, client: { public: client, wallet } })
    : getContract({ address, abi: bridgeGatewayAbi, client });
}

/** Typed reads of one gateway. */
export class Gateway {
  readonly contract: GetContractReturnType<BridgeGatewayAbi, PublicClient>;

  constructor(
    readonly address: Address,
    readonly client: PublicClient,
  ) {
    this.contract = gatewayContract(address, client);
  }

  paused(at: ReadAt = {}): Promise<boolean> {
    return this.contract.read.paused(at);
  }

  /**
   * True once `nonce` of the source gateway `sourceGateway` on `sourceChainId` was delivered,
   * vetoed or cancelled here (replay protection is per source gateway).
   */
  isProcessed(sourceChainId: bigint, sourceGateway: Address, nonce: bigint, at: ReadAt = {}): Promise<boolean> {
    return this.contract.read.isProcessed([sourceChainId, sourceGateway, nonce], at);
  }

  /** The id of the message this gateway sent with `nonce` (zero hash when none). */
  sentMessageId(nonce: bigint, at: ReadAt = {}): Promise<Hex> {
    return this.contract.read.sentMessageId([nonce], at);
  }

  /**
   * `sentMessageId` of every nonce in `nonces`, in order, in one `eth_call` per
   * `SENT_IDS_PER_QUERY` nonces (contracts/queries/SentMessageIdsQuery.sol: creation code run
   * without deploying it). Same answers as one `sentMessageId` per nonce at the same block.
   */
  async sentMessageIds(nonces: readonly bigint[], at: ReadAt = {}): Promise<Hex[]> {
    const chunks: Promise<readonly Hex[]>[] = [];
    for (let i = 0; i < nonces.length; i += SENT_IDS_PER_QUERY) {
      const chunk = nonces.slice(i, i + SENT_IDS_PER_QUERY);
      const data = encodeDeployData({
        abi: sentMessageIdsQueryAbi,
        bytecode: sentMessageIdsQueryBytecode,
        args: [this.address, chunk],
      });
      chunks.push(
        this.client.call({ data, ...at }).then(({ data: returned }) => {
          if (returned === undefined) throw new Error("the sentMessageIds query returned no data");
          const [ids] = decodeAbiParameters(SENT_IDS_RESULT, returned);
          if (ids.length !== chunk.length) {
            throw new Error(`the sentMessageIds query returned ${ids.length} ids for ${chunk.length} nonces`);
          }
          return ids;
        }),
      );
    }
    return (await Promise.all(chunks)).flat();
  }

  nextNonce(at: ReadAt = {}): Promise<bigint> {
    return this.contract.read.nextNonce(at);
  }

  async queuedMessage(msgId: Hex, at: ReadAt = {}): Promise<QueuedMessageView> {
    const q = await this.contract.read.queuedMessage([msgId], at);
    return {
      status: messageStatusName(q.status),
      executableAt: Number(q.executableAt),
      recipient: q.recipient,
      localToken: q.localToken,
      sourceChainId: q.sourceChainId,
      sourceGateway: q.sourceGateway,
      nonce: q.nonce,
      amount: q.amount,
    };
  }

  /** Delay of large or rate-limited transfers, in seconds. */
  largeDelay(at: ReadAt = {}): Promise<number> {
    return this.contract.read.largeDelay(at);
  }

  guardianSetIndex(at: ReadAt = {}): Promise<number> {
    return this.contract.read.guardianSetIndex(at);
  }

  async guardianSet(index: number, at: ReadAt = {}): Promise<GuardianSet> {
    const [guardians, threshold, expiresAt] = await this.contract.read.guardianSet([index], at);
    return { index, guardians, threshold, expiresAt: Number(expiresAt) };
  }

  /** The set that verifies new attestations now. */
  async currentGuardianSet(at: ReadAt = {}): Promise<GuardianSet> {
    return this.guardianSet(await this.guardianSetIndex(at), at);
  }

  /** The remote gateway on `chainId` and whether the route is enabled. */
  async route(chainId: number | bigint, at: ReadAt = {}): Promise<{ gateway: Address; enabled: boolean }> {
    const [gateway, enabled] = await this.contract.read.route([BigInt(chainId)], at);
    return { gateway, enabled };
  }

  /** How a token, by its address on this chain, is bridged here. */
  async localToken(local: Address, at: ReadAt = {}): Promise<LocalTokenView> {
    const t = await this.contract.read.localToken([local], at);
    return {
      homeChainId: t.homeChainId,
      homeToken: t.homeToken,
      isHome: t.isHome,
      registered: t.homeToken !== ZERO_ADDRESS,
    };
  }

  /**
   * What this gateway pays out for a token (by its identity: home chain id and home address),
   * and its fast limit in base units.
   */
  async inboundToken(homeChainId: bigint, homeToken: Address, at: ReadAt = {}): Promise<InboundTokenView> {
    const t = await this.contract.read.inboundToken([homeChainId, homeToken], at);
    const fastLimit = t.fastLimit * 10n ** BigInt(t.limitScale);
    return { local: t.local, fastLimit, isHome: t.isHome, registered: t.local !== ZERO_ADDRESS };
  }

  /** What the bucket could release now, in base units (2^256 - 1 when unlimited). */
  availableRateLimit(homeChainId: bigint, homeToken: Address, direction: DirectionName, at: ReadAt = {}) {
    return this.contract.read.availableRateLimit([homeChainId, homeToken, directionValue(direction)], at);
  }

  /**
   * A bucket in base units: the gateway keeps high-decimal tokens' buckets in units of
   * 10^(decimals - 18); capacity and refill are scaled back here, so the `bucketAvailable` /
   * `bucketRoomAt` arithmetic gives base units (unlimited stays `UNLIMITED_CAPACITY`).
   */
  async rateLimit(
    homeChainId: bigint,
    homeToken: Address,
    direction: DirectionName,
    at: ReadAt = {},
  ): Promise<RateLimitBucket> {
    const [b, unit] = await this.contract.read.rateLimit([homeChainId, homeToken, directionValue(direction)], at);
    const capacity = b.capacity === UNLIMITED_CAPACITY ? b.capacity : b.capacity * unit;
    return { capacity, refillPerSecond: b.refillPerSecond * unit, fullAt: b.fullAt };
  }

  async deadlineWindows(at: ReadAt = {}): Promise<DeadlineWindows> {
    const w = await this.contract.read.deadlineWindows(at);
    return { minSeconds: w.minWindow, defaultSeconds: w.defaultWindow, maxSeconds: w.maxWindow };
  }

  /** What `send` to `destChainId` with `dropOff` (destination wei) costs in this chain's native wei. */
  quoteFee(destChainId: number | bigint, dropOff: bigint, at: ReadAt = {}): Promise<bigint> {
    return this.contract.read.quoteFee([BigInt(destChainId), dropOff], at);
  }

  /** Pricing of messages to `destChainId`, its bounds, its drop-off cap, and the updater's hour window. */
  async feeConfig(destChainId: number | bigint, at: ReadAt = {}) {
    const [config, windowStart, windowGasPrice, windowExchangeRate] = await this.contract.read.feeConfig(
      [BigInt(destChainId)],
      at,
    );
    return { ...config, windowStart, windowGasPrice, windowExchangeRate };
  }

  /** The largest drop-off (destination wei) one message to `destChainId` may ask for; 0: none. */
  async dropOffCap(destChainId: number | bigint, at: ReadAt = {}): Promise<bigint> {
    return (await this.feeConfig(destChainId, at)).dropOffCap;
  }

  /** Fees paid on this gateway and not yet claimed by the beneficiary (native wei). */
  accruedFees(at: ReadAt = {}): Promise<bigint> {
    return this.contract.read.accruedFees(at);
  }

  /** Who may claim the fees (`claimFees`). */
  feeBeneficiary(at: ReadAt = {}): Promise<Address> {
    return this.contract.read.feeBeneficiary(at);
  }

  /** Tokens of `homeToken` locked here (home chain only). */
  lockedBalance(homeToken: Address, at: ReadAt = {}): Promise<bigint> {
    return this.contract.read.lockedBalance([homeToken], at);
  }

  /** True once the message this gateway sent with `nonce` was refunded by an escape. */
  isRefunded(nonce: bigint, at: ReadAt = {}): Promise<boolean> {
    return this.contract.read.isRefunded([nonce], at);
  }

  /** The escape hatch wiring; all zero until `initializeEscape`. */
  async escapeConfig(at: ReadAt = {}): Promise<{ messenger: Address; escapeHatch: Address; tokenBridge: Address }> {
    const [messenger, escapeHatch, tokenBridge] = await this.contract.read.escapeConfig(at);
    return { messenger, escapeHatch, tokenBridge };
  }

  /**
   * The first `eventName` log naming `msgId`, scanning from `fromBlock` (the gateway's deploy
   * block, or later when the caller knows better) to `latest`; undefined when there is none.
   */
  async messageEvent<N extends MessageEventName>(
    eventName: N,
    msgId: Hex,
    fromBlock: bigint,
  ): Promise<MessageEventLog<N> | undefined> {
    const logs = await this.client.getContractEvents({
      address: this.address,
      abi: bridgeGatewayAbi,
      eventName,
      // Every event named here indexes `msgId` first; viem cannot narrow a generic event's args.
      args: { msgId } as never,
      fromBlock,
      toBlock: "latest",
    });
    return logs[0] as MessageEventLog<N> | undefined;
  }
}

function directionValue(direction: DirectionName): number {
  return direction === "inbound" ? Direction.Inbound : Direction.Outbound;
}

/** `RateLimitLib.available`: what `bucket` could release at `nowSeconds`. */
export function bucketAvailable(bucket: RateLimitBucket, nowSeconds: number): bigint {
  if (bucket.capacity === UNLIMITED_CAPACITY) return MAX_UINT256;
  const nowFp = BigInt(Math.floor(nowSeconds)) << FRACTION_BITS;
  if (bucket.fullAt <= nowFp) return bucket.capacity;
  const scaled = (bucket.fullAt - nowFp) * bucket.refillPerSecond;
  const deficit = (scaled + (1n << FRACTION_BITS) - 1n) >> FRACTION_BITS;
  return deficit >= bucket.capacity ? 0n : bucket.capacity - deficit;
}

/**
 * The first unix second at which `bucket` has room for `amount` (`nowSeconds` when it has now);
 * undefined when it never will (the amount exceeds the capacity, or the bucket does not refill).
 */
export function bucketRoomAt(bucket: RateLimitBucket, amount: bigint, nowSeconds: number): number | undefined {
  const now = Math.floor(nowSeconds);
  if (bucketAvailable(bucket, now) >= amount) return now;
  if (amount > bucket.capacity || bucket.refillPerSecond === 0n) return undefined;
  // available(t) >= amount  ⇔  ceil((fullAt - t·2^16)·refill / 2^16) <= capacity - amount, which
  // holds once fullAt - t·2^16 <= ⌊(capacity - amount)·2^16 / refill⌋. Check the second found
  // (and the next) against the exact formula rather than trust the rearrangement's rounding.
  const slack = ((bucket.capacity - amount) << FRACTION_BITS) / bucket.refillPerSecond;
  const first = Number((bucket.fullAt - slack + (1n << FRACTION_BITS) - 1n) >> FRACTION_BITS);
  for (let t = Math.max(now, first - 1); ; t++) if (bucketAvailable(bucket, t) >= amount) return t;
}

/**
 * Hermetic fixtures for guardian unit tests: a two-L2 manifest, an in-memory chain that
 * implements `GatewayReader` (mine, reorg, rotate guardians), and a `Guardian` wired to them with
 * an in-memory store, a fresh registry and a silent logger.
 */
import { pino } from "pino";
import { Registry } from "prom-client";
import { getAddress, keccak256, stringToHex, toHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { parseManifest, type Manifest } from "../../../core/manifest.js";
import { MESSAGE_VERSION, messageId, type Message } from "../../../core/message.js";
import type { BlockRef, GatewayReader, ObservedMessage, Settlement } from "../../../guardian/chain.js";
import { Guardian, type GuardianOptions } from "../../../guardian/guardian.js";
import { MessagePolicy } from "../../../guardian/policy.js";
import { InMemoryGuardianStore, type GuardianStore } from "../../../guardian/store.js";

export const GUARDIAN_KEYS = [
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
] as const;
export const guardianAccounts = GUARDIAN_KEYS.map((k) => privateKeyToAccount(k));

const addr = (label: string): Address => getAddress(keccak256(stringToHex(label)).slice(0, 42));

export const L2A = { chainId: 901, gateway: addr("gateway l2a") };
export const L2B = { chainId: 902, gateway: addr("gateway l2b") };
export const ALPHA = addr("alpha home on l2a");
export const BETA = addr("beta home on l2b");
export const ALICE = addr("alice");
export const BOB = addr("bob");

export function testManifest(): Manifest {
  return parseManifest({
    version: 1,
    network: "unit",
    chains: [
      { name: "l1", chainId: 900, rpcUrl: "http://127.0.0.1:1", kind: "l1", confirmations: 0 },
      {
        name: "l2a",
        chainId: L2A.chainId,
        rpcUrl: "http://127.0.0.1:1",
        kind: "l2",
        confirmations: 2,
        gateway: L2A.gateway,
        deployBlock: 1,
      },
      {
        name: "l2b",
        chainId: L2B.chainId,
        rpcUrl: "http://127.0.0.1:1",
        kind: "l2",
        confirmations: 2,
        gateway: L2B.gateway,
        deployBlock: 1,
      },
    ],
    guardianSet: {
      index: 0,
      threshold: 2,
      guardians: guardianAccounts.map((a, i) => ({ address: a.address, url: `http://127.0.0.1:${7000 + i}` })),
    },
    tokens: [
      {
        symbol: "ALPHA",
        name: "Alpha",
        decimals: 18,
        homeChainId: L2A.chainId,
        homeToken: ALPHA,
        addresses: { [L2A.chainId]: ALPHA, [L2B.chainId]: addr("alpha bridged on l2b") },
      },
      {
        symbol: "BETA",
        name: "Beta",
        decimals: 6,
        homeChainId: L2B.chainId,
        homeToken: BETA,
        addresses: { [L2B.chainId]: BETA, [L2A.chainId]: addr("beta bridged on l2a") },
      },
    ],
    params: { largeDelaySeconds: 20 },
    roles: { l2a: { governor: addr("governor"), pausers: [], vetoers: [] } },
  });
}

/** A transfer l2a → l2b of ALPHA (override anything; BETA's identity is on l2b unless overridden). */
export function transfer(overrides: Partial<Message> = {}): Message {
  const homeChain = overrides.token === BETA ? L2B.chainId : L2A.chainId;
  return {
    version: MESSAGE_VERSION,
    nonce: 0n,
    sourceChainId: BigInt(L2A.chainId),
    destChainId: BigInt(L2B.chainId),
    sourceGateway: L2A.gateway,
    destGateway: L2B.gateway,
    sender: ALICE,
    recipient: BOB,
    tokenChainId: BigInt(homeChain),
    token: ALPHA,
    amount: 10n ** 18n,
    deadline: 4_000_000_000n,
    dropOff: 0n,
    ...overrides,
  };
}

interface FakeBlock {
  ref: BlockRef;
  messages: Message[];
  settlements: { msgId: Hex; kind: Settlement["kind"] }[];
  /** State set in this block: `locked:<token>` or `supply:<token>` → value. */
  state: Map<string, bigint>;
}

/**
 * What a fake gateway holds locked for a token nobody set: plenty, so tests that do not care
 * about the accountant see balanced books. Accountant tests set the state they need.
 */
export const UNSET_LOCKED = 2n ** 128n;
/** What every message of the fake chains paid (its MessageSent's fee and quote). */
export const FIXTURE_PAYMENT = { fee: 7_000n, quote: 6_000n };

/**
 * A chain as the guardian sees it through `GatewayReader`. `mine` appends a block with the
 * given messages; `reorg(n)` replaces blocks from `n` on with empty ones of different hashes.
 */
export class FakeChain implements GatewayReader {
  readonly blocks: FakeBlock[] = [];
  /** Guardian sets by index; the last one is current. */
  guardianSets: Address[][] = [guardianAccounts.map((a) => a.address)];
  private fork = 0;
  calls = 0;
  failNext?: Error;

  constructor(blocks = 1) {
    for (let i = 0; i < blocks; i++) this.mine();
  }

  get head(): bigint {
    return BigInt(this.blocks.length - 1);
  }

  mine(...messages: Message[]): bigint {
    const number = BigInt(this.blocks.length);
    const hash = keccak256(stringToHex(`block ${number} fork ${this.fork}`));
    this.blocks.push({
      ref: { number, hash, timestamp: 1_700_000_000n + number },
      messages,
      settlements: [],
      state: new Map(),
    });
    return number;
  }

  /** A block with these settlements (executed, vetoed, cancelled) of messages addressed here. */
  mineSettlements(...settlements: { msgId: Hex; kind: Settlement["kind"] }[]): bigint {
    const number = this.mine();
    this.blocks[Number(number)]!.settlements.push(...settlements);
    return number;
  }

  /** Sets `lockedBalance(token)` / a token's `totalSupply` from `atBlock` (default: the head) on. */
  setState(kind: "locked" | "supply", token: Address, value: bigint, atBlock = this.head) {
    this.blocks[Number(atBlock)]!.state.set(`${kind}:${token.toLowerCase()}`, value);
  }

  private stateAt(key: string, block: bigint, fallback: bigint): bigint {
    for (let n = Math.min(Number(block), this.blocks.length - 1); n >= 0; n--) {
      const value = this.blocks[n]!.state.get(key);
      if (value !== undefined) return value;
    }
    return fallback;
  }

  mineEmpty(count: number) {
    for (let i = 0; i < count; i++) this.mine();
  }

  /** Drops blocks `>= from` and starts a new fork there. */
  reorg(from: bigint) {
    this.blocks.length = Number(from);
    this.fork++;
  }

  async latestBlock(): Promise<BlockRef> {
    this.touch();
    return this.blocks[this.blocks.length - 1]!.ref;
  }

  async blockAt(number: bigint): Promise<BlockRef | undefined> {
    this.touch();
    return this.blocks[Number(number)]?.ref;
  }

  async messagesSent(fromBlock: bigint, toBlock: bigint): Promise<ObservedMessage[]> {
    this.touch();
    const out: ObservedMessage[] = [];
    for (let n = Number(fromBlock); n <= Number(toBlock) && n < this.blocks.length; n++) {
      const block = this.blocks[n]!;
      block.messages.forEach((message, logIndex) =>
        out.push({
          msgId: messageId(message),
          message,
          blockNumber: block.ref.number,
          blockHash: block.ref.hash,
          logIndex,
          payment: FIXTURE_PAYMENT,
        }),
      );
    }
    return out;
  }

  async settlements(fromBlock: bigint, toBlock: bigint): Promise<Settlement[]> {
    this.touch();
    const out: Settlement[] = [];
    for (let n = Number(fromBlock); n <= Number(toBlock) && n < this.blocks.length; n++) {
      const block = this.blocks[n]!;
      block.settlements.forEach((s, i) =>
        out.push({
          ...s,
          blockNumber: block.ref.number,
          blockHash: block.ref.hash,
          logIndex: block.messages.length + i,
        }),
      );
    }
    return out;
  }

  async lockedBalance(homeToken: Address, blockNumber: bigint): Promise<bigint> {
    this.touch();
    return this.stateAt(`locked:${homeToken.toLowerCase()}`, blockNumber, UNSET_LOCKED);
  }

  async totalSupply(token: Address, blockNumber: bigint): Promise<bigint> {
    this.touch();
    return this.stateAt(`supply:${token.toLowerCase()}`, blockNumber, 0n);
  }

  async sentMessageIds(nonces: readonly bigint[], blockNumber: bigint): Promise<Hex[]> {
    this.touch();
    return nonces.map((nonce) => {
      for (let n = 0; n <= Number(blockNumber) && n < this.blocks.length; n++) {
        const m = this.blocks[n]!.messages.find((msg) => msg.nonce === nonce);
        if (m) return messageId(m);
      }
      return toHex(0n, { size: 32 });
    });
  }

  async guardianSetIndex(): Promise<number> {
    this.touch();
    return this.guardianSets.length - 1;
  }

  async guardianSet(index: number): Promise<readonly Address[]> {
    this.touch();
    return this.guardianSets[index] ?? [];
  }

  private touch() {
    this.calls++;
    const error = this.failNext;
    if (error) {
      this.failNext = undefined;
      throw error;
    }
  }
}

export const TEST_OPTIONS: GuardianOptions = {
  pollIntervalMs: 10,
  maxBlockRange: 5,
  staleAfterSeconds: 60,
  guardianSetCacheSeconds: 5,
  accountantGraceSeconds: 10,
};

export interface TestGuardian {
  guardian: Guardian;
  l2a: FakeChain;
  l2b: FakeChain;
  store: GuardianStore;
  registry: Registry;
  clock: { ms: number };
  /** Polls every chain until caught up. */
  sync(): Promise<void>;
}

export function createTestGuardian(
  opts: { store?: GuardianStore; approvalAbove?: string; key?: Hex; l2a?: FakeChain; l2b?: FakeChain } = {},
): TestGuardian {
  const manifest = testManifest();
  const l2a = opts.l2a ?? new FakeChain(3);
  const l2b = opts.l2b ?? new FakeChain(3);
  const store = opts.store ?? new InMemoryGuardianStore();
  const registry = new Registry();
  const clock = { ms: 1_700_000_000_000 };
  const guardian = new Guardian({
    manifest,
    policy: new MessagePolicy(manifest, opts.approvalAbove ?? "1000"),
    account: privateKeyToAccount(opts.key ?? GUARDIAN_KEYS[0]),
    store,
    readers: new Map<number, GatewayReader>([
      [L2A.chainId, l2a],
      [L2B.chainId, l2b],
    ]),
    registry,
    logger: pino({ level: "silent" }),
    options: TEST_OPTIONS,
    now: () => clock.ms,
  });
  const sync = async () => {
    // A few rounds: enough for the small block ranges of TEST_OPTIONS to catch up.
    for (let i = 0; i < 20; i++) await guardian.pollOnce();
  };
  return { guardian, l2a, l2b, store, registry, clock, sync };
}

export function attestRequest(msgIds: Hex[], dest = L2B) {
  return { destChainId: dest.chainId, destGateway: dest.gateway, msgIds };
}

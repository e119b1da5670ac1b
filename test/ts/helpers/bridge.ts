/**
 * The bridge harness every on-chain TypeScript test uses: three in-process L2s (l2a, l2b, l2c)
 * deployed by `deployBridgeContracts` (deploy/contracts.ts), an M-of-N guardian set of local
 * keys, and `send` / `relay` helpers that go only through `core/` (log decoding, Merkle root,
 * attestation, batch form), as the guardian and relayer services do.
 *
 * Each `createBridge()` starts three fresh chains (a few milliseconds each after the first), so
 * tests that change state get their own bridge; `close()` it when done.
 */
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import {
  erc20Abi,
  getAddress,
  getContract,
  isAddressEqual,
  keccak256,
  parseEventLogs,
  stringToHex,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attestWith, sortGuardians, type AttestationArg, type AttestationDomain } from "../../../core/attestation.js";
import { bridgeGatewayAbi, testTokenAbi } from "../../../core/generated/abis.js";
import { decodeMessagesSent, type SentMessage } from "../../../core/logs.js";
import { merkleRoot } from "../../../core/merkle.js";
import { deliverArgs, deliveryValue, messageId, type Message } from "../../../core/message.js";
import {
  confirm,
  deployBridgeContracts,
  type BridgeContracts,
  type TokenLimits,
  type Wallet,
} from "../../../deploy/contracts.js";

export const L2S = ["l2a", "l2b", "l2c"] as const;
export type L2 = (typeof L2S)[number];

/** The chain every test token is homed on. */
export const HOME: L2 = "l2a";
export const DEFAULT_SYMBOL = "PCT";

/** `n` whole tokens of 18 decimals. */
export function tokens(n: number | bigint): bigint {
  return BigInt(n) * 10n ** 18n;
}

export const DEFAULT_LIMITS: TokenLimits = {
  fastLimit: tokens(1_000),
  inbound: { capacity: tokens(100_000), refillPerSecond: tokens(10) },
  outbound: { capacity: tokens(100_000), refillPerSecond: tokens(10) },
};

export interface BridgeOptions {
  /** Guardian set size N (default 5). */
  guardians?: number;
  /** Signatures required, M (default 3). */
  threshold?: number;
  /** Delay of large or rate-limited transfers (default one hour). */
  largeDelaySeconds?: number;
  /** Limits of every token on every gateway (default `DEFAULT_LIMITS`). */
  limits?: TokenLimits;
  /** Tokens, all homed on l2a (default one, `PCT`). */
  symbols?: readonly string[];
  /**
   * Deploy every chain with the same key, as the devnet does (default: a different key per
   * chain, so no two contracts on different chains share an address by accident).
   */
  oneDeployer?: boolean;
}

/** Deterministic keys, so a failing run reproduces with the same addresses. */
export function testKeys(label: string, count: number): LocalAccount[] {
  const keys = Array.from({ length: count }, (_, i) => privateKeyToAccount(keccak256(stringToHex(`${label} ${i}`))));
  return keys.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

/** Hardhat accounts by role; all but the governor have the same address on every chain. */
export interface Accounts {
  /** Deployed this chain's contracts and holds GOVERNOR_ROLE (a different account per chain). */
  governor: Wallet;
  /** Security council: PAUSER_ROLE and VETO_ROLE. */
  council: Wallet;
  relayer: Wallet;
  alice: Wallet;
  bob: Wallet;
  carol: Wallet;
}

/** One in-process L2 with its gateway and local tokens. */
export class TestChain {
  constructor(
    readonly name: L2,
    readonly chainId: bigint,
    readonly connection: NetworkConnection,
    readonly publicClient: PublicClient,
    readonly accounts: Accounts,
    readonly gateway: Address,
    /** Local token per symbol: the TestToken on the home chain, a BridgedToken elsewhere. */
    readonly tokens: Readonly<Record<string, Address>>,
    /** Token identity (address on the home chain) per symbol. */
    readonly homeTokens: Readonly<Record<string, Address>>,
  ) {}

  /** The gateway, sending transactions as `wallet` (the governor by default). */
  gatewayAs(wallet: Wallet = this.accounts.governor) {
    return getContract({
      address: this.gateway,
      abi: bridgeGatewayAbi,
      client: { public: this.publicClient, wallet },
    });
  }

  token(symbol = DEFAULT_SYMBOL): Address {
    const token = this.tokens[symbol];
    if (!token) throw new Error(`no token ${symbol} on ${this.name}`);
    return token;
  }

  homeToken(symbol = DEFAULT_SYMBOL): Address {
    return this.homeTokens[symbol]!;
  }

  async balanceOf(holder: Address, symbol = DEFAULT_SYMBOL): Promise<bigint> {
    return this.publicClient.readContract({
      address: this.token(symbol),
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [holder],
    });
  }

  async totalSupply(symbol = DEFAULT_SYMBOL): Promise<bigint> {
    return this.publicClient.readContract({ address: this.token(symbol), abi: erc20Abi, functionName: "totalSupply" });
  }

  async lockedBalance(symbol = DEFAULT_SYMBOL): Promise<bigint> {
    return this.gatewayAs().read.lockedBalance([this.homeToken(symbol)]);
  }

  /** Waits for a transaction sent through viem and fails on a revert. */
  async mined(hash: Hex | Promise<Hex>): Promise<TransactionReceipt> {
    return confirm(this.publicClient, await hash);
  }

  async timestamp(): Promise<bigint> {
    return (await this.publicClient.getBlock()).timestamp;
  }

  /** Moves this chain's clock forward and mines a block at the new time. */
  async increaseTime(seconds: number | bigint): Promise<void> {
    await this.connection.provider.request({ method: "evm_increaseTime", params: [Number(seconds)] });
    await this.connection.provider.request({ method: "evm_mine", params: [] });
  }
}

export interface AttestOptions {
  /** Who signs (default: the first `threshold` guardians). */
  signers?: readonly LocalAccount[];
  /** The guardian list passed to `deliver` (default: the bridge's set). */
  guardians?: readonly Address[];
  guardianSetIndex?: number;
  /** Where the signatures are valid (default: the messages' destination gateway). */
  domain?: AttestationDomain;
}

export interface DeliverOptions extends AttestOptions {
  /** The attested root (default: the Merkle root of exactly these messages). */
  root?: Hex;
  /** Per-message proofs under `root` (default none: the gateway recomputes the root). */
  proofs?: readonly (readonly Hex[])[];
  /** A ready attestation; replaces signing. */
  attestation?: AttestationArg;
  /** Who submits the transaction (default the relayer account). */
  relayer?: Wallet;
}

export interface Delivery {
  chain: TestChain;
  receipt: TransactionReceipt;
  /** Ids of messages paid out in the delivery transaction. */
  executed: Hex[];
  /** Messages queued behind the delay. */
  queued: { msgId: Hex; executableAt: bigint }[];
}

export interface SendParams {
  amount: bigint;
  /** Who sends (default alice). */
  sender?: Wallet;
  /** Who receives (default the sender). */
  recipient?: Address;
  symbol?: string;
  /** 0 (default): the gateway's default window. */
  deadline?: bigint;
}

export class TestBridge {
  constructor(
    readonly chains: Readonly<Record<L2, TestChain>>,
    /** Guardian keys of set 0, ascending by address. */
    readonly guardianKeys: readonly LocalAccount[],
    readonly threshold: number,
    readonly largeDelaySeconds: number,
    readonly contracts: BridgeContracts,
  ) {}

  /** The user accounts' addresses (checksummed, as decoded events and views return them). */
  get users(): { alice: Address; bob: Address; carol: Address } {
    const { alice, bob, carol } = this.chains[HOME].accounts;
    return {
      alice: getAddress(alice.account.address),
      bob: getAddress(bob.account.address),
      carol: getAddress(carol.account.address),
    };
  }

  /** Guardian set 0, ascending. */
  get guardians(): Address[] {
    return sortGuardians(this.guardianKeys.map((k) => k.address));
  }

  chainOf(chainId: bigint): TestChain {
    const chain = L2S.map((name) => this.chains[name]).find((c) => c.chainId === chainId);
    if (!chain) throw new Error(`no test chain with id ${chainId}`);
    return chain;
  }

  /** Mints home tokens to `holder` on the home chain (TestToken has an open faucet). */
  async fund(holder: Address, amount: bigint, symbol = DEFAULT_SYMBOL): Promise<void> {
    const home = this.chains[HOME];
    await home.mined(
      home.accounts.governor.writeContract({
        address: home.token(symbol),
        abi: testTokenAbi,
        functionName: "mint",
        args: [holder, amount],
      }),
    );
  }

  /** `send` on `from`'s gateway, approving it first when a home token is locked. */
  async send(from: L2, to: L2, p: SendParams): Promise<TransactionReceipt> {
    const chain = this.chains[from];
    const sender = p.sender ?? chain.accounts.alice;
    const token = chain.token(p.symbol);
    if (from === HOME) await this.ensureAllowance(chain, sender, token, p.amount);
    return chain.mined(
      chain
        .gatewayAs(sender)
        .write.send([
          token,
          this.chains[to].chainId,
          p.recipient ?? sender.account.address,
          p.amount,
          p.deadline ?? 0n,
          0n,
        ]),
    );
  }

  private async ensureAllowance(chain: TestChain, owner: Wallet, token: Address, amount: bigint): Promise<void> {
    const allowance = await chain.publicClient.readContract({
      address: token,
      abi: erc20Abi,
      functionName: "allowance",
      args: [owner.account.address, chain.gateway],
    });
    if (allowance >= amount) return;
    await chain.mined(
      owner.writeContract({
        address: token,
        abi: erc20Abi,
        functionName: "approve",
        args: [chain.gateway, 2n ** 256n - 1n],
      }),
    );
  }

  /** The messages a source transaction sent, decoded from its `MessageSent` logs by core. */
  sentIn(receipt: TransactionReceipt): SentMessage[] {
    const gateways = L2S.map((name) => this.chains[name].gateway);
    const ours = receipt.logs.filter((log) => gateways.some((g) => isAddressEqual(g, log.address)));
    return decodeMessagesSent(ours);
  }

  /** Guardians sign `root` in the destination gateway's domain, as the guardian service does. */
  async attest(destination: AttestationDomain, root: Hex, opts: AttestOptions = {}): Promise<AttestationArg> {
    return attestWith(
      opts.signers ?? this.guardianKeys.slice(0, this.threshold),
      opts.guardians ?? this.guardians,
      opts.domain ?? destination,
      root,
      opts.guardianSetIndex ?? 0,
    );
  }

  /** Delivers `messages` (one route) to their destination gateway in one batch. */
  async deliver(messages: readonly Message[], opts: DeliverOptions = {}): Promise<Delivery> {
    const first = messages[0];
    if (!first) throw new Error("a delivery batch needs at least one message");
    const chain = this.chainOf(first.destChainId);
    const root = opts.root ?? merkleRoot(messages.map(messageId));
    const destination = { destChainId: first.destChainId, destGateway: first.destGateway };
    const attestation = opts.attestation ?? (await this.attest(destination, root, opts));
    const relayer = opts.relayer ?? chain.accounts.relayer;
    const receipt = await chain.mined(
      chain.gatewayAs(relayer).write.deliver(deliverArgs(messages, attestation, (opts.proofs ?? []) as Hex[][]), {
        value: deliveryValue(messages),
      }),
    );
    return deliveryOf(chain, receipt);
  }

  /** Relays what one or more source transactions (of one route) sent: decode, attest, deliver. */
  async relay(receipts: TransactionReceipt | readonly TransactionReceipt[], opts: DeliverOptions = {}) {
    const all = Array.isArray(receipts) ? receipts : [receipts as TransactionReceipt];
    return this.deliver(
      all.flatMap((r) => this.sentIn(r)).map((s) => s.message),
      opts,
    );
  }

  async close(): Promise<void> {
    await Promise.all(L2S.map((name) => this.chains[name].connection.close()));
  }
}

/** The one element of `items`; throws when there are none or several. */
export function only<T>(items: readonly T[]): T {
  if (items.length !== 1) throw new Error(`expected exactly one item, got ${items.length}`);
  return items[0]!;
}

/** What a `deliver` or `execute` transaction did, from its gateway events. */
export function deliveryOf(chain: TestChain, receipt: TransactionReceipt): Delivery {
  const logs = receipt.logs.filter((log) => isAddressEqual(log.address, chain.gateway));
  return {
    chain,
    receipt,
    executed: parseEventLogs({ abi: bridgeGatewayAbi, logs, eventName: "MessageExecuted" }).map((e) => e.args.msgId),
    queued: parseEventLogs({ abi: bridgeGatewayAbi, logs, eventName: "MessageQueued" }).map((e) => ({
      msgId: e.args.msgId,
      executableAt: e.args.executableAt,
    })),
  };
}

/**
 * Hardhat account index of each chain's deployer (and governor). Distinct deployers give every
 * gateway and token a distinct address across chains, so a test cannot pass because, say, a
 * token identity happens to equal a gateway address on another chain.
 */
const GOVERNOR_INDEX: Record<L2, number> = { l2a: 0, l2b: 6, l2c: 7 };

async function accountsOf(connection: NetworkConnection, governorIndex: number): Promise<Accounts> {
  const wallets = (await connection.viem.getWalletClients()) as Wallet[];
  const [council, relayer, alice, bob, carol] = wallets.slice(1, 6);
  const governor = wallets[governorIndex];
  if (!governor || !carol) throw new Error("the test network needs at least 8 funded accounts");
  return { governor, council: council!, relayer: relayer!, alice: alice!, bob: bob!, carol };
}

/** Starts l2a, l2b and l2c and deploys the bridge on them through `deployBridgeContracts`. */
export async function createBridge(options: BridgeOptions = {}): Promise<TestBridge> {
  const n = options.guardians ?? 5;
  const threshold = options.threshold ?? 3;
  const largeDelaySeconds = options.largeDelaySeconds ?? 3600;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const symbols = options.symbols ?? [DEFAULT_SYMBOL];
  const guardianKeys = testKeys("guardian", n);

  const connections = await Promise.all(L2S.map((name) => network.create({ network: name })));
  const publicClients = await Promise.all(connections.map((c) => c.viem.getPublicClient() as Promise<PublicClient>));
  const accounts = await Promise.all(
    connections.map((c, i) => accountsOf(c, options.oneDeployer ? 0 : GOVERNOR_INDEX[L2S[i]!])),
  );
  const council = accounts[0]!.council.account.address;

  const contracts = await deployBridgeContracts(
    L2S.map((name, i) => ({ name, wallet: accounts[i]!.governor, publicClient: publicClients[i]! })),
    {
      guardians: guardianKeys.map((k) => k.address),
      threshold,
      largeDelaySeconds,
      tokens: symbols.map((symbol) => ({ symbol, name: `Test ${symbol}`, decimals: 18, home: HOME, limits })),
      pausers: [council],
      vetoers: [council],
    },
  );

  const homeTokens = Object.fromEntries(contracts.tokens.map((t) => [t.symbol, t.homeToken]));
  const chains = Object.fromEntries(
    L2S.map((name, i) => {
      const gateway = contracts.gateways[name]!;
      const local = Object.fromEntries(contracts.tokens.map((t) => [t.symbol, t.addresses[String(gateway.chainId)]!]));
      const chainId = BigInt(gateway.chainId);
      const chain = new TestChain(
        name,
        chainId,
        connections[i]!,
        publicClients[i]!,
        accounts[i]!,
        gateway.address,
        local,
        homeTokens,
      );
      return [name, chain];
    }),
  ) as Record<L2, TestChain>;
  return new TestBridge(chains, guardianKeys, threshold, largeDelaySeconds, contracts);
}

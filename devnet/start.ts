/**
 * Starts a complete devnet: one L1 and two or more L2s (anvil), Redis, the deployed bridge, and
 * the off-chain services as separate processes (guardians, relayers, monitor). `npm run devnet`
 * and every integration test start it through `startDevnet`, so the tests exercise what a
 * newcomer runs.
 *
 * Service processes and their environment (each documented in its own index.ts):
 *   guardian/index.ts  MANIFEST, GUARDIAN_KEY, PORT, OPERATOR_TOKEN, APPROVAL_ABOVE, DATA_DIR
 *   relayer/index.ts   MANIFEST, RELAYER_KEY, REDIS_URL, PORT, RELAYER_ID
 *   monitor/index.ts   MANIFEST, MONITOR_KEY, PORT
 *   devnet/op-stack/index.ts  L1_RPC_URL, L2_RPC_URL, PORTAL, L2_OUTPUT_ORACLE, PROPOSER_KEY, ...
 *                      (one per L2: the output proposer and deposit executor standing in for
 *                      OP's node software; not a Portcullis service — a real chain runs its own)
 * plus DEVNET_SERVICE_ENV below (polling and retry tuned for 1-second blocks).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { mnemonicToAccount } from "viem/accounts";
import { bytesToHex, type Hex } from "viem";
import type { Manifest } from "../core/manifest.js";
import { deployBridge } from "../deploy/bridge.js";
import { setBlockTime, startAnvil, startRedis, type ChainProcess, type RedisProcess } from "./infra.js";
import { awaitDevnetDeposits, installDevnetOpStack, startOpStackOperators } from "./op-stack/devnet.js";
import { freePort, httpOk, ProcessGroup, waitFor, type ManagedProcess } from "./processes.js";

/** anvil's well-known development mnemonic: every key derived from it is public. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export function devKey(index: number): Hex {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (!key) throw new Error(`cannot derive dev key ${index}`);
  return bytesToHex(key);
}

/**
 * Dev account layout (anvil funds the first `accounts` of them on every chain). Guardians use
 * 2..7: the initial set first, then the standby guardians.
 */
const KEYS = {
  deployer: 0,
  monitor: 1,
  guardians: 2,
  relayers: 8,
  users: 12,
  council: 20,
  /** One output proposer per L2 (each posts to L1, so each needs its own L1 nonce): 23..26. */
  proposers: 23,
} as const;

export interface DevnetOptions {
  /** Where the manifest, logs and service data go. Wiped at start. */
  dir: string;
  l2Count: number;
  guardians: number;
  threshold: number;
  relayers: number;
  blockTimeSeconds: number;
  confirmations: number;
  largeDelaySeconds: number;
  /** Transfers above this many whole tokens wait for each guardian operator's approval. */
  approvalAbove: string;
  /** Guardians started outside the initial set, so a rotation has somewhere to go. */
  standbyGuardians: number;
  /**
   * The timelock's delay. The devnet's is far below the escape duration (so a test can wait it
   * out); deployment allows it only because the devnet passes `allowShortGovernanceDelay`.
   */
  governanceDelaySeconds: number;
  /**
   * The L2OutputOracles' finalization period (7 days on OP Mainnet). Short on the devnet so an
   * escape through L1 takes seconds; it also sets how long the escape takes.
   */
  finalizationSeconds: number;
  /** How often each L2's output proposer looks for due outputs. */
  proposeIntervalMs: number;
  /** An output root every this many L2 blocks (the oracle's submission interval; 1800 on OP Mainnet). */
  outputIntervalBlocks: number;
  /** Shortest deadline a sender may choose (the gateway's minimum window), in seconds. */
  minDeadlineSeconds: number;
  /** Use this Redis instead of starting one. */
  redisUrl?: string;
  /**
   * Start guardians, relayers, monitor and the OP Stack operators (false: chains, Redis and
   * contracts only; deposits and output roots then wait until someone executes or proposes them).
   */
  services: boolean;
  /** How long to wait for every service's /healthz (slow on a loaded machine). */
  serviceStartTimeoutMs: number;
  /** Extra environment for every service process (e.g. BATCH_SIZE for the relayers). */
  serviceEnv?: Record<string, string>;
}

export const DEFAULT_DEVNET: DevnetOptions = {
  dir: ".devnet",
  l2Count: 2,
  guardians: 3,
  threshold: 2,
  relayers: 2,
  blockTimeSeconds: 1,
  confirmations: 1,
  largeDelaySeconds: 20,
  approvalAbove: "1000000",
  standbyGuardians: 1,
  governanceDelaySeconds: 8,
  finalizationSeconds: 6,
  proposeIntervalMs: 1_000,
  outputIntervalBlocks: 2,
  minDeadlineSeconds: 5,
  services: true,
  serviceStartTimeoutMs: 180_000,
};

/**
 * Service settings for a devnet with 1-second blocks. The services' own defaults suit real
 * chains (poll every second, back off from 1 s to 60 s); on the devnet a message is confirmed
 * about a second after it is sent, so polling every 250 ms and retrying an attestation the
 * guardians have not seen yet after 250 ms (up to 5 s) keeps latency near the block time.
 */
const DEVNET_SERVICE_ENV: Record<string, string> = {
  // A local devnet: services take their dev keys from the environment and read each chain
  // through its one anvil (docs/keys.md, docs/guardian.md); never set outside a devnet.
  DEVNET: "true",
  POLL_INTERVAL_MS: "250",
  RETRY_BASE_MS: "250",
  RETRY_MAX_MS: "5000",
  BATCH_SIZE: "256",
  // A guardian-set rotation reaches guardians and relayers within a second.
  GUARDIAN_SET_CACHE_SECONDS: "1",
  GUARDIAN_SET_TTL_MS: "1000",
};

const L2_NAMES = ["l2a", "l2b", "l2c", "l2d"];
const L1_CHAIN_ID = 900;

export class Devnet {
  readonly guardians: ManagedProcess[] = [];
  readonly relayers: ManagedProcess[] = [];
  /** One OP Stack operator (output proposer + deposit executor) per L2, in L2 order. */
  readonly rollups: ManagedProcess[] = [];
  monitor?: ManagedProcess;

  constructor(
    readonly options: DevnetOptions,
    readonly group: ProcessGroup,
    readonly chains: ChainProcess[],
    readonly redisUrl: string,
    readonly redis: RedisProcess | undefined,
    readonly manifest: Manifest,
    readonly manifestPath: string,
    readonly ports: { guardians: number[]; relayers: number[]; monitor: number; rollups: number[] },
    readonly operatorToken: string,
  ) {}

  /** The process running `relayer/index.ts` number `i` (restartable). */
  relayer(i: number): ManagedProcess {
    const p = this.relayers[i];
    if (!p) throw new Error(`no relayer ${i}`);
    return p;
  }

  guardianUrl(i: number): string {
    return `http://127.0.0.1:${this.ports.guardians[i]}`;
  }

  async stop(): Promise<void> {
    await this.group.stopAll();
  }
}

export async function startDevnet(partial: Partial<DevnetOptions> = {}): Promise<Devnet> {
  const options = { ...DEFAULT_DEVNET, ...partial };
  if (options.l2Count < 2 || options.l2Count > L2_NAMES.length) throw new Error("l2Count must be 2..4");
  if (options.guardians + options.standbyGuardians > KEYS.relayers - KEYS.guardians) {
    throw new Error(`at most ${KEYS.relayers - KEYS.guardians} guardians, standby included`);
  }
  const dir = resolve(options.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const group = new ProcessGroup(join(dir, "logs"));
  try {
    const chainSpecs = [
      { name: "l1", chainId: L1_CHAIN_ID, kind: "l1" as const },
      ...L2_NAMES.slice(0, options.l2Count).map((name, i) => ({
        name,
        chainId: L1_CHAIN_ID + 1 + i,
        kind: "l2" as const,
      })),
    ];
    const chains = await Promise.all(
      chainSpecs.map((c) => startAnvil(group, { name: c.name, chainId: c.chainId, accounts: 30 })),
    );
    const redis = options.redisUrl ? undefined : await startRedis(group);
    const redisUrl = options.redisUrl ?? redis!.url;

    const ports = {
      guardians: await Promise.all(
        Array.from({ length: options.guardians + options.standbyGuardians }, () => freePort()),
      ),
      relayers: await Promise.all(Array.from({ length: options.relayers }, () => freePort())),
      monitor: await freePort(),
      rollups: await Promise.all(Array.from({ length: options.l2Count }, () => freePort())),
    };
    const allGuardianKeys = Array.from({ length: options.guardians + options.standbyGuardians }, (_, i) =>
      devKey(KEYS.guardians + i),
    );
    const guardianKeys = allGuardianKeys.slice(0, options.guardians);
    const guardianUrls = ports.guardians.map((p) => `http://127.0.0.1:${p}`);
    const relayerKeys = Array.from({ length: options.relayers }, (_, i) => devKey(KEYS.relayers + i));
    const chainInputs = chainSpecs.map((c, i) => ({
      ...c,
      rpcUrl: chains[i]!.rpcUrl,
      confirmations: options.confirmations,
    }));
    const proposerKeys = Object.fromEntries(
      chainSpecs.filter((c) => c.kind === "l2").map((c, i) => [c.name, devKey(KEYS.proposers + i)]),
    );
    const opStack = await installDevnetOpStack(chainInputs, {
      deployerKey: devKey(KEYS.deployer),
      proposerKeys,
      finalizationSeconds: options.finalizationSeconds,
      outputIntervalBlocks: options.outputIntervalBlocks,
      l2BlockTimeSeconds: options.blockTimeSeconds,
    });
    const manifest = await deployBridge({
      network: "devnet",
      chains: chainInputs,
      deployerKey: devKey(KEYS.deployer),
      monitorKey: devKey(KEYS.monitor),
      guardianKeys,
      guardianUrls: guardianUrls.slice(0, options.guardians),
      standbyGuardianKeys: allGuardianKeys.slice(options.guardians),
      standbyGuardianUrls: guardianUrls.slice(options.guardians),
      threshold: options.threshold,
      councilKeys: [0, 1, 2].map((i) => devKey(KEYS.council + i)),
      councilThreshold: 2,
      governanceDelaySeconds: options.governanceDelaySeconds,
      allowShortGovernanceDelay: true,
      finalizationWindowSeconds: options.finalizationSeconds,
      opStack,
      awaitDeposits: (name) =>
        awaitDevnetDeposits(
          dir,
          chainInputs.find((c) => c.kind === "l1")!,
          { ...chainInputs.find((c) => c.name === name)!, rollup: opStack[name]! },
        ),
      rollupKeys: Object.fromEntries(Object.entries(proposerKeys).map(([name, proposer]) => [name, { proposer }])),
      // Deadlines stay one day by default; a sender (or a test) may pick one as short as this.
      deadlineWindows: { min: options.minDeadlineSeconds, default: 86_400, max: 30 * 86_400 },
      relayerKeys,
      userKeys: Array.from({ length: 8 }, (_, i) => devKey(KEYS.users + i)),
      tokens: [
        // ALPHA is the canonical l2a copy of an L1 token, so an escape can end in L1 tokens.
        { symbol: "ALPHA", name: "Alpha Token", decimals: 18, home: "l2a", faucetPerUser: "1000000", l1Origin: true },
        { symbol: "BETA", name: "Beta Token", decimals: 6, home: "l2b", faucetPerUser: "1000000" },
      ],
      largeDelaySeconds: options.largeDelaySeconds,
      limits: {
        fast: "10000",
        inboundCapacity: "100000",
        inboundPerSecond: "100",
        outboundCapacity: "1000000000",
        outboundPerSecond: "1000000",
      },
      includeDevKeys: true,
    });
    await Promise.all(chains.map((c) => setBlockTime(c.rpcUrl, options.blockTimeSeconds)));
    const manifestPath = join(dir, "manifest.json");
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));

    const operatorToken = `devnet-operator-${Math.random().toString(36).slice(2)}`;
    const devnet = new Devnet(options, group, chains, redisUrl, redis, manifest, manifestPath, ports, operatorToken);
    if (options.services) await startServices(devnet, allGuardianKeys, relayerKeys);
    return devnet;
  } catch (e) {
    await group.stopAll();
    throw e;
  }
}

/** `node --import tsx <entry>`: services run from TypeScript sources, no build step. */
export function serviceCommand(entry: string) {
  return { command: process.execPath, args: ["--import", "tsx", resolve(entry)] };
}

async function startServices(devnet: Devnet, guardianKeys: Hex[], relayerKeys: Hex[]) {
  const { group, manifestPath, options, ports } = devnet;
  const common = { MANIFEST: manifestPath, LOG_LEVEL: "info", ...DEVNET_SERVICE_ENV, ...options.serviceEnv };
  guardianKeys.forEach((key, i) => {
    devnet.guardians.push(
      group.start({
        name: `guardian-${i}`,
        ...serviceCommand("guardian/index.ts"),
        env: {
          ...common,
          GUARDIAN_KEY: key,
          PORT: String(ports.guardians[i]),
          OPERATOR_TOKEN: devnet.operatorToken,
          APPROVAL_ABOVE: options.approvalAbove,
          DATA_DIR: join(resolve(options.dir), `guardian-${i}`),
        },
      }),
    );
  });
  relayerKeys.forEach((key, i) => {
    devnet.relayers.push(
      group.start({
        name: `relayer-${i}`,
        ...serviceCommand("relayer/index.ts"),
        env: {
          ...common,
          RELAYER_KEY: key,
          REDIS_URL: devnet.redisUrl,
          PORT: String(ports.relayers[i]),
          RELAYER_ID: `relayer-${i}`,
        },
      }),
    );
  });
  devnet.monitor = group.start({
    name: "monitor",
    ...serviceCommand("monitor/index.ts"),
    env: { ...common, MONITOR_KEY: devnet.manifest.devKeys!.monitor, PORT: String(ports.monitor) },
  });
  devnet.rollups.push(
    ...startOpStackOperators(group, devnet.manifest, {
      devnetDir: options.dir,
      ports: ports.rollups,
      proposeIntervalMs: options.proposeIntervalMs,
      // Deposits are polled at the proposer's pace (1 s): L1 mines a block a second anyway.
      pollIntervalMs: options.proposeIntervalMs,
      command: serviceCommand,
    }),
  );
  const urls = [
    ...ports.rollups.map((p) => `http://127.0.0.1:${p}/healthz`),
    ...ports.guardians.map((p) => `http://127.0.0.1:${p}/healthz`),
    ...ports.relayers.map((p) => `http://127.0.0.1:${p}/healthz`),
    `http://127.0.0.1:${ports.monitor}/healthz`,
  ];
  await Promise.all(urls.map((u) => waitFor(`service at ${u}`, () => httpOk(u), options.serviceStartTimeoutMs, 250)));
}

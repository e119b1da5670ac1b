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
 *   explorer/index.ts  MANIFEST, PORT, SQLITE_PATH, WEB_DIR (devnet/explorer.ts)
 *   rollup/index.ts    L1_RPC_URL, L2_RPC_URL, PORTAL, MESSENGER, PROPOSER_KEY, SEQUENCER_KEY, ...
 *                      (one per L2: the simulated rollup's proposer and sequencer; not a
 *                      Portcullis service — a real rollup runs its own)
 * plus DEVNET_SERVICE_ENV below (polling and retry tuned for 1-second blocks).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { mnemonicToAccount } from "viem/accounts";
import { bytesToHex, type Hex } from "viem";
import type { Manifest } from "../core/manifest.js";
import { deployBridge } from "../deploy/bridge.js";
import { setBlockTime, startAnvil, startRedis, type ChainProcess, type RedisProcess } from "./infra.js";
import { startDevnetExplorer, type DevnetExplorer } from "./explorer.js";
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
  /** One proposer per L2 (each posts to L1, so each needs its own L1 nonce): 23..26. */
  proposers: 23,
  /** The simulated rollups' sequencer (one key: each L2 has its own nonce). */
  sequencer: 27,
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
   * The simulated rollups' L2→L1 finalization window (7 days on a real OP Stack chain). Short on
   * the devnet so an escape through L1 takes seconds; it also sets how long the escape takes.
   */
  finalizationSeconds: number;
  /** How often each rollup's proposer posts an output root when there are new L2→L1 messages. */
  proposeIntervalMs: number;
  /** Shortest deadline a sender may choose (the gateway's minimum window), in seconds. */
  minDeadlineSeconds: number;
  /** Use this Redis instead of starting one. */
  redisUrl?: string;
  /**
   * Start guardians, relayers, monitor and the rollups' operators (false: chains, Redis and
   * contracts only; deposits and L2→L1 messages then wait until someone relays them).
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
  /** One simulated-rollup operator (proposer + sequencer) per L2, in L2 order. */
  readonly rollups: ManagedProcess[] = [];
  monitor?: ManagedProcess;
  /** The explorer (status API, event stream, web app): see devnet/explorer.ts. */
  explorer?: DevnetExplorer;

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
    const manifest = await deployBridge({
      network: "devnet",
      chains: chainSpecs.map((c, i) => ({ ...c, rpcUrl: chains[i]!.rpcUrl, confirmations: options.confirmations })),
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
      rollupKeys: Object.fromEntries(
        chainSpecs
          .filter((c) => c.kind === "l2")
          .map((c, i) => [c.name, { proposer: devKey(KEYS.proposers + i), sequencer: devKey(KEYS.sequencer) }]),
      ),
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
  startRollupOperators(devnet);
  const urls = [
    ...ports.rollups.map((p) => `http://127.0.0.1:${p}/healthz`),
    ...ports.guardians.map((p) => `http://127.0.0.1:${p}/healthz`),
    ...ports.relayers.map((p) => `http://127.0.0.1:${p}/healthz`),
    `http://127.0.0.1:${ports.monitor}/healthz`,
  ];
  await Promise.all(urls.map((u) => waitFor(`service at ${u}`, () => httpOk(u), options.serviceStartTimeoutMs, 250)));
  devnet.explorer = await startDevnetExplorer({
    group,
    manifestPath,
    dir: options.dir,
    env: common,
    startTimeoutMs: options.serviceStartTimeoutMs,
  });
}

/**
 * One simulated-rollup operator per L2 (rollup/index.ts): posts output roots of the L2's L2→L1
 * messages to its L1 portal and relays L1 deposits on the L2. A real rollup runs these itself;
 * the escape hatch depends on them and on nothing of Portcullis'.
 */
function startRollupOperators(devnet: Devnet) {
  const { manifest, options, ports, group } = devnet;
  const l1 = manifest.chains.find((c) => c.kind === "l1")!;
  const keys = manifest.devKeys!.rollups;
  manifest.chains
    .filter((c) => c.rollup !== undefined)
    .forEach((c, i) => {
      devnet.rollups.push(
        group.start({
          name: `rollup-${c.name}`,
          ...serviceCommand("rollup/index.ts"),
          env: {
            LOG_LEVEL: "info",
            L1_RPC_URL: l1.rpcUrl,
            L2_RPC_URL: c.rpcUrl,
            L2_CHAIN_ID: String(c.chainId),
            PORTAL: c.rollup!.portal,
            MESSENGER: c.rollup!.messenger,
            PROPOSER_KEY: keys[c.name]!.proposer,
            SEQUENCER_KEY: keys[c.name]!.sequencer,
            PORTAL_DEPLOY_BLOCK: String(manifest.escape!.l1DeployBlock),
            PROPOSE_INTERVAL_MS: String(options.proposeIntervalMs),
            POLL_INTERVAL_MS: DEVNET_SERVICE_ENV.POLL_INTERVAL_MS!,
            PORT: String(ports.rollups[i]),
          },
        }),
      );
    });
}

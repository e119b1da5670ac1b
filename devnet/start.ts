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
 *   devnet/op-stack/index.ts  L1_RPC_URL, L2_RPC_URL, PORTAL, L2_OUTPUT_ORACLE, PROPOSER_KEY, ...
 *                      (one per L2: the output proposer and deposit executor standing in for
 *                      OP's node software; not a Portcullis service — a real chain runs its own)
 * plus DEVNET_SERVICE_ENV below (polling and retry tuned for 1-second blocks).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { bytesToHex, type Hex } from "viem";
import type { Manifest } from "../core/manifest.js";
import { deployDevnet } from "./deploy.js";
import { setBlockTime, startAnvil, startRedis, type ChainProcess, type RedisProcess } from "./infra.js";
import { startDevnetExplorer, type DevnetExplorer } from "./explorer.js";
import { awaitDevnetDeposits, installDevnetOpStack, opStackOperatorServices } from "./op-stack/devnet.js";
import { reservePort, type PortLease } from "./ports.js";
import { ProcessGroup, type ManagedProcess } from "./processes.js";
import { startService, type ServiceOptions } from "./services.js";

export { serviceCommand } from "./services.js";

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
  /** Extra environment for every service process (e.g. MAX_IN_FLIGHT for the relayers). */
  serviceEnv?: Record<string, string>;
  /**
   * Price every route at deployment (devnet/fees.ts: `DEVNET_FEES`, the relayer operator as
   * beneficiary and fee updater, set by the deploy engine before the hand-over to governance).
   * Off: every route quotes 0 and allows no drop-off.
   */
  fees: boolean;
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
  fees: false,
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
  /** The explorer (status API, event stream, web app): see devnet/explorer.ts. */
  explorer?: DevnetExplorer;

  constructor(
    readonly options: DevnetOptions,
    readonly group: ProcessGroup,
    readonly chains: ChainProcess[],
    readonly redis: RedisProcess | undefined,
    readonly manifest: Manifest,
    readonly manifestPath: string,
    /** Guardian i's port, reserved before deployment wrote its URL into the manifest. */
    private readonly guardianLeases: PortLease[],
    readonly operatorToken: string,
    /** Every guardian's key, the initial set first, then the standby guardians. */
    readonly guardianKeys: Hex[],
    readonly relayerKeys: Hex[],
  ) {}

  /** The Redis every relayer uses (follows a restarted devnet Redis to its port). */
  get redisUrl(): string {
    return this.options.redisUrl ?? this.redis!.url;
  }

  /** Where each service listens now (a service that had to move is reported where it is). */
  get ports(): { guardians: number[]; relayers: number[]; monitor: number | undefined; rollups: number[] } {
    return {
      guardians: this.guardianLeases.map((lease, i) => this.guardians[i]?.port ?? lease.port),
      relayers: this.relayers.map((p) => p.port!),
      monitor: this.monitor?.port,
      rollups: this.rollups.map((p) => p.port!),
    };
  }

  /** The process running `relayer/index.ts` number `i` (restartable). */
  relayer(i: number): ManagedProcess {
    const p = this.relayers[i];
    if (!p) throw new Error(`no relayer ${i}`);
    return p;
  }

  guardianUrl(i: number): string {
    return `http://127.0.0.1:${this.ports.guardians[i]}`;
  }

  /** The environment every devnet service gets. */
  get serviceEnv(): Record<string, string> {
    return { MANIFEST: this.manifestPath, LOG_LEVEL: "info", ...DEVNET_SERVICE_ENV, ...this.options.serviceEnv };
  }

  /**
   * Guardian `i` as the devnet runs it: its key, its reserved port (the URL in the manifest).
   * Tests start it with `startService`, overriding `env` as they need.
   */
  guardianService(i: number): ServiceOptions {
    const key = this.guardianKeys[i];
    if (!key) throw new Error(`no guardian ${i}`);
    return {
      name: `guardian-${i}`,
      entry: "guardian/index.ts",
      env: {
        ...this.serviceEnv,
        GUARDIAN_KEY: key,
        OPERATOR_TOKEN: this.operatorToken,
        APPROVAL_ABOVE: this.options.approvalAbove,
        DATA_DIR: join(resolve(this.options.dir), `guardian-${i}`),
      },
      lease: this.guardianLeases[i],
      startTimeoutMs: this.options.serviceStartTimeoutMs,
      onPortChange: (port) => this.guardianMoved(i, key, port),
    };
  }

  relayerService(i: number): ServiceOptions {
    const key = this.relayerKeys[i];
    if (!key) throw new Error(`no relayer ${i}`);
    return {
      name: `relayer-${i}`,
      entry: "relayer/index.ts",
      env: { ...this.serviceEnv, RELAYER_KEY: key, REDIS_URL: this.redisUrl, RELAYER_ID: `relayer-${i}` },
      startTimeoutMs: this.options.serviceStartTimeoutMs,
    };
  }

  monitorService(): ServiceOptions {
    return {
      name: "monitor",
      entry: "monitor/index.ts",
      env: { ...this.serviceEnv, MONITOR_KEY: this.manifest.devKeys!.monitor },
      startTimeoutMs: this.options.serviceStartTimeoutMs,
    };
  }

  /** Adds a service to the devnet's process group and starts it (up when its /healthz names it). */
  startService(o: ServiceOptions): Promise<ManagedProcess> {
    return startService(this.group, o);
  }

  async stop(): Promise<void> {
    await this.group.stopAll();
    for (const lease of this.guardianLeases) lease.release();
  }

  /**
   * A guardian could not have its reserved port (another process took it) and moved: the
   * manifest must say where it is before anyone else reads it. Relayers and the monitor read
   * guardian URLs once at start, so those already running are restarted.
   */
  private async guardianMoved(i: number, key: Hex, port: number): Promise<void> {
    const address = privateKeyToAccount(key).address;
    const url = `http://127.0.0.1:${port}`;
    const move = (g: { address: string; url: string }) => {
      if (g.address.toLowerCase() === address.toLowerCase()) g.url = url;
    };
    this.manifest.guardianSet.guardians.forEach(move);
    this.manifest.guardianDirectory?.forEach(move);
    writeManifest(this.manifestPath, this.manifest);
    const readers = [...this.relayers, ...(this.monitor ? [this.monitor] : [])].filter((p) => p.running);
    for (const p of readers) {
      await p.stop();
      await p.start();
    }
  }
}

/** Writes the manifest whole (temp file + rename), so a reader never sees half of it. */
function writeManifest(path: string, manifest: Manifest) {
  writeFileSync(`${path}.tmp`, JSON.stringify(manifest, null, 2));
  renameSync(`${path}.tmp`, path);
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
  const guardianLeases: PortLease[] = [];
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

    // Guardian URLs go into the manifest before the guardians start: their ports are reserved
    // now (and move, with the manifest rewritten, only if another process takes one anyway).
    guardianLeases.push(
      ...(await Promise.all(Array.from({ length: options.guardians + options.standbyGuardians }, () => reservePort()))),
    );
    const allGuardianKeys = Array.from({ length: options.guardians + options.standbyGuardians }, (_, i) =>
      devKey(KEYS.guardians + i),
    );
    const guardianKeys = allGuardianKeys.slice(0, options.guardians);
    const guardianUrls = guardianLeases.map((l) => `http://127.0.0.1:${l.port}`);
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
    const manifest = await deployDevnet({
      dir,
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
        inbound: { capacity: "100000", perSecond: "100" },
        outbound: { capacity: "1000000000", perSecond: "1000000" },
      },
      fees: options.fees,
    });
    await Promise.all(chains.map((c) => setBlockTime(c.rpcUrl, options.blockTimeSeconds)));
    const manifestPath = join(dir, "manifest.json");
    writeManifest(manifestPath, manifest);

    const operatorToken = `devnet-operator-${Math.random().toString(36).slice(2)}`;
    const devnet = new Devnet(
      options,
      group,
      chains,
      redis,
      manifest,
      manifestPath,
      guardianLeases,
      operatorToken,
      allGuardianKeys,
      relayerKeys,
    );
    if (options.services) await startServices(devnet);
    return devnet;
  } catch (e) {
    await group.stopAll();
    for (const lease of guardianLeases) lease.release();
    throw e;
  }
}

/**
 * Every service at once, each up when its own /healthz answers: guardians on their reserved
 * ports, relayers, the monitor, one OP Stack operator per L2.
 */
async function startServices(devnet: Devnet) {
  const { options } = devnet;
  const started = (list: ManagedProcess[], i: number) => (p: ManagedProcess) => {
    list[i] = p;
  };
  const operators = opStackOperatorServices(devnet.manifest, {
    devnetDir: options.dir,
    proposeIntervalMs: options.proposeIntervalMs,
    // Deposits are polled at the proposer's pace (1 s): L1 mines a block a second anyway.
    pollIntervalMs: options.proposeIntervalMs,
  });
  await Promise.all([
    ...devnet.guardianKeys.map((_, i) =>
      devnet.startService(devnet.guardianService(i)).then(started(devnet.guardians, i)),
    ),
    ...devnet.relayerKeys.map((_, i) =>
      devnet.startService(devnet.relayerService(i)).then(started(devnet.relayers, i)),
    ),
    devnet.startService(devnet.monitorService()).then((p) => {
      devnet.monitor = p;
    }),
    ...operators.map((o, i) =>
      devnet.startService({ ...o, startTimeoutMs: options.serviceStartTimeoutMs }).then(started(devnet.rollups, i)),
    ),
  ]);
  // Last: the explorer indexes what the others produce and serves the web app.
  devnet.explorer = await startDevnetExplorer({
    group: devnet.group,
    manifestPath: devnet.manifestPath,
    dir: options.dir,
    env: devnet.serviceEnv,
    startTimeoutMs: options.serviceStartTimeoutMs,
  });
}

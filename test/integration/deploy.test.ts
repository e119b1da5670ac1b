/**
 * The production deployment path, end to end, through the real `portcullis-deploy` binary on real
 * anvil chains (an L1 and two L2s with 1-second blocks), the way an operator runs it:
 *
 * - the network already has what a real one has: the tokens to bridge, the L2s' OP Stack bridge
 *   contracts (the real ones, installed by the devnet's `devnet/op-stack/`), and a council Safe
 *   created by someone else with protocol-kit; one L2 even lacks the CREATE2 deployer. The
 *   config is a production one — `kind: "op-stack"` L2s named by their L1 contracts, the
 *   predeploys by default, a governance delay that outlasts an escape — with addresses only;
 *   the deployer's key is an encrypted key file with a password file; no guardian or owner key
 *   is given to anything;
 * - a config whose L1 messengers are swapped between the L2s is refused before anything is
 *   planned (the escape wiring is permanent);
 * - `plan` lists the transactions and sends none; `apply` is SIGKILLed midway (a transaction of
 *   its in flight), `check` then reports the half-done state, and a second `apply` finishes:
 *   every contract created exactly once (counted from the chains' call traces), no transaction
 *   reverted, `check` clean, the same gateway address on both L2s, every gateway wired to its
 *   L2's messenger and bridge predeploys and the EscapeHatch to each L2's L1 messenger;
 * - a limit changed through governance — a real timelocked Safe proposal with `bridge council`
 *   — is then the one difference `check` reports.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress, parseUnits, type Address, type Hash, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { publicClientFor, walletClientFor } from "../../core/chains.js";
import { encryptKeystore, KDF_LIGHT } from "../../core/keystore.js";
import { bridgeGatewayAbi, escapeHatchAbi } from "../../core/generated/abis.js";
import { parseManifest, type ChainInfo, type Manifest, type RollupInfo } from "../../core/manifest.js";
import { OP_PREDEPLOYS } from "../../core/op-stack.js";
import { Safe } from "../../core/safe-kit.js";
import { Gateway } from "../../core/gateway.js";
import { confirm } from "../../deploy/contracts.js";
import { CREATE2_DEPLOYER, create2Calldata } from "../../deploy/create2.js";
import { safeContractAddresses, safeContractPlacements, SAFE_VERSION } from "../../deploy/governance.js";
import { type DevnetToken } from "../../devnet/deploy.js";
import { installDevnetOpStack } from "../../devnet/op-stack/devnet.js";
import { createTestToken, type DeployTarget } from "../../devnet/tokens.js";
import { devKey } from "../../devnet/start.js";
import { rpc, setBlockTime, startAnvil } from "../../devnet/infra.js";
import { ProcessGroup } from "../../devnet/processes.js";
import { runBridge } from "./helpers/cli.js";

const DEPLOY_BIN = resolve("node_modules/.bin/portcullis-deploy");
/** The escape's floor: default deadline window 10 + finalization 6 + relay allowance 4. */
const DELAY_SECONDS = 20;

let dir: string;
let group: ProcessGroup;
let chains: ChainInfo[];
let configPath: string;
let rollups: Record<string, RollupInfo>;
let manifestPath: string;
let keyArgs: string[];
/** First block of each chain not yet mined when `apply` first ran: creations are counted from here. */
const startBlocks = new Map<string, bigint>();

const deployerKey = devKey(0);
const deployer = privateKeyToAccount(deployerKey).address;
const ownerKeys = [devKey(20), devKey(21), devKey(22)];
const monitor = privateKeyToAccount(devKey(1)).address;
/** The fee updater (moves prices within the bounds) and the beneficiary (claims the fees). */
const updaterKey = devKey(6);
const updater = privateKeyToAccount(updaterKey).address;
const beneficiary = privateKeyToAccount(devKey(7)).address;
/** Every route's pricing, as the deploy config gives it. */
const FEES = {
  gasPrice: "2 gwei",
  exchangeRate: "1",
  gasPerMessage: 200_000,
  flatFee: "0.00001 ether",
  minGasPrice: "1 gwei",
  maxGasPrice: "100 gwei",
  minExchangeRate: "1",
  maxExchangeRate: "1",
  maxChangePerUpdateBps: 5_000,
  maxChangePerHourBps: 10_000,
  dropOffCap: "0.01 ether",
};
const TOKENS: DevnetToken[] = [
  { symbol: "ALPHA", name: "Alpha Token", decimals: 18, home: "l2a", faucetPerUser: "0" },
  { symbol: "BETA", name: "Beta Token", decimals: 6, home: "l2b", faucetPerUser: "0" },
];

const client = (name: string): PublicClient => publicClientFor(chains.find((c) => c.name === name)!);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `portcullis-deploy <args>`; `killWhen` sends SIGKILL as soon as stdout satisfies it. */
function deploy(args: string[], killWhen?: (stdout: string) => boolean): Promise<Run> {
  return new Promise((done, fail) => {
    const child: ChildProcess = spawn(DEPLOY_BIN, args, {
      env: { ...process.env, DEPLOYER_KEY: "", DEPLOYER_KEYSTORE: "", DEPLOYER_KEYSTORE_PASSWORD_FILE: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (killWhen?.(stdout)) child.kill("SIGKILL");
    });
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
    child.once("error", fail);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

const show = (r: Run) => `exit ${r.code} ${r.signal ?? ""}\n${r.stdout}\n${r.stderr}`;

/** An OP Stack L2 as an operator names it: its L1 contracts; the L2 side is the predeploys. */
function opStackChain(r: RollupInfo) {
  return {
    kind: "op-stack",
    l1Contracts: {
      optimismPortal: r.portal,
      l2OutputOracle: r.l2OutputOracle,
      systemConfig: r.systemConfig,
      l1CrossDomainMessenger: r.l1CrossDomainMessenger,
      l1StandardBridge: r.l1StandardBridge,
    },
    finalizationSeconds: r.finalizationSeconds,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-deploy-"));
  group = new ProcessGroup(join(dir, "logs"));
  const specs = [
    { name: "l1", chainId: 900, kind: "l1" as const },
    { name: "l2a", chainId: 901, kind: "l2" as const },
    { name: "l2b", chainId: 902, kind: "l2" as const },
  ];
  const procs = await Promise.all(
    specs.map((s) => startAnvil(group, { name: s.name, chainId: s.chainId, accounts: 30 })),
  );
  chains = specs.map((s, i) => ({ ...s, rpcUrl: procs[i]!.rpcUrl, confirmations: 1 }));

  // What the network already has. A token issuer (not the deployer) created the tokens.
  const issuer = privateKeyToAccount(devKey(29));
  const target = (c: ChainInfo, key = issuer): DeployTarget => ({
    name: c.name,
    chainId: c.chainId,
    wallet: walletClientFor(c, key),
    publicClient: publicClientFor(c),
  });
  const [l1, l2a, l2b] = chains;
  const homes: Record<string, Address> = {};
  for (const t of TOKENS) homes[t.symbol] = await createTestToken(target(t.home === "l2a" ? l2a! : l2b!), t);
  // The L2s' OP Stack bridge contracts (the devnet's install, by its own key).
  rollups = await installDevnetOpStack(chains, {
    deployerKey: devKey(28),
    proposerKeys: { l2a: devKey(23), l2b: devKey(24) },
    finalizationSeconds: 6,
    outputIntervalBlocks: 10,
    l2BlockTimeSeconds: 1,
  });
  // The council's Safe, created by its owners with protocol-kit over the canonical-placement
  // Safe contracts (anyone can put those there; they are the same code everywhere).
  let safe: Address | undefined;
  for (const c of [l2a!, l2b!]) {
    const t = target(c);
    for (const p of safeContractPlacements()) {
      if (((await t.publicClient.getCode({ address: p.address })) ?? "0x").length > 2) continue;
      await confirm(
        t.publicClient,
        await t.wallet.sendTransaction({
          to: CREATE2_DEPLOYER,
          data: create2Calldata(`0x${"00".repeat(32)}`, p.initCode),
        }),
      );
    }
    const kit = await Safe.init({
      provider: c.rpcUrl,
      signer: ownerKeys[0]!,
      contractNetworks: { [String(c.chainId)]: { ...safeContractAddresses() } },
      predictedSafe: {
        safeAccountConfig: {
          owners: ownerKeys.map((k) => privateKeyToAccount(k).address),
          threshold: 2,
          fallbackHandler: safeContractAddresses().fallbackHandlerAddress,
        },
        safeDeploymentConfig: { safeVersion: SAFE_VERSION, saltNonce: "42" },
      },
    });
    const tx = await kit.createSafeDeploymentTransaction();
    const owner = walletClientFor(c, privateKeyToAccount(ownerKeys[0]!));
    await confirm(
      t.publicClient,
      await owner.sendTransaction({ to: tx.to as Address, data: tx.data as Hex, value: BigInt(tx.value) }),
    );
    const at = getAddress(await kit.getAddress());
    expect(safe === undefined || safe === at, "the Safe has one address on both L2s").toBe(true);
    safe = at;
  }
  // l2b lacks the CREATE2 deployer: the deployment installs it from its published transaction.
  // (Its nonce too, as on a chain that never had it: creating the tokens above advanced it.)
  await rpc(l2b!.rpcUrl, "anvil_setCode", [CREATE2_DEPLOYER, "0x"]);
  await rpc(l2b!.rpcUrl, "anvil_setNonce", [CREATE2_DEPLOYER, "0x0"]);

  // The deployer's encrypted key file and its password file.
  const password = "correct horse battery staple";
  writeFileSync(join(dir, "deployer.json"), JSON.stringify(await encryptKeystore(deployerKey, password, KDF_LIGHT)));
  writeFileSync(join(dir, "deployer.password"), `${password}\n`);
  keyArgs = ["--keystore", join(dir, "deployer.json"), "--password-file", join(dir, "deployer.password")];

  const chain = (c: ChainInfo) => ({ name: c.name, chainId: c.chainId, rpcUrl: c.rpcUrl, confirmations: 1 });
  const config = {
    network: "deploy-test",
    deployer,
    l1: chain(l1!),
    chains: [l2a!, l2b!].map((c) => ({ ...chain(c), ...opStackChain(rollups[c.name]!) })),
    // Guardian URLs are only recorded in the manifest: nothing here listens on or dials them.
    guardians: {
      threshold: 2,
      members: [2, 3, 4].map((i, n) => ({
        address: privateKeyToAccount(devKey(i)).address,
        url: `http://127.0.0.1:${9000 + n}`,
      })),
    },
    council: { safe },
    roles: { pausers: [monitor], vetoers: [monitor] },
    governance: { delaySeconds: DELAY_SECONDS },
    largeDelaySeconds: 20,
    deadlineWindows: { min: 5, default: 10, max: 2_592_000 },
    escape: { relayAllowanceSeconds: 4 },
    // l2b's route to l2a charges no flat part.
    fees: { beneficiary, updaters: [updater], default: FEES, routes: [{ from: "l2b", to: "l2a", flatFee: "0 ether" }] },
    limits: {
      fast: "10000",
      inbound: { capacity: "100000", perSecond: "100" },
      outbound: { capacity: "unlimited", perSecond: "0" },
    },
    tokens: TOKENS.map((t) => ({ symbol: t.symbol, home: t.home, address: homes[t.symbol] })),
  };
  configPath = join(dir, "deploy.json");
  manifestPath = join(dir, "manifest.json");
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  // Blocks every second from now on: a killed apply leaves a transaction in flight.
  await Promise.all(chains.map((c) => setBlockTime(c.rpcUrl, 1)));
});

afterAll(async () => {
  await group?.stopAll();
  if (dir && !process.env.PORTCULLIS_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
});

/** Every contract created on `chain` since `from`: each transaction's call trace, walked. */
async function creations(name: string, from: bigint): Promise<Address[]> {
  const c = client(name);
  const url = chains.find((x) => x.name === name)!.rpcUrl;
  const latest = await c.getBlockNumber({ cacheTime: 0 });
  const out: Address[] = [];
  interface Frame {
    type: string;
    to?: string;
    error?: string;
    calls?: Frame[];
  }
  const walk = (f: Frame) => {
    if ((f.type === "CREATE" || f.type === "CREATE2") && !f.error && f.to) out.push(getAddress(f.to));
    for (const child of f.calls ?? []) walk(child);
  };
  for (let n = from; n <= latest; n++) {
    const block = await c.getBlock({ blockNumber: n });
    for (const hash of block.transactions as Hash[]) {
      walk((await rpc(url, "debug_traceTransaction", [hash, { tracer: "callTracer" }])) as Frame);
    }
  }
  return out;
}

/** True when none of the deployer's transactions since `from` reverted. */
async function deployerReverts(name: string, from: bigint): Promise<Hash[]> {
  const c = client(name);
  const latest = await c.getBlockNumber({ cacheTime: 0 });
  const reverted: Hash[] = [];
  for (let n = from; n <= latest; n++) {
    const block = await c.getBlock({ blockNumber: n, includeTransactions: true });
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== deployer.toLowerCase()) continue;
      if ((await c.getTransactionReceipt({ hash: tx.hash })).status !== "success") reverted.push(tx.hash);
    }
  }
  return reverted;
}

describe("portcullis-deploy", () => {
  it("plan lists every transaction and sends none", async () => {
    for (const c of chains) startBlocks.set(c.name, (await client(c.name).getBlockNumber({ cacheTime: 0 })) + 1n);
    const nonces = await Promise.all(chains.map((c) => client(c.name).getTransactionCount({ address: deployer })));
    const run = await deploy(["plan", "--config", configPath]);
    expect(run.code, show(run)).toBe(0);
    expect(run.stdout).toMatch(/^l1 \(chain 900\): 2 transaction\(s\)$/m);
    expect(run.stdout).toMatch(/broadcast the CREATE2 deployer's published keyless transaction/);
    expect(run.stdout).toMatch(/gateway\.renounceRole\(GOVERNOR_ROLE, /);
    expect(run.stdout).not.toMatch(/council Safe .* is missing/);
    const json = await deploy(["plan", "--config", configPath, "--json"]);
    const plan = JSON.parse(json.stdout) as { steps: { chain: string; creates?: Address }[]; unfixable: unknown[] };
    expect(plan.unfixable).toEqual([]);
    expect(plan.steps.length).toBeGreaterThan(40);
    expect(await Promise.all(chains.map((c) => client(c.name).getTransactionCount({ address: deployer })))).toEqual(
      nonces,
    );
  });

  it("a config whose OP Stack contracts do not belong together is refused before anything is planned", async () => {
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    const [a, b] = config.chains;
    [a.l1Contracts.l1CrossDomainMessenger, b.l1Contracts.l1CrossDomainMessenger] = [
      b.l1Contracts.l1CrossDomainMessenger,
      a.l1Contracts.l1CrossDomainMessenger,
    ];
    const swapped = join(dir, "swapped.json");
    writeFileSync(swapped, JSON.stringify(config, null, 2));
    for (const command of ["plan", "check"]) {
      const run = await deploy([command, "--config", swapped]);
      expect(run.code, show(run)).toBe(2);
      expect(run.stdout).toBe("");
      const lines = run.stderr.trim().split("\n");
      expect(lines[0]).toMatch(/^the OP Stack contracts in the config do not belong together/);
      // Per L2: its L2 messenger names another L1 messenger, that L1 messenger another portal, and
      // its L1 bridge another messenger.
      expect(lines).toContain(
        `  l2a: the L2CrossDomainMessenger ${OP_PREDEPLOYS.l2CrossDomainMessenger} names otherMessenger ` +
          `${rollups.l2a!.l1CrossDomainMessenger} on l2a (config: ${rollups.l2b!.l1CrossDomainMessenger})`,
      );
      expect(lines).toContain(
        `  l2b: the L1CrossDomainMessenger ${rollups.l2a!.l1CrossDomainMessenger} names portal ${rollups.l2a!.portal} on l1 (config: ${rollups.l2b!.portal})`,
      );
      expect(lines.filter((l) => l.startsWith("  l2a: ")).length, run.stderr).toBe(3);
      expect(lines.filter((l) => l.startsWith("  l2b: ")).length, run.stderr).toBe(3);
      expect(lines.length, run.stderr).toBe(7);
    }
  });

  it("apply killed midway, re-run: nothing created twice, nothing reverted, no drift", async () => {
    const json = await deploy(["plan", "--config", configPath, "--json"]);
    const planned = JSON.parse(json.stdout) as {
      steps: { chain: string; title: string; creates?: Address; raw?: Hex }[];
    };
    const total = planned.steps.length;

    // SIGKILL right after a transaction is sent (it is then still in flight) about halfway.
    const nonces = async () =>
      Promise.all(chains.map((c) => client(c.name).getTransactionCount({ address: deployer, blockTag: "pending" })));
    const before = await nonces();
    const sentLines = (s: string) => s.split("\n").filter((l) => / sent 0x/.test(l)).length;
    const killed = await deploy(["apply", "--config", configPath, ...keyArgs], (out) => sentLines(out) >= total / 2);
    writeFileSync(join(dir, "apply-killed.log"), show(killed));
    expect(killed.signal, show(killed)).toBe("SIGKILL");
    expect(sentLines(killed.stdout)).toBeLessThan(total);

    const half = await deploy(["check", "--config", configPath]);
    expect(half.code, show(half)).toBe(1);
    expect(half.stdout).toMatch(/difference\(s\) between the config and the chains/);

    const resumed = await deploy(["apply", "--config", configPath, ...keyArgs]);
    writeFileSync(join(dir, "apply-resumed.log"), show(resumed));
    expect(resumed.code, show(resumed)).toBe(0);
    expect(resumed.stdout).toMatch(/no drift: every chain matches the config/);
    // Together the two runs sent the plan once: the deployer's transactions (all but the
    // keyless one) are exactly the plan's.
    const after = await nonces();
    const sent = after.reduce((n, v, i) => n + v - before[i]!, 0);
    expect(sent).toBe(planned.steps.filter((s) => !s.raw).length);

    // Every contract the plan creates exists exactly once; the factory's stubs once each too.
    const expected = planned.steps.filter((s) => s.creates);
    for (const c of chains) {
      const created = await creations(c.name, startBlocks.get(c.name)!);
      const mine = expected.filter((s) => s.chain === c.name).map((s) => s.creates!);
      expect(new Set(created).size, `${c.name}: a contract created twice`).toBe(created.length);
      for (const a of mine) expect(created, `${c.name}: ${a}`).toContain(a);
      const viaFactory = planned.steps.filter(
        (s) => s.chain === c.name && s.title.includes("(DeploymentFactory, salt"),
      );
      // Two constructors create one contract each: the gateway's admin module its views module,
      // the gateway its first guardian set's data contract (GuardianSignatures.store).
      const nested = planned.steps.filter(
        (s) => s.chain === c.name && /^create the BridgeGateway(Admin)? at /.test(s.title),
      );
      expect(created.length, `${c.name}: creations`).toBe(mine.length + viaFactory.length + nested.length);
      expect(await deployerReverts(c.name, startBlocks.get(c.name)!), `${c.name}: reverted`).toEqual([]);
    }

    const check = await deploy(["check", "--config", configPath]);
    expect(check.code, show(check)).toBe(0);
    expect(check.stdout).toMatch(/no drift/);

    const manifest: Manifest = parseManifest(JSON.parse(readFileSync(manifestPath, "utf8")));
    const [a, b] = manifest.chains.filter((c) => c.gateway);
    expect(a!.gateway).toBe(b!.gateway);
    expect(a!.governance!.timelock).toBe(b!.governance!.timelock);
    expect(manifest.devKeys).toBeUndefined();
    // The escape wiring, on the real OP Stack contracts: each gateway to its L2's predeploys,
    // the EscapeHatch to each L2's L1 messenger; the manifest's rollup sections for `bridge escape`.
    expect(manifest.escape).toBeDefined();
    for (const c of [a!, b!]) {
      const r = rollups[c.name]!;
      expect(await new Gateway(c.gateway!, client(c.name)).escapeConfig()).toEqual({
        messenger: OP_PREDEPLOYS.l2CrossDomainMessenger,
        escapeHatch: manifest.escape!.escapeHatch,
        tokenBridge: OP_PREDEPLOYS.l2StandardBridge,
      });
      expect(
        await client("l1").readContract({
          address: manifest.escape!.escapeHatch,
          abi: escapeHatchAbi,
          functionName: "chain",
          args: [BigInt(c.chainId)],
        }),
      ).toEqual([r.l1CrossDomainMessenger, c.gateway]);
      expect(c.rollup).toEqual({ ...r, l1DeployBlock: manifest.escape!.l1DeployBlock });
    }
    const beta = manifest.tokens.find((t) => t.symbol === "BETA")!;
    expect(beta.addresses["901"]).not.toBe(beta.homeToken);
    // Every route priced from the config before the hand-over: the quote, the beneficiary.
    const priced = 200_000n * parseUnits("2", 9);
    for (const [c, dest, flat] of [
      [a!, b!, parseUnits("0.00001", 18)],
      [b!, a!, 0n],
    ] as const) {
      const gw = new Gateway(c.gateway!, client(c.name));
      expect(await gw.quoteFee(dest.chainId, 0n)).toBe(priced + flat);
      expect(await gw.quoteFee(dest.chainId, parseUnits("0.01", 18))).toBe(
        priced + flat + parseUnits("0.01", 18) + 40_000n * parseUnits("2", 9),
      );
      expect(await gw.feeBeneficiary()).toBe(beneficiary);
      expect((await gw.feeConfig(dest.chainId)).dropOffCap).toBe(parseUnits("0.01", 18));
    }
  });

  it("a limit changed through governance is the one difference check reports", async () => {
    const env = { COUNCIL_STORE: join(dir, "council.json"), COUNCIL_KEY: "" };
    const bridge = (args: string[]) => runBridge(args, { manifestPath, env });
    const args = ["council", "propose", "set-limits", "--chain", "l2a", "--token", "BETA", "--fast", "77"];
    const first = await bridge([...args, "--signer", ownerKeys[0]!]);
    expect(first.code, first.stderr).toBe(0);
    const second = await bridge([...args, "--signer", ownerKeys[1]!]);
    expect(second.code, second.stderr).toBe(0);
    const id = /operation (0x[0-9a-f]{64}) ready at/.exec(second.stdout)?.[1];
    expect(id, second.stdout).toBeDefined();

    const manifest = parseManifest(JSON.parse(readFileSync(manifestPath, "utf8")));
    const l2a = manifest.chains.find((c) => c.name === "l2a")!;
    const beta = manifest.tokens.find((t) => t.symbol === "BETA")!;
    // Wait out the timelock, then anyone executes.
    let executed = await bridge(["council", "execute", id!, "--chain", "l2a", "--key", devKey(5)]);
    for (let i = 0; executed.code !== 0 && /is ready at/.test(executed.stderr) && i < 120; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      executed = await bridge(["council", "execute", id!, "--chain", "l2a", "--key", devKey(5)]);
    }
    expect(executed.code, executed.stderr).toBe(0);
    const gw = new Gateway(l2a.gateway!, client("l2a"));
    expect((await gw.inboundToken(BigInt(beta.homeChainId), beta.homeToken)).fastLimit).toBe(parseUnits("77", 6));

    // The fee updater moves l2a's price to l2b within its bounds: the updater's job, not drift.
    const moved = walletClientFor(l2a, privateKeyToAccount(updaterKey));
    await confirm(
      client("l2a"),
      await moved.writeContract({
        address: l2a.gateway!,
        abi: bridgeGatewayAbi,
        functionName: "updateFeeInputs",
        args: [902n, parseUnits("2.5", 9), 10n ** 18n],
      }),
    );
    expect((await gw.feeConfig(902)).gasPrice).toBe(parseUnits("2.5", 9));

    const check = await deploy(["check", "--config", configPath]);
    expect(check.code, show(check)).toBe(1);
    expect(check.stdout.trim().split("\n")).toEqual([
      "deploy-test: 1 difference(s) between the config and the chains:",
      `  l2a: token BETA fast limit is 77000000 (config: 10000000000) — governance (a timelocked \`bridge council propose\`): \`bridge council propose set-limits --token BETA --fast …\``,
    ]);

    // A config that prices differently from what governance set is fee drift, on every route.
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    config.fees.default.dropOffCap = "0.02 ether";
    config.fees.beneficiary = monitor;
    const repriced = join(dir, "repriced.json");
    writeFileSync(repriced, JSON.stringify(config, null, 2));
    const drift = await deploy(["check", "--config", repriced]);
    expect(drift.code, show(drift)).toBe(1);
    const lines = drift.stdout.trim().split("\n");
    expect(lines[0]).toBe("deploy-test: 5 difference(s) between the config and the chains:");
    for (const [chain, dest] of [
      ["l2a", "l2b (902)"],
      ["l2b", "l2a (901)"],
    ]) {
      expect(lines).toContain(
        `  ${chain}: fees to ${dest}: dropOffCap 10000000000000000 (config: 20000000000000000) — governance (a timelocked \`bridge council propose\`): a \`setFeeConfig\` proposal`,
      );
      expect(lines).toContain(
        `  ${chain}: fee beneficiary is ${beneficiary} (config: ${monitor}) — governance (a timelocked \`bridge council propose\`): a \`setFeeBeneficiary\` proposal`,
      );
    }
  });
});

/**
 * Governance on a real devnet (anvil chains, contracts only): who holds which role after
 * deployment, that only the timelock changes parameters, and the council's whole path through
 * the `bridge council` CLI — instant pause and veto through the Safe, every timelocked action
 * proposed, waited out and executed, early execution refused, a cancelled proposal dead for good,
 * and Safe transactions from a non-owner or below the threshold refused by the Safe itself.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encodeFunctionData,
  erc20Abi,
  getAddress,
  keccak256,
  parseUnits,
  stringToHex,
  zeroAddress,
  zeroHash,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attestWith } from "../../core/attestation.js";
import { publicClientFor, walletClientFor } from "../../core/chains.js";
import { bridgeGatewayAbi, timelockControllerAbi } from "../../core/generated/abis.js";
import { decodeMessagesSent } from "../../core/logs.js";
import { findChain, findToken, gatewayChains, type ChainInfo } from "../../core/manifest.js";
import { messageId, deliverArgs } from "../../core/message.js";
import { GATEWAY_ROLES } from "../../deploy/contracts.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { Council, type GovernedChain } from "@portcullis/sdk/council";
import { FileCouncilStore } from "@portcullis/sdk/node";
import { runBridge, type CliRun } from "./helpers/cli.js";
import { councilKeys } from "./helpers/governance.js";
import { revertOf } from "./helpers/reverts.js";

const DELAY_SECONDS = 8;

const TIMELOCK_ROLES = {
  admin: zeroHash,
  proposer: keccak256(stringToHex("PROPOSER_ROLE")),
  executor: keccak256(stringToHex("EXECUTOR_ROLE")),
  canceller: keccak256(stringToHex("CANCELLER_ROLE")),
} as const;

let dir: string;
let devnet: Devnet;
let storePath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-governance-"));
  devnet = await startDevnet({ dir, services: false, governanceDelaySeconds: DELAY_SECONDS });
  storePath = join(dir, "council", "pending.json");
});

afterAll(async () => {
  await devnet?.stop();
  if (dir && !process.env.PORTCULLIS_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Harness

function bridge(args: string[]): Promise<CliRun> {
  return runBridge(args, {
    manifestPath: devnet.manifestPath,
    env: { COUNCIL_STORE: storePath, COUNCIL_KEY: "" },
  });
}

async function ok(args: string[]): Promise<string> {
  const run = await bridge(args);
  expect(run.code, `bridge ${args.join(" ")}\n${run.stderr}${run.stdout}`).toBe(0);
  return run.stdout;
}

/** Refused with one sentence on stderr. */
async function refused(args: string[], pattern: RegExp): Promise<void> {
  const run = await bridge(args);
  expect(run.code, run.stderr + run.stdout).toBe(1);
  const text = run.stderr.trim();
  expect(text.split("\n"), text).toHaveLength(1);
  expect(text).toMatch(/^error: .+\.$/);
  expect(text).toMatch(pattern);
}

const manifest = () => devnet.manifest;
const chain = (name: string) => findChain(manifest(), name);
const clients = new Map<string, PublicClient>();
function client(name: string): PublicClient {
  if (!clients.has(name)) clients.set(name, publicClientFor(chain(name), { pollingIntervalMs: 100 }));
  return clients.get(name)!;
}
const council = () => new Council(manifest(), new FileCouncilStore(storePath));
const governed = (name: string): GovernedChain => council().chain(name);
const address = (key: string) => privateKeyToAccount(key as Hex).address;

function gatewayRead<T>(name: string, functionName: string, args: readonly unknown[] = []): Promise<T> {
  return client(name).readContract({
    address: chain(name).gateway!,
    abi: bridgeGatewayAbi,
    functionName,
    args,
  } as never) as Promise<T>;
}

/** Current holders of every role of an AccessControl contract, replayed from its events. */
async function roleHolders(name: string, contract: Address): Promise<Map<Hex, Set<Address>>> {
  const abi = timelockControllerAbi; // RoleGranted / RoleRevoked are the same events on both
  const [granted, revoked] = await Promise.all([
    client(name).getContractEvents({ address: contract, abi, eventName: "RoleGranted", fromBlock: 0n }),
    client(name).getContractEvents({ address: contract, abi, eventName: "RoleRevoked", fromBlock: 0n }),
  ]);
  const events = [...granted.map((e) => ({ e, on: true })), ...revoked.map((e) => ({ e, on: false }))].sort(
    (a, b) => Number(a.e.blockNumber - b.e.blockNumber) || a.e.logIndex - b.e.logIndex,
  );
  const holders = new Map<Hex, Set<Address>>();
  for (const { e, on } of events) {
    const set = holders.get(e.args.role!) ?? new Set<Address>();
    if (on) set.add(getAddress(e.args.account!));
    else set.delete(getAddress(e.args.account!));
    holders.set(e.args.role!, set);
  }
  return holders;
}

const sorted = (xs: Iterable<Address>) => [...xs].map((x) => getAddress(x)).sort();

function simulateAs(name: string, key: string, functionName: string, args: readonly unknown[] = []) {
  return client(name).simulateContract({
    address: chain(name).gateway!,
    abi: bridgeGatewayAbi,
    functionName,
    args,
    account: privateKeyToAccount(key as Hex),
  } as never);
}

function storedCount(): number {
  if (!existsSync(storePath)) return 0;
  return Object.keys(JSON.parse(readFileSync(storePath, "utf8")).transactions).length;
}

function operationIdOf(stdout: string): Hex {
  const match = /operation (0x[0-9a-f]{64}) ready at/.exec(stdout);
  expect(match, stdout).not.toBeNull();
  return match![1] as Hex;
}

/** Two owners sign `council propose …` one after the other; returns the scheduled operation. */
async function propose(args: string[]): Promise<Hex> {
  const first = await ok(["council", "propose", ...args, "--signer", "1"]);
  expect(first).toMatch(/1 of 2 signatures, 1 missing/);
  const second = await ok(["council", "propose", ...args, "--signer", "2"]);
  expect(second).toMatch(/2 of 2 signatures, 0 missing/);
  return operationIdOf(second);
}

// ---------------------------------------------------------------------------------------------

describe("governance", () => {
  it("deployment leaves GOVERNOR with the timelock alone, PAUSER/VETO with the Safe and the monitor, nothing with the deployer", async () => {
    const keys = manifest().devKeys!;
    const deployer = address(keys.deployer);
    const monitor = address(keys.monitor);
    const owners = councilKeys(manifest()).map(address);
    // Governance lives where there is something to govern: every L2's gateway. L1 holds only
    // the EscapeHatch, whose registry is fixed at construction.
    expect(manifest().chains.find((c) => c.kind === "l1")?.governance).toBeUndefined();
    for (const c of gatewayChains(manifest())) {
      const g = c.governance!;
      expect(g, `${c.name} has governance`).toBeDefined();
      // The council Safe: the three dev owners, two of them sign.
      const safeAbi = [
        { type: "function", name: "getOwners", stateMutability: "view", inputs: [], outputs: [{ type: "address[]" }] },
        { type: "function", name: "getThreshold", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
      ] as const;
      expect(
        sorted(await client(c.name).readContract({ address: g.safe, abi: safeAbi, functionName: "getOwners" })),
      ).toEqual(sorted(owners));
      expect(await client(c.name).readContract({ address: g.safe, abi: safeAbi, functionName: "getThreshold" })).toBe(
        2n,
      );
      expect(sorted(g.owners)).toEqual(sorted(owners));

      // The timelock: the Safe proposes and cancels, anyone executes, nobody administers it
      // but itself, and the delay is what the devnet asked for.
      const tl = await roleHolders(c.name, g.timelock);
      expect(sorted(tl.get(TIMELOCK_ROLES.proposer) ?? [])).toEqual([g.safe]);
      expect(sorted(tl.get(TIMELOCK_ROLES.canceller) ?? [])).toEqual([g.safe]);
      expect(sorted(tl.get(TIMELOCK_ROLES.executor) ?? [])).toEqual([zeroAddress]);
      expect(sorted(tl.get(TIMELOCK_ROLES.admin) ?? [])).toEqual([g.timelock]);
      expect(
        await client(c.name).readContract({
          address: g.timelock,
          abi: timelockControllerAbi,
          functionName: "getMinDelay",
        }),
      ).toBe(BigInt(DELAY_SECONDS));
      for (const holders of tl.values()) expect(holders.has(deployer)).toBe(false);

      const gw = await roleHolders(c.name, c.gateway);
      expect(sorted(gw.get(GATEWAY_ROLES.governor) ?? []), `${c.name} GOVERNOR`).toEqual([g.timelock]);
      expect(sorted(gw.get(GATEWAY_ROLES.pauser) ?? []), `${c.name} PAUSER`).toEqual(sorted([g.safe, monitor]));
      expect(sorted(gw.get(GATEWAY_ROLES.vetoer) ?? []), `${c.name} VETO`).toEqual(sorted([g.safe, monitor]));
      expect(gw.get(zeroHash)?.size ?? 0, `${c.name} DEFAULT_ADMIN`).toBe(0);
      for (const role of Object.values(GATEWAY_ROLES)) {
        expect(await gatewayRead(c.name, "hasRole", [role, deployer])).toBe(false);
      }
      expect(manifest().roles[c.name]).toEqual({
        governor: g.timelock,
        pausers: [g.safe, monitor],
        vetoers: [g.safe, monitor],
      });
    }
  });

  it("only the timelock changes parameters: deployer, monitor, council owners and the Safe itself are refused", async () => {
    const keys = manifest().devKeys!;
    const outsiders = [keys.deployer, keys.monitor, ...councilKeys(manifest()), keys.users[0]!];
    for (const key of outsiders) {
      expect(await revertOf(simulateAs("l2a", key, "setLargeDelay", [1]))).toBe("AccessControlUnauthorizedAccount");
      expect(await revertOf(simulateAs("l2a", key, "unpause"))).toBe("AccessControlUnauthorizedAccount");
      expect(await revertOf(simulateAs("l2a", key, "setGuardianSet", [[address(keys.guardians[0]!)], 1, 0n]))).toBe(
        "AccessControlUnauthorizedAccount",
      );
    }
    // The monitor's key pauses and vetoes, nothing else; a user can do neither.
    expect(await revertOf(simulateAs("l2a", keys.monitor, "pause"))).toBeUndefined();
    expect(await revertOf(simulateAs("l2a", keys.users[0]!, "pause"))).toBe("AccessControlUnauthorizedAccount");
    expect(await revertOf(simulateAs("l2a", keys.users[0]!, "veto", [zeroHash.replace(/0$/, "1")]))).toBe(
      "AccessControlUnauthorizedAccount",
    );

    // The council cannot skip the timelock: a fully signed Safe transaction calling a governor
    // function directly fails, and its signatures are discarded.
    const c = new Council(manifest(), new FileCouncilStore(join(dir, "bypass.json")));
    const l2a = c.chain("l2a");
    const direct = {
      target: l2a.gateway!,
      data: encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "setLargeDelay", args: [1] }),
      description: "l2a: setLargeDelay(1) without the timelock",
    };
    const [k1, k2] = councilKeys(manifest());
    expect((await c.instant(l2a, direct, privateKeyToAccount(k1!))).missing).toBe(1);
    await expect(c.instant(l2a, direct, privateKeyToAccount(k2!))).rejects.toThrow();
    expect(await gatewayRead("l2a", "largeDelay")).toBe(devnet.options.largeDelaySeconds);
  });

  it("a non-owner or below-threshold Safe transaction fails; bad input is refused before anything is signed", async () => {
    const keys = manifest().devKeys!;
    const l2b = governed("l2b");
    const nonceBefore = await safeNonce(l2b);

    await refused(
      ["council", "pause", "--chain", "l2b", "--signer", keys.monitor],
      /is not an owner of the council Safe/,
    );
    await refused(
      ["council", "propose", "frobnicate", "--chain", "l2a", "--signer", "1"],
      /unknown action "frobnicate"/,
    );
    // `council propose set-guardians` on l2a, signed by owner 1.
    const setGuardians = (guardians: string, threshold: string) => [
      "council",
      "propose",
      "set-guardians",
      "--chain",
      "l2a",
      "--guardians",
      guardians,
      "--threshold",
      threshold,
      "--signer",
      "1",
    ];
    await refused(setGuardians("0x1234,0xabc", "1"), /is not a valid address/);
    const four = [...keys.guardians, ...keys.standbyGuardians].map(address).join(",");
    await refused(setGuardians(four, "0"), /at least 1/);
    await refused(setGuardians(four, "5"), /above the 4 guardians/);
    await refused(setGuardians(four, "2"), /below the two-thirds minimum 3.*--allow-weak-threshold/);
    expect(storedCount()).toBe(0);
    expect(await safeNonce(l2b)).toBe(nonceBefore);

    // The Safe itself refuses what the CLI would never send: one owner's signature (below the
    // threshold), or an owner's plus a non-owner's.
    const data = encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "pause" });
    const [k1] = councilKeys(manifest());
    const one = await safeSignatures(l2b, l2b.gateway!, data, nonceBefore, [k1!]);
    expect(await revertOf(execTransaction(l2b, l2b.gateway!, data, one, k1!))).toMatch(/GS020/);
    const withStranger = await safeSignatures(l2b, l2b.gateway!, data, nonceBefore, [k1!, keys.monitor as Hex]);
    expect(await revertOf(execTransaction(l2b, l2b.gateway!, data, withStranger, k1!))).toMatch(/GS026/);
    expect(await gatewayRead("l2b", "paused")).toBe(false);
  });

  it("council veto: instant, through the Safe, on a queued message found on its destination", async () => {
    const { msgId } = await queueLargeTransfer();
    const first = await ok(["council", "veto", msgId, "--signer", "1"]);
    expect(first).toMatch(/1 of 2 signatures, 1 missing/);
    expect((await gatewayRead<{ status: number }>("l2b", "queuedMessage", [msgId])).status).toBe(1);
    const second = await ok(["council", "veto", msgId, "--signer", "3"]);
    expect(second).toMatch(/veto executed/);
    expect((await gatewayRead<{ status: number }>("l2b", "queuedMessage", [msgId])).status).toBe(3);
  });

  it("propose → wait → execute for every action; execution before the delay fails", async () => {
    const keys = manifest().devKeys!;
    // Instant pause first, so that unpause has something to undo.
    expect(await ok(["council", "pause", "--chain", "l2a", "--signer", "2"])).toMatch(/1 of 2 signatures, 1 missing/);
    expect(await ok(["council", "pause", "--chain", "l2a", "--signer", "3"])).toMatch(/pause executed/);
    expect(await gatewayRead("l2a", "paused")).toBe(true);

    const newSet = [...keys.guardians, ...keys.standbyGuardians].map(address);
    const alpha = findToken(manifest(), "ALPHA");
    const l2aId = BigInt(chain("l2a").chainId);
    const routeEventsBefore = await routeEvents("l2b", l2aId);

    const unpause = await propose(["unpause", "--chain", "l2a"]);
    // Straight after scheduling: the CLI refuses to execute, and the timelock itself refuses.
    const c = council();
    await expect(c.execute(governed("l2a"), unpause, privateKeyToAccount(keys.users[0]! as Hex))).rejects.toThrow(
      /is ready at/,
    );
    expect(
      await revertOf(
        c.sendExecute(
          governed("l2a"),
          await c.operation(governed("l2a"), unpause),
          privateKeyToAccount(keys.users[0]! as Hex),
        ),
      ),
    ).toBeDefined();
    expect(await gatewayRead("l2a", "paused")).toBe(true);

    const ops: [string, Hex][] = [
      ["l2a", unpause],
      [
        "l2a",
        await propose([
          "set-guardians",
          "--chain",
          "l2a",
          "--guardians",
          newSet.join(","),
          "--threshold",
          "3",
          "--grace",
          "60",
        ]),
      ],
      ["l2b", await propose(["set-threshold", "--chain", "l2b", "--threshold", "3"])],
      [
        "l2b",
        await propose(["set-limits", "--chain", "l2b", "--token", "ALPHA", "--fast", "5000", "--inbound", "200000/50"]),
      ],
      ["l2a", await propose(["set-delay", "--chain", "l2a", "--seconds", "45"])],
      ["l2b", await propose(["add-route", "--chain", "l2b", "--remote", "l2a"])],
    ];
    const pending = await ok(["council", "pending"]);
    for (const [, id] of ops) expect(pending).toContain(id);
    expect(pending).toMatch(/ready at|ready/);

    for (const [name, id] of ops) await c.waitUntilReady(governed(name), id);
    for (const [name, id] of ops)
      expect(await ok(["council", "execute", id, "--chain", name])).toMatch(/executed operation/);

    expect(await gatewayRead("l2a", "paused")).toBe(false);
    expect(await gatewayRead("l2a", "guardianSetIndex")).toBe(1);
    const [members, threshold] = await gatewayRead<[Address[], number, bigint]>("l2a", "guardianSet", [1]);
    expect(sorted(members)).toEqual(sorted(newSet));
    expect(threshold).toBe(3);
    const [, l2bThreshold] = await gatewayRead<[Address[], number, bigint]>("l2b", "guardianSet", [1]);
    expect(l2bThreshold).toBe(3);
    const alphaId = [BigInt(alpha.homeChainId), alpha.homeToken] as const;
    expect(await gatewayRead<bigint>("l2b", "fastLimit", alphaId)).toBe(parseUnits("5000", alpha.decimals));
    const [bucket, unit] = await gatewayRead<[{ capacity: bigint }, bigint]>("l2b", "rateLimit", [...alphaId, 0]);
    expect(bucket.capacity * unit).toBe(parseUnits("200000", alpha.decimals));
    expect(await gatewayRead("l2a", "largeDelay")).toBe(45);
    expect(await routeEvents("l2b", l2aId)).toBe(routeEventsBefore + 1);

    // Done is done: a second execution is refused.
    await refused(["council", "execute", unpause, "--chain", "l2a"], /already executed/);
  });

  it("a proposal the council cancels can never execute", async () => {
    const keys = manifest().devKeys!;
    const before = await gatewayRead<number>("l2b", "largeDelay");
    const id = await propose(["set-delay", "--chain", "l2b", "--seconds", "99"]);
    expect(await ok(["council", "cancel", id, "--chain", "l2b", "--signer", "2"])).toMatch(
      /1 of 2 signatures, 1 missing/,
    );
    expect(await ok(["council", "cancel", id, "--chain", "l2b", "--signer", "3"])).toMatch(/operation cancelled/);
    const c = council();
    const op = await c.operation(governed("l2b"), id);
    expect(op.state).toBe("cancelled");
    // Wait past the time it would have been ready: still dead.
    const readyBy = Number((await client("l2b").getBlock()).timestamp) + DELAY_SECONDS;
    while (Number((await client("l2b").getBlock()).timestamp) <= readyBy) await new Promise((r) => setTimeout(r, 250));
    await refused(["council", "execute", id, "--chain", "l2b"], /cancelled by the council/);
    expect(
      await revertOf(c.sendExecute(governed("l2b"), op, privateKeyToAccount(keys.users[0]! as Hex))),
    ).toBeDefined();
    expect(await gatewayRead("l2b", "largeDelay")).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------

async function routeEvents(name: string, chainId: bigint): Promise<number> {
  const events = await client(name).getContractEvents({
    address: chain(name).gateway!,
    abi: bridgeGatewayAbi,
    eventName: "RouteSet",
    fromBlock: 0n,
  });
  return events.filter((e) => e.args.chainId === chainId).length;
}

const SAFE_ABI = [
  { type: "function", name: "nonce", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
  {
    type: "function",
    name: "execTransaction",
    stateMutability: "payable",
    inputs: [
      { name: "to", type: "address" },
      { name: "value", type: "uint256" },
      { name: "data", type: "bytes" },
      { name: "operation", type: "uint8" },
      { name: "safeTxGas", type: "uint256" },
      { name: "baseGas", type: "uint256" },
      { name: "gasPrice", type: "uint256" },
      { name: "gasToken", type: "address" },
      { name: "refundReceiver", type: "address" },
      { name: "signatures", type: "bytes" },
    ],
    outputs: [{ type: "bool" }],
  },
] as const;

async function safeNonce(c: GovernedChain): Promise<bigint> {
  return client(c.name).readContract({ address: c.governance.safe, abi: SAFE_ABI, functionName: "nonce" });
}

/** EIP-712 SafeTx signatures of `keys`, packed ascending by signer as the Safe wants them. */
async function safeSignatures(c: GovernedChain, to: Address, data: Hex, nonce: bigint, keys: Hex[]): Promise<Hex> {
  const accounts = keys
    .map((k) => privateKeyToAccount(k))
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const sigs = await Promise.all(
    accounts.map((a) =>
      a.signTypedData({
        domain: { chainId: c.chainId, verifyingContract: c.governance.safe },
        types: {
          SafeTx: [
            { name: "to", type: "address" },
            { name: "value", type: "uint256" },
            { name: "data", type: "bytes" },
            { name: "operation", type: "uint8" },
            { name: "safeTxGas", type: "uint256" },
            { name: "baseGas", type: "uint256" },
            { name: "gasPrice", type: "uint256" },
            { name: "gasToken", type: "address" },
            { name: "refundReceiver", type: "address" },
            { name: "nonce", type: "uint256" },
          ],
        },
        primaryType: "SafeTx",
        message: {
          to,
          value: 0n,
          data,
          operation: 0,
          safeTxGas: 0n,
          baseGas: 0n,
          gasPrice: 0n,
          gasToken: zeroAddress,
          refundReceiver: zeroAddress,
          nonce,
        },
      }),
    ),
  );
  return `0x${sigs.map((s) => s.slice(2)).join("")}` as Hex;
}

function execTransaction(c: GovernedChain, to: Address, data: Hex, signatures: Hex, key: Hex) {
  return client(c.name).simulateContract({
    address: c.governance.safe,
    abi: SAFE_ABI,
    functionName: "execTransaction",
    args: [to, 0n, data, 0, 0n, 0n, 0n, zeroAddress, zeroAddress, signatures],
    account: privateKeyToAccount(key),
  });
}

/** A transfer above the fast limit, l2a → l2b, delivered with the dev guardians' signatures: queued. */
async function queueLargeTransfer(): Promise<{ msgId: Hex }> {
  const keys = manifest().devKeys!;
  const l2a = chain("l2a") as ChainInfo & { gateway: Address };
  const l2b = chain("l2b") as ChainInfo & { gateway: Address };
  const token = findToken(manifest(), "ALPHA");
  const local = token.addresses[String(l2a.chainId)]!;
  const amount = parseUnits("12000", token.decimals);
  const user = walletClientFor(l2a, privateKeyToAccount(keys.users[1]! as Hex), { pollingIntervalMs: 100 });
  const mine = async (name: string, hash: Promise<Hex>) => {
    const receipt = await client(name).waitForTransactionReceipt({ hash: await hash });
    expect(receipt.status).toBe("success");
    return receipt;
  };
  await mine(
    "l2a",
    user.writeContract({ address: local, abi: erc20Abi, functionName: "approve", args: [l2a.gateway, amount] }),
  );
  const sent = await mine(
    "l2a",
    user.writeContract({
      address: l2a.gateway,
      abi: bridgeGatewayAbi,
      functionName: "send",
      // No fee: this test delivers the message itself, as a self-relaying sender would.
      args: [local, BigInt(l2b.chainId), user.account.address, amount, 0n, 0n],
    }),
  );
  const [record] = decodeMessagesSent(sent.logs, l2a.gateway);
  const message = record!.message;
  const set = manifest().guardianSet;
  const attestation = await attestWith(
    keys.guardians.slice(0, set.threshold).map((k) => privateKeyToAccount(k as Hex)),
    set.guardians.map((g) => g.address),
    { destChainId: BigInt(l2b.chainId), destGateway: l2b.gateway },
    messageId(message),
    set.index,
  );
  const relayer = walletClientFor(l2b, privateKeyToAccount(keys.relayers[0]! as Hex), { pollingIntervalMs: 100 });
  await mine(
    "l2b",
    relayer.writeContract({
      address: l2b.gateway,
      abi: bridgeGatewayAbi,
      functionName: "deliver",
      args: deliverArgs([message], attestation),
    }),
  );
  expect(gatewayChains(manifest()).length).toBeGreaterThan(1);
  return { msgId: messageId(message) };
}

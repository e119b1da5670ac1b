/**
 * The `bridge` CLI end to end: a real devnet with every service (anvil chains, Redis, guardians,
 * relayers, monitor — `startDevnet`, as `npm run devnet` starts it), and the CLI run as a child
 * process through its npm bin (`node_modules/.bin/bridge`, what `npx bridge` runs).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { erc20Abi, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { publicClientFor, walletClientFor } from "../../core/chains.js";
import { bridgeGatewayAbi } from "../../core/generated/abis.js";
import { findChain, findToken, type ChainInfo } from "../../core/manifest.js";
import { waitFor } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { runBridge, type CliRun } from "./helpers/cli.js";
import { govern } from "./helpers/governance.js";

let dir: string;
let devnet: Devnet;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-cli-"));
  devnet = await startDevnet({ dir, services: true });
});

afterAll(async () => {
  await devnet?.stop();
  if (dir && !process.env.PORTCULLIS_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
});

function bridge(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runBridge(args, { manifestPath: devnet.manifestPath, env: { BRIDGE_KEY: "", ...env } });
}

const chain = (name: string) => findChain(devnet.manifest, name);
const client = (name: string) => publicClientFor(chain(name));

async function balanceOf(chainName: string, symbol: string, owner: Address): Promise<bigint> {
  const token = findToken(devnet.manifest, symbol).addresses[String(chain(chainName).chainId)]!;
  return client(chainName).readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] });
}

async function nonces(owner: Address): Promise<number[]> {
  return Promise.all(["l2a", "l2b"].map((name) => client(name).getTransactionCount({ address: owner })));
}

/** A governance or pauser action on a gateway, with the devnet's keys. */
async function admin(on: ChainInfo, key: string, functionName: string, args: readonly unknown[] = []) {
  const wallet = walletClientFor(on, privateKeyToAccount(key as Hex));
  const hash = await wallet.writeContract({ address: on.gateway!, abi: bridgeGatewayAbi, functionName, args } as never);
  const receipt = await client(on.name).waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
}

/** One line on stderr, prefixed "error: ", ending in a full stop. */
function expectOneSentence(run: CliRun, pattern: RegExp) {
  expect(run.code, run.stderr + run.stdout).not.toBe(0);
  const text = run.stderr.trim();
  expect(text.split("\n"), text).toHaveLength(1);
  expect(text).toMatch(/^error: .+\.$/);
  expect(text).toMatch(pattern);
}

let transferred: { msgId: Hex; recipient: Address } | undefined;

describe("bridge CLI on a devnet", () => {
  it("transfer L2-A → L2-B completes and prints sent → attested k/M → delivered → executed", async () => {
    const user = privateKeyToAccount(devnet.manifest.devKeys!.users[0] as Hex).address;
    const before = await balanceOf("l2b", "ALPHA", user);

    const run = await bridge(["transfer", "--from", "l2a", "--to", "l2b", "--token", "ALPHA", "--amount", "5"]);

    expect(run.code, run.stderr + run.stdout).toBe(0);
    const threshold = devnet.manifest.guardianSet.threshold;
    const stages = ["sent", `attested ${threshold}/${threshold}`, "delivered", "executed"];
    const positions = stages.map((s) =>
      run.stdout.search(new RegExp(`\\d\\.\\ds  ${s.split(" ")[0]}\\s+${s.split(" ")[1] ?? ""}`)),
    );
    expect(
      positions.every((p) => p >= 0),
      run.stdout,
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(run.stdout).toMatch(/timings: sent [\d.]+s · attested [\d.]+s · delivered [\d.]+s · executed [\d.]+s/);
    // The fee is shown before sending (0 here: this devnet prices no route).
    expect(run.stdout).toMatch(/^fee: 0 ETH \(0 ETH delivery\), paid on l2a with the send$/m);
    expect(await balanceOf("l2b", "ALPHA", user)).toBe(before + 5n * 10n ** 18n);
    transferred = { msgId: /msg (0x[0-9a-f]{64})/.exec(run.stdout)![1] as Hex, recipient: user };
  });

  it("refuses bad input with one sentence and a non-zero exit, sending nothing", async () => {
    const key = devnet.manifest.devKeys!.users[1]!;
    const sender = privateKeyToAccount(key as Hex).address;
    const before = { nonces: await nonces(sender), alpha: await balanceOf("l2a", "ALPHA", sender) };
    const transfer = (over: Record<string, string>) => {
      const opts = { from: "l2a", to: "l2b", token: "ALPHA", amount: "1", ...over };
      return bridge(["transfer", ...Object.entries(opts).flatMap(([k, v]) => [`--${k}`, v])], { BRIDGE_KEY: key });
    };
    const cases: [Record<string, string>, RegExp][] = [
      [{ from: "l2z" }, /unknown source chain "l2z"/],
      [{ to: "l1" }, /l1 has no bridge gateway/],
      [{ token: "GAMMA" }, /unknown token "GAMMA"/],
      [{ to: "l2a" }, /the source and destination are both l2a/],
      [{ recipient: "0x12345" }, /recipient "0x12345" is not a valid address/],
      [{ amount: "0" }, /amount must be greater than zero/],
      [{ amount: "-3" }, /amount must be greater than zero/],
      [{ amount: "1,5" }, /is not a decimal number/],
      [
        { from: "l2b", to: "l2a", token: "BETA", amount: "0.1234567" },
        /BETA has 6 decimals, but amount "0.1234567" has 7/,
      ],
      [{ amount: "5000000" }, /exceeds the balance of .* on l2a \(1000000 ALPHA\)/],
      [{ deadline: "soon" }, /--deadline "soon" is not a positive whole number of seconds/],
      [{ "drop-off": "lots" }, /drop-off "lots" is not a decimal amount of ETH/],
      // This devnet prices no route (no `fees: true`): governance allows no drop-off.
      [{ "drop-off": "0.01" }, /the l2a gateway allows no gas drop-off to l2b\./],
    ];
    // Two at a time: each is a process of its own on a machine shared with the devnet.
    for (let i = 0; i < cases.length; i += 2) {
      const pair = cases.slice(i, i + 2);
      const runs = await Promise.all(pair.map(([over]) => transfer(over)));
      runs.forEach((run, j) => expectOneSentence(run, pair[j]![1]));
    }

    const l2a = chain("l2a");
    const l2b = chain("l2b");
    const { monitor } = devnet.manifest.devKeys!;
    // Unpause and routes are governance: through the council Safe and the timelock.
    await admin(l2b, monitor, "pause");
    try {
      expectOneSentence(await transfer({}), /the l2b gateway is paused/);
    } finally {
      await govern(devnet.manifest, "l2b", "unpause");
    }
    await govern(devnet.manifest, "l2a", "setRoute", [BigInt(l2b.chainId), l2b.gateway!, false]);
    try {
      expectOneSentence(await transfer({}), /the route l2a → l2b is disabled on l2a/);
    } finally {
      await govern(devnet.manifest, "l2a", "setRoute", [BigInt(l2b.chainId), l2b.gateway!, true]);
    }

    expect(await nonces(sender)).toEqual(before.nonces);
    expect(await balanceOf("l2a", "ALPHA", sender)).toBe(before.alpha);
  });

  it("status finds a transfer by message id and by transaction hash", async () => {
    expect(transferred, "the transfer test must run first").toBeDefined();
    const { msgId, recipient } = transferred!;
    const text = await bridge(["status", msgId]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/route\s+l2a \(\d+\) → l2b \(\d+\)/);
    expect(text.stdout).toMatch(/amount\s+5 ALPHA/);
    expect(text.stdout).toMatch(/stage\s+executed/);
    expect(text.stdout).toMatch(/executed\s+\d{4}-\d\d-\d\dT/);

    const byId = await bridge(["status", msgId, "--json"]);
    const [viaId] = JSON.parse(byId.stdout) as {
      msgId: Hex;
      stage: string;
      sent: { txHash: Hex };
      message: { recipient: Address };
    }[];
    expect(viaId!.stage).toBe("executed");
    expect(viaId!.message.recipient).toBe(recipient);
    const byTx = await bridge(["status", viaId!.sent.txHash, "--json"]);
    expect((JSON.parse(byTx.stdout) as { msgId: Hex }[]).map((s) => s.msgId)).toEqual([msgId]);

    expectOneSentence(await bridge(["status", `0x${"42".repeat(32)}`]), /no message or transaction 0x4242.* was found/);
    expectOneSentence(await bridge(["status", "0x1234"]), /is not a message id or transaction hash/);
  });

  it("balances lists every token on every chain, locked at home and minted per chain", async () => {
    const run = await bridge(["balances", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      balances: Record<string, Record<string, string>>;
      supply: Record<string, { home: string; locked: string; minted: Record<string, string> }>;
    };
    expect(Object.keys(report.balances).sort()).toEqual(["l2a", "l2b"]);
    for (const chainName of ["l2a", "l2b"])
      expect(Object.keys(report.balances[chainName]!).sort()).toEqual(["ALPHA", "BETA", "ETH"]);
    expect(report.balances.l2b!.ALPHA).toBe("5");
    expect(report.supply.ALPHA).toEqual({ home: "l2a", locked: "5", minted: { l2b: "5" } });
    expect(report.supply.BETA).toEqual({ home: "l2b", locked: "0", minted: { l2a: "0" } });

    const text = await bridge([
      "balances",
      "--address",
      transferred?.recipient ?? "0x0000000000000000000000000000000000000001",
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^chain\s+ETH\s+ALPHA\s+BETA$/m);
    expect(text.stdout).toMatch(/^ALPHA\s+l2a\s+5\s+l2b 5$/m);
  });

  it("relay: with every relayer stopped, the sender delivers a signed transfer itself", async () => {
    const user = privateKeyToAccount(devnet.manifest.devKeys!.users[0] as Hex).address;
    const before = await balanceOf("l2b", "ALPHA", user);
    await Promise.all(devnet.relayers.map((r) => r.stop()));
    try {
      const send = await bridge([
        "transfer",
        "--from",
        "l2a",
        "--to",
        "l2b",
        "--token",
        "ALPHA",
        "--amount",
        "2",
        "--no-follow",
      ]);
      expect(send.code, send.stderr + send.stdout).toBe(0);
      const msgId = /msg (0x[0-9a-f]{64})/.exec(send.stdout)![1] as Hex;
      // The guardians sign it; with no relayer, status says it waits for one.
      await waitFor(
        "the guardians to sign and status to wait for a relayer",
        async () => {
          const run = await bridge(["status", msgId, "--json"]);
          const [s] = JSON.parse(run.stdout) as { stage: string; reason: { kind: string } }[];
          return s?.stage === "attested" && s.reason.kind === "relayer";
        },
        120_000,
        1_000,
      );
      expect(await balanceOf("l2b", "ALPHA", user)).toBe(before);

      const relay = await bridge(["relay", msgId]);
      expect(relay.code, relay.stderr + relay.stdout).toBe(0);
      expect(relay.stdout).toMatch(/^delivered on l2b \(tx 0x[0-9a-f]{64}\)$/m);
      expect(relay.stdout).toMatch(/^executed: .* received it on l2b$/m);
      expect(await balanceOf("l2b", "ALPHA", user)).toBe(before + 2n * 10n ** 18n);
      const status = await bridge(["status", msgId]);
      expect(status.stdout).toMatch(/stage\s+executed/);
      expectOneSentence(await bridge(["relay", msgId]), /was already delivered/);
    } finally {
      for (const r of devnet.relayers) r.start();
    }
  });
});

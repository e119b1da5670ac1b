/**
 * Guardians that a poisoned RPC cannot fool, end to end: real anvil chains (three L2s) with the
 * bridge deployed, real guardian processes reading each chain through two endpoints — the anvil
 * itself and an HTTP proxy in front of it (devnet/poisoned-rpc.ts) that is honest or serves
 * forged answers — with keys from encrypted key files.
 *
 *   - both endpoints honest: transfers in every direction (home→remote, remote→remote,
 *     remote→home, and a second token) are signed;
 *   - one honest, one poisoned with a forged `MessageSent` (and `sentMessageId` agreeing with it):
 *     nothing from that chain is signed; the refusal, the log and a metric name both endpoints;
 *     then the same with forged block hashes; then, the poison gone, the real message is signed;
 *   - only the poisoned endpoint: the guardian refuses to start; allowed with DEVNET=true, it
 *     sees the forged burn but its accountant refuses it ("unbacked");
 *   - a burn the chain really emitted of tokens minted by a forged delivery (stolen guardian
 *     keys): the books cannot back it and it is refused.
 *
 * Run: npx vitest run --project integration test/integration/guardian-rpc.test.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseUnits, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attestationSigner } from "../../core/attestation.js";
import { endpointLabel } from "../../core/chains.js";
import {
  GuardianClient,
  GuardianRefusedError,
  type AttestResponse,
  type MessageView,
} from "../../core/guardian-api.js";
import { messageId, type Message } from "../../core/message.js";
import { encryptKeystore, KDF_LIGHT } from "../../core/keystore.js";
import { forgedSend, PoisonedRpc } from "../../devnet/poisoned-rpc.js";
import { waitFor, type ManagedProcess } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { chainOf, deliverSigned, forgeMessage, sendTransfer, type Chain } from "./helpers/actors.js";

const OPERATOR_TOKEN = "guardian-rpc-operator-token-0123";
const PASSWORD = "integration key-file password";

let dir: string;
let devnet: Devnet;
let l2a: Chain;
let l2b: Chain;
let l2c: Chain;
/** An honest second endpoint per L2, and a poisoned one in front of l2b. */
const honest = new Map<string, PoisonedRpc>();
let poisoned: PoisonedRpc;
let failed = false;

interface RunningGuardian {
  process: ManagedProcess;
  readonly url: string;
  address: Address;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "guardian-rpc-it-"));
  devnet = await startDevnet({ services: false, dir: join(dir, "devnet"), l2Count: 3 });
  [l2a, l2b, l2c] = ["l2a", "l2b", "l2c"].map((n) => chainOf(devnet.manifest, n)) as [Chain, Chain, Chain];
  for (const c of [l2a, l2b, l2c]) honest.set(c.info.name, await PoisonedRpc.start(c.info.rpcUrl));
  poisoned = await PoisonedRpc.start(l2b.info.rpcUrl);
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  await devnet?.stop();
  await Promise.all([...honest.values(), poisoned].filter(Boolean).map((p) => p.close()));
  if (failed) console.error(`guardian-rpc integration test failed; logs in ${dir}/devnet/logs`);
  else if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a guardian reading every chain through several endpoints", () => {
  let g0: RunningGuardian;

  it("signs normal traffic in every direction when both endpoints are honest (key from a key file)", async () => {
    g0 = await startGuardian(0, { l2b: [l2b.info.rpcUrl, honest.get("l2b")!.url] });
    const users = devnet.manifest.devKeys!.users as Hex[];

    // Each: sent by a user, signed by g0, then delivered (with the dev guardians' signatures).
    const traffic: [Chain, Chain, string, string, Hex][] = [
      [l2a, l2b, "ALPHA", "100", users[0]!], // home → remote
      [l2b, l2c, "ALPHA", "40", users[0]!], // remote → remote
      [l2c, l2a, "ALPHA", "10", users[0]!], // remote → home
      [l2b, l2a, "BETA", "5", users[1]!], // another token, home → remote
    ];
    for (const [from, to, symbol, amount, key] of traffic) {
      const message = await send(from, to, symbol, amount, key);
      await signedBy(g0, message);
      await deliverSigned(devnet.manifest, to, [message], relayerKey());
    }
    // Both honest endpoints were really asked.
    expect(honest.get("l2b")!.calls.get("eth_getLogs") ?? 0).toBeGreaterThan(0);
    expect(await metric(g0, "bridge_guardian_rpc_disagreements_total")).toBe(0);
  });

  it("refuses while one endpoint serves forged block hashes or a forged MessageSent, naming both", async () => {
    const g1 = await startGuardian(1, { l2b: [l2b.info.rpcUrl, poisoned.url] });
    const log = () => readFileSync(g1.process.logFile, "utf8");
    const users = devnet.manifest.devKeys!.users as Hex[];
    // From the next block on, the proxy serves other hashes for l2b's blocks.
    poisoned.poison = { forgeBlockHashesFrom: (await l2b.client.getBlockNumber()) + 1n };
    const { message: real, receipt } = await sendTransfer(devnet.manifest, l2b, l2a, "ALPHA", "1", users[0]!);
    await waitFor("a block-hash disagreement", async () => /disagree about block \d+/.test(log()), 60_000, 250);
    expect((await fetch(`${g1.url}/v1/messages/${messageId(real)}`)).status).toBe(404);
    expect(
      await metric(g1, "bridge_guardian_rpc_disagreements_total", { chain_id: String(l2b.info.chainId) }),
    ).toBeGreaterThan(0);

    // Now honest hashes, but in the real send's block a forged burn of 1,000,000 ALPHA, with
    // `sentMessageId` agreeing with it: a self-consistent lie.
    const forgery = forgedSend(l2b.info.gateway, forgedBurn(real), receipt);
    poisoned.poison = { logs: forgery.logs, calls: forgery.calls };
    // (Phase one's forged hashes also made log pages disagree: wait for the refusal to say so.)
    let refusal: GuardianRefusedError | undefined;
    await waitFor(
      "a refusal naming the MessageSent disagreement",
      async () => {
        refusal = await refusalOf(g1, forgery.msgId, l2a);
        return (
          /RPC endpoints of l2b disagree about MessageSent logs/.test(refusal.message) &&
          !/about block/.test(refusal.message)
        );
      },
      90_000,
      500,
    );
    for (const id of [forgery.msgId, messageId(real)]) {
      expect((await fetch(`${g1.url}/v1/messages/${id}`)).status).toBe(404);
    }
    expect(refusal!.refusal.unknown).toEqual([forgery.msgId]);
    expect(refusal!.message).toContain(endpointLabel(l2b.info.rpcUrl));
    expect(refusal!.message).toContain(endpointLabel(poisoned.url));
    expect(log()).toMatch(/disagree about MessageSent logs/);

    // The poison gone, the real message is signed and the forgery never appears.
    poisoned.poison = {};
    await signedBy(g1, real);
    expect((await fetch(`${g1.url}/v1/messages/${forgery.msgId}`)).status).toBe(404);
    await deliverSigned(devnet.manifest, l2a, [real], relayerKey());
    await g1.process.stop();
  });

  it("refuses to start on the poisoned endpoint alone; with DEVNET=true its accountant refuses the forged burn", async () => {
    const alone = { l2b: [poisoned.url] };
    // It exits (code 2, configuration) before it is up; the start reports its last words.
    await expect(startGuardian(2, alone)).rejects.toThrow(
      /exited \(code 2\) before it was up[\s\S]*l2b: one RPC URL — a guardian needs at least two independent endpoints/,
    );

    const users = devnet.manifest.devKeys!.users as Hex[];
    const { message: real, receipt } = await sendTransfer(devnet.manifest, l2b, l2a, "ALPHA", "2", users[0]!);
    const forgery = forgedSend(l2b.info.gateway, forgedBurn(real), receipt);
    poisoned.poison = { logs: forgery.logs, calls: forgery.calls };
    const g2 = await startGuardian(2, alone, { extraEnv: { DEVNET: "true" } });
    await waitFor(
      "the forged burn to be refused as unbacked",
      async () => {
        const res = await fetch(`${g2.url}/v1/messages/${forgery.msgId}`);
        return res.ok && ((await res.json()) as MessageView).state === "rejected";
      },
      60_000,
      250,
    );
    const view = (await (await fetch(`${g2.url}/v1/messages/${forgery.msgId}`)).json()) as MessageView;
    expect(view.reason).toBe("unbacked");
    const refusal = await refusalOf(g2, forgery.msgId, l2a);
    expect(refusal.refusal.rejected).toEqual([{ msgId: forgery.msgId, reason: "unbacked" }]);
    expect(refusal.message).toMatch(/ALPHA books do not balance/);
    expect(await metric(g2, "bridge_guardian_refusals_total", { reason: "unbacked" })).toBeGreaterThan(0);
    poisoned.poison = {};
    await g2.process.stop();
    await deliverSigned(devnet.manifest, l2a, [real], relayerKey());
  });

  it("refuses a burn the chain really emitted when a forged delivery minted the tokens", async () => {
    const attackerKey = devnet.manifest.devKeys!.users[5] as Hex;
    const attacker = privateKeyToAccount(attackerKey).address;
    // Stolen guardian keys mint 500 ALPHA on l2b that were never locked on l2a.
    const forged = await forgeMessage(devnet.manifest, l2a, l2b, "ALPHA", "500", attacker, 900_000n);
    await deliverSigned(devnet.manifest, l2b, [forged], relayerKey());
    // The attacker really burns them on l2b to take unlocked ALPHA home.
    const burn = await send(l2b, l2a, "ALPHA", "500", attackerKey);
    await waitFor(
      "the burn to be refused as unbacked",
      async () => {
        const res = await fetch(`${g0.url}/v1/messages/${messageId(burn)}`);
        return res.ok && ((await res.json()) as MessageView).state === "rejected";
      },
      60_000,
      250,
    );
    const refusal = await refusalOf(g0, messageId(burn), l2a);
    expect(refusal.refusal.rejected).toEqual([{ msgId: messageId(burn), reason: "unbacked" }]);
    expect(refusal.message).toMatch(/short by 500000000000000000000/);
  });
});

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function relayerKey(): Hex {
  return devnet.manifest.devKeys!.relayers[0] as Hex;
}

async function send(from: Chain, to: Chain, symbol: string, amount: string, key: Hex): Promise<Message> {
  return (await sendTransfer(devnet.manifest, from, to, symbol, amount, key)).message;
}

/** The same burn, a million ALPHA larger, at the next nonce: what a poisoned provider shows. */
function forgedBurn(real: Message): Message {
  return { ...real, nonce: real.nonce + 1n, amount: parseUnits("1000000", 18) };
}

/**
 * Guardian `i` (its dev key in an encrypted key file) reading every L2 through the anvil and the
 * honest proxy, except the chains in `urls`.
 */
async function startGuardian(
  i: number,
  urls: Record<string, string[]>,
  options: { extraEnv?: Record<string, string> } = {},
): Promise<RunningGuardian> {
  const key = devnet.manifest.devKeys!.guardians[i] as Hex;
  const keystore = join(dir, `guardian-${i}.json`);
  writeFileSync(keystore, JSON.stringify(await encryptKeystore(key, PASSWORD, KDF_LIGHT)));
  writeFileSync(join(dir, `guardian-${i}.password`), `${PASSWORD}\n`);
  const rpcUrls = Object.fromEntries(
    [l2a, l2b, l2c].map((c) => [c.info.name, urls[c.info.name] ?? [c.info.rpcUrl, honest.get(c.info.name)!.url]]),
  );
  // On guardian i's port from the manifest; resolves once its own /healthz answers.
  const process = await devnet.startService({
    ...devnet.guardianService(i),
    name: `guardian-${i}-${Date.now()}`,
    env: {
      MANIFEST: devnet.manifestPath,
      GUARDIAN_KEYSTORE: keystore,
      GUARDIAN_KEYSTORE_PASSWORD_FILE: join(dir, `guardian-${i}.password`),
      RPC_URLS: JSON.stringify(rpcUrls),
      OPERATOR_TOKEN,
      APPROVAL_ABOVE: "100000000",
      DATA_DIR: join(dir, `guardian-${i}-data`),
      POLL_INTERVAL_MS: "250",
      ACCOUNTANT_GRACE_SECONDS: "2",
      LOG_LEVEL: "info",
      ...options.extraEnv,
    },
    startTimeoutMs: 120_000,
  });
  return {
    process,
    get url() {
      return process.url;
    },
    address: privateKeyToAccount(key).address,
  };
}

/** Waits until `g` signs `message` alone, and checks the signature recovers to it. */
async function signedBy(g: RunningGuardian, message: Message): Promise<AttestResponse> {
  const id = messageId(message);
  const request = { destChainId: Number(message.destChainId), destGateway: message.destGateway, msgIds: [id] };
  let response: AttestResponse | undefined;
  await waitFor(
    `${g.url} to sign ${id}`,
    async () => {
      response = await new GuardianClient(g.url).attest(request).catch(() => undefined);
      return response !== undefined;
    },
    60_000,
    250,
  );
  const domain = { destChainId: message.destChainId, destGateway: message.destGateway };
  expect(await attestationSigner(domain, id, response!.guardianSetIndex, response!.signature as Hex)).toBe(g.address);
  return response!;
}

async function refusalOf(g: RunningGuardian, msgId: Hex, dest: Chain): Promise<GuardianRefusedError> {
  const error = await new GuardianClient(g.url)
    .attest({
      destChainId: dest.info.chainId,
      destGateway: dest.info.gateway,
      msgIds: [msgId],
    })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GuardianRefusedError);
  return error as GuardianRefusedError;
}

/** Sum of a guardian metric's samples matching `labels` (0 when absent). */
async function metric(g: RunningGuardian, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${g.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (.+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? "").split(",");
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

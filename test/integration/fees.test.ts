/**
 * Delivery fees and gas drop-off on a devnet (issue 14): real anvil chains, the gateways with the
 * fee configuration the devnet deploys, three guardian processes (threshold two) and one relayer
 * process with its default fee policy (FEE_POLICY=quote). The test plays users through the SDK
 * (`@portcullis/sdk`, what `bridge transfer` / `bridge relay` run):
 *
 *   1. a transfer with a drop-off arrives with the native gas on the destination: the recipient
 *      (an address that never held anything there) receives the tokens and exactly the drop-off;
 *   2. an unpaid transfer (`payFee: false`) is left alone by the relayer — its /metrics counts it
 *      in bridge_relayer_messages_left_alone_total and the message stays undelivered — its status
 *      says the sender can self-relay, and the sender delivers it with the SDK's `relay`;
 *   3. the relayer's fee income covers what it spent — gas and drop-offs — both read from its
 *      /metrics (every chain uses ETH, so the two compare directly).
 *
 * Run: npx vitest run --project integration test/integration/fees.test.ts
 * PORTCULLIS_KEEP_LOGS=1 keeps the devnet directory (service logs under logs/).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { erc20Abi, parseEther, parseUnits, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { BridgeClient, type SentRecord } from "@portcullis/sdk";
import { walletClientFor } from "../../core/chains.js";
import { findChain, findToken, type GatewayChain, type Manifest } from "../../core/manifest.js";
import { waitFor, type ManagedProcess } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { startGuardian, startRelayer } from "./helpers/relay.js";

/** Generous: two shared cores run the chains, Redis and four `node --import tsx` services. */
const DELIVERY_TIMEOUT_MS = 180_000;
const DROP_OFF = parseEther("0.01");

let dir: string;
let devnet: Devnet;
let manifest: Manifest;
let sdk: BridgeClient;
let relayer: ManagedProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-fees-"));
  devnet = await startDevnet({ services: false, dir, l2Count: 2, guardians: 3, threshold: 2, fees: true });
  manifest = devnet.manifest;
  sdk = new BridgeClient(manifest);
  const started = await Promise.all([
    ...manifest.devKeys!.guardians.map((_, i) => startGuardian(devnet, dir, i, {})),
    startRelayer(devnet, 0, {}),
  ]);
  relayer = started.at(-1)!;
});

afterAll(async () => {
  await devnet?.stop();
  if (dir && !process.env.PORTCULLIS_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
});

function chain(name: string): GatewayChain {
  return findChain(manifest, name) as GatewayChain;
}

function userKey(i: number): Hex {
  return manifest.devKeys!.users[i]! as Hex;
}

/** Every sample of `name` on the relayer's /metrics, summed over its label sets. */
async function relayerMetric(name: string): Promise<number> {
  const text = await fetch(`${relayer.url}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
  let total = 0;
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)(\{.*\})? (\S+)$/.exec(line);
    if (match && match[1] === name) total += Number(match[3]);
  }
  return total;
}

async function tokenBalance(on: string, symbol: string, holder: Address): Promise<bigint> {
  return sdk.client(chain(on)).readContract({
    address: findToken(manifest, symbol).addresses[String(chain(on).chainId)]!,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [holder],
  });
}

async function send(user: number, request: { recipient: Address; dropOff?: bigint; payFee?: boolean }) {
  const account = privateKeyToAccount(userKey(user));
  return sdk.sendTransfer(
    { from: "l2a", to: "l2b", token: "ALPHA", amount: "3", sender: account.address, ...request },
    walletClientFor(chain("l2a"), account),
  );
}

describe("fees and gas drop-off", () => {
  it("quotes the fee and the drop-off, and refuses a drop-off above the cap in one sentence", async () => {
    const sender = privateKeyToAccount(userKey(0)).address;
    const request = { from: "l2a", to: "l2b", token: "ALPHA", amount: "3", sender, dropOff: DROP_OFF };
    const quote = await sdk.quote(request);
    expect(quote.fee.paid).toBe(true);
    expect(quote.fee.delivery).toBeGreaterThan(0n);
    // The drop-off is paid on the source at the quoted rate: at least the native tokens themselves.
    expect(quote.fee.dropOffCost).toBeGreaterThanOrEqual(DROP_OFF);
    expect(quote.fee.amount).toBe(quote.fee.delivery + quote.fee.dropOffCost);
    const built = await sdk.buildTransfer(request);
    expect(built.transactions.at(-1)!.value).toBe(quote.fee.amount);

    const problems = await sdk.validateTransfer({ ...request, dropOff: quote.fee.dropOffCap + 1n });
    expect(problems.dropOff).toMatch(
      /^a drop-off of .* ETH is more than the .* ETH the l2a gateway allows per transfer to l2b\.$/,
    );
  });

  it("delivers a paid transfer with its drop-off: the recipient gets the tokens and the native gas", async () => {
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const sent = await send(0, { recipient, dropOff: DROP_OFF });
    expect(sent.message.dropOff).toBe(DROP_OFF);
    expect(sent.payment!.fee).toBeGreaterThanOrEqual(sent.payment!.quote);

    const final = await sdk.follow(sent, { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 500 });
    expect(final.status.stage).toBe("executed");
    expect(await tokenBalance("l2b", "ALPHA", recipient)).toBe(parseUnits("3", 18));
    expect(await sdk.client(chain("l2b")).getBalance({ address: recipient })).toBe(DROP_OFF);
    // The relayer counts it once it has read its own receipt, which can be after the chain shows it.
    await waitFor(
      "the relayer to count the drop-off it supplied",
      async () => (await relayerMetric("bridge_relayer_drop_off_supplied_wei_total")) > 0,
      DELIVERY_TIMEOUT_MS,
      250,
    );
    expect(await relayerMetric("bridge_relayer_drop_off_supplied_wei_total")).toBe(Number(DROP_OFF));
  });

  it("leaves an unpaid transfer alone; its sender self-relays it with the SDK", async () => {
    const user = privateKeyToAccount(userKey(1));
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const leftAloneBefore = await relayerMetric("bridge_relayer_messages_left_alone_total");
    const sent: SentRecord = await send(1, { recipient, payFee: false });
    expect(sent.payment).toEqual({ fee: 0n, quote: expect.any(BigInt) as bigint });
    expect(sent.payment!.quote).toBeGreaterThan(0n);

    // The relayer saw it (the guardians' feeds or its own scan), judged it and left it alone.
    await waitFor(
      "the relayer to leave the unpaid message alone",
      async () => (await relayerMetric("bridge_relayer_messages_left_alone_total")) > leftAloneBefore,
      DELIVERY_TIMEOUT_MS,
      500,
    );
    const status = await sdk.status(sent);
    expect(status.status.fee).toEqual({ fee: 0n, quote: sent.payment!.quote, underpaid: true });
    await waitFor(
      "the guardians to sign it (status: self-relay)",
      async () => (await sdk.status(sent)).status.reason.kind === "self-relay",
      DELIVERY_TIMEOUT_MS,
      500,
    );
    // Still undelivered: the relayer completed its job as left alone and will not come back to it.
    const gateway = sdk.gateway(chain("l2b"));
    expect(await gateway.isProcessed(sent.message.sourceChainId, sent.message.sourceGateway, sent.message.nonce)).toBe(
      false,
    );

    const result = await sdk.relay(sent, walletClientFor(chain("l2b"), user));
    expect(result.outcome).toBe("executed");
    expect(await tokenBalance("l2b", "ALPHA", recipient)).toBe(parseUnits("3", 18));
    expect((await sdk.status(sent)).status.stage).toBe("executed");
  });

  it("the relayer's fee income covers its gas and drop-offs (its /metrics)", async () => {
    const income = await relayerMetric("bridge_relayer_fee_income_wei_total");
    const gas = await relayerMetric("bridge_relayer_gas_spent_wei_total");
    const dropOffs = await relayerMetric("bridge_relayer_drop_off_supplied_wei_total");
    expect(gas).toBeGreaterThan(0);
    expect(income, `fee income ${income} wei against gas ${gas} + drop-offs ${dropOffs} wei`).toBeGreaterThanOrEqual(
      gas + dropOffs,
    );
  });
});

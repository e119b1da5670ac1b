/**
 * The web app in a real headless Chromium (Debian's, via playwright-core) against a real devnet
 * — anvil chains, guardians, relayers, monitor, explorer — as a user drives it: connect the
 * injected wallet, bridge, watch the live timeline, read the history, deliver a transfer
 * yourself when the relayers are down, escape a transfer past its deadline through L1 (cancel,
 * prove, finalize, refund; the chains' clocks under the test's control, so no step races the
 * wall clock), and ask for gas on arrival (a drop-off: the devnet prices its routes, `fees: true`,
 * so the fee, the cap and the native gas delivered are real). The wallet is the one stand-in (`wallet.ts`: an EIP-1193
 * provider that signs with a dev key in this process and forwards the rest to the chain's RPC).
 * Screenshots land in `test-results/web/` (gitignored).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page, Route } from "playwright-core";
import { erc20Abi, parseEther, parseUnits, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { BridgeClient, findChain, findToken, publicClientFor, type GatewayChain } from "@portcullis/sdk";
import { rpc } from "../../../devnet/infra.js";
import { startDevnet, type Devnet } from "../../../devnet/start.js";
import { launchChromium, screenshot, type Browser } from "./browser.js";
import { WEB_DIST } from "../../../devnet/explorer.js";
import { DevKeyWallet } from "./wallet.js";
import { advanceClocks, holdBlocks, resumeBlocks } from "../helpers/clock.js";

/** Generous: the machine is shared; tests wait for states, never for durations. */
const STATE_TIMEOUT = 180_000;
const WAIT = { timeout: STATE_TIMEOUT, interval: 500 };

let dir: string;
let devnet: Devnet;
let browser: Browser;
let web: { url: string };
let wallet: DevKeyWallet;
let page: Page;
const sentByTest: Hex[] = [];

beforeAll(async () => {
  if (!existsSync(join(WEB_DIST, "index.html"))) throw new Error("web/dist is missing: run `npm run build` first");
  dir = mkdtempSync(join(tmpdir(), "portcullis-web-"));
  // Priced routes (devnet/fees.ts): every send pays its quote, and drop-offs are allowed.
  devnet = await startDevnet({ dir, services: true, fees: true });
  if (!devnet.explorer?.webDir) throw new Error("the devnet's explorer does not serve the web app");
  web = devnet.explorer;
  browser = await launchChromium();
  // The wallet starts on l2b, so the page has to offer the switch to l2a.
  wallet = new DevKeyWallet(
    devnet.manifest.devKeys!.users[1] as Hex,
    devnet.manifest.chains,
    findChain(devnet.manifest, "l2b"),
  );
  await wallet.install(browser.context);
  page = await browser.context.newPage();
  page.setDefaultTimeout(STATE_TIMEOUT);
});

afterAll(async () => {
  await browser?.close();
  await devnet?.stop();
  if (dir && !process.env.PORTCULLIS_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
});

function balanceOf(chain: string, symbol: string, owner: Address): Promise<bigint> {
  const info = findChain(devnet.manifest, chain);
  const token = findToken(devnet.manifest, symbol).addresses[String(info.chainId)]!;
  return publicClientFor(info).readContract({
    address: token,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [owner],
  });
}

async function fill(form: {
  from?: string;
  to?: string;
  token?: string;
  amount?: string;
  recipient?: string;
  dropOff?: string;
  deadlineSeconds?: number;
}) {
  await page.goto(web.url);
  if (form.from) await page.getByLabel("From", { exact: true }).selectOption(form.from);
  if (form.to) await page.getByLabel("To", { exact: true }).selectOption(form.to);
  if (form.token) await page.getByLabel("Token", { exact: true }).selectOption(form.token);
  await page.getByLabel("Amount", { exact: true }).fill(form.amount ?? "");
  await page.getByLabel("Recipient", { exact: true }).fill(form.recipient ?? "");
  await page.getByLabel(/^Gas on arrival/).fill(form.dropOff ?? "");
  if (form.deadlineSeconds !== undefined) {
    // The disclosure's <summary>, not the verdict box's "Deadline" row: once the quote has come
    // back (a race with the typing above) both read "Deadline", and a bare text match is ambiguous.
    await page.locator("summary", { hasText: /^Deadline$/ }).click();
    await page.getByLabel(/^Deliverable for/).fill(String(form.deadlineSeconds));
  }
}

/**
 * Sends what the form holds and returns the message id the page then shows; a send the page
 * refused fails here with the page's sentence, not with a timeout.
 */
async function sendFromForm(): Promise<Hex> {
  await page.getByTestId("send").click();
  const refused = page.getByTestId("send-error");
  await page.getByTestId("msg-id").or(refused).waitFor();
  if (await refused.isVisible()) throw new Error(`the page did not send: ${await refused.textContent()}`);
  expect(page.url()).toMatch(/\/message\/0x[0-9a-f]{64}$/);
  const msgId = (await page.getByTestId("msg-id").textContent()) as Hex;
  sentByTest.push(msgId);
  return msgId;
}

/**
 * Runs `check` while the page's background quote refresh (every 5 s) is in flight: the
 * refresh's first read of `chain`'s gateway is held until `check` is done.
 */
async function whileQuoteRefreshes(chain: GatewayChain, check: () => Promise<void>) {
  const origin = new URL(chain.rpcUrl).origin;
  const gateway = chain.gateway.toLowerCase();
  const matches = (url: URL) => url.origin === origin;
  let refreshing!: () => void;
  let release!: () => void;
  const inFlight = new Promise<void>((resolve) => (refreshing = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const hold = async (route: Route) => {
    if (route.request().postData()?.toLowerCase().includes(gateway)) {
      refreshing();
      await released;
    }
    await route.continue();
  };
  await page.route(matches, hold);
  try {
    await inFlight;
    await check();
  } finally {
    release();
    // Waits for the held read to go on before the route goes (the page has no other routes).
    await page.unrouteAll({ behavior: "wait" });
  }
}

async function statusIs(status: string) {
  await expect
    .poll(() => page.getByTestId("status").textContent(), { timeout: STATE_TIMEOUT, interval: 500 })
    .toBe(status);
}

describe("web app on a devnet", () => {
  it("connects the injected wallet, offers the switch to the source chain, shows the balance", async () => {
    await page.goto(web.url);
    await page.getByRole("button", { name: "Connect Portcullis dev wallet" }).click();
    await expect.poll(() => page.getByTestId("wallet-address").getAttribute("title"), WAIT).toBe(wallet.address);
    await expect.poll(() => page.getByTestId("wallet-chain").textContent(), WAIT).toBe("l2b");

    await page.getByRole("button", { name: "Switch to l2a" }).click();
    await expect.poll(() => page.getByTestId("wallet-chain").textContent(), WAIT).toBe("l2a");
    expect(wallet.calls("wallet_switchEthereumChain")).toHaveLength(1);
    await expect.poll(() => page.getByTestId("balance").textContent(), WAIT).toBe("Balance on l2a: 1,000,000 ALPHA");
    await screenshot(page, "connected");
  });

  it("bad input shows its sentence before anything is signed, and sends nothing", async () => {
    const l2a = publicClientFor(findChain(devnet.manifest, "l2a"));
    const nonceBefore = await l2a.getTransactionCount({ address: wallet.address });
    const cases = [
      { form: { amount: "abc" }, field: "amount", sentence: /is not a decimal number/ },
      { form: { amount: "2000000" }, field: "amount", sentence: /exceeds the balance/ },
      { form: { amount: "1", recipient: "0x1234" }, field: "recipient", sentence: /is not a valid address/ },
      { form: { amount: "1", to: "l2a" }, field: "to", sentence: /another chain/ },
      // Above the route's drop-off cap (0.1 ETH on the devnet): refused before anything is signed.
      {
        form: { amount: "1", dropOff: "0.5" },
        field: "dropOff",
        sentence: /more than the 0\.1 ETH the l2a gateway allows per transfer to l2b/,
      },
    ];
    for (const c of cases) {
      await fill(c.form);
      await expect
        .poll(() => page.getByTestId(`problem-${c.field}`).textContent(), { timeout: STATE_TIMEOUT })
        .toMatch(c.sentence);
      expect(await page.getByTestId("send").isDisabled()).toBe(true);
      await screenshot(page, `bad-input-${c.field}`);
    }
    expect(wallet.calls("eth_sendTransaction", "eth_signTransaction", "personal_sign", "eth_signTypedData_v4")).toEqual(
      [],
    );
    expect(await l2a.getTransactionCount({ address: wallet.address })).toBe(nonceBefore);
  });

  it("bridges l2a → l2b: fast verdict, approve and send, the live timeline reaches executed", async () => {
    const before = await balanceOf("l2b", "ALPHA", wallet.address);
    await fill({ from: "l2a", to: "l2b", token: "ALPHA", amount: "5" });
    await expect.poll(() => page.getByTestId("verdict").textContent(), WAIT).toMatch(/^Fast/);
    await screenshot(page, "bridge-quote");
    // A click on Send must send even while the quote refreshes in the background: the button
    // stays enabled (it used to be disabled meanwhile, and a click landing then did nothing).
    await whileQuoteRefreshes(findChain(devnet.manifest, "l2a") as GatewayChain, async () => {
      expect(await page.getByTestId("send").isEnabled()).toBe(true);
      expect(await page.getByTestId("verdict").textContent()).toMatch(/^Fast/);
    });
    await sendFromForm();
    // Approve (ALPHA is l2a's home token) and send: two transactions, both signed by the wallet.
    expect(wallet.calls("eth_sendTransaction")).toHaveLength(2);
    await statusIs("executed");
    await expect.poll(() => page.locator('[data-stage="executed"]').getAttribute("data-state"), WAIT).toBe("done");
    await screenshot(page, "executed");
    expect(await balanceOf("l2b", "ALPHA", wallet.address)).toBe(before + parseUnits("5", 18));
  });

  it("a large transfer shows its delay and ETA, then executes", async () => {
    await fill({ from: "l2a", to: "l2b", token: "ALPHA", amount: "20000" });
    await expect.poll(() => page.getByTestId("verdict").textContent(), WAIT).toMatch(/^Delayed.*fast limit/);
    await screenshot(page, "bridge-delayed-quote");
    await sendFromForm();
    await statusIs("delayed");
    await expect.poll(() => page.getByTestId("reason").textContent(), WAIT).toMatch(/fast limit/);
    await expect.poll(() => page.getByTestId("eta").textContent(), WAIT).toMatch(/^ETA /);
    await screenshot(page, "delayed");
    await statusIs("executed");
  });

  it("the history lists both transfers, newest first, with their status", async () => {
    await page.getByRole("link", { name: "History" }).click();
    const rows = page.getByTestId("history").locator("tbody tr");
    await expect.poll(() => rows.count(), WAIT).toBe(2);
    expect(await rows.nth(0).getAttribute("data-msg-id")).toBe(sentByTest[1]);
    expect(await rows.nth(1).getAttribute("data-msg-id")).toBe(sentByTest[0]);
    await expect.poll(() => rows.locator(".status").allTextContents(), WAIT).toEqual(["executed", "executed"]);
    await screenshot(page, "history");
  });

  it("gas on arrival: the fee grows by the drop-off, the transfer arrives with the native gas", async () => {
    // A fresh recipient: no ETH on l2b, nobody else sends it any.
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const l2b = publicClientFor(findChain(devnet.manifest, "l2b"));
    expect(await l2b.getBalance({ address: recipient })).toBe(0n);
    const feeShown = async () => {
      const text = (await page.getByTestId("fee").textContent()) ?? "";
      const eth = /^([\d.]+) ETH on l2a/.exec(text)?.[1];
      expect(eth, text).toBeDefined();
      return parseEther(eth!);
    };

    await fill({ from: "l2a", to: "l2b", token: "ALPHA", amount: "2", recipient });
    await expect.poll(() => page.getByTestId("verdict").textContent(), WAIT).toMatch(/^Fast/);
    const plain = await feeShown();
    expect(plain).toBeGreaterThan(0n);
    await page.getByLabel(/^Gas on arrival/).fill("0.01");
    await expect
      .poll(() => page.getByTestId("fee").textContent(), WAIT)
      .toMatch(/and 0\.01 ETH of gas for the recipient\)$/);
    // The quote paid for the drop-off itself and for the gas of handing it over.
    expect((await feeShown()) - plain).toBeGreaterThan(parseEther("0.01"));
    await screenshot(page, "drop-off-quote");

    const sends = wallet.calls("eth_sendTransaction").length;
    await sendFromForm();
    // The send carried the fee as its value (the approval, if any, carried none).
    const sent = (wallet.calls("eth_sendTransaction").slice(sends).at(-1)!.params as [{ value?: Hex }])[0];
    expect(BigInt(sent.value ?? "0x0")).toBeGreaterThan(parseEther("0.01"));
    await statusIs("executed");
    await screenshot(page, "drop-off-executed");
    expect(await balanceOf("l2b", "ALPHA", recipient)).toBe(parseUnits("2", 18));
    expect(await l2b.getBalance({ address: recipient })).toBe(parseEther("0.01"));
  });

  it("with the relayers stopped, the self-relay button delivers a transfer", async () => {
    await Promise.all(devnet.relayers.map((r) => r.stop()));
    try {
      await fill({ from: "l2a", to: "l2b", token: "ALPHA", amount: "3" });
      await expect.poll(() => page.getByTestId("verdict").textContent(), WAIT).toMatch(/^Fast/);
      await sendFromForm();
      const deliver = page.getByRole("button", { name: /Deliver it yourself/ });
      await deliver.waitFor({ state: "visible", timeout: STATE_TIMEOUT });
      await screenshot(page, "self-relay");
      await deliver.click();
      await statusIs("executed");
      // The delivery was signed by the user's wallet, on the destination chain.
      expect(wallet.chainId).toBe(findChain(devnet.manifest, "l2b").chainId);
    } finally {
      await Promise.all(devnet.relayers.map((r) => r.start()));
    }
  });

  // Last: it moves the devnet's clocks forward.
  it("past its deadline, a stuck transfer escapes through L1 from the page, step by step, resumable", async () => {
    const l1 = findChain(devnet.manifest, "l1");
    const l1Rpc = l1.rpcUrl;
    const escape = page.getByTestId("escape");
    const escapeStatus = () => escape.getByTestId("escape-status").textContent();
    const stepState = (key: string) => escape.locator(`[data-step="${key}"]`).getAttribute("data-state");
    const action = (name: string) => escape.getByRole("button", { name, exact: true });

    await Promise.all(devnet.relayers.map((r) => r.stop()));
    try {
      await fill({ from: "l2a", to: "l2b", token: "ALPHA", amount: "4", deadlineSeconds: 600 });
      await expect.poll(() => page.getByTestId("verdict").textContent(), WAIT).toMatch(/^Fast/);
      const msgId = await sendFromForm();
      const afterSend = await balanceOf("l2a", "ALPHA", wallet.address);

      // Nothing can deliver it (no relayer; nobody clicks "deliver it yourself"): rather than
      // wait ten minutes, move every chain's clock past its deadline together.
      const sent = await new BridgeClient(devnet.manifest).findMessage(msgId);
      const destNow = (await publicClientFor(findChain(devnet.manifest, "l2b")).getBlock()).timestamp;
      await advanceClocks(
        devnet.manifest.chains.map((c) => c.rpcUrl),
        Number(sent.message.deadline - destNow) + 1,
      );
      await statusIs("sent");
      await action("Cancel on l2b").waitFor({ state: "visible" });
      expect(await stepState("deadline")).toBe("done");
      await screenshot(page, "escape-cancel");

      // L1 held: no output root can cover the cancellation, so the page says it waits for one.
      await holdBlocks(l1Rpc);
      try {
        await action("Cancel on l2b").click();
        await expect.poll(() => stepState("prove"), WAIT).toBe("current");
        await expect.poll(escapeStatus, WAIT).toMatch(/^Cancellation: waiting for l2b's next output root on L1/);
        await screenshot(page, "escape-waiting-output-root");
        // Resumable: a reloaded page reads where the escape stands from the chains.
        await page.reload();
        await expect.poll(() => stepState("prove"), WAIT).toBe("current");
        expect(await stepState("cancel")).toBe("done");
        expect(await escape.getByTestId("escape-action").count()).toBe(0);
      } finally {
        await resumeBlocks(l1Rpc);
      }

      // L1 held again once the proof is sent, and one block mined to include it: L1's clock
      // stands still inside the finalization window, so the page shows that wait.
      await action("Prove on l1").waitFor({ state: "visible" });
      const sentBefore = wallet.sent.length;
      await holdBlocks(l1Rpc);
      try {
        await action("Prove on l1").click();
        await expect.poll(() => wallet.sent.length, WAIT).toBe(sentBefore + 1);
        await rpc(l1Rpc, "evm_mine", []);
        await expect.poll(() => stepState("finalize"), WAIT).toBe("current");
        await expect
          .poll(escapeStatus, WAIT)
          .toMatch(/^Cancellation: proven; in the finalization window \(about \d+s\)/);
        await screenshot(page, "escape-finalization-window");
      } finally {
        await resumeBlocks(l1Rpc);
      }

      await action("Finalize on l1").click();
      await expect.poll(escapeStatus, WAIT).toBe("Refunded to the sender on the source chain");
      await statusIs("refunded");
      expect(await escape.locator('[data-state="done"]').count()).toBe(5);
      await screenshot(page, "escape-refunded");

      expect(await balanceOf("l2a", "ALPHA", wallet.address)).toBe(afterSend + parseUnits("4", 18));
      // Cancel was signed on l2b, prove and finalize on L1, all by the user's wallet.
      expect(wallet.chainId).toBe(l1.chainId);
    } catch (e) {
      await screenshot(page, "escape-failed");
      throw e;
    } finally {
      await Promise.all(devnet.relayers.map((r) => r.start()));
    }
  });
});

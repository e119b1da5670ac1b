/**
 * The web app in a real headless Chromium against a real devnet (anvil chains, guardians,
 * relayers, monitor): a user connects the injected dev-key wallet (the one stand-in,
 * `wallet.ts`) and bridges. Screenshots land in `test-results/web/`.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { Hex } from "viem";
import { findChain } from "../../../core/manifest.js";
import { startDevnet, type Devnet } from "../../../devnet/start.js";
import { launchChromium, screenshot, type Browser } from "./browser.js";
import { serveWeb, WEB_DIST } from "./serve.js";
import { DevKeyWallet } from "./wallet.js";

let dir: string;
let devnet: Devnet;
let browser: Browser;
let web: Awaited<ReturnType<typeof serveWeb>>;
let wallet: DevKeyWallet;
let page: Page;

beforeAll(async () => {
  if (!existsSync(join(WEB_DIST, "index.html"))) throw new Error("web/dist is missing: run `npm run build` first");
  dir = mkdtempSync(join(tmpdir(), "portcullis-web-"));
  devnet = await startDevnet({ dir, services: true });
  web = await serveWeb(devnet.manifest);
  browser = await launchChromium();
  const l2s = devnet.manifest.chains.filter((c) => c.gateway);
  // The wallet starts on l2b, so the page has to offer the switch to l2a.
  wallet = new DevKeyWallet(devnet.manifest.devKeys!.users[1] as Hex, l2s, findChain(devnet.manifest, "l2b"));
  await wallet.install(browser.context);
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await devnet?.stop();
  if (dir && !process.env.PORTCULLIS_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
});

describe("web app on a devnet", () => {
  it("connects the injected wallet, offers the switch to the source chain, shows the balance", async () => {
    await page.goto(web.url);
    await page.getByRole("button", { name: "Connect Portcullis dev wallet" }).click();
    await expect.poll(() => page.getByTestId("wallet-address").getAttribute("title")).toBe(wallet.address);
    await expect.poll(() => page.getByTestId("wallet-chain").textContent()).toBe("l2b");

    await page.getByRole("button", { name: "Switch to l2a" }).click();
    await expect.poll(() => page.getByTestId("wallet-chain").textContent()).toBe("l2a");
    expect(wallet.calls("wallet_switchEthereumChain")).toHaveLength(1);
    await expect.poll(() => page.getByTestId("balance").textContent()).toBe("Balance on l2a: 1,000,000 ALPHA");
    await screenshot(page, "connected");
  });
});

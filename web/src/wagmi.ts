/**
 * wagmi for a deployment: one viem chain per chain of the manifest — the L2s a transfer is
 * signed on, and L1, where an escape is proven and finalized — read through the manifest's RPC
 * URLs, and the injected connector (EIP-1193 `window.ethereum`, plus any wallet announcing
 * itself through EIP-6963).
 */
import { viemChain, type ChainInfo } from "@portcullis/sdk";
import type { Chain } from "viem";
import { createConfig, http, injected, type Config } from "wagmi";

export function wagmiConfigFor(manifestChains: readonly ChainInfo[]): Config {
  // L2s first: wagmi treats the first chain as the default one.
  const ordered = [...manifestChains].sort((a, b) => Number(a.kind === "l1") - Number(b.kind === "l1"));
  const chains = ordered.map((c) => viemChain(c));
  if (chains.length === 0) throw new Error("the deployment has no chains");
  return createConfig({
    chains: chains as [Chain, ...Chain[]],
    connectors: [injected({ shimDisconnect: true })],
    transports: Object.fromEntries(chains.map((c) => [c.id, http(c.rpcUrls.default.http[0], { batch: true })])),
    pollingInterval: 1_000,
  });
}

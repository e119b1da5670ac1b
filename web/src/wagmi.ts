/**
 * wagmi for a deployment: one viem chain per L2 of the manifest (the chains a wallet signs on),
 * read through the manifest's RPC URLs, and the injected connector (EIP-1193 `window.ethereum`,
 * plus any wallet announcing itself through EIP-6963).
 */
import { createConfig, http, injected, type Config } from "wagmi";
import type { Chain } from "viem";
import { viemChain } from "@portcullis/sdk";
import type { GatewayChain } from "./config.js";

export function wagmiConfigFor(l2s: GatewayChain[]): Config {
  const chains = l2s.map((c) => viemChain(c));
  if (chains.length === 0) throw new Error("the deployment has no L2 with a gateway");
  return createConfig({
    chains: chains as [Chain, ...Chain[]],
    connectors: [injected({ shimDisconnect: true })],
    transports: Object.fromEntries(chains.map((c) => [c.id, http(c.rpcUrls.default.http[0], { batch: true })])),
    pollingInterval: 1_000,
  });
}

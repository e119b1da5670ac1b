/**
 * The SDK in the page: one `BridgeClient` per deployment (reads through the manifest's RPC
 * URLs), and the connected wallet as a viem `WalletClient` on the chain an action is signed on
 * (the wallet is asked to switch first, as a user would be).
 */
import { BridgeClient, PortcullisError } from "@portcullis/sdk";
import { useMemo } from "react";
import type { WalletClient } from "viem";
import { useConfig, type Config } from "wagmi";
import { getConnection, getWalletClient, switchChain } from "wagmi/actions";
import { walletErrorSentence } from "./components/Connect.js";
import { useAppConfig } from "./context.js";

export function useBridgeClient(): BridgeClient {
  const { manifest } = useAppConfig();
  return useMemo(() => new BridgeClient(manifest), [manifest]);
}

/** The connected wallet on `chainId`, switching it there first when it is elsewhere. */
export async function walletOn(config: Config, chainId: number): Promise<WalletClient> {
  if (getConnection(config).chainId !== chainId) await switchChain(config, { chainId });
  return getWalletClient(config, { chainId });
}

export function useWalletOn(): (chainId: number) => Promise<WalletClient> {
  const config = useConfig();
  return (chainId) => walletOn(config, chainId);
}

/** One sentence for anything an SDK call or the wallet threw. */
export function errorSentence(error: unknown): string {
  if (error instanceof PortcullisError) return sentence(error.shortMessage);
  return sentence(walletErrorSentence(error as Error));
}

/** The SDK's sentences start in lower case (they are also used inside other sentences). */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

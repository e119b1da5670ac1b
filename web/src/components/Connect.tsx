/**
 * The wallet button: connects through the injected connector (EIP-1193 / EIP-6963), shows the
 * address and the chain the wallet is on, disconnects.
 */
import { useConnect, useConnection, useConnectors, useDisconnect } from "wagmi";
import { useAppConfig } from "../context.js";
import { chainName } from "../config.js";
import { shortHex } from "../format.js";

export function Connect() {
  const { manifest } = useAppConfig();
  const connection = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();

  if (connection.status === "connected") {
    return (
      <div className="wallet">
        <span className="chain" data-testid="wallet-chain">
          {chainName(manifest, connection.chainId)}
        </span>
        <span className="address" data-testid="wallet-address" title={connection.address}>
          {shortHex(connection.address)}
        </span>
        <button type="button" className="secondary" onClick={() => disconnect.mutate()}>
          Disconnect
        </button>
      </div>
    );
  }
  // A wallet announcing itself through EIP-6963 also sets window.ethereum: list the announced
  // wallets by name, and the generic injected connector only when none announced itself.
  const announced = connectors.filter((c) => c.type === "injected" && c.id !== "injected");
  const available = announced.length > 0 ? announced : connectors.filter((c) => c.id === "injected");
  return (
    <div className="wallet">
      {available.length === 0 ? (
        <span className="hint">No browser wallet found: install one (EIP-1193) to bridge.</span>
      ) : (
        available.map((connector) => (
          <button
            key={connector.uid}
            type="button"
            disabled={connect.isPending}
            onClick={() => connect.mutate({ connector })}
          >
            {connector.id === "injected" ? "Connect wallet" : `Connect ${connector.name}`}
          </button>
        ))
      )}
      {connect.error && (
        <span className="problem" role="alert">
          {walletErrorSentence(connect.error)}
        </span>
      )}
    </div>
  );
}

/** One sentence for a wallet refusal; the wallet's own short message otherwise. */
export function walletErrorSentence(error: Error): string {
  const e = error as Error & { shortMessage?: string; code?: number; cause?: { code?: number } };
  if (e.code === 4001 || e.cause?.code === 4001) return "You rejected the request in your wallet.";
  return e.shortMessage ?? e.message;
}

/**
 * The one stand-in of the browser tests: an injected EIP-1193 wallet backed by a dev key.
 * Browser extensions (MetaMask & co.) cannot be installed offline, so the page gets
 * `window.ethereum` (and an EIP-6963 announcement) from this file instead. Everything a wallet
 * decides stays real: it signs with the key here, in the test process (viem local account), and
 * forwards every other request to the real JSON-RPC endpoint of the chain it is on. It approves
 * every request at once, as a user clicking "confirm" would; `requests` records what the page
 * asked for, so a test can prove that nothing was signed.
 *
 * The page side is a few lines (PAGE_PROVIDER) that pass each request to the test process
 * through a Playwright binding and deliver the wallet's events (`chainChanged`,
 * `accountsChanged`) back to the page's listeners.
 */
import type { BrowserContext } from "playwright-core";
import { hexToBigInt, numberToHex, type Address, type Hex, type TransactionRequest } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { walletClientFor } from "../../../core/chains.js";
import type { ChainInfo } from "../../../core/manifest.js";

/** What the page sent, in order. */
export interface WalletRequest {
  method: string;
  params?: unknown;
}

interface RpcError {
  code: number;
  message: string;
}

const BINDING = "__portcullisDevWallet";
const EMIT = "__portcullisDevWalletEmit";

/** The page half: a minimal EIP-1193 provider over the binding. */
const PAGE_PROVIDER = `(() => {
  const listeners = new Map();
  const provider = {
    isPortcullisDevWallet: true,
    async request({ method, params }) {
      const reply = await window.${BINDING}({ method, params });
      if (reply.error) {
        const error = new Error(reply.error.message);
        error.code = reply.error.code;
        throw error;
      }
      return reply.result;
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return provider;
    },
    removeListener(event, fn) {
      listeners.get(event)?.delete(fn);
      return provider;
    },
  };
  window.${EMIT} = (event, data) => listeners.get(event)?.forEach((fn) => fn(data));
  window.ethereum = provider;
  const info = Object.freeze({
    uuid: "5b1f7c1e-9d0a-4c3b-8f1e-portcullis-dev",
    name: "Portcullis dev wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 8 8'%3E%3Crect width='8' height='8' fill='%231d4ed8'/%3E%3C/svg%3E",
    rdns: "dev.portcullis.wallet",
  });
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;

export class DevKeyWallet {
  readonly account: PrivateKeyAccount;
  readonly requests: WalletRequest[] = [];
  /** Hashes of the transactions this wallet signed and sent. */
  readonly sent: Hex[] = [];
  private chain: ChainInfo;
  private authorized = false;
  private context?: BrowserContext;

  constructor(
    key: Hex,
    private readonly chains: ChainInfo[],
    startOn: ChainInfo,
  ) {
    this.account = privateKeyToAccount(key);
    this.chain = startOn;
  }

  get address(): Address {
    return this.account.address;
  }

  get chainId(): number {
    return this.chain.chainId;
  }

  /** Injects the provider into every page of `context` (before any page script runs). */
  async install(context: BrowserContext): Promise<void> {
    this.context = context;
    await context.exposeBinding(BINDING, async (_source, request: WalletRequest) => {
      this.requests.push(request);
      try {
        return { result: await this.handle(request) };
      } catch (e) {
        const error = e as Partial<RpcError> & Error;
        return { error: { code: typeof error.code === "number" ? error.code : -32603, message: error.message } };
      }
    });
    await context.addInitScript(PAGE_PROVIDER);
  }

  /** Moves the wallet to another chain as a user would in the wallet's own menu. */
  async userSwitchesTo(chain: ChainInfo): Promise<void> {
    this.chain = chain;
    await this.emit("chainChanged", numberToHex(chain.chainId));
  }

  /** The requests whose method is one of `methods`. */
  calls(...methods: string[]): WalletRequest[] {
    return this.requests.filter((r) => methods.includes(r.method));
  }

  private async handle({ method, params }: WalletRequest): Promise<unknown> {
    const args = (params ?? []) as unknown[];
    switch (method) {
      case "eth_requestAccounts":
        this.authorized = true;
        return [this.address];
      case "eth_accounts":
        return this.authorized ? [this.address] : [];
      case "eth_chainId":
        return numberToHex(this.chain.chainId);
      case "net_version":
        return String(this.chain.chainId);
      case "wallet_requestPermissions":
        this.authorized = true;
        return [{ parentCapability: "eth_accounts" }];
      case "wallet_getPermissions":
        return this.authorized ? [{ parentCapability: "eth_accounts" }] : [];
      case "wallet_revokePermissions":
        this.authorized = false;
        return null;
      case "wallet_switchEthereumChain":
        return this.switchChain(Number((args[0] as { chainId: Hex }).chainId));
      case "wallet_addEthereumChain":
        return this.switchChain(Number((args[0] as { chainId: Hex }).chainId));
      case "eth_sendTransaction":
        return this.sendTransaction(args[0] as RpcTransaction);
      case "personal_sign":
        return this.account.signMessage({ message: { raw: args[0] as Hex } });
      case "eth_signTypedData_v4": {
        const typed = JSON.parse(args[1] as string);
        return this.account.signTypedData(typed);
      }
      case "eth_sign":
      case "eth_signTransaction":
        throw Object.assign(new Error(`${method} is not supported by this wallet`), { code: 4200 });
      default:
        return this.forward(method, params);
    }
  }

  private async switchChain(chainId: number): Promise<null> {
    const chain = this.chains.find((c) => c.chainId === chainId);
    if (!chain) throw Object.assign(new Error(`Unrecognized chain ID ${chainId}.`), { code: 4902 });
    if (chain.chainId !== this.chain.chainId) {
      this.chain = chain;
      await this.emit("chainChanged", numberToHex(chainId));
    }
    return null;
  }

  private async sendTransaction(tx: RpcTransaction): Promise<Hex> {
    if (!this.authorized) throw Object.assign(new Error("The wallet is not connected."), { code: 4100 });
    if (tx.from && tx.from.toLowerCase() !== this.address.toLowerCase()) {
      throw Object.assign(new Error(`This wallet does not hold ${tx.from}.`), { code: 4100 });
    }
    const wallet = walletClientFor(this.chain, this.account);
    const request: TransactionRequest = {
      to: tx.to ?? undefined,
      data: tx.data ?? tx.input,
      value: tx.value === undefined ? undefined : hexToBigInt(tx.value),
      gas: tx.gas === undefined ? undefined : hexToBigInt(tx.gas),
    };
    const hash = await wallet.sendTransaction({ ...request, account: this.account, chain: wallet.chain } as never);
    this.sent.push(hash);
    return hash;
  }

  /** Anything that is not the wallet's to decide goes to the chain's real RPC endpoint. */
  private async forward(method: string, params: unknown): Promise<unknown> {
    const res = await fetch(this.chain.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }),
    });
    const body = (await res.json()) as { result?: unknown; error?: RpcError };
    if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
    return body.result;
  }

  private async emit(event: string, data: unknown): Promise<void> {
    for (const page of this.context?.pages() ?? []) {
      await page
        .evaluate(
          ({ fn, event, data }) =>
            (window as unknown as Record<string, (e: string, d: unknown) => void>)[fn]?.(event, data),
          { fn: EMIT, event, data },
        )
        .catch(() => undefined); // a page that is navigating away gets the state from eth_chainId
    }
  }
}

interface RpcTransaction {
  from?: Address;
  to?: Address | null;
  data?: Hex;
  input?: Hex;
  value?: Hex;
  gas?: Hex;
}

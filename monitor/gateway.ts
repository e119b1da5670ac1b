/**
 * One chain's gateway as the monitor sees it: the views its checks read and the two
 * transactions it may send (`pause`, `veto`). Reads without a block number go to `latest`, so a
 * check never trusts what the monitor cached earlier.
 */
import { erc20Abi, getContract, type Address, type Hex, type PublicClient } from "viem";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import type { ChainWallet } from "../core/chains.js";
import type { ChainInfo } from "../core/manifest.js";

/** `IBridgeGateway.MessageStatus`. */
export const MessageStatus = { None: 0, Queued: 1, Executed: 2, Vetoed: 3, Cancelled: 4 } as const;
export type MessageStatusValue = (typeof MessageStatus)[keyof typeof MessageStatus];

/**
 * Gas of the monitor's own transactions, fixed so a batch of them is sent without estimation:
 * estimation could fail for one (say, someone else paused first) and leave a nonce gap that
 * would stall the rest. `pause` and `veto` each use well under 60k.
 */
export const ACTION_GAS = 150_000n;

export interface TxOutcome {
  status: "success" | "reverted";
  blockNumber: bigint;
}

/** What the responder needs from a gateway; `ChainGateway` implements it, tests fake it. */
export interface GatewayControl {
  readonly chainId: number;
  readonly name: string;
  paused(): Promise<boolean>;
  queuedStatus(msgId: Hex): Promise<MessageStatusValue>;
  /** The monitor key's next nonce on this chain, counting its own pending transactions. */
  pendingNonce(): Promise<number>;
  sendPause(nonce: number): Promise<Hex>;
  sendVeto(msgId: Hex, nonce: number): Promise<Hex>;
  waitForOutcome(hash: Hex): Promise<TxOutcome>;
}

export type GatewayChainInfo = ChainInfo & { gateway: Address };

/** How long a fee estimate is reused for the monitor's own transactions. */
const FEE_ESTIMATE_TTL_MS = 2_000;

export class ChainGateway implements GatewayControl {
  private readonly contract;
  private fees?: { at: number; estimate: Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> };

  constructor(
    readonly info: GatewayChainInfo,
    readonly client: PublicClient,
    readonly wallet: ChainWallet,
  ) {
    this.contract = getContract({ address: info.gateway, abi: bridgeGatewayAbi, client: { public: client, wallet } });
  }

  get chainId(): number {
    return this.info.chainId;
  }

  get name(): string {
    return this.info.name;
  }

  get address(): Address {
    return this.info.gateway;
  }

  paused(blockNumber?: bigint): Promise<boolean> {
    return this.contract.read.paused({ blockNumber });
  }

  sentMessageId(nonce: bigint): Promise<Hex> {
    return this.contract.read.sentMessageId([nonce]);
  }

  isProcessed(sourceChainId: bigint, nonce: bigint): Promise<boolean> {
    return this.contract.read.isProcessed([sourceChainId, nonce]);
  }

  queuedMessage(msgId: Hex) {
    return this.contract.read.queuedMessage([msgId]);
  }

  async queuedStatus(msgId: Hex): Promise<MessageStatusValue> {
    return (await this.queuedMessage(msgId)).status as MessageStatusValue;
  }

  /** The guardian set this gateway accepts now: its index, members and threshold. */
  async currentGuardianSet(): Promise<{ index: number; members: readonly Address[]; threshold: number }> {
    const index = await this.contract.read.guardianSetIndex();
    const [members, threshold] = await this.contract.read.guardianSet([index]);
    return { index, members, threshold };
  }

  lockedBalance(homeToken: Address, blockNumber?: bigint): Promise<bigint> {
    return this.contract.read.lockedBalance([homeToken], { blockNumber });
  }

  totalSupply(token: Address, blockNumber?: bigint): Promise<bigint> {
    return this.client.readContract({ address: token, abi: erc20Abi, functionName: "totalSupply", blockNumber });
  }

  async hasRole(role: "PAUSER_ROLE" | "VETO_ROLE" | "GOVERNOR_ROLE" | "DEFAULT_ADMIN_ROLE", account: Address) {
    const roleId = await this.contract.read[role]();
    return this.contract.read.hasRole([roleId, account]);
  }

  pendingNonce(): Promise<number> {
    return this.client.getTransactionCount({ address: this.wallet.account.address, blockTag: "pending" });
  }

  async sendPause(nonce: number): Promise<Hex> {
    return this.contract.write.pause({ nonce, gas: ACTION_GAS, ...(await this.actionFees()) });
  }

  async sendVeto(msgId: Hex, nonce: number): Promise<Hex> {
    return this.contract.write.veto([msgId], { nonce, gas: ACTION_GAS, ...(await this.actionFees()) });
  }

  /**
   * Fees for the monitor's transactions: twice the current estimate, so an emergency pause is
   * not outbid by ordinary traffic (or by the attacker's own transactions). Estimated once per
   * response and shared by its transactions, so sending them adds no round trips.
   */
  private actionFees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const now = Date.now();
    if (!this.fees || now - this.fees.at > FEE_ESTIMATE_TTL_MS) {
      const estimate = this.client.estimateFeesPerGas().then((f) => ({
        maxFeePerGas: f.maxFeePerGas * 2n,
        maxPriorityFeePerGas: f.maxPriorityFeePerGas * 2n,
      }));
      // A failed estimate is not cached: the next action asks again.
      estimate.catch(() => {
        if (this.fees?.estimate === estimate) this.fees = undefined;
      });
      this.fees = { at: now, estimate };
    }
    return this.fees.estimate;
  }

  async waitForOutcome(hash: Hex): Promise<TxOutcome> {
    const receipt = await this.client.waitForTransactionReceipt({ hash, timeout: 120_000 });
    return { status: receipt.status, blockNumber: receipt.blockNumber };
  }
}

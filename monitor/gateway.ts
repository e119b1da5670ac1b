/**
 * One chain's gateway as the monitor sees it: the views its checks read and the two
 * transactions it may send (`pause`, `veto`). Reads without a block number go to `latest`, so a
 * check never trusts what the monitor cached earlier.
 */
import { erc20Abi, type Address, type Hex, type PublicClient } from "viem";
import type { ChainWallet } from "../core/chains.js";
import { Gateway, gatewayContract, MessageStatus, type MessageStatusValue } from "../core/gateway.js";
import type { ChainInfo } from "../core/manifest.js";

export { MessageStatus, type MessageStatusValue } from "../core/gateway.js";

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

/** One RPC endpoint's view of the gateway (host:port label, see core/chains.ts). */
export interface SourceEndpoint {
  label: string;
  gateway: Pick<Gateway, "sentMessageIds">;
}

interface IdRequest {
  nonce: bigint;
  resolve: (id: Hex) => void;
  reject: (e: Error) => void;
}

/** How long a fee estimate is reused for the monitor's own transactions. */
const FEE_ESTIMATE_TTL_MS = 2_000;

/** Reads through the typed gateway (core/gateway.ts); writes with the monitor's wallet. */
export class ChainGateway implements GatewayControl {
  private readonly typed: Gateway;
  private readonly contract;
  private fees?: { at: number; estimate: Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> };
  /** `sentMessageId` requests of this turn of the event loop, read together (see there). */
  private idRequests?: IdRequest[];

  /**
   * @param endpoints every RPC endpoint of the chain when there are several (`RPC_URLS`): the
   *        origin check's `sentMessageId` must get the same answer from each of them.
   */
  constructor(
    readonly info: GatewayChainInfo,
    readonly client: PublicClient,
    readonly wallet: ChainWallet,
    private readonly endpoints: readonly SourceEndpoint[] = [],
  ) {
    this.typed = new Gateway(info.gateway, client);
    this.contract = gatewayContract(info.gateway, client, wallet);
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
    return this.typed.paused({ blockNumber });
  }

  /**
   * What the gateway sent with `nonce`, as every endpoint says it: the origin check must not clear
   * a forged delivery because one lying endpoint vouched for it, nor condemn a genuine one on its
   * word. A failed or disagreeing endpoint throws, which leaves the delivery unverified (retried,
   * and `bridge_monitor_unverified_messages` alerts).
   *
   * The requests made in one turn of the event loop are read together, one
   * `sentMessageIds` query per endpoint (core/gateway.ts): the origin check verifies every
   * delivery of a burst block at once, and one call per delivery was thousands of `eth_call`s on
   * the source chains' nodes, beside the guardians and relayers racing the same blocks.
   */
  sentMessageId(nonce: bigint): Promise<Hex> {
    return new Promise((resolve, reject) => {
      if (!this.idRequests) {
        this.idRequests = [];
        setImmediate(() => void this.readIds());
      }
      this.idRequests.push({ nonce, resolve, reject });
    });
  }

  private async readIds(): Promise<void> {
    const requests = this.idRequests ?? [];
    this.idRequests = undefined;
    const nonces = requests.map((r) => r.nonce);
    const endpoints = this.endpoints.length < 2 ? [{ label: "", gateway: this.typed }] : this.endpoints;
    const answers = await Promise.all(
      endpoints.map(async (e) => {
        try {
          const ids = await e.gateway.sentMessageIds(nonces);
          return { label: e.label, ids: ids.map((id) => id.toLowerCase() as Hex) };
        } catch (err) {
          const why = (err as Error).message.split("\n")[0];
          return { label: e.label, error: new Error(e.label ? `${e.label}: ${why}` : why) };
        }
      }),
    );
    const failed = answers.find((a) => a.error);
    requests.forEach((request, i) => {
      if (failed?.error) return request.reject(failed.error);
      const said = answers.map((a) => ({ label: a.label, id: a.ids![i]! }));
      if (new Set(said.map((a) => a.id)).size > 1) {
        const who = said.map((a) => `${a.label} says ${a.id}`).join("; ");
        return request.reject(
          new Error(`RPC endpoints of ${this.name} disagree about sentMessageId(${request.nonce}): ${who}`),
        );
      }
      request.resolve(said[0]!.id);
    });
  }

  isProcessed(sourceChainId: bigint, sourceGateway: Address, nonce: bigint): Promise<boolean> {
    return this.typed.isProcessed(sourceChainId, sourceGateway, nonce);
  }

  queuedMessage(msgId: Hex) {
    return this.typed.queuedMessage(msgId);
  }

  async queuedStatus(msgId: Hex): Promise<MessageStatusValue> {
    return MessageStatus[(await this.queuedMessage(msgId)).status];
  }

  /** The guardian set this gateway accepts now: its index, members and threshold. */
  async currentGuardianSet(): Promise<{ index: number; members: readonly Address[]; threshold: number }> {
    const set = await this.typed.currentGuardianSet();
    return { index: set.index, members: set.guardians, threshold: set.threshold };
  }

  lockedBalance(homeToken: Address, blockNumber?: bigint): Promise<bigint> {
    return this.typed.lockedBalance(homeToken, { blockNumber });
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

/**
 * A minimal guardian for relayer tests (test-only; the real service is guardian/index.ts): serves
 * POST /v1/attest of core/guardian-api.ts by indexing every gateway's MessageSent logs and
 * signing the batch root with a devnet guardian key once each message is on its source chain at
 * confirmation depth and addressed to the requested destination. Refusals use the API's 409
 * body, so relayers see the same unknown / unconfirmed / rejected answers as from a real one.
 */
import { Registry } from "prom-client";
import { getAbiItem, isAddressEqual, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signAttestation } from "../../../core/attestation.js";
import { publicClientFor } from "../../../core/chains.js";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { attestRequestSchema, type AttestRefusal, type AttestResponse } from "../../../core/guardian-api.js";
import { decodeMessagesSent } from "../../../core/logs.js";
import { gatewayChains, type Manifest } from "../../../core/manifest.js";
import type { Message } from "../../../core/message.js";
import { merkleRoot } from "../../../core/merkle.js";
import { HttpError, HttpService } from "../../../core/service/http.js";

const MESSAGE_SENT = getAbiItem({ abi: bridgeGatewayAbi, name: "MessageSent" });

interface Seen {
  message: Message;
  block: bigint;
}

export class TestGuardian {
  private readonly http: HttpService;
  private readonly account;
  private readonly seen = new Map<string, Seen>();
  private readonly scanned = new Map<number, bigint>();
  private scanning?: Promise<void>;

  constructor(
    private readonly manifest: Manifest,
    key: Hex,
  ) {
    this.account = privateKeyToAccount(key);
    this.http = new HttpService(new Registry(), async () => ({ ok: true }));
    this.http.route("POST", "/v1/attest", (req) => this.attest(req.body));
  }

  get address(): Address {
    return this.account.address;
  }

  listen(port: number): Promise<number> {
    return this.http.listen(port);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async attest(body: unknown): Promise<AttestResponse> {
    const parsed = attestRequestSchema.safeParse(body);
    if (!parsed.success) throw new HttpError(400, parsed.error.issues.map((i) => i.message).join("; "));
    const request = parsed.data;
    await this.catchUp();
    const refusal: AttestRefusal = { error: "", unknown: [], awaitingApproval: [], unconfirmed: [], rejected: [] };
    for (const msgId of request.msgIds) {
      const seen = this.seen.get(msgId.toLowerCase());
      if (!seen) {
        refusal.unknown.push(msgId);
        continue;
      }
      const source = gatewayChains(this.manifest).find((c) => c.chainId === Number(seen.message.sourceChainId))!;
      if (seen.block + BigInt(source.confirmations) > this.scanned.get(source.chainId)!)
        refusal.unconfirmed.push(msgId);
      if (
        Number(seen.message.destChainId) !== request.destChainId ||
        !isAddressEqual(seen.message.destGateway, request.destGateway)
      ) {
        refusal.rejected.push({ msgId, reason: "addressed to another destination" });
      }
    }
    if (refusal.unknown.length + refusal.unconfirmed.length + refusal.rejected.length > 0) {
      refusal.error = "cannot sign every message of the batch";
      throw new HttpError(409, refusal.error, refusal);
    }
    const root = merkleRoot(request.msgIds as Hex[]);
    const domain = { destChainId: BigInt(request.destChainId), destGateway: request.destGateway };
    const index = this.manifest.guardianSet.index;
    return {
      guardian: this.account.address,
      guardianSetIndex: index,
      root,
      signature: await signAttestation(this.account, domain, root, index),
    };
  }

  /** Indexes MessageSent logs up to each chain's head (one scan at a time). */
  private catchUp(): Promise<void> {
    this.scanning ??= this.scanAll().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scanAll(): Promise<void> {
    await Promise.all(
      gatewayChains(this.manifest).map(async (chain) => {
        const client = publicClientFor(chain);
        const head = await client.getBlockNumber();
        const from = (this.scanned.get(chain.chainId) ?? BigInt(chain.deployBlock ?? 0) - 1n) + 1n;
        if (from > head) return;
        const logs = await client.getLogs({
          address: chain.gateway,
          event: MESSAGE_SENT,
          fromBlock: from,
          toBlock: head,
        });
        for (const log of logs) {
          for (const sent of decodeMessagesSent([log], chain.gateway)) {
            this.seen.set(sent.msgId.toLowerCase(), { message: sent.message, block: log.blockNumber });
          }
        }
        this.scanned.set(chain.chainId, head);
      }),
    );
  }
}

/** Starts one test guardian per devnet guardian key, each on the port the manifest names for it. */
export async function startTestGuardians(manifest: Manifest): Promise<TestGuardian[]> {
  const keys = manifest.devKeys?.guardians ?? [];
  const guardians = keys.map((k) => new TestGuardian(manifest, k as Hex));
  for (const g of guardians) {
    const entry = manifest.guardianSet.guardians.find((e) => isAddressEqual(e.address, g.address));
    if (!entry) throw new Error(`guardian ${g.address} is not in the manifest's set`);
    await g.listen(Number(new URL(entry.url).port));
  }
  return guardians;
}

/**
 * The SDK over the in-process bridge (`test/ts/helpers/bridge.ts`): real gateways and tokens on
 * three Hardhat chains, a manifest describing them, a `BridgeClient` reading them through the
 * chains' own clients, and the guardians' HTTP API as a small fake in front of the test guardian
 * keys (the API's shapes are validated by `core/guardian-api.ts` on the client side, as in
 * production). Hermetic: no process, no port.
 */
import type { Address, Hex, LocalAccount } from "viem";
import { signAttestation } from "../../../core/attestation.js";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { attestRequestSchema, type MessageView } from "../../../core/guardian-api.js";
import { decodeMessageSent } from "../../../core/logs.js";
import { parseManifest, type Manifest } from "../../../core/manifest.js";
import { merkleRoot } from "../../../core/merkle.js";
import { messageToJson } from "../../../core/message.js";
import { BridgeClient } from "../../../sdk/client.js";
import { L2S, type TestBridge } from "../helpers/bridge.js";

/** A guardian's URL in the test manifest (never fetched over the network: see `fakeGuardians`). */
export const guardianUrl = (i: number) => `http://guardian-${i}.test`;

export function manifestOf(bridge: TestBridge): Manifest {
  const chains = L2S.map((name) => {
    const c = bridge.chains[name];
    const g = bridge.contracts.gateways[name]!;
    return {
      name,
      chainId: Number(c.chainId),
      rpcUrl: `http://127.0.0.1:1/${name}`,
      kind: "l2",
      confirmations: 1,
      gateway: c.gateway,
      deployBlock: g.deployBlock,
    };
  });
  return parseManifest({
    version: 1,
    network: "test",
    chains,
    guardianSet: {
      index: 0,
      threshold: bridge.threshold,
      guardians: bridge.guardianKeys.map((k, i) => ({ address: k.address, url: guardianUrl(i) })),
    },
    tokens: bridge.contracts.tokens,
    params: { largeDelaySeconds: bridge.largeDelaySeconds },
    roles: {},
  });
}

export interface FakeGuardianOptions {
  /** Indexes of guardians that answer at all (default: all). */
  up?: readonly number[];
  /** What GET /v1/messages/:id answers per message (default: signable). */
  state?: (msgId: Hex) => "unconfirmed" | "awaiting-approval" | "signable" | "rejected" | "unknown";
}

/**
 * `fetch` as the guardians of `bridge` would answer it: POST /v1/attest signs the batch root
 * (under set 0, in the destination's domain) when every message is signable, else 409 with the
 * refusal; GET /v1/messages/:msgId answers the message's state with the message as the source
 * chain logged it (a full `MessageView`, validated by `GuardianClient`; 404 when no chain sent it).
 * Guardians not `up` refuse the connection. Every request is recorded.
 */
export function fakeGuardians(bridge: TestBridge, options: FakeGuardianOptions = {}) {
  const requests: string[] = [];
  const state = options.state ?? (() => "signable" as const);
  const fetchFn: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    requests.push(`${init?.method ?? "GET"} ${url.host}${url.pathname}`);
    const index = Number(/^guardian-(\d+)\.test$/.exec(url.host)?.[1]);
    const guardian: LocalAccount | undefined = bridge.guardianKeys[index];
    if (!guardian || !(options.up ?? bridge.guardianKeys.map((_, i) => i)).includes(index)) {
      throw new TypeError("fetch failed", { cause: new Error("ECONNREFUSED") });
    }
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    const message = /^\/v1\/messages\/(0x[0-9a-fA-F]{64})$/.exec(url.pathname);
    if (message) {
      const msgId = message[1] as Hex;
      const s = state(msgId);
      const view = s === "unknown" ? undefined : await messageView(bridge, msgId, s);
      return view ? json(200, view) : json(404, { error: "unknown message" });
    }
    if (url.pathname === "/v1/attest") {
      const request = attestRequestSchema.parse(JSON.parse(String(init?.body)));
      const states = request.msgIds.map((id) => [id as Hex, state(id as Hex)] as const);
      const pick = (s: string) => states.filter(([, x]) => x === s).map(([id]) => id);
      if (states.some(([, s]) => s !== "signable")) {
        return json(409, {
          error: "not signable",
          unknown: pick("unknown"),
          unconfirmed: pick("unconfirmed"),
          awaitingApproval: pick("awaiting-approval"),
          rejected: pick("rejected").map((msgId) => ({ msgId, reason: "test rejection" })),
        });
      }
      const root = merkleRoot(request.msgIds as Hex[]);
      const domain = { destChainId: BigInt(request.destChainId), destGateway: request.destGateway as Address };
      const signature = await signAttestation(guardian, domain, root, 0);
      return json(200, { guardian: guardian.address, guardianSetIndex: 0, root, signature });
    }
    return json(404, { error: "no such route" });
  };
  return { fetch: fetchFn, requests };
}

/** The guardian's view of `msgId` in state `state`: its `MessageSent` log read from the test chains. */
async function messageView(bridge: TestBridge, msgId: Hex, state: MessageView["state"]): Promise<unknown> {
  for (const name of L2S) {
    const c = bridge.chains[name];
    const logs = await c.publicClient.getContractEvents({
      address: c.gateway,
      abi: bridgeGatewayAbi,
      eventName: "MessageSent",
      args: { msgId },
      fromBlock: 0n,
    });
    const log = logs[0];
    if (!log) continue;
    const { message } = decodeMessageSent(log);
    return {
      msgId,
      state,
      message: messageToJson(message),
      blockNumber: String(log.blockNumber),
      ...(state === "rejected" ? { reason: "test rejection" } : {}),
    };
  }
  return undefined;
}

/** A `BridgeClient` over `bridge`'s chains, asking `fetch` (fake guardians) for signatures. */
export function clientOf(bridge: TestBridge, fetchFn?: typeof fetch): BridgeClient {
  return new BridgeClient(manifestOf(bridge), {
    publicClient: (chain) => bridge.chains[chain.name as (typeof L2S)[number]].publicClient,
    fetch: fetchFn,
    guardianTimeoutMs: 2_000,
  });
}

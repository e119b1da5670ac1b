/**
 * The explorer's status API as React hooks: a message (fetched once, then kept current by the
 * `/v1/stream` Server-Sent Events), and an address's history (refreshed on every update the
 * stream pushes for that address).
 *
 * TODO(explorer client): the JSON types below mirror the explorer's views (explorer/views.ts);
 * they move to the SDK's typed client (`sdk/explorer-client.ts`) when it lands.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import type { Address, Hex } from "viem";
import { useAppConfig } from "./context.js";

export type MessageStatus = "sent" | "queued" | "executed" | "vetoed" | "cancelled" | "refunded";

export interface StageView {
  stage: MessageStatus;
  chainId: number;
  blockNumber: number;
  txHash: Hex;
  logIndex: number;
  time: number;
  details: Record<string, unknown>;
}

export interface MessageJson {
  version: number;
  nonce: string;
  sourceChainId: string;
  destChainId: string;
  sourceGateway: Address;
  destGateway: Address;
  sender: Address;
  recipient: Address;
  token: Address;
  amount: string;
  deadline: string;
}

export interface MessageSummary {
  msgId: Hex;
  status: MessageStatus;
  message: MessageJson | null;
  source: { chainId: number; name: string | null } | null;
  destination: { chainId: number; name: string | null } | null;
  token: { symbol: string; decimals: number; homeToken: Address } | null;
  sent: { blockNumber: number; txHash: Hex; time: number } | null;
}

export interface MessageView extends MessageSummary {
  stages: StageView[];
  reason: { kind: string; text: string };
  eta: number | null;
}

export const FINAL_STATUSES: readonly MessageStatus[] = ["executed", "refunded"];

export class ExplorerError extends Error {
  override name = "ExplorerError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { accept: "application/json" } });
  } catch (e) {
    throw new ExplorerError(0, `The explorer at ${new URL(url).origin} did not answer (${(e as Error).message}).`);
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ExplorerError(res.status, body.error ?? `The explorer answered HTTP ${res.status}.`);
  return body as T;
}

/** One message by id or by the hash of the transaction that sent it, live. */
export function useMessage(ref: string | undefined) {
  const { explorer } = useAppConfig();
  const queries = useQueryClient();
  const key = ["message", ref];
  const query = useQuery({
    queryKey: key,
    enabled: ref !== undefined,
    queryFn: ({ signal }) => getJson<MessageView>(`${explorer}/v1/messages/${ref}`, signal),
    // Until the explorer indexed the send (a block or two), it answers 404: ask again.
    retry: (count, e) => e instanceof ExplorerError && e.status === 404 && count < 60,
    retryDelay: 1_000,
  });
  const msgId = query.data?.msgId;
  const final = query.data ? FINAL_STATUSES.includes(query.data.status) : false;
  useEffect(() => {
    if (!msgId || final) return;
    const stream = new EventSource(`${explorer}/v1/stream?msgId=${msgId}`);
    stream.addEventListener("message", (e) => queries.setQueryData(key, JSON.parse(e.data) as MessageView));
    return () => stream.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [explorer, msgId, final]);
  return query;
}

/** The transfers `address` sent, newest first, refreshed whenever one of them changes. */
export function useHistory(address: Address | undefined) {
  const { explorer } = useAppConfig();
  const queries = useQueryClient();
  const key = ["history", address];
  const query = useQuery({
    queryKey: key,
    enabled: address !== undefined,
    queryFn: ({ signal }) =>
      getJson<{ messages: MessageSummary[]; nextCursor: string | null }>(
        `${explorer}/v1/messages?sender=${address}&limit=100`,
        signal,
      ),
  });
  useEffect(() => {
    if (!address) return;
    const stream = new EventSource(`${explorer}/v1/stream?address=${address}`);
    stream.addEventListener("message", () => void queries.invalidateQueries({ queryKey: key }));
    return () => stream.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [explorer, address]);
  return query;
}

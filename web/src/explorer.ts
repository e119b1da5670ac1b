/**
 * The explorer's status API as React hooks, over the SDK's typed client (`ExplorerClient`,
 * `sdk/explorer-client.ts`): a message (fetched once, then kept current by the `/v1/stream`
 * Server-Sent Events), and an address's history (refreshed on every update the stream pushes
 * for that address).
 */
import {
  ExplorerApiError,
  ExplorerClient,
  type ExplorerMessage,
  type ExplorerMessageStatus,
  type ExplorerMessageSummary,
  type ExplorerStage,
} from "@portcullis/sdk";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import type { Address } from "viem";
import { useAppConfig } from "./context.js";

export type MessageStatus = ExplorerMessageStatus;
export type StageView = ExplorerStage;
export type MessageSummary = ExplorerMessageSummary;
export type MessageView = ExplorerMessage;

export const FINAL_STATUSES: readonly MessageStatus[] = ["executed", "refunded"];

/** The explorer's answer was an error (`status` 0: it did not answer at all). */
export { ExplorerApiError as ExplorerError };

function useExplorer(): ExplorerClient {
  const { explorer } = useAppConfig();
  return useMemo(() => new ExplorerClient(explorer), [explorer]);
}

/** A failed request as the explorer's own sentence, or one saying it did not answer. */
async function ask<T>(client: ExplorerClient, base: string, call: (c: ExplorerClient) => Promise<T>): Promise<T> {
  try {
    return await call(client);
  } catch (e) {
    if (e instanceof ExplorerApiError) throw e;
    throw new ExplorerApiError(0, `The explorer at ${base} did not answer (${(e as Error).message}).`);
  }
}

/** One message by id or by the hash of the transaction that sent it, live. */
export function useMessage(ref: string | undefined) {
  const { explorer } = useAppConfig();
  const client = useExplorer();
  const queries = useQueryClient();
  const key = ["message", ref];
  const query = useQuery({
    queryKey: key,
    enabled: ref !== undefined,
    queryFn: () => ask(client, explorer, (c) => c.message(ref!)),
    // Until the explorer indexed the send (a block or two), it answers 404: ask again.
    retry: (count, e) => e instanceof ExplorerApiError && e.status === 404 && count < 60,
    retryDelay: 1_000,
  });
  const msgId = query.data?.msgId;
  const final = query.data ? FINAL_STATUSES.includes(query.data.status) : false;
  useEffect(() => {
    if (!msgId || final) return;
    const stream = client.subscribe({ msgId }, { onMessage: (view) => queries.setQueryData(key, view) });
    return () => stream.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, msgId, final]);
  return query;
}

/** The transfers `address` sent, newest first, refreshed whenever one of them changes. */
export function useHistory(address: Address | undefined) {
  const { explorer } = useAppConfig();
  const client = useExplorer();
  const queries = useQueryClient();
  const key = ["history", address];
  const query = useQuery({
    queryKey: key,
    enabled: address !== undefined,
    queryFn: () => ask(client, explorer, (c) => c.messages({ sender: address!, limit: 100 })),
  });
  useEffect(() => {
    if (!address) return;
    const stream = client.subscribe(
      { address },
      { onMessage: () => void queries.invalidateQueries({ queryKey: key }) },
    );
    return () => stream.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, address]);
  return query;
}

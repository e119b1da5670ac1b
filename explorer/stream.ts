/**
 * Server-Sent Events: clients subscribe to one message (`msgId`) or to every message of an
 * address (as sender or recipient); the explorer publishes a message's view each time indexing
 * changes it (a new stage, or a rollback after a reorg). Each subscriber gets:
 *
 *   event: ready     data: {"msgId"|"address": …}   once, when the subscription is in place
 *   event: message   data: MessageView               the current view, on every change
 *   event: removed   data: {"msgId": …}              its MessageSent was orphaned by a reorg
 *   : ping                                           a comment every STREAM_HEARTBEAT_MS
 */
import type { ServerResponse } from "node:http";
import type { Hex } from "viem";
import type { MessageView } from "./views.js";

export interface Subscription {
  msgId?: Hex;
  /** Lowercase. */
  address?: string;
}

interface Subscriber extends Subscription {
  res: ServerResponse;
  nextId: number;
}

export class StreamHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    heartbeatMs: number,
    private readonly onWrite: () => void = () => {},
  ) {
    this.heartbeat = setInterval(() => {
      for (const s of this.subscribers) s.res.write(": ping\n\n");
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** True when some subscriber may want `msgId`'s updates (by id, or any address subscriber). */
  wants(msgId: Hex): boolean {
    for (const s of this.subscribers) if (s.address !== undefined || s.msgId === msgId) return true;
    return false;
  }

  /** Starts a stream on `res`; it ends when the client disconnects or the hub closes. */
  open(res: ServerResponse, headers: Record<string, string>, sub: Subscription, initial?: MessageView): void {
    res.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // Proxies (nginx) must not buffer a stream.
      "x-accel-buffering": "no",
    });
    const s: Subscriber = { ...sub, res, nextId: 1 };
    res.write("retry: 3000\n\n");
    this.write(s, "ready", sub.msgId ? { msgId: sub.msgId } : { address: sub.address });
    if (initial) this.write(s, "message", initial);
    this.subscribers.add(s);
    res.on("close", () => this.subscribers.delete(s));
  }

  /** Sends a message's new view to everyone subscribed to it or to its sender or recipient. */
  publish(view: MessageView): void {
    const parties = [view.message?.sender.toLowerCase(), view.message?.recipient.toLowerCase()];
    for (const s of this.subscribers) {
      if (s.msgId === view.msgId || (s.address !== undefined && parties.includes(s.address))) {
        this.write(s, "message", view);
      }
    }
  }

  /** Tells msgId subscribers that the message is gone (its MessageSent was orphaned). */
  removed(msgId: Hex): void {
    for (const s of this.subscribers) if (s.msgId === msgId) this.write(s, "removed", { msgId });
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const s of this.subscribers) s.res.end();
    this.subscribers.clear();
  }

  private write(s: Subscriber, event: string, data: unknown): void {
    s.res.write(`id: ${s.nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    this.onWrite();
  }
}

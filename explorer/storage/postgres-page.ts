/**
 * PostgreSQL's write of one indexer page: ONE statement, so one round trip to the server however
 * many messages the page holds (the SQLite path in sql.ts runs the same steps as separate
 * statements in one transaction, which costs nothing in process). A statement is atomic on its
 * own: the page and its cursor land together or not at all, and nothing is visible before the
 * commit.
 *
 * The page travels as one array per column (`unnest`), built from the same rows the SQLite path
 * inserts. The statement:
 *   1. locks the chain's cursor row (FOR UPDATE: a second explorer writing the same chain waits,
 *      then sees the moved cursor) and checks that the page continues it, from the same gateway;
 *      every write below is gated on that check, and the caller throws when it failed;
 *   2. inserts the events and the messages (a duplicate key fails the whole statement: a bug);
 *   3. derives the status of every message the page touches from its stored events plus the
 *      page's (the writes of one statement do not see each other, so the page's events are
 *      added by hand), inserting new messages with it and updating stored ones that changed;
 *   4. moves the cursor, records the checkpoint and prunes checkpoints beyond CHECKPOINTS_KEPT.
 */
import { LIFECYCLE_STAGES } from "../status.js";
import type { ArrayParam, Param } from "./sql.js";
import { CHECKPOINTS_KEPT } from "./storage.js";

/** Column types of the rows built by sql.ts (`eventRow`, `messageRow`), in their order. */
const EVENT_TYPES = ["bigint", "bigint", "bigint", "text", "text", "bigint", "text", "text", "text"];
const MESSAGE_TYPES = [
  "text",
  "bigint",
  "bigint",
  "bigint",
  "text",
  "text",
  "text",
  "bigint",
  "bigint",
  "text",
  "bigint",
  "text",
];

function lifecycleValues(): string {
  return LIFECYCLE_STAGES.map(({ event, stage, rank }) => {
    if (!/^\w+$/.test(event) || !/^\w+$/.test(stage) || !Number.isInteger(rank)) {
      throw new Error(`lifecycle stage ${event} → ${stage} cannot be written into SQL`);
    }
    return `('${event}', '${stage}', ${rank})`;
  }).join(", ");
}

const unnest = (types: readonly string[]) => `unnest(${types.map((t) => `?::${t}[]`).join(", ")})`;

/** The statement, with `?` placeholders each used once (see `commitPageParams` for their order). */
export function commitPageStatement(eventColumns: string, messageColumns: string): string {
  const gate = "(SELECT ok FROM ok)";
  return `WITH
p AS (
  SELECT ?::bigint AS chain_id, ?::text AS gateway, ?::bigint AS expected, ?::bigint AS block, ?::text AS hash,
         ?::bigint AS updated_at
),
cur AS (SELECT c.gateway, c.block FROM chains c, p WHERE c.chain_id = p.chain_id FOR UPDATE OF c),
ok AS (
  SELECT NOT EXISTS (
    SELECT 1 FROM cur, p WHERE lower(cur.gateway) <> lower(p.gateway) OR cur.block <> p.expected
  ) AS ok
),
new_events AS (SELECT * FROM ${unnest(EVENT_TYPES)} AS e(${eventColumns})),
new_messages AS (SELECT * FROM ${unnest(MESSAGE_TYPES)} AS m(${messageColumns})),
touched AS (
  SELECT msg_id FROM new_events WHERE msg_id IS NOT NULL UNION SELECT msg_id FROM new_messages
),
names AS (
  SELECT msg_id, name FROM events WHERE msg_id IN (SELECT msg_id FROM touched)
  UNION ALL SELECT msg_id, name FROM new_events WHERE msg_id IS NOT NULL
),
stages AS (
  SELECT DISTINCT ON (n.msg_id) n.msg_id, l.stage
  FROM names n JOIN (VALUES ${lifecycleValues()}) AS l(event, stage, rank) ON l.event = n.name
  ORDER BY n.msg_id, l.rank DESC, l.stage
),
written_events AS (
  INSERT INTO events (${eventColumns}) SELECT ${eventColumns} FROM new_events WHERE ${gate}
),
written_messages AS (
  INSERT INTO messages (${messageColumns})
  SELECT ${messageColumns
    .split(",")
    .map((c) => c.trim())
    .map((c) => (c === "status" ? "COALESCE(s.stage, m.status)" : `m.${c}`))
    .join(", ")}
  FROM new_messages m LEFT JOIN stages s ON s.msg_id = m.msg_id WHERE ${gate}
),
statuses AS (
  UPDATE messages SET status = s.stage FROM stages s
  WHERE messages.msg_id = s.msg_id AND messages.status <> s.stage AND ${gate}
),
moved AS (
  INSERT INTO chains (chain_id, gateway, block, hash, updated_at)
  SELECT chain_id, gateway, block, hash, updated_at FROM p WHERE ${gate}
  ON CONFLICT (chain_id) DO UPDATE SET block = excluded.block, hash = excluded.hash, updated_at = excluded.updated_at
),
checkpoint AS (
  INSERT INTO checkpoints (chain_id, block, hash) SELECT chain_id, block, hash FROM p WHERE ${gate}
  ON CONFLICT (chain_id, block) DO UPDATE SET hash = excluded.hash
),
pruned AS (
  DELETE FROM checkpoints c USING p
  WHERE c.chain_id = p.chain_id AND ${gate} AND c.block <= (
    SELECT k.block FROM (
      SELECT block FROM checkpoints WHERE chain_id = (SELECT chain_id FROM p) UNION SELECT block FROM p
    ) k ORDER BY k.block DESC OFFSET ${CHECKPOINTS_KEPT} LIMIT 1
  )
)
SELECT ok.ok, cur.gateway, cur.block FROM ok LEFT JOIN cur ON true`;
}

export interface PageHead {
  chainId: number;
  gateway: string;
  /** The cursor the page continues (`fromBlock - 1`). */
  expected: number;
  to: { block: number; hash: string };
  updatedAt: number;
}

/** The statement's parameters: the page's head, then one array per event column and per message column. */
export function commitPageParams(
  head: PageHead,
  events: readonly Param[][],
  messages: readonly Param[][],
): (Param | ArrayParam)[] {
  const columns = (rows: readonly Param[][], width: number) =>
    Array.from({ length: width }, (_, i) => rows.map((r) => r[i] ?? null));
  return [
    head.chainId,
    head.gateway,
    head.expected,
    head.to.block,
    head.to.hash,
    head.updatedAt,
    ...columns(events, EVENT_TYPES.length),
    ...columns(messages, MESSAGE_TYPES.length),
  ];
}

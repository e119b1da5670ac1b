/**
 * The schema, as numbered migrations applied in order at start-up (each in one transaction and
 * recorded in `schema_migrations`). Never edit a released migration: add the next one. Both
 * dialects get the same tables; only column types differ (SQLite's INTEGER is 64-bit already).
 *
 *   chains        one row per indexed chain: the cursor (last block fully indexed) and gateway
 *   checkpoints   recent (block, hash) pairs per chain: where to resume after a reorg
 *   events        every gateway log, decoded (args as JSON text)
 *   messages      every MessageSent, with the status its events give it
 */
export interface Migration {
  version: number;
  description: string;
  sqlite: string[];
  postgres: string[];
}

/** Newest-first order of messages; every list query and its keyset cursor follow it. */
const MESSAGE_ORDER = "time DESC, source_chain_id DESC, nonce DESC";

function v1(int: string): string[] {
  return [
    `CREATE TABLE chains (
      chain_id ${int} PRIMARY KEY,
      gateway TEXT NOT NULL,
      block ${int} NOT NULL,
      hash TEXT NOT NULL,
      updated_at ${int} NOT NULL
    )`,
    `CREATE TABLE checkpoints (
      chain_id ${int} NOT NULL,
      block ${int} NOT NULL,
      hash TEXT NOT NULL,
      PRIMARY KEY (chain_id, block)
    )`,
    `CREATE TABLE events (
      chain_id ${int} NOT NULL,
      block_number ${int} NOT NULL,
      log_index ${int} NOT NULL,
      tx_hash TEXT NOT NULL,
      block_hash TEXT NOT NULL,
      time ${int} NOT NULL,
      name TEXT NOT NULL,
      msg_id TEXT,
      args TEXT NOT NULL,
      PRIMARY KEY (chain_id, block_number, log_index)
    )`,
    "CREATE INDEX events_msg ON events (msg_id)",
    "CREATE INDEX events_tx ON events (tx_hash)",
    "CREATE INDEX events_newest ON events (time DESC, chain_id DESC, block_number DESC, log_index DESC)",
    "CREATE INDEX events_chain_name ON events (chain_id, name, block_number DESC, log_index DESC)",
    `CREATE TABLE messages (
      msg_id TEXT PRIMARY KEY,
      source_chain_id ${int} NOT NULL,
      dest_chain_id ${int} NOT NULL,
      nonce ${int} NOT NULL,
      sender TEXT NOT NULL,
      recipient TEXT NOT NULL,
      message TEXT NOT NULL,
      block_number ${int} NOT NULL,
      log_index ${int} NOT NULL,
      tx_hash TEXT NOT NULL,
      time ${int} NOT NULL,
      status TEXT NOT NULL
    )`,
    `CREATE INDEX messages_newest ON messages (${MESSAGE_ORDER})`,
    `CREATE INDEX messages_sender ON messages (sender, ${MESSAGE_ORDER})`,
    `CREATE INDEX messages_recipient ON messages (recipient, ${MESSAGE_ORDER})`,
    `CREATE INDEX messages_route ON messages (source_chain_id, dest_chain_id, ${MESSAGE_ORDER})`,
    `CREATE INDEX messages_status ON messages (status, ${MESSAGE_ORDER})`,
    "CREATE INDEX messages_source_block ON messages (source_chain_id, block_number)",
    "CREATE INDEX messages_tx ON messages (tx_hash)",
  ];
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: "chains, checkpoints, events, messages", sqlite: v1("INTEGER"), postgres: v1("BIGINT") },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/** The explorer's environment (explorer/config.ts) and its opaque cursors (explorer/api.ts). */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../core/service/config.js";
import {
  decodeEventCursor,
  decodeMessageCursor,
  encodeEventCursor,
  encodeMessageCursor,
} from "../../../explorer/api.js";
import { loadExplorerConfig } from "../../../explorer/config.js";
import { redactDatabaseUrl } from "../../../explorer/storage/open.js";
import { numberPlaceholders } from "../../../explorer/storage/postgres.js";

describe("explorer config", () => {
  it("defaults to SQLite on 127.0.0.1:9500", () => {
    const c = loadExplorerConfig({});
    expect(c).toMatchObject({ port: 9500, host: "127.0.0.1", databaseUrl: undefined, sqlitePath: "explorer.sqlite" });
    expect(c.webDir).toBeUndefined();
    expect(loadExplorerConfig({ DATABASE_URL: "" }).databaseUrl).toBeUndefined();
  });

  it("takes PostgreSQL from DATABASE_URL and refuses anything else, one line per problem", () => {
    expect(loadExplorerConfig({ DATABASE_URL: "postgres://u:p@db:5432/x" }).databaseUrl).toBe(
      "postgres://u:p@db:5432/x",
    );
    expect(() => loadExplorerConfig({ DATABASE_URL: "mysql://db/x", PORT: "70000", POLL_INTERVAL_MS: "10" })).toThrow(
      ConfigError,
    );
    try {
      loadExplorerConfig({ DATABASE_URL: "mysql://db/x", PORT: "70000" });
    } catch (e) {
      expect((e as Error).message.split("\n").slice(1)).toEqual([
        expect.stringMatching(/^ {2}PORT: /),
        expect.stringMatching(/^ {2}DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/),
      ]);
    }
  });

  it("never logs a database password", () => {
    expect(redactDatabaseUrl("postgres://user:secret@db:5432/explorer")).toBe("postgres://user:***@db:5432/explorer");
    expect(redactDatabaseUrl("postgres://db/explorer")).toBe("postgres://db/explorer");
  });
});

describe("cursors", () => {
  it("round-trip, and refuse anything this API did not produce", () => {
    const m = { time: 1_700_000_000, sourceChainId: 901, nonce: 42 };
    expect(decodeMessageCursor(encodeMessageCursor(m))).toEqual(m);
    const e = { time: 1_700_000_000, chainId: 902, blockNumber: 7, logIndex: 3 };
    expect(decodeEventCursor(encodeEventCursor(e))).toEqual(e);
    for (const bad of ["", "abc", encodeEventCursor(e), Buffer.from('["m1",1,2,-3]').toString("base64url")]) {
      expect(() => decodeMessageCursor(bad)).toThrow(/cursor is not one this API returned/);
    }
  });
});

describe("PostgreSQL placeholders", () => {
  it("numbers ? in order", () => {
    expect(numberPlaceholders("SELECT a FROM t WHERE b = ? AND (c, d) < (?, ?)")).toBe(
      "SELECT a FROM t WHERE b = $1 AND (c, d) < ($2, $3)",
    );
  });
});

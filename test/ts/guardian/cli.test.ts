/**
 * The operator CLI (cli/guardian.ts) in-process against a guardian HTTP server on in-memory
 * chains: output, and one-sentence errors with a non-zero exit for bad input, a wrong token
 * and an unreachable guardian. The integration test runs it as a child process.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseUnits } from "viem";
import { messageId } from "../../../core/message.js";
import type { HttpService } from "../../../core/service/http.js";
import { reservePort } from "../../../devnet/ports.js";
import { runGuardianCli } from "../../../cli/guardian.js";
import { guardianHttp } from "../../../guardian/api.js";
import { createTestGuardian, transfer, type TestGuardian } from "./fixture.js";

const TOKEN = "cli-operator-token-0123456789";
const large = transfer({ amount: parseUnits("2500", 18) });
const id = messageId(large);

let t: TestGuardian;
let http: HttpService;
let url: string;

beforeAll(async () => {
  t = createTestGuardian({ approvalAbove: "1000" });
  http = guardianHttp(t.registry, t.guardian, TOKEN, pino({ level: "silent" }));
  url = `http://127.0.0.1:${await http.listen(0)}`;
  t.l2a.mine(large);
  t.l2a.mineEmpty(2);
  await t.sync();
});
afterAll(() => http.close());

async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await runGuardianCli(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("guardian CLI", () => {
  it("test_approve_malformedMsgId_reverts: exit 2 before any request", async () => {
    const result = await run("approve", "0xabc", "--url", url, "--token", TOKEN);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe('guardian: "0xabc" is not a message id (expected 0x followed by 64 hex digits).\n');
  });

  it("test_cli_missingUrlOrToken_reverts: exit 2 naming the flag and the variable", async () => {
    expect((await run("pending", "--token", TOKEN)).stderr).toMatch(
      /no guardian URL: pass --url <url> or set GUARDIAN_URL\./,
    );
    expect((await run("pending", "--url", url)).stderr).toMatch(
      /no operator token: pass --token <token> or set OPERATOR_TOKEN\./,
    );
    expect((await run("pending", "--url", "not a url", "--token", TOKEN)).code).toBe(2);
  });

  it("test_cli_wrongToken_reverts: exit 1 with the 401 explained", async () => {
    const result = await run("approve", id, "--url", url, "--token", "wrong-token-0123456789");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refused the operator token \(HTTP 401\); check --token or OPERATOR_TOKEN\./);
    expect((await t.guardian.message(id)).state).toBe("awaiting-approval");
  });

  it("test_cli_unreachableGuardian_reverts: exit 1", async () => {
    // A reserved port nothing listens on (a port from the ephemeral range could be bound by anyone meanwhile).
    const lease = await reservePort();
    const result = await run("pending", "--url", `http://127.0.0.1:${lease.port}`, "--token", TOKEN).finally(() =>
      lease.release(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^guardian: cannot reach the guardian at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it("test_cli_unknownCommandOrUnseenMessage_reverts", async () => {
    expect((await run("bogus")).code).toBe(2);
    const unseen = await run("approve", messageId(transfer({ nonce: 5n })), "--url", url, "--token", TOKEN);
    expect(unseen.code).toBe(1);
    expect(unseen.stderr).toMatch(/answered HTTP 404: message 0x[0-9a-f]{64} has not been seen by this guardian\./);
  });

  it("test_pendingThenApprove_succeeds", async () => {
    const pending = await run("pending", "--url", url, "--token", TOKEN);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toContain("1 transfer(s) waiting for approval");
    expect(pending.stdout).toContain(id);
    expect(pending.stdout).toContain(`${parseUnits("2500", 18)} of `);

    const approved = await run("approve", id.toUpperCase().replace("0X", "0x"), "--url", url, "--token", TOKEN);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Approved ${id}: now signable.`);
    expect((await run("pending", "--url", url, "--token", TOKEN, "--json")).stdout.trim()).toBe("[]");
  });
});

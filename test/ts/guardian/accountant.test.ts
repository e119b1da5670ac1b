/**
 * The accountant's decisions against in-memory chains whose gateway state (locked balances,
 * bridged supplies) is set by the test: balanced traffic in every direction is signable; a burn
 * the books cannot back (forged, or of tokens minted without a lock) is held while it could be a
 * view catching up, then refused as "unbacked"; settlements (executed, vetoed) leave the in-flight
 * set; a reorg takes its sends back out.
 */
import { describe, expect, it } from "vitest";
import { messageId, type Message } from "../../../core/message.js";
import { AttestRefusedError } from "../../../guardian/guardian.js";
import {
  ALPHA,
  attestRequest,
  createTestGuardian,
  L2A,
  L2B,
  TEST_OPTIONS,
  testManifest,
  transfer,
  type TestGuardian,
} from "./fixture.js";

const ONE = 10n ** 18n;
const ALPHA_ON_L2B = testManifest().tokens[0]!.addresses[String(L2B.chainId)]!;
const CONFIRMATIONS = 2;

/** A burn of ALPHA on l2b going home to l2a. */
function burn(overrides: Partial<Message> = {}): Message {
  return transfer({
    sourceChainId: BigInt(L2B.chainId),
    destChainId: BigInt(L2A.chainId),
    sourceGateway: L2B.gateway,
    destGateway: L2A.gateway,
    ...overrides,
  });
}

async function confirm(t: TestGuardian) {
  t.l2a.mineEmpty(CONFIRMATIONS);
  t.l2b.mineEmpty(CONFIRMATIONS);
  await t.sync();
}

async function attest(t: TestGuardian, m: Message) {
  const dest = m.destChainId === BigInt(L2A.chainId) ? L2A : L2B;
  return t.guardian.attest(attestRequest([messageId(m)], dest)).then(
    () => "signed" as const,
    (e: unknown) => {
      if (!(e instanceof AttestRefusedError)) throw e;
      return e.refusal;
    },
  );
}

/** A guardian whose chains start with nothing locked and nothing bridged. */
function emptyBridge(): TestGuardian {
  const t = createTestGuardian({ approvalAbove: "1000000000" });
  t.l2a.setState("locked", ALPHA, 0n, 0n);
  return t;
}

describe("Accountant", () => {
  it("test_attest_balancedTrafficEveryDirection_succeeds: lock, mint, burn, unlock", async () => {
    const t = emptyBridge();
    // l2a → l2b: 10 locked at home, in flight until paid.
    const out = transfer({ amount: 10n * ONE });
    t.l2a.mine(out);
    t.l2a.setState("locked", ALPHA, 10n * ONE);
    await confirm(t);
    expect(await attest(t, out)).toBe("signed");

    // Paid on l2b: the copy's supply rises as the message leaves the in-flight set.
    t.l2b.mineSettlements({ msgId: messageId(out), kind: "executed" });
    t.l2b.setState("supply", ALPHA_ON_L2B, 10n * ONE);
    // l2b → l2a: 4 burnt, in flight until unlocked at home.
    const back = burn({ nonce: 0n, amount: 4n * ONE });
    t.l2b.mine(back);
    t.l2b.setState("supply", ALPHA_ON_L2B, 6n * ONE);
    await confirm(t);
    expect(await attest(t, back)).toBe("signed");
    expect(t.guardian.accountant.allBooks().find((b) => b.token.symbol === "ALPHA")).toMatchObject({
      locked: 10n * ONE,
      inFlight: 4n * ONE,
      deficit: 0n,
    });
  });

  it("test_attest_forgedBurn_reverts: held while it could be lag, then refused as unbacked", async () => {
    const t = emptyBridge();
    const forged = burn({ amount: 1_000_000n * ONE });
    t.l2b.mine(forged); // the log exists in this view, but nothing was burnt: supply stays 0
    await confirm(t);
    const first = await attest(t, forged);
    expect(first).not.toBe("signed");
    if (first === "signed") return;
    expect(first.unconfirmed).toEqual([messageId(forged)]);
    expect(first.error).toMatch(
      /ALPHA books do not balance: 0 locked on l2a < bridged supply .* short by 1000000000000000000000000/,
    );
    expect((await t.guardian.message(messageId(forged))).state).toBe("unconfirmed");

    t.clock.ms += TEST_OPTIONS.accountantGraceSeconds * 1000;
    const later = await attest(t, forged);
    expect(later).toMatchObject({ rejected: [{ msgId: messageId(forged), reason: "unbacked" }] });
    expect(await t.guardian.message(messageId(forged))).toMatchObject({ state: "rejected", reason: "unbacked" });
    expect(await t.registry.getSingleMetricAsString("bridge_guardian_refusals_total")).toMatch(
      /reason="unbacked"} [1-9]/,
    );
  });

  it("test_attest_burnOfUnbackedMint_reverts: a real burn of tokens nobody locked", async () => {
    const t = emptyBridge();
    // A forged delivery minted 500 on l2b (no lock at home); the holder really burns them.
    t.l2b.setState("supply", ALPHA_ON_L2B, 500n * ONE);
    const real = burn({ amount: 500n * ONE });
    t.l2b.mine(real);
    t.l2b.setState("supply", ALPHA_ON_L2B, 0n);
    await confirm(t);
    t.clock.ms += TEST_OPTIONS.accountantGraceSeconds * 1000;
    await t.sync();
    expect(await attest(t, real)).toMatchObject({ rejected: [{ msgId: messageId(real), reason: "unbacked" }] });
  });

  it("test_books_vetoedMessageStrands_succeeds: a veto leaves slack, never a deficit", async () => {
    const t = emptyBridge();
    const out = transfer({ amount: 3n * ONE });
    t.l2a.mine(out);
    t.l2a.setState("locked", ALPHA, 3n * ONE);
    t.l2b.mineSettlements({ msgId: messageId(out), kind: "vetoed" });
    await confirm(t);
    const books = t.guardian.accountant.allBooks().find((b) => b.token.symbol === "ALPHA")!;
    expect(books).toMatchObject({ locked: 3n * ONE, inFlight: 0n, deficit: 0n });
    expect(t.guardian.accountant.inFlightCount).toBe(0);
  });

  it("test_books_settlementBeforeSend_succeeds: a destination view ahead of the source's", async () => {
    const t = emptyBridge();
    const out = transfer({ amount: 2n * ONE });
    // l2b already paid it; l2a's view has not confirmed the send yet.
    t.l2b.mineSettlements({ msgId: messageId(out), kind: "executed" });
    t.l2b.setState("supply", ALPHA_ON_L2B, 2n * ONE);
    t.l2b.mineEmpty(CONFIRMATIONS);
    await t.sync();
    // Until the send is seen the books are short (pending, never refused within the grace)...
    expect(t.guardian.accountant.allBooks().find((b) => b.token.symbol === "ALPHA")!.deficit).toBe(2n * ONE);
    t.l2a.mine(out);
    t.l2a.setState("locked", ALPHA, 2n * ONE);
    await confirm(t);
    // ...and balance once it is: the early settlement kept it out of the in-flight set.
    expect(t.guardian.accountant.allBooks().find((b) => b.token.symbol === "ALPHA")).toMatchObject({
      inFlight: 0n,
      deficit: 0n,
    });
  });

  it("test_books_reorgedSend_succeeds: a send reorged out leaves the in-flight set", async () => {
    const t = emptyBridge();
    const out = transfer({ amount: 5n * ONE });
    const block = t.l2a.mine(out);
    t.l2a.setState("locked", ALPHA, 5n * ONE);
    await confirm(t);
    expect(t.guardian.accountant.inFlightCount).toBe(1);
    t.l2a.reorg(block);
    t.l2a.mineEmpty(CONFIRMATIONS + 3);
    await t.sync();
    await t.sync();
    expect(t.guardian.accountant.inFlightCount).toBe(0);
    expect(t.guardian.accountant.allBooks().find((b) => b.token.symbol === "ALPHA")!.locked).toBe(0n);
  });
});

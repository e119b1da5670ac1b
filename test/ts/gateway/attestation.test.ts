/**
 * Guardian attestations `deliver` refuses, each with its own custom error, and guardian-set
 * rotation. Gateway v2: the signature checks live in the `GuardianSignatures` library and raise
 * its errors (`GuardianSignatures*`, `GuardianSigner*`), and `deliver` takes no guardian list (the
 * set is read on-chain by index), so the v1 list-mismatch cases test the v2 equivalent instead. One message l2a → l2b is sent up front; every rejection test signs it differently
 * (a reverted delivery changes nothing, so the tests share one bridge), and the last test
 * delivers it with an honest attestation to show the message itself was never the problem.
 */
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from "vitest";
import { concat, numberToHex, parseEventLogs, size, slice, type Hex, type TransactionReceipt } from "viem";
import { sortGuardians, type AttestationArg } from "../../../core/attestation.js";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { deliverArgs, deliveryValue, messageId, type Message } from "../../../core/message.js";
import { deployGateway } from "../../../deploy/contracts.js";
import { createBridge, only, testKeys, tokens, type TestBridge } from "../helpers/bridge.js";
import { expectRevert } from "../helpers/revert.js";

/** secp256k1 group order n and field prime p. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

interface Signature {
  r: bigint;
  s: bigint;
  v: number;
}

/** `deliver` takes EIP-2098 compact signatures: 64 bytes, `r ‖ yParity << 255 | s`. */
const SIG = 64;
const S_MASK = (1n << 255n) - 1n;

function signatureAt(packed: Hex, i: number): Signature {
  const sig = slice(packed, i * SIG, (i + 1) * SIG);
  const vs = BigInt(slice(sig, 32, 64));
  return { r: BigInt(slice(sig, 0, 32)), s: vs & S_MASK, v: 27 + Number(vs >> 255n) };
}

/** Compact form of `(r, s, v)`; `s` must fit in 255 bits (a canonical one always does). */
function encodeSignature({ r, s, v }: Signature): Hex {
  if (s > S_MASK) throw new Error("s does not fit a compact signature");
  return concat([numberToHex(r, { size: 32 }), numberToHex(s | (BigInt(v - 27) << 255n), { size: 32 })]);
}

/** `attestation` with signature `i` replaced by `edit` of it. */
function editSignature(attestation: AttestationArg, i: number, edit: (sig: Signature) => Signature): AttestationArg {
  const count = size(attestation.signatures) / SIG;
  const sigs = Array.from({ length: count }, (_, k) => slice(attestation.signatures, k * SIG, (k + 1) * SIG));
  sigs[i] = encodeSignature(edit(signatureAt(attestation.signatures, i)));
  return { ...attestation, signatures: concat(sigs) };
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  for (base %= mod; exp > 0n; exp >>= 1n, base = (base * base) % mod) if (exp & 1n) result = (result * base) % mod;
  return result;
}

/** The smallest x for which no curve point exists (x³ + 7 is not a square mod p): ecrecover fails. */
function xOffTheCurve(): bigint {
  let x = 1n;
  while (modPow((x ** 3n + 7n) % P, (P - 1n) / 2n, P) === 1n) x++;
  return x;
}

describe("deliver rejects attestations", () => {
  let bridge: TestBridge;
  let message: Message;
  let root: Hex;
  let honest: AttestationArg;

  beforeAll(async () => {
    bridge = await createBridge({ guardians: 5, threshold: 3 });
    await bridge.fund(bridge.users.alice, tokens(100));
    const sent = await bridge.send("l2a", "l2b", { amount: tokens(10), recipient: bridge.users.bob });
    ({ message } = only(bridge.sentIn(sent)));
    root = messageId(message);
    honest = await attest();
  });
  afterAll(() => bridge.close());

  const destination = () => ({ destChainId: message.destChainId, destGateway: message.destGateway });
  const attest = (opts: Parameters<TestBridge["attest"]>[2] = {}) => bridge.attest(destination(), root, opts);
  const deliverWith = (attestation: AttestationArg) => bridge.deliver([message], { attestation });
  /** The signer of signature `i` of the honest attestation (signatures ascend by signer). */
  const signer = (i: number) => sortGuardians(bridge.guardianKeys.slice(0, 3).map((k) => k.address))[i]!;

  describe("GuardianSignaturesBelowThreshold (v1: BridgeThresholdNotMet)", () => {
    it("test_deliver_belowThreshold_reverts: M-1 signatures", async () => {
      const two = await attest({ signers: bridge.guardianKeys.slice(0, 2) });
      await expectRevert(deliverWith(two), "GuardianSignaturesBelowThreshold", [2n, 3]);
    });

    it("test_deliver_noSignatures_reverts", async () => {
      await expectRevert(deliverWith({ ...honest, signatures: "0x" }), "GuardianSignaturesBelowThreshold", [0n, 3]);
    });
  });

  it("test_deliver_truncatedSignature_reverts: GuardianSignaturesMalformed (v1: BridgeMalformedSignatures)", async () => {
    const cut = slice(honest.signatures, 0, size(honest.signatures) - 1);
    await expectRevert(deliverWith({ ...honest, signatures: cut }), "GuardianSignaturesMalformed", [191n]);
  });

  describe("GuardianSignatureInvalid (v1: BridgeInvalidSignature; ecrecover returns zero)", () => {
    it.each([
      ["r = 0", (sig: Signature) => ({ ...sig, r: 0n })],
      ["s = 0", (sig: Signature) => ({ ...sig, s: 0n })],
      ["r = n (not below the group order)", (sig: Signature) => ({ ...sig, r: N })],
      ["r is not the x of a curve point", (sig: Signature) => ({ ...sig, r: xOffTheCurve() })],
    ])("test_deliver_invalidSignature_reverts: %s", async (_, edit) => {
      await expectRevert(deliverWith(editSignature(honest, 1, edit)), "GuardianSignatureInvalid", [1n]);
    });
  });

  describe("GuardianSignatureMalleable (v1: BridgeMalleableSignature)", () => {
    // The twin of a valid signature is s' = n - s with the parity flipped; compact encoding
    // holds s in 255 bits, so a twin at or above 2^255 cannot even be written, and any s in
    // (n/2, 2^255) is refused before recovery, whichever parity it carries.
    it.each([27, 28])("test_deliver_highS_reverts: s just above n/2, v = %i", async (v) => {
      const high = editSignature(honest, 0, ({ r }) => ({ r, s: N / 2n + 1n, v }));
      await expectRevert(deliverWith(high), "GuardianSignatureMalleable", [0n]);
    });

    it("test_deliver_highS_reverts: the high-s twin of a valid signature, when it fits 255 bits", async () => {
      const { s } = signatureAt(honest.signatures, 2);
      // Most twins do not fit (n - s >= 2^255); the check above covers those that do.
      if (N - s <= S_MASK) {
        const twin = editSignature(honest, 2, ({ r, v }) => ({ r, s: N - s, v: v === 27 ? 28 : 27 }));
        await expectRevert(deliverWith(twin), "GuardianSignatureMalleable", [2n]);
      } else {
        expect(() => encodeSignature({ r: 1n, s: N - s, v: 27 })).toThrow("does not fit");
      }
    });
  });

  describe("GuardianSignersNotAscending (v1: BridgeSignersNotAscending)", () => {
    it("test_deliver_duplicateSigner_reverts: one guardian's signature twice", async () => {
      const first = slice(honest.signatures, 0, SIG);
      const doubled = { ...honest, signatures: concat([first, first, slice(honest.signatures, SIG, 2 * SIG)]) };
      await expectRevert(deliverWith(doubled), "GuardianSignersNotAscending", [1n, signer(0)]);
    });

    it("test_deliver_unsortedSigners_reverts: two signatures swapped", async () => {
      const [a, b, c] = [0, 1, 2].map((i) => slice(honest.signatures, i * SIG, (i + 1) * SIG));
      const swapped = { ...honest, signatures: concat([b!, a!, c!]) };
      await expectRevert(deliverWith(swapped), "GuardianSignersNotAscending", [1n, signer(0)]);
    });
  });

  describe("GuardianSignerUnknown (v1: BridgeUnknownGuardian)", () => {
    it("test_deliver_nonGuardianSigner_reverts: a key outside the set signs", async () => {
      const [outsider] = testKeys("outsider", 1);
      const attestation = await attest({ signers: [...bridge.guardianKeys.slice(0, 2), outsider!] });
      const ascending = sortGuardians([...bridge.guardianKeys.slice(0, 2).map((k) => k.address), outsider!.address]);
      const index = ascending.indexOf(outsider!.address);
      await expectRevert(deliverWith(attestation), "GuardianSignerUnknown", [BigInt(index), outsider!.address]);
    });

    // A signature over another domain recovers to an unrelated address: never a guardian.
    it("test_deliver_otherChainDomain_reverts: signed for the same gateway address on another chain id", async () => {
      const elsewhere = await attest({
        domain: { destChainId: bridge.chains.l2c.chainId, destGateway: message.destGateway },
      });
      const [index, recovered] = await expectRevert(deliverWith(elsewhere), "GuardianSignerUnknown");
      expect(index).toBe(0n);
      expect(bridge.guardians).not.toContain(recovered);
    });

    it("test_deliver_otherGatewayDomain_reverts: signed for another gateway on the same chain", async () => {
      const { l2b } = bridge.chains;
      const other = await deployGateway(l2b.accounts.governor, l2b.publicClient, {
        governor: l2b.accounts.governor.account.address,
        guardians: bridge.guardians,
        threshold: 3,
        largeDelaySeconds: 3600,
      });
      const forOther = await attest({ domain: { destChainId: l2b.chainId, destGateway: other } });
      await expectRevert(deliverWith(forOther), "GuardianSignerUnknown");
    });

    it("test_deliver_otherSetIndexSigned_reverts: signed for set index 1, presented as set 0", async () => {
      const signedForOne = await attest({ guardianSetIndex: 1 });
      await expectRevert(deliverWith({ ...signedForOne, guardianSetIndex: 0 }), "GuardianSignerUnknown");
    });
  });

  // v1 passed the guardian list to `deliver` and refused a list that did not hash to the stored
  // set (BridgeGuardianSetMismatch). v2 `deliver` takes no list: the set is read on-chain by its
  // index, so a relayer cannot present a shorter, reordered or foreign set. Each case below tests
  // that v2 equivalent of its v1 property.
  describe("the guardian set is read on-chain (v1: BridgeGuardianSetMismatch)", () => {
    // v1: a list leaving out a guardian is refused. v2: there is no list to leave one out of;
    // the call names only the set index, and the stored set has every member, so the guardian the
    // v1 list left out still counts (checked with eth_call: the shared message stays undelivered).
    it("test_deliver_guardianMissing_reverts: no list to leave a guardian out of; the stored set has them all", async () => {
      const { l2b } = bridge.chains;
      const deliver = bridgeGatewayAbi.find((item) => item.type === "function" && item.name === "deliver")!;
      expect(deliver.inputs.map((input) => input.name)).toEqual([
        "messages",
        "proofs",
        "guardianSetIndex",
        "signatures",
      ]);
      const [members, threshold] = await l2b.gatewayAs().read.guardianSet([0]);
      expect(members).toEqual(bridge.guardians);
      expect(threshold).toBe(3);

      const left = bridge.guardians[4]!;
      const signers = [...bridge.guardianKeys.filter((k) => k.address !== left).slice(0, 2)];
      signers.push(bridge.guardianKeys.find((k) => k.address === left)!);
      const withLeftOut = await attest({ signers });
      await l2b.gatewayAs(l2b.accounts.relayer).simulate.deliver(deliverArgs([message], withLeftOut), {
        value: deliveryValue([message]),
      });
    });

    // v1: the set's members out of order are refused. v2: the order is fixed on-chain when
    // governance installs a set, and a set out of order cannot be installed.
    it("test_deliver_guardianListReordered_reverts: a set out of order cannot be installed", async () => {
      const { l2b } = bridge.chains;
      const reordered = [...bridge.guardians].reverse();
      await expectRevert(l2b.gatewayAs().write.setGuardianSet([reordered, 3, 0n]), "BridgeInvalidGuardianSet", []);
      expect(await l2b.gatewayAs().read.guardianSetIndex()).toBe(0);
      expect((await l2b.gatewayAs().read.guardianSet([0]))[0]).toEqual(bridge.guardians);
    });

    // v1: outsiders presenting their own list, signed by them, are refused. v2: they cannot
    // present a list; their signatures are checked against the stored set and refused.
    it("test_deliver_guardianListOfOutsiders_reverts: outsiders' signatures, checked against the stored set", async () => {
      const outsiders = testKeys("outsider", 5);
      const attestation = await attest({ signers: outsiders.slice(0, 3), guardians: outsiders.map((k) => k.address) });
      const lowest = sortGuardians(outsiders.slice(0, 3).map((k) => k.address))[0]!;
      await expectRevert(deliverWith(attestation), "GuardianSignerUnknown", [0n, lowest]);
    });
  });

  describe("BridgeUnknownGuardianSet", () => {
    it.each([1, 2 ** 32 - 1])("test_deliver_unknownSetIndex_reverts: index %i", async (index) => {
      const attestation = await attest({ guardianSetIndex: index });
      await expectRevert(deliverWith(attestation), "BridgeUnknownGuardianSet", [index]);
    });
  });

  it("test_deliver_honestAttestation_succeeds: the same message with a valid attestation is delivered", async () => {
    const delivery = await deliverWith(honest);
    expect(delivery.executed).toEqual([root]);
    expect(await bridge.chains.l2b.balanceOf(bridge.users.bob)).toBe(tokens(10));
  });
});

describe("guardian set rotation", () => {
  const GRACE = 600;
  let bridge: TestBridge;
  const newKeys = testKeys("rotated guardian", 4);

  beforeEach(async () => {
    bridge = await createBridge({ guardians: 5, threshold: 3 });
    await bridge.fund(bridge.users.alice, tokens(100));
  });
  afterEach(() => bridge.close());

  async function rotate(): Promise<{ receipt: TransactionReceipt; expiresAt: bigint }> {
    const { l2b } = bridge.chains;
    const receipt = await l2b.mined(
      l2b.gatewayAs().write.setGuardianSet([sortGuardians(newKeys.map((k) => k.address)), 2, BigInt(GRACE)]),
    );
    const [changed] = parseEventLogs({ abi: bridgeGatewayAbi, logs: receipt.logs, eventName: "GuardianSetChanged" });
    expect(changed!.args).toMatchObject({ index: 1, threshold: 2 });
    return { receipt, expiresAt: changed!.args.previousExpiresAt };
  }

  const newSet = { signers: newKeys.slice(0, 2), guardians: newKeys.map((k) => k.address), guardianSetIndex: 1 };
  const sendOne = () => bridge.send("l2a", "l2b", { amount: tokens(1) });

  it("test_deliver_previousSetWithinGrace_succeeds: both sets verify until the old one expires", async () => {
    const { l2b } = bridge.chains;
    const { expiresAt } = await rotate();
    expect(await l2b.gatewayAs().read.guardianSetIndex()).toBe(1);
    expect((await l2b.gatewayAs().read.guardianSet([0]))[2]).toBe(expiresAt);

    expect((await bridge.relay(await sendOne())).executed).toHaveLength(1);
    expect((await bridge.relay(await sendOne(), newSet)).executed).toHaveLength(1);
  });

  it("test_deliver_previousSetAfterGrace_reverts: BridgeGuardianSetExpired once the grace period passed", async () => {
    const { l2b } = bridge.chains;
    const { expiresAt } = await rotate();
    const pending = await sendOne();
    await l2b.increaseTime(GRACE);
    expect(await l2b.timestamp()).toBeGreaterThanOrEqual(expiresAt);

    await expectRevert(bridge.relay(pending), "BridgeGuardianSetExpired", [0, expiresAt]);
    // The same message, attested by the new set, goes through.
    expect((await bridge.relay(pending, newSet)).executed).toHaveLength(1);
  });

  it("test_deliver_newSetBeforeRotation_reverts: the next set is unknown until governance installs it", async () => {
    await expectRevert(bridge.relay(await sendOne(), newSet), "BridgeUnknownGuardianSet", [1]);
  });
});

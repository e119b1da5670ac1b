/**
 * Attestation collection against fake guardians: parallel requests, stop at threshold, answers
 * checked (a forged or mis-indexed signature is not used), signatures packed ascending.
 */
import { describe, expect, it } from "vitest";
import { keccak256, stringToHex, type Hex, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attestationSigner, signAttestation, sortGuardians, unpackSignatures } from "../../../core/attestation.js";
import { GuardianRefusedError, type AttestRequest, type AttestResponse } from "../../../core/guardian-api.js";
import { merkleRoot } from "../../../core/merkle.js";
import {
  collectAttestation,
  type GuardianSetView,
  type RequestAttestation,
} from "../../../core/collect-attestation.js";
import { testMessage } from "./fixtures.js";

const keys: LocalAccount[] = [0, 1, 2].map((i) => privateKeyToAccount(keccak256(stringToHex(`guardian ${i}`))));
const set: GuardianSetView = {
  index: 0,
  threshold: 2,
  guardians: keys.map((k, i) => ({ address: k.address, url: `http://guardian-${i}` })),
};
const domain = { destChainId: 902n, destGateway: "0x2000000000000000000000000000000000000002" as const };
const msgIds = [testMessage({ nonce: 1n }).msgId, testMessage({ nonce: 2n }).msgId];

type Behaviour = (req: AttestRequest, key: LocalAccount) => Promise<AttestResponse>;

const signs: Behaviour = async (req, key) => {
  const root = merkleRoot(req.msgIds as Hex[]);
  return { guardian: key.address, guardianSetIndex: 0, root, signature: await signAttestation(key, domain, root, 0) };
};

function guardians(behaviours: Behaviour[]): { request: RequestAttestation; calls: string[] } {
  const calls: string[] = [];
  const request: RequestAttestation = (url, req) => {
    calls.push(url);
    const i = Number(url.split("-").pop());
    return behaviours[i]!(req, keys[i]!);
  };
  return { request, calls };
}

describe("collectAttestation", () => {
  it("test_collect_stopsAtThreshold_succeeds: a hanging guardian does not hold up a quorum", async () => {
    const never: Behaviour = () => new Promise(() => undefined);
    const { request, calls } = guardians([signs, never, signs]);
    const round = await collectAttestation({ set, domain, msgIds, request, timeoutMs: 1_000 });
    expect(calls).toHaveLength(3);
    expect(round.attestation).toBeDefined();
    expect(round.signers).toHaveLength(2);
    expect(round.attestation!.guardians).toEqual(sortGuardians(keys.map((k) => k.address)));
    // 2 × 64 bytes (EIP-2098 compact), ascending by signer, each recovering to a guardian.
    const sigs = round.attestation!.signatures;
    expect(sigs.length).toBe(2 + 2 * 128);
    const root = merkleRoot(msgIds);
    const signers = await Promise.all(unpackSignatures(sigs).map((sig) => attestationSigner(domain, root, 0, sig)));
    expect(BigInt(signers[0]!) < BigInt(signers[1]!)).toBe(true);
  });

  it("test_collect_givenRoot_checksAnswersAgainstIt: a caller's precomputed root is the one answers must sign", async () => {
    const { request } = guardians([signs, signs, signs]);
    const given = await collectAttestation({
      set,
      domain,
      msgIds,
      request,
      timeoutMs: 1_000,
      root: merkleRoot(msgIds),
    });
    expect(given.signers).toHaveLength(2);
    // Not recomputed: a root that is not the batch's makes every answer a signature of something else.
    const wrong = await collectAttestation({ set, domain, msgIds, request, timeoutMs: 1_000, root: msgIds[0]! });
    expect(wrong.attestation).toBeUndefined();
    expect(wrong.errors).toHaveLength(3);
  });

  it("test_collect_onlyThresholdSignaturesPacked_succeeds: extra signatures would only cost gas", async () => {
    const { request } = guardians([signs, signs, signs]);
    const round = await collectAttestation({ set, domain, msgIds, request, timeoutMs: 1_000 });
    expect(round.attestation!.signatures.length).toBe(2 + 2 * 128);
  });

  it("test_collect_answerAfterQuorum_notChecked_succeeds: its signature is not recovered", async () => {
    let answer!: (res: AttestResponse) => void;
    const late: Behaviour = () => new Promise((resolve) => (answer = resolve));
    const { request } = guardians([signs, signs, late]);
    const round = await collectAttestation({ set, domain, msgIds, request, timeoutMs: 1_000 });
    expect(round.signers).toEqual([keys[0]!.address, keys[1]!.address]);
    // A forged late answer: were it checked, its error would be recorded in the round.
    const forged = await signs({ destChainId: 902, destGateway: domain.destGateway, msgIds }, keys[0]!);
    answer({ ...forged, guardian: keys[2]!.address });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(round.errors).toEqual([]);
  });

  it("test_collect_forgedAnswersIgnored_reverts: wrong signer, wrong root, wrong set index", async () => {
    const wrongSigner: Behaviour = async (req, key) => ({
      ...(await signs(req, keys[(keys.indexOf(key) + 1) % 3]!)),
      guardian: key.address,
    });
    const wrongRoot: Behaviour = async (req, key) => ({ ...(await signs(req, key)), root: `0x${"00".repeat(32)}` });
    const wrongIndex: Behaviour = async (req, key) => ({ ...(await signs(req, key)), guardianSetIndex: 1 });
    const { request } = guardians([wrongSigner, wrongRoot, wrongIndex]);
    const round = await collectAttestation({ set, domain, msgIds, request, timeoutMs: 1_000 });
    expect(round.attestation).toBeUndefined();
    expect(round.errors.map((e) => e.error)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/recovers to/),
        expect.stringMatching(/signed root/),
        expect.stringMatching(/guardian set 1/),
      ]),
    );
  });

  it("test_collect_refusalsAndErrorsReported_reverts: below threshold, the caller gets every refusal", async () => {
    const refuses: Behaviour = async (req) => {
      throw new GuardianRefusedError("http://x", {
        error: "wait",
        unknown: [req.msgIds[0]!],
        awaitingApproval: [],
        unconfirmed: [],
        rejected: [],
      });
    };
    const down: Behaviour = async () => {
      throw new Error("fetch failed");
    };
    const { request } = guardians([signs, refuses, down]);
    const round = await collectAttestation({ set, domain, msgIds, request, timeoutMs: 1_000 });
    expect(round.attestation).toBeUndefined();
    expect(round.signers).toEqual([keys[0]!.address]);
    expect(round.refusals).toHaveLength(1);
    expect(round.refusals[0]!.unknown).toEqual([msgIds[0]]);
    expect(round.errors).toEqual([{ guardian: keys[2]!.address, error: "fetch failed" }]);
  });
});

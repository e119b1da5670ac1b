/**
 * Collecting a guardian attestation for one batch: every guardian of the set is asked in
 * parallel, each answer is checked (right guardian, set index, root and signature — a bad
 * signature would only make the delivery revert), and collection stops as soon as `threshold`
 * valid signatures are in. Used by the relayer for its batches and by the SDK's self-relay
 * (`sdk/relay.ts`) for one user's message. The relayer also assembles attestations from the
 * signatures guardians publish with their listings (relayer/signable.ts), checked the same way
 * (`checkSignature`) and packed the same way (`attestationOf`).
 */
import { isAddressEqual, type Address, type Hex } from "viem";
import {
  attestationSigner,
  packSignatures,
  sortGuardians,
  type AttestationArg,
  type AttestationDomain,
} from "./attestation.js";
import { GuardianRefusedError, type AttestRefusal, type AttestRequest, type AttestResponse } from "./guardian-api.js";
import { merkleRoot } from "./merkle.js";

/** `GuardianClient.attest` (`core/guardian-api.ts`), injectable for tests. */
export type RequestAttestation = (url: string, request: AttestRequest, timeoutMs: number) => Promise<AttestResponse>;

export interface GuardianEndpoint {
  address: Address;
  url: string;
}

export interface GuardianSetView {
  index: number;
  threshold: number;
  guardians: readonly GuardianEndpoint[];
}

export interface AttestationRound {
  /** Set when `threshold` guardians signed. */
  attestation?: AttestationArg;
  /** Guardians that signed (in arrival order). */
  signers: Address[];
  /** 409 answers, with the messages each guardian would not sign. */
  refusals: AttestRefusal[];
  /** Guardians that did not answer usefully (down, timed out, invalid answer). */
  errors: { guardian: Address; error: string }[];
}

export async function collectAttestation(o: {
  set: GuardianSetView;
  domain: AttestationDomain;
  msgIds: readonly Hex[];
  request: RequestAttestation;
  timeoutMs: number;
  /** `merkleRoot(msgIds)`, if the caller has computed it already (a relayer keys its batches by it). */
  root?: Hex;
}): Promise<AttestationRound> {
  const { set, domain, msgIds } = o;
  const root = o.root ?? merkleRoot(msgIds);
  const body: AttestRequest = {
    destChainId: Number(domain.destChainId),
    destGateway: domain.destGateway,
    msgIds: [...msgIds],
  };
  const signed = new Map<Address, Hex>();
  const round: AttestationRound = { signers: [], refusals: [], errors: [] };

  await new Promise<void>((resolve) => {
    let settled = 0;
    const done = () => {
      settled += 1;
      if (signed.size >= set.threshold || settled === set.guardians.length) resolve();
    };
    for (const guardian of set.guardians) {
      o.request(guardian.url, body, o.timeoutMs)
        .then(async (res) => {
          // A quorum is in: a later answer is not needed, so its signature is not recovered (a
          // recovery is milliseconds of CPU on the relayer's critical path, per answer).
          if (signed.size >= set.threshold) return;
          const problem = await checkSignature(res, guardian.address, set.index, domain, root);
          if (problem) round.errors.push({ guardian: guardian.address, error: problem });
          else if (signed.size < set.threshold) {
            signed.set(guardian.address, res.signature as Hex);
            round.signers.push(guardian.address);
          }
        })
        .catch((e: unknown) => {
          if (e instanceof GuardianRefusedError) round.refusals.push(e.refusal);
          else round.errors.push({ guardian: guardian.address, error: (e as Error).message ?? String(e) });
        })
        .finally(done);
    }
  });

  if (signed.size >= set.threshold) round.attestation = attestationOf(set, signed);
  return round;
}

/** The `deliver` argument for signatures of `set` members (by guardian address) under its index. */
export function attestationOf(set: GuardianSetView, signed: ReadonlyMap<Address, Hex>): AttestationArg {
  return {
    guardianSetIndex: set.index,
    guardians: sortGuardians(set.guardians.map((g) => g.address)),
    signatures: packSignatures(signed),
  };
}

/** Why a guardian's signature is unusable, or undefined when it is a valid signature of `root`. */
export async function checkSignature(
  res: AttestResponse,
  expected: Address,
  index: number,
  domain: AttestationDomain,
  root: Hex,
): Promise<string | undefined> {
  if (!isAddressEqual(res.guardian, expected)) return `answered as ${res.guardian}, expected ${expected}`;
  if (res.guardianSetIndex !== index) return `signed under guardian set ${res.guardianSetIndex}, expected ${index}`;
  if (res.root.toLowerCase() !== root.toLowerCase()) return `signed root ${res.root}, expected ${root}`;
  try {
    const signer = await attestationSigner(domain, root, index, res.signature as Hex);
    if (!isAddressEqual(signer, expected)) return `signature recovers to ${signer}, not ${expected}`;
  } catch (e) {
    return `unreadable signature: ${(e as Error).message}`;
  }
  return undefined;
}

/**
 * Guardian attestations: the EIP-712 digest a guardian signs (bound to the destination gateway,
 * its chain, and the guardian-set index) and the packing `BridgeGateway.deliver` expects.
 */
import {
  compactSignatureToSignature,
  concat,
  getAddress,
  hashTypedData,
  parseCompactSignature,
  parseSignature,
  recoverAddress,
  serializeCompactSignature,
  serializeSignature,
  signatureToCompactSignature,
  size,
  slice,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";

/** Name and version of the gateway's EIP-712 domain (`EIP712("Portcullis", "1")`). */
export const DOMAIN_NAME = "Portcullis";
export const DOMAIN_VERSION = "2";

export const attestationTypes = {
  Attestation: [
    { name: "root", type: "bytes32" },
    { name: "guardianSetIndex", type: "uint32" },
  ],
} as const;

/** Where an attestation is valid: one gateway on one chain. */
export interface AttestationDomain {
  destChainId: bigint;
  destGateway: Address;
}

export function attestationTypedData(domain: AttestationDomain, root: Hex, guardianSetIndex: number) {
  return {
    domain: {
      name: DOMAIN_NAME,
      version: DOMAIN_VERSION,
      chainId: domain.destChainId,
      verifyingContract: domain.destGateway,
    },
    types: attestationTypes,
    primaryType: "Attestation" as const,
    message: { root, guardianSetIndex },
  };
}

/** The digest guardians sign; equals `BridgeGateway.attestationDigest(root, index)`. */
export function attestationDigest(domain: AttestationDomain, root: Hex, guardianSetIndex: number): Hex {
  return hashTypedData(attestationTypedData(domain, root, guardianSetIndex));
}

export async function signAttestation(
  account: LocalAccount,
  domain: AttestationDomain,
  root: Hex,
  guardianSetIndex: number,
): Promise<Hex> {
  return account.signTypedData(attestationTypedData(domain, root, guardianSetIndex));
}

/** Recovers who signed an attestation (viem returns canonical low-s signatures). */
export async function attestationSigner(
  domain: AttestationDomain,
  root: Hex,
  guardianSetIndex: number,
  signature: Hex,
): Promise<Address> {
  return recoverAddress({ hash: attestationDigest(domain, root, guardianSetIndex), signature });
}

/** The `Attestation` argument of `deliver`. */
export interface AttestationArg {
  guardianSetIndex: number;
  guardians: readonly Address[];
  signatures: Hex;
}

/**
 * Packs signatures as `deliver` wants them: EIP-2098 compact (64 bytes, `r‖yParity<<255|s`),
 * strictly ascending by signer. `signed` maps signer → the guardian's 65-byte `r‖s‖v` signature
 * (what signers and the guardian API produce); duplicates collapse because it is keyed by signer.
 * Compact form saves a calldata byte and the ABI padding per delivery; the gateway still refuses a
 * high `s`.
 */
export function packSignatures(signed: ReadonlyMap<Address, Hex>): Hex {
  const entries = [...signed.entries()].map(([signer, sig]) => {
    if (sig.length !== 2 + 65 * 2) throw new Error(`signature of ${signer} is not 65 bytes`);
    return [
      BigInt(getAddress(signer)),
      serializeCompactSignature(signatureToCompactSignature(parseSignature(sig))),
    ] as const;
  });
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return entries.length === 0 ? "0x" : concat(entries.map(([, sig]) => sig));
}

/**
 * The signatures of a packed `deliver` argument (`packSignatures`' output), each back in the
 * ordinary 65-byte `r‖s‖v` form `attestationSigner` and other tools take. Throws unless the
 * bytes are a whole number of 64-byte compact signatures.
 */
export function unpackSignatures(packed: Hex): Hex[] {
  const bytes = size(packed);
  if (bytes % 64 !== 0) throw new Error(`packed signatures are ${bytes} bytes, not a multiple of 64`);
  return Array.from({ length: bytes / 64 }, (_, i) =>
    serializeSignature(compactSignatureToSignature(parseCompactSignature(slice(packed, i * 64, (i + 1) * 64)))),
  );
}

/** Guardian lists are kept ascending by address, as the gateway requires. */
export function sortGuardians(guardians: readonly Address[]): Address[] {
  return [...guardians]
    .map((g) => getAddress(g))
    .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

/**
 * Has each of `signers` sign `root` and returns the `deliver` argument. Used where the signing
 * keys are local (tests, benchmarks, devnet tools); guardian services sign one at a time.
 */
export async function attestWith(
  signers: readonly LocalAccount[],
  guardians: readonly Address[],
  domain: AttestationDomain,
  root: Hex,
  guardianSetIndex: number,
): Promise<AttestationArg> {
  const signed = new Map<Address, Hex>();
  for (const signer of signers) {
    signed.set(signer.address, await signAttestation(signer, domain, root, guardianSetIndex));
  }
  return { guardianSetIndex, guardians: sortGuardians(guardians), signatures: packSignatures(signed) };
}

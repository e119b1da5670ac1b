/**
 * The order of the messages in one `deliver` call, and so in the Merkle tree its attestation signs:
 * relayers order their batches with it, and guardians order the groups they sign as they list
 * them (guardian/guardian.ts, `attestations` of the signable feed) with it, so a relayer whose
 * batch is such a group finds its signatures under the same root.
 */
import type { Hex } from "viem";
import type { Message } from "./message.js";

export interface BatchItem {
  msgId: Hex;
  message: Message;
}

/**
 * Orders a batch by token, then nonce. The gateway pays out fast transfers of one bridged token
 * in a single `mintBatch` per run of equal tokens, so grouping by token is what makes a batch
 * cheap; nonce order keeps the replay bitmap writes in one word for sequential nonces.
 */
export function orderBatch<T extends BatchItem>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => {
    const ta = BigInt(a.message.token);
    const tb = BigInt(b.message.token);
    if (ta !== tb) return ta < tb ? -1 : 1;
    if (a.message.nonce !== b.message.nonce) return a.message.nonce < b.message.nonce ? -1 : 1;
    return a.msgId < b.msgId ? -1 : a.msgId > b.msgId ? 1 : 0;
  });
}

/**
 * Self-relay: deliver your own message. Delivery is permissionless — the gateway checks the
 * guardians' signatures, not who submits them — so when relayers stall but guardians are up, the
 * sender (or anyone) collects `threshold` signatures from the destination's current guardian set
 * through the guardian API and calls `deliver` with a batch of one. This is the fast way out,
 * long before the escape hatch (which waits for the deadline and the rollups' finalization).
 */
import { decodeEventLog, encodeFunctionData, type Hex, type WalletClient } from "viem";
import { collectAttestation } from "../core/collect-attestation.js";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import { deliverArgs, deliveryValue } from "../core/message.js";
import type { BridgeClient } from "./client.js";
import {
  AlreadyDeliveredError,
  AttestationsUnavailableError,
  GatewayPausedError,
  MessageExpiredError,
} from "./errors.js";
import type { SentRecord } from "./tracker.js";
import { sendUnsigned, simulateGatewayCall, walletAddress, type UnsignedTransaction } from "./transfer.js";

export interface RelayResult {
  sent: SentRecord;
  txHash: Hex;
  /** "executed": paid at once; "queued": delivered, waits until `executableAt` (unix seconds). */
  outcome: "executed" | "queued";
  executableAt?: number;
}

/**
 * The `deliver` transaction of one message with its guardians' signatures. Refuses, before any
 * guardian is asked, a message that is delivered (or cancelled), past its deadline, or headed to
 * a paused gateway; then throws `AttestationsUnavailableError` when fewer than `threshold` of
 * the destination's current guardians sign now (with who refused and why in `details`).
 */
export async function buildRelay(
  client: BridgeClient,
  message: SentRecord | Hex,
): Promise<{ sent: SentRecord; transaction: UnsignedTransaction }> {
  const sent = typeof message === "string" ? await client.findMessage(message) : message;
  const { dest, msgId } = sent;
  const gateway = client.gateway(dest);
  const [processed, paused, head] = await client.read(dest, () =>
    Promise.all([
      gateway.isProcessed(sent.message.sourceChainId, sent.message.sourceGateway, sent.message.nonce),
      gateway.paused(),
      client.client(dest).getBlock({ blockTag: "latest" }),
    ]),
  );
  if (processed) throw new AlreadyDeliveredError(msgId);
  if (head.timestamp > sent.message.deadline) throw new MessageExpiredError(msgId, Number(sent.message.deadline));
  if (paused) throw new GatewayPausedError(dest.name);

  const set = await client.currentGuardianSet(dest);
  const round = await collectAttestation({
    // The whole set: the attestation names every member; one without a URL just cannot sign.
    set: { index: set.index, threshold: set.threshold, guardians: set.guardians },
    domain: { destChainId: BigInt(dest.chainId), destGateway: dest.gateway },
    msgIds: [msgId],
    request: (url, body, timeoutMs) => client.guardian(url).attest(body, timeoutMs),
    timeoutMs: client.guardianTimeoutMs,
  });
  if (!round.attestation) {
    const refusals = round.refusals.map((r) => {
      const why = r.awaitingApproval.length
        ? "awaiting its operator's approval"
        : r.unconfirmed.length || r.unknown.length
          ? "waiting for source confirmations"
          : r.rejected.length
            ? `rejected it (${r.rejected.map((x) => x.reason).join("; ")})`
            : r.error;
      return why;
    });
    const details = [
      ...refusals.map((why) => `a guardian is ${why}`),
      ...round.errors.map((e) => `${e.guardian}: ${e.error}`),
    ].join("; ");
    throw new AttestationsUnavailableError(round.signers.length, set.threshold, set.guardians.length, details);
  }
  return {
    sent,
    transaction: {
      kind: "deliver",
      chainId: dest.chainId,
      to: dest.gateway,
      data: encodeFunctionData({
        abi: bridgeGatewayAbi,
        functionName: "deliver",
        args: deliverArgs([sent.message], round.attestation),
      }),
      // The drop-off the message asks for: the self-relayer hands it over (see `quoteFee`).
      value: deliveryValue([sent.message]),
      description: `deliver message ${msgId} to ${dest.name} with ${set.threshold} of ${set.guardians.length} guardian signatures${
        sent.message.dropOff > 0n ? `, supplying its ${sent.message.dropOff} wei drop-off` : ""
      }`,
    },
  };
}

/**
 * Builds the delivery and sends it with `wallet` (on the destination chain). `signal` stops it
 * as it stops `sendTransfer` (`SendStoppedError`).
 */
export async function relay(
  client: BridgeClient,
  message: SentRecord | Hex,
  wallet: WalletClient,
  options: { signal?: AbortSignal } = {},
): Promise<RelayResult> {
  const { sent, transaction } = await buildRelay(client, message);
  const account = await walletAddress(wallet);
  await simulateGatewayCall(client, sent.dest, account, transaction);
  const receipt = await sendUnsigned(client, sent.dest, wallet, transaction, { signal: options.signal });
  for (const log of receipt.logs) {
    try {
      const event = decodeEventLog({ abi: bridgeGatewayAbi, data: log.data, topics: log.topics });
      if (event.eventName === "MessageQueued" && event.args.msgId === sent.msgId) {
        return {
          sent,
          txHash: receipt.transactionHash,
          outcome: "queued",
          executableAt: Number(event.args.executableAt),
        };
      }
    } catch {
      // not a gateway event
    }
  }
  return { sent, txHash: receipt.transactionHash, outcome: "executed" };
}

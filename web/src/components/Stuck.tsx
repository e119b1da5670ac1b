/**
 * The ways out of a stuck transfer, asked of the SDK (never guessed from the page):
 *
 * - **Deliver it yourself** — the guardians have signed but no relayer delivered it within the
 *   usual relay time: delivery is permissionless, so the user's wallet collects the guardians'
 *   signatures (the guardian API answers browsers) and calls `deliver` on the destination
 *   (`BridgeClient.relay`).
 * - **Escape** — past its deadline undelivered (or vetoed): cancel → prove → finalize → refund
 *   through L1, each step resumable (`EscapePanel`).
 */
import { attestedCount, RELAY_ALLOWANCE_SECONDS, type Observation } from "@portcullis/sdk";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import type { Hex } from "viem";
import { errorSentence, useBridgeClient, useWalletOn } from "../sdk.js";

/**
 * The SDK's own look at a message (its chains and guardians): the attestations k/M and, while
 * it is not delivered, the reason it waits — asked again every 2 s until it is delivered.
 */
export function useObservation(msgId: Hex | undefined, undelivered: boolean) {
  const client = useBridgeClient();
  return useQuery({
    queryKey: ["observation", msgId],
    enabled: msgId !== undefined,
    queryFn: () => client.status(msgId!),
    refetchInterval: undelivered ? 2_000 : false,
  });
}

export function SelfRelay({ observation }: { observation: Observation }) {
  const client = useBridgeClient();
  const walletOn = useWalletOn();
  const dest = observation.sent.dest;
  const waitingSince = useRef<number>(undefined);
  const relay = useMutation({
    mutationFn: async () => client.relay(observation.sent, await walletOn(dest.chainId)),
  });
  const waitsForRelayer = observation.status.reason.kind === "relayer";
  if (!waitsForRelayer) waitingSince.current = undefined;
  else waitingSince.current ??= observation.at;
  // Relayers normally deliver within seconds: offer the button once they are late.
  const late = waitsForRelayer && observation.at - (waitingSince.current ?? observation.at) >= RELAY_ALLOWANCE_SECONDS;
  if (!late && !relay.isPending && !relay.isSuccess && !relay.error) return null;
  const a = observation.facts.attestations;
  return (
    <div className="notice" data-testid="self-relay">
      <span>
        The guardians have signed{a ? `: ${attestedCount(a)};` : ","} but no relayer has delivered it yet. Delivery is
        open to anyone: deliver it yourself from your wallet on {dest.name} (you pay its gas).
      </span>
      <button type="button" disabled={relay.isPending || relay.isSuccess} onClick={() => relay.mutate()}>
        {relay.isPending ? "Delivering…" : "Deliver it yourself"}
      </button>
      {relay.isSuccess && (
        <span className="hint">
          Delivered{relay.data.outcome === "queued" ? "; it now waits its delay" : " and paid"}.
        </span>
      )}
      {relay.error && (
        <span className="problem" role="alert">
          {errorSentence(relay.error)}
        </span>
      )}
    </div>
  );
}

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
import {
  advanceEscape,
  attestedCount,
  escapeStageText,
  observeEscape,
  RELAY_ALLOWANCE_SECONDS,
  type EscapeState,
  type EscapeWallet,
  type Observation,
  type SentRecord,
} from "@portcullis/sdk";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRef, useState } from "react";
import type { Hex } from "viem";
import { useAppConfig } from "../context.js";
import { escapePlan, escapeSettled } from "../escape.js";
import { errorSentence, sentence, useBridgeClient, useWalletOn } from "../sdk.js";

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

/**
 * The escape hatch for a transfer past its deadline undelivered (or vetoed): the steps cancel →
 * prove → finalize → refund (and, for a refund on L1, the withdrawal's prove → finalize), the
 * one the escape waits for with the SDK's own sentence and wait, and a button when the step is
 * the user's to sign. Where the escape stands is read from the chains every 2 s
 * (`observeEscape`), never kept in the page, so a reload or another device resumes it.
 */
export function EscapePanel({ sent }: { sent: SentRecord }) {
  const client = useBridgeClient();
  const walletOn = useWalletOn();
  const { manifest } = useAppConfig();
  const [toL1, setToL1] = useState(false);
  const escape = useQuery({
    queryKey: ["escape", sent.msgId],
    queryFn: () => observeEscape(client, sent),
    refetchInterval: (q) => (q.state.data && escapeSettled(q.state.data) ? false : 2_000),
  });
  const l1 = manifest.chains.find((c) => c.kind === "l1");
  const step = useMutation({
    mutationFn: async ({ state, chainId }: { state: EscapeState; chainId: number }) => {
      const wallet = (await walletOn(chainId)) as EscapeWallet;
      const tx = await advanceEscape(client, state, () => wallet, { refundOnL1: toL1 });
      // Stay busy until the page shows the step that follows (no second click on a done step).
      await escape.refetch();
      return tx;
    },
  });
  const state = escape.data;
  if (!state || !l1) {
    return escape.error ? (
      <p className="problem" role="alert" data-testid="escape-error">
        {errorSentence(escape.error)}
      </p>
    ) : null;
  }
  const plan = escapePlan(state, { l1: { chainId: l1.chainId, name: l1.name }, refundOnL1: toL1 });
  if (!plan.escapable) return null;
  const action = plan.action;
  return (
    <section className="escape" data-testid="escape">
      <h2>Escape through {l1.name}</h2>
      <p className="hint">
        Past its deadline, the transfer can no longer be delivered: you take it back without guardians or relayers,
        through {l1.name}&apos;s canonical messaging. Each step is read back from the chains, so you can leave and come
        back at any point.
      </p>
      <ol className="timeline" data-testid="escape-steps">
        {plan.steps.map((s) => (
          <li key={s.key} className={s.state} data-step={s.key} data-state={s.state}>
            <div className="stage">{s.title}</div>
          </li>
        ))}
      </ol>
      <p className={plan.done ? "outcome" : "reason"} data-testid="escape-status">
        {sentence(escapeStageText(state))}
      </p>
      {plan.canChooseL1 && (
        <label className="check">
          <input type="checkbox" checked={toL1} onChange={(e) => setToL1(e.target.checked)} /> Take the refund on{" "}
          {l1.name} instead, in the token&apos;s {l1.name} original (the sender&apos;s wallet only)
        </label>
      )}
      {action && (
        <button
          type="button"
          data-testid="escape-action"
          disabled={step.isPending}
          onClick={() => step.mutate({ state, chainId: action.chainId })}
        >
          {step.isPending ? `${action.label}…` : action.label}
        </button>
      )}
      {step.error && (
        <p className="problem" role="alert">
          {errorSentence(step.error)}
        </p>
      )}
      {escape.error && (
        <p className="problem" role="alert" data-testid="escape-error">
          Could not read the escape&apos;s progress just now (asking again): {errorSentence(escape.error)}
        </p>
      )}
    </section>
  );
}

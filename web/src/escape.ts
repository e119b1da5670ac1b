/**
 * The escape panel's steps, from where the SDK's escape engine says an escape stands
 * (`observeEscape` → `EscapeState`, read from the chains alone, so a reloaded page finds its
 * place): which steps are done, which one is current, and whether the user can sign it now
 * (cancel on the destination, prove or finalize on L1) or only wait (the deadline, the next
 * output root, the finalization window, the source executing the refund deposit). Pure, so
 * every stage is unit-tested (test/ts/web/escape.test.ts); the page adds only the wallet and the
 * SDK's own sentence for the wait (`escapeStageText`).
 */
import type { EscapeState } from "@portcullis/sdk";

export type EscapeStepKey = "deadline" | "cancel" | "prove" | "finalize" | "refund" | "l1-prove" | "l1-finalize";

export type EscapeStepState = "done" | "current" | "todo";

export interface EscapeStep {
  key: EscapeStepKey;
  title: string;
  state: EscapeStepState;
}

/** A step the user signs now, and the chain their wallet signs it on. */
export interface EscapeAction {
  kind: "cancel" | "prove" | "finalize";
  label: string;
  chainId: number;
}

export interface EscapePlan {
  /** False when there is nothing to escape (delivered, queued, executed). */
  escapable: boolean;
  steps: EscapeStep[];
  /** Present when the current step is the user's to sign; otherwise the escape waits. */
  action?: EscapeAction;
  /** The refund has arrived (on the source chain, or on L1). */
  done: boolean;
  /**
   * Whether the user may still choose the refund on L1: before the cancellation, for a token with
   * an L1 origin (the manifest's `l1Token`).
   */
  canChooseL1: boolean;
}

export interface EscapePlanOptions {
  /** The L1 chain the withdrawals are proven and finalized on. */
  l1: { chainId: number; name: string };
  /** The user's choice before the cancellation; after it, the chain's record decides. */
  refundOnL1: boolean;
}

export function escapePlan(state: EscapeState, options: EscapePlanOptions): EscapePlan {
  const { stage, sent } = state;
  const dest = sent.dest;
  const source = sent.source;
  const l1 = options.l1;
  if (stage.stage === "not-escapable") return { escapable: false, steps: [], done: false, canChooseL1: false };

  const cancelled = state.cancelTx !== undefined;
  const wantsL1 = cancelled ? state.refundOnL1 === true : options.refundOnL1;
  // A refund asked for on L1 is paid on the source chain when the token has no L1 origin there.
  const viaL1 = wantsL1 && !(stage.stage === "done" && !stage.onL1);

  const titles: [EscapeStepKey, string][] = [
    ["deadline", `Deadline passes on ${dest.name}`],
    ["cancel", `Cancel on ${dest.name}`],
    ["prove", `Prove the cancellation on ${l1.name}`],
    ["finalize", `Finalize the cancellation on ${l1.name}`],
    ["refund", viaL1 ? `Refund leaves ${source.name} for ${l1.name}` : `Refund on ${source.name}`],
  ];
  if (viaL1) {
    titles.push(["l1-prove", `Prove the withdrawal on ${l1.name}`], ["l1-finalize", `Tokens released on ${l1.name}`]);
  }

  let current: EscapeStepKey | undefined;
  let action: EscapeAction | undefined;
  switch (stage.stage) {
    case "waiting-deadline":
      current = "deadline";
      break;
    case "cancellable":
      current = "cancel";
      action = { kind: "cancel", label: `Cancel on ${dest.name}`, chainId: dest.chainId };
      break;
    case "awaiting-refund":
      current = "refund";
      break;
    case "proving": {
      const prefix = stage.leg === "cancel" ? "" : "l1-";
      const status = stage.withdrawal.status;
      if (status === "waiting-to-prove" || status === "ready-to-prove") current = `${prefix}prove` as EscapeStepKey;
      else if (status === "waiting-to-finalize" || status === "ready-to-finalize") {
        current = `${prefix}finalize` as EscapeStepKey;
      } else current = stage.leg === "cancel" ? "refund" : undefined;
      if (status === "ready-to-prove") action = { kind: "prove", label: `Prove on ${l1.name}`, chainId: l1.chainId };
      if (status === "ready-to-finalize") {
        action = { kind: "finalize", label: `Finalize on ${l1.name}`, chainId: l1.chainId };
      }
      break;
    }
    case "done":
      current = undefined;
      break;
  }

  const currentIndex = current === undefined ? titles.length : titles.findIndex(([key]) => key === current);
  const steps = titles.map(([key, title], i): EscapeStep => {
    const stepState: EscapeStepState = i < currentIndex ? "done" : i === currentIndex ? "current" : "todo";
    return { key, title, state: stepState };
  });
  return {
    escapable: true,
    steps,
    ...(action ? { action } : {}),
    done: stage.stage === "done",
    canChooseL1:
      (stage.stage === "cancellable" || stage.stage === "waiting-deadline") && sent.token?.l1Token !== undefined,
  };
}

/** Whether the escape needs no more looks at the chains (refunded, or nothing to escape). */
export function escapeSettled(state: EscapeState): boolean {
  return state.stage.stage === "done" || state.stage.stage === "not-escapable";
}

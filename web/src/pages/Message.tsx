/**
 * Message page: any message id or transaction hash; the transfer's facts, every stage with its
 * chain, block, transaction and time, the guardians' attestations k/M, the current reason and
 * ETA — and, for a stuck transfer, the ways out (deliver it yourself; the escape hatch).
 */
import { useState, type FormEvent } from "react";
import { useAppConfig } from "../context.js";
import { ExplorerError, useMessage, type MessageView } from "../explorer.js";
import { formatTime, formatTokens } from "../format.js";
import { navigate } from "../router.js";
import { formatEth, reasonText, type Observation } from "@portcullis/sdk";
import { EscapePanel, SelfRelay, useObservation } from "../components/Stuck.js";
import { Timeline, useNow } from "../components/Timeline.js";
import { sentence } from "../sdk.js";

const REF = /^0x[0-9a-fA-F]{64}$/;

export function MessagePage({ reference }: { reference: string }) {
  const valid = REF.test(reference);
  return (
    <>
      <Lookup initial={reference} />
      {reference !== "" && !valid && (
        <p className="problem" role="alert">
          “{reference}” is not a message id or transaction hash (0x followed by 64 hex digits).
        </p>
      )}
      {valid && <MessageDetails reference={reference} />}
    </>
  );
}

function Lookup({ initial }: { initial: string }) {
  const [text, setText] = useState(initial);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/message/${encodeURIComponent(text.trim())}`);
  };
  return (
    <section className="card">
      <h1>Find a transfer</h1>
      <form className="lookup" onSubmit={submit}>
        <input
          aria-label="Message id or transaction hash"
          placeholder="message id or transaction hash (0x…)"
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit">Look up</button>
      </form>
    </section>
  );
}

export function MessageDetails({ reference }: { reference: string }) {
  const { manifest } = useAppConfig();
  const message = useMessage(reference);
  const view = message.data;
  // While it is not delivered, the SDK asks the chains and the guardians themselves: the
  // attestations k/M, the precise reason it waits, and whether the user can deliver it.
  const undelivered = view?.status === "sent";
  const observation = useObservation(view?.msgId, undelivered);
  const now = useNow();
  if (message.error) {
    const e = message.error;
    return (
      <p className="problem" role="alert">
        {e instanceof ExplorerError && e.status === 404
          ? `No transfer or transaction ${reference} is known to the explorer yet.`
          : e.message}
      </p>
    );
  }
  if (!view) return <p className="hint">Looking up {reference}…</p>;
  const a = observation.data?.facts.attestations;
  const o = undelivered ? observation.data : undefined;
  const reason = o
    ? {
        text: sentence(
          reasonText(o.status.reason, { source: o.sent.source.name, dest: o.sent.dest.name, nowSeconds: now }),
        ),
        eta: o.status.eta?.at ?? null,
      }
    : undefined;
  return (
    <section className="card" data-testid="message">
      <h1>
        Transfer{" "}
        <span className={`status ${view.status}`} data-testid="status">
          {statusLabel(view)}
        </span>
      </h1>
      <Facts view={view} />
      <h2>Progress</h2>
      <Timeline
        view={view}
        manifest={manifest}
        attestations={a ? { signed: a.signable, threshold: a.threshold } : undefined}
        reason={reason}
      />
      {o && <SelfRelay observation={o} />}
      {escapeShown(view, observation.data) && <EscapePanel sent={observation.data!.sent} />}
      <p className="hint">
        Raw record: <a href={`/v1/messages/${view.msgId}`}>/v1/messages/{view.msgId}</a>
      </p>
    </section>
  );
}

/**
 * The escape panel shows once the SDK says the transfer is escapable (past its deadline
 * undelivered, or vetoed), and for every transfer whose escape began (cancelled, refunded):
 * the panel then reads where the escape stands.
 */
function escapeShown(view: MessageView, observation: Observation | undefined): boolean {
  if (!observation) return false;
  if (view.status === "sent") return observation.status.escapable;
  return view.status === "vetoed" || view.status === "cancelled" || view.status === "refunded";
}

export function statusLabel(view: Pick<MessageView, "status">): string {
  return view.status === "queued" ? "delayed" : view.status;
}

function Facts({ view }: { view: MessageView }) {
  const m = view.message;
  return (
    <dl className="facts">
      <dt>Message id</dt>
      <dd className="mono" data-testid="msg-id">
        {view.msgId}
      </dd>
      {m && view.token && (
        <>
          <dt>Amount</dt>
          <dd data-testid="amount">{formatTokens(BigInt(m.amount), view.token.decimals, view.token.symbol)}</dd>
        </>
      )}
      <dt>Route</dt>
      <dd>
        {view.source?.name ?? "?"} → {view.destination?.name ?? "?"}
      </dd>
      {m && (
        <>
          <dt>Sender</dt>
          <dd className="mono">{m.sender}</dd>
          <dt>Recipient</dt>
          <dd className="mono">{m.recipient}</dd>
          <dt>Nonce</dt>
          <dd>{m.nonce}</dd>
          <dt>Deadline</dt>
          <dd>{formatTime(Number(m.deadline))} (undelivered after it, the transfer can only be escaped)</dd>
          {BigInt(m.dropOff) > 0n && (
            <>
              <dt>Gas drop-off</dt>
              <dd>{formatEth(BigInt(m.dropOff))} for the recipient on the destination</dd>
            </>
          )}
        </>
      )}
      {view.fee && (
        <>
          <dt>Delivery fee</dt>
          <dd data-testid="fee">
            {view.fee.underpaid
              ? `${formatEth(BigInt(view.fee.paid))} paid of a ${formatEth(BigInt(view.fee.quote))} quote: relayers may not deliver it; deliver it yourself below, or escape it after its deadline`
              : `${formatEth(BigInt(view.fee.paid))} (quote ${formatEth(BigInt(view.fee.quote))})`}
          </dd>
        </>
      )}
    </dl>
  );
}

/**
 * A transfer's stages as a vertical timeline: done stages with their chain, block, transaction
 * and time; the current one with the reason it waits and its ETA (ticking); later ones greyed.
 */
import { useEffect, useState } from "react";
import type { Manifest } from "@portcullis/sdk";
import { chainName } from "../config.js";
import type { MessageView, StageView } from "../explorer.js";
import { formatDuration, formatIn, formatTime, shortHex } from "../format.js";
import { Link } from "../router.js";

export interface AttestationCount {
  signed: number;
  threshold: number;
}

type Row = {
  key: string;
  title: string;
  state: "done" | "current" | "todo" | "failed";
  stage?: StageView;
  note?: string;
};

/** Seconds since the epoch, updated every second while mounted. */
export function useNow(): number {
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const timer = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function Timeline(props: { view: MessageView; manifest: Manifest; attestations?: AttestationCount }) {
  const { view, manifest, attestations } = props;
  const now = useNow();
  const find = (s: StageView["stage"]) => view.stages.find((x) => x.stage === s);
  const sent = find("sent");
  const queued = find("queued");
  const executed = find("executed");
  const vetoed = find("vetoed");
  const cancelled = find("cancelled");
  const refunded = find("refunded");
  const delivered = queued ?? executed;
  const dest = view.destination?.name ?? "the destination";
  const attested =
    delivered !== undefined || (attestations !== undefined && attestations.signed >= attestations.threshold);
  const count = attestations
    ? ` ${Math.min(attestations.signed, attestations.threshold)}/${attestations.threshold}`
    : "";

  const rows: Row[] = [
    {
      key: "sent",
      title: `Sent on ${view.source?.name ?? "the source"}`,
      state: sent ? "done" : "current",
      stage: sent,
    },
    {
      key: "attested",
      title: `Attested by the guardians${attested && !attestations ? "" : count}`,
      state: attested ? "done" : sent ? "current" : "todo",
    },
    {
      key: "delivered",
      title: `Delivered on ${dest}`,
      state: delivered ? "done" : attested ? "current" : "todo",
      stage: delivered,
    },
  ];
  if (queued) {
    const until = Number(queued.details.executableAt ?? 0);
    rows.push({
      key: "delay",
      title: `Delayed until ${formatTime(until)}`,
      state: executed || vetoed ? "done" : "current",
      note: executed || vetoed ? undefined : `${formatDuration(until - queued.time)} delay, vetoable`,
    });
  }
  if (vetoed) rows.push({ key: "vetoed", title: `Vetoed on ${dest}`, state: "failed", stage: vetoed });
  if (cancelled)
    rows.push({ key: "cancelled", title: `Cancelled on ${dest} (escape)`, state: "done", stage: cancelled });
  if (refunded) rows.push({ key: "refunded", title: "Refunded to the sender", state: "done", stage: refunded });
  if (!vetoed && !cancelled && !refunded) {
    rows.push({
      key: "executed",
      title: `Executed: the recipient is paid on ${dest}`,
      state: executed ? "done" : "todo",
      stage: executed,
    });
  }
  // The first unfinished row is where the transfer waits.
  const current = rows.find((r) => r.state === "current");
  for (const r of rows) if (r.state === "current" && r !== current) r.state = "todo";

  return (
    <ol className="timeline" data-testid="timeline">
      {rows.map((r) => (
        <li key={r.key} className={r.state} data-stage={r.key} data-state={r.state}>
          <div className="stage">{r.title}</div>
          {r.stage && <StageMeta stage={r.stage} manifest={manifest} />}
          {r.note && <div className="meta">{r.note}</div>}
          {r === current && (
            <div className="reason" data-testid="reason">
              {view.reason.text}
              {view.eta !== null && (
                <>
                  {" "}
                  <span className="eta" data-testid="eta">
                    ETA {formatTime(view.eta)} ({formatIn(view.eta - now)})
                  </span>
                </>
              )}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}

function StageMeta({ stage, manifest }: { stage: StageView; manifest: Manifest }) {
  return (
    <div className="meta">
      {formatTime(stage.time)} · {chainName(manifest, stage.chainId)} block {stage.blockNumber} · tx{" "}
      <Link to={`/message/${stage.txHash}`} className="mono" title={stage.txHash}>
        {shortHex(stage.txHash, 6)}
      </Link>
    </div>
  );
}

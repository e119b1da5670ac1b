/**
 * A transfer's stages as a vertical timeline (rows from `timelineRows`): done stages with their
 * chain, block, transaction and time; the current one with the reason it waits and its ETA,
 * ticking; later ones greyed.
 */
import type { Manifest } from "@portcullis/sdk";
import { useEffect, useState } from "react";
import { chainName } from "../config.js";
import type { MessageView, StageView } from "../explorer.js";
import { formatIn, formatTime, shortHex } from "../format.js";
import { Link } from "../router.js";
import { timelineRows, type AttestationCount } from "../timeline.js";

/** Seconds since the epoch, updated every second while mounted. */
export function useNow(): number {
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const timer = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function Timeline(props: {
  view: MessageView;
  manifest: Manifest;
  attestations?: AttestationCount;
  /** A fresher reason than the explorer's (the SDK's own look while undelivered). */
  reason?: { text: string; eta: number | null };
}) {
  const { view, manifest } = props;
  const reason = props.reason ?? { text: view.reason.text, eta: view.eta };
  const now = useNow();
  const rows = timelineRows(view, now, props.attestations);
  const waiting = rows.some((r) => r.state === "current");
  return (
    <>
      <ol className="timeline" data-testid="timeline">
        {rows.map((r) => (
          <li key={r.key} className={r.state} data-stage={r.key} data-state={r.state}>
            <div className="stage">{r.title}</div>
            {r.stage && <StageMeta stage={r.stage} manifest={manifest} />}
            {r.note && r.state !== "done" && <div className="meta">{r.note}</div>}
            {r.state === "current" && <Reason reason={reason} now={now} />}
          </li>
        ))}
      </ol>
      {!waiting && (
        <p className="outcome">
          <Reason reason={reason} now={now} />
        </p>
      )}
    </>
  );
}

function Reason({ reason, now }: { reason: { text: string; eta: number | null }; now: number }) {
  return (
    <span className="reason" data-testid="reason">
      {reason.text}
      {reason.eta !== null && reason.eta > now && (
        <>
          {" "}
          <span className="eta" data-testid="eta">
            ETA {formatTime(reason.eta)} ({formatIn(reason.eta - now)})
          </span>
        </>
      )}
    </span>
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

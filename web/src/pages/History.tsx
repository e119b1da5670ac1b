/** History page: the connected address's transfers, newest first, with their status. */
import { useConnection } from "wagmi";
import { useHistory } from "../explorer.js";
import { formatTime, formatTokens, shortHex } from "../format.js";
import { Link } from "../router.js";
import { statusLabel } from "./Message.js";

export function HistoryPage() {
  const { address } = useConnection();
  const history = useHistory(address);
  return (
    <section className="card">
      <h1>History</h1>
      {!address ? (
        <p className="hint">Connect your wallet to see the transfers you sent.</p>
      ) : history.error ? (
        <p className="problem" role="alert">
          {history.error.message}
        </p>
      ) : !history.data ? (
        <p className="hint">Loading…</p>
      ) : history.data.items.length === 0 ? (
        <p className="hint">No transfers sent by {address} yet.</p>
      ) : (
        <table data-testid="history">
          <thead>
            <tr>
              <th>Sent</th>
              <th>Route</th>
              <th>Amount</th>
              <th>Status</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {history.data.items.map((m) => (
              <tr key={m.msgId} data-msg-id={m.msgId}>
                <td>{m.sent ? formatTime(m.sent.time) : "?"}</td>
                <td>
                  {m.source?.name ?? "?"} → {m.destination?.name ?? "?"}
                </td>
                <td>
                  {m.message && m.token
                    ? formatTokens(BigInt(m.message.amount), m.token.decimals, m.token.symbol)
                    : "?"}
                </td>
                <td>
                  <span className={`status ${m.status}`}>{statusLabel(m)}</span>
                </td>
                <td>
                  <Link to={`/message/${m.msgId}`} className="mono" title={m.msgId}>
                    {shortHex(m.msgId, 6)}
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

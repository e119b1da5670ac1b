/**
 * Bridge page: pick source, destination, token, amount and recipient; see the balance, the
 * verdict (fast, or delayed and why), the rate-limit room and the deadline before signing — or
 * every problem as one sentence under its field, with nothing to sign; approve and send from the
 * connected wallet; then the transfer's page follows it live.
 *
 * Everything the page says about a transfer comes from the SDK's `quote` (which validates
 * first: `InvalidTransferError.problems` are keyed by field), so the page, the CLI and any
 * integrator tell the same story. That includes the fee and the optional gas drop-off ("gas on
 * arrival": native gas the recipient receives on the destination, paid inside the fee, capped
 * per route by governance); `sendTransfer` sends both.
 */
import {
  formatAmount,
  formatEth,
  InvalidTransferError,
  type Quote,
  type SendProgress,
  type TransferField,
  type TransferProblems,
  type TransferRequest,
} from "@portcullis/sdk";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { erc20Abi, type Address } from "viem";
import { useConnection, useReadContract, useSwitchChain } from "wagmi";
import { walletErrorSentence } from "../components/Connect.js";
import { useAppConfig } from "../context.js";
import { tokenOn } from "../config.js";
import { formatDuration, formatTime, formatTokens, shortHex } from "../format.js";
import { navigate } from "../router.js";
import { errorSentence, sentence, useBridgeClient, useWalletOn } from "../sdk.js";

export interface TransferForm {
  from: string;
  to: string;
  token: string;
  amount: string;
  recipient: string;
  /** Native gas for the recipient on the destination, in ETH ("" or "0": none). */
  dropOff: string;
  /** Seconds the transfer stays deliverable; "" for the gateway's default. */
  deadline: string;
}

type Check = { quote?: Quote; problems: TransferProblems };

export function BridgePage() {
  const { l2s, manifest } = useAppConfig();
  const client = useBridgeClient();
  const walletOn = useWalletOn();
  const connection = useConnection();
  const [form, setForm] = useState<TransferForm>({
    from: l2s[0]?.name ?? "",
    to: l2s[1]?.name ?? "",
    token: manifest.tokens[0]?.symbol ?? "",
    amount: "",
    recipient: "",
    dropOff: "",
    deadline: "",
  });
  const set = (field: keyof TransferForm) => (value: string) => setForm((f) => ({ ...f, [field]: value }));
  const request = toRequest(form, connection.address);
  const settled = useDebounced(request, 250);
  const fresh = JSON.stringify(settled) === JSON.stringify(request);

  const check = useQuery({
    queryKey: ["quote", JSON.stringify(settled)],
    enabled: settled.amount !== "",
    queryFn: async (): Promise<Check> => {
      try {
        return { quote: await client.quote(settled), problems: {} };
      } catch (e) {
        if (e instanceof InvalidTransferError) return { problems: e.problems };
        throw e;
      }
    },
    // Balances, buckets and pauses move: keep the verdict current while the user decides.
    refetchInterval: 5_000,
  });
  const [progress, setProgress] = useState<SendProgress>();
  const send = useMutation({
    mutationFn: async () => {
      const from = client.chain(settled.from);
      const wallet = await walletOn(from.chainId);
      return client.sendTransfer(settled, wallet, { onProgress: setProgress });
    },
    onSuccess: (sent) => navigate(`/message/${sent.msgId}`),
  });

  const from = l2s.find((c) => c.name === form.from);
  const token = manifest.tokens.find((t) => t.symbol === form.token);
  const sourceToken = from && token ? tokenOn(token, from.chainId) : undefined;
  const result = fresh ? check.data : undefined;
  const problems = result?.problems ?? {};
  const quote = result?.quote;
  // The quote refreshing in the background (every 5 s) leaves Send enabled: disabling it for the
  // refresh swallowed a click that landed meanwhile, silently (a disabled button submits
  // nothing). Sending on the shown quote is safe: `sendTransfer` checks the transfer against both
  // chains again and simulates it before the wallet signs anything.
  const canSend = connection.status === "connected" && quote !== undefined && !check.error && !send.isPending;

  return (
    <section className="card bridge">
      <h1>Bridge</h1>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (canSend) send.mutate();
        }}
      >
        <div className="row">
          <ChainField
            label="From"
            id="from"
            value={form.from}
            chains={l2s}
            onChange={set("from")}
            problems={problems}
          />
          <ChainField label="To" id="to" value={form.to} chains={l2s} onChange={set("to")} problems={problems} />
        </div>
        <div className="row">
          <Field label="Token" id="token" problems={problems}>
            <select id="token" value={form.token} onChange={(e) => set("token")(e.target.value)}>
              {manifest.tokens.map((t) => (
                <option key={t.symbol} value={t.symbol}>
                  {t.symbol}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Amount" id="amount" problems={problems}>
            <input
              id="amount"
              inputMode="decimal"
              autoComplete="off"
              placeholder="0.0"
              value={form.amount}
              aria-invalid={problems.amount !== undefined}
              onChange={(e) => set("amount")(e.target.value)}
            />
          </Field>
        </div>
        {connection.address && from && sourceToken && token && (
          <Balance
            chainId={from.chainId}
            token={sourceToken}
            owner={connection.address}
            decimals={token.decimals}
            symbol={token.symbol}
            chain={from.name}
          />
        )}
        <Field label="Recipient" id="recipient" problems={problems}>
          <input
            id="recipient"
            autoComplete="off"
            spellCheck={false}
            placeholder={connection.address ? `${connection.address} (you)` : "0x…"}
            value={form.recipient}
            aria-invalid={problems.recipient !== undefined}
            onChange={(e) => set("recipient")(e.target.value)}
          />
        </Field>
        <Field
          label="Gas on arrival (ETH for the recipient on the destination; optional)"
          id="dropOff"
          problems={problems}
        >
          <input
            id="dropOff"
            inputMode="decimal"
            autoComplete="off"
            placeholder="0"
            value={form.dropOff}
            aria-invalid={problems.dropOff !== undefined}
            onChange={(e) => set("dropOff")(e.target.value)}
          />
        </Field>
        <details className="advanced">
          <summary>Deadline</summary>
          <Field label="Deliverable for (seconds; empty: the gateway's default)" id="deadline" problems={problems}>
            <input
              id="deadline"
              inputMode="numeric"
              autoComplete="off"
              placeholder="default"
              value={form.deadline}
              onChange={(e) => set("deadline")(e.target.value)}
            />
          </Field>
        </details>

        {connection.status === "connected" && from && connection.chainId !== from.chainId && (
          <SwitchNetwork chainId={from.chainId} name={from.name} />
        )}
        {form.amount === "" ? (
          <p className="hint">Enter an amount to see how the transfer goes.</p>
        ) : check.error ? (
          <p className="problem" role="alert">
            {errorSentence(check.error)}
          </p>
        ) : quote && fresh ? (
          <Verdict quote={quote} />
        ) : !result ? (
          <p className="hint">Checking the transfer against both chains…</p>
        ) : null}
        {problems.sender && (
          <p className="problem" role="alert" data-testid="problem-sender">
            {sentence(problems.sender)}
          </p>
        )}

        <div className="actions">
          <button type="submit" data-testid="send" disabled={!canSend}>
            {quote?.approval?.needed ? "Approve and send" : "Send"}
          </button>
          {connection.status !== "connected" && <span className="hint">Connect a wallet to send.</span>}
          {send.isPending && <SendStatus progress={progress} />}
        </div>
        {send.error && (
          <p className="problem" role="alert" data-testid="send-error">
            {errorSentence(send.error)}
          </p>
        )}
      </form>
    </section>
  );
}

/** The form as the SDK's request; the connected address is the sender. */
function toRequest(form: TransferForm, sender: Address | undefined): TransferRequest {
  const deadline = form.deadline.trim();
  const dropOff = form.dropOff.trim();
  return {
    from: form.from,
    to: form.to,
    token: form.token,
    amount: form.amount.trim(),
    ...(sender ? { sender } : {}),
    ...(form.recipient.trim() ? { recipient: form.recipient.trim() } : {}),
    // Validated by the SDK like every field: a bad amount or one above the route's cap is a
    // sentence under this field, and the quote's fee includes the drop-off.
    ...(dropOff ? { dropOff } : {}),
    ...(deadline ? { deadlineSeconds: Number(deadline) } : {}),
  };
}

/** `value`, once it stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, ms]);
  return settled;
}

/** Fast or delayed, and why; the limits, the deadline and the ETA. */
function Verdict({ quote }: { quote: Quote }) {
  const t = quote.transfer;
  const tokens = (v: bigint) => formatTokens(v, t.token.decimals, t.token.symbol);
  const path = quote.path;
  const headline =
    path.kind === "fast"
      ? `Fast: paid on delivery, in about ${formatDuration(quote.estimatedSeconds)}.`
      : path.reason === "above-fast-limit"
        ? `Delayed: ${tokens(t.amount)} is above the fast limit of ${tokens(quote.limits.fastLimit)} on ${t.to.name}, so after delivery it waits ${formatDuration(path.delaySeconds)} (the council or the monitor may veto it meanwhile). Paid in about ${formatDuration(quote.estimatedSeconds)}.`
        : `Delayed: the ${t.to.name} inbound rate limit has room for ${tokens(quote.limits.inboundAvailable)} now, so after delivery it waits ${formatDuration(path.delaySeconds)}. Paid in about ${formatDuration(quote.estimatedSeconds)}.`;
  return (
    <div className={`verdict ${path.kind}`} data-testid="verdict-box">
      <strong data-testid="verdict">{headline}</strong>
      <dl>
        <dt>Fast limit on {t.to.name}</dt>
        <dd>{tokens(quote.limits.fastLimit)}</dd>
        <dt>Inbound room on {t.to.name}</dt>
        <dd data-testid="inbound-room">{tokens(quote.limits.inboundAvailable)}</dd>
        <dt>Outbound room on {t.from.name}</dt>
        <dd>{tokens(quote.limits.outboundAvailable)}</dd>
        <dt>Deadline</dt>
        <dd data-testid="deadline">
          {formatTime(quote.deadline.at)} ({formatDuration(quote.deadline.seconds)} from now): undelivered by then, it
          can only be escaped through L1
        </dd>
        <dt>Fee</dt>
        <dd data-testid="fee">
          {formatEth(quote.fee.amount)} on {t.from.name}, paid with the send (a relayer's gas on {t.to.name}
          {quote.fee.dropOff > 0n ? ` and ${formatEth(quote.fee.dropOff)} of gas for the recipient` : ""})
        </dd>
        {quote.approval && (
          <>
            <dt>Approval</dt>
            <dd>
              {quote.approval.needed
                ? `needed first (the ${t.from.name} gateway's allowance is ${tokens(quote.approval.allowance)})`
                : "not needed"}
            </dd>
          </>
        )}
        <dt>Recipient</dt>
        <dd className="mono">{t.recipient}</dd>
      </dl>
    </div>
  );
}

function SendStatus({ progress }: { progress?: SendProgress }) {
  if (!progress) return <span className="hint">Checking…</span>;
  const what = progress.step === "approve" ? "Approval" : "Transfer";
  const text =
    progress.status === "signing"
      ? `${what}: confirm in your wallet…`
      : progress.status === "submitted"
        ? `${what} submitted (${shortHex(progress.hash, 6)}), waiting for its block…`
        : `${what} mined (${shortHex(progress.hash, 6)}).`;
  return (
    <span className="hint" data-testid="send-progress">
      {text}
    </span>
  );
}

function Field(props: { label: string; id: TransferField | "token"; problems: TransferProblems; children: ReactNode }) {
  const problem = props.problems[props.id as TransferField];
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {problem && (
        <span className="problem" role="alert" data-testid={`problem-${props.id}`}>
          {sentence(problem)}
        </span>
      )}
    </div>
  );
}

function ChainField(props: {
  label: string;
  id: "from" | "to";
  value: string;
  chains: { name: string; chainId: number }[];
  problems: TransferProblems;
  onChange: (name: string) => void;
}) {
  return (
    <Field label={props.label} id={props.id} problems={props.problems}>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.chains.map((c) => (
          <option key={c.chainId} value={c.name}>
            {c.name} ({c.chainId})
          </option>
        ))}
      </select>
    </Field>
  );
}

function Balance(props: {
  chainId: number;
  token: Address;
  owner: Address;
  decimals: number;
  symbol: string;
  chain: string;
}) {
  const balance = useReadContract({
    chainId: props.chainId,
    address: props.token,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [props.owner],
    query: { refetchInterval: 2_000 },
  });
  return (
    <p className="hint" data-testid="balance">
      Balance on {props.chain}:{" "}
      {balance.data === undefined ? "…" : formatTokens(balance.data, props.decimals, props.symbol)}
    </p>
  );
}

function SwitchNetwork({ chainId, name }: { chainId: number; name: string }) {
  const switchChain = useSwitchChain();
  return (
    <div className="notice" role="status">
      <span>Your wallet is on another network; this transfer is signed on {name}.</span>
      <button type="button" disabled={switchChain.isPending} onClick={() => switchChain.mutate({ chainId })}>
        Switch to {name}
      </button>
      {switchChain.error && <span className="problem">{walletErrorSentence(switchChain.error)}</span>}
    </div>
  );
}

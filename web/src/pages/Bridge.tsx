/**
 * Bridge page: pick source, destination, token, amount and recipient; see the balance, the
 * verdict (fast or delayed, and why), the remaining rate limit and the deadline before signing;
 * approve and send from the connected wallet; then follow the transfer live.
 */
import { useState } from "react";
import { erc20Abi, type Address } from "viem";
import { useConnection, useReadContract, useSwitchChain } from "wagmi";
import { useAppConfig } from "../context.js";
import { tokenOn } from "../config.js";
import { formatTokens } from "../format.js";
import { walletErrorSentence } from "../components/Connect.js";

export interface TransferForm {
  from: string;
  to: string;
  token: string;
  amount: string;
  recipient: string;
}

export function BridgePage() {
  const { l2s, manifest } = useAppConfig();
  const connection = useConnection();
  const [form, setForm] = useState<TransferForm>({
    from: l2s[0]?.name ?? "",
    to: l2s[1]?.name ?? "",
    token: manifest.tokens[0]?.symbol ?? "",
    amount: "",
    recipient: "",
  });
  const set = (field: keyof TransferForm) => (value: string) => setForm((f) => ({ ...f, [field]: value }));
  const from = l2s.find((c) => c.name === form.from);
  const token = manifest.tokens.find((t) => t.symbol === form.token);
  const sourceToken = from && token ? tokenOn(token, from.chainId) : undefined;

  return (
    <section className="card bridge">
      <h1>Bridge</h1>
      <form onSubmit={(e) => e.preventDefault()} noValidate>
        <div className="row">
          <ChainField label="From" id="from" value={form.from} chains={l2s} onChange={set("from")} />
          <ChainField label="To" id="to" value={form.to} chains={l2s} onChange={set("to")} />
        </div>
        <div className="row">
          <Field label="Token" id="token">
            <select id="token" value={form.token} onChange={(e) => set("token")(e.target.value)}>
              {manifest.tokens.map((t) => (
                <option key={t.symbol} value={t.symbol}>
                  {t.symbol}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Amount" id="amount">
            <input
              id="amount"
              inputMode="decimal"
              autoComplete="off"
              placeholder="0.0"
              value={form.amount}
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
        <Field label="Recipient" id="recipient">
          <input
            id="recipient"
            autoComplete="off"
            spellCheck={false}
            placeholder={connection.address ?? "0x…"}
            value={form.recipient}
            onChange={(e) => set("recipient")(e.target.value)}
          />
        </Field>
        {connection.status === "connected" && from && connection.chainId !== from.chainId && (
          <SwitchNetwork chainId={from.chainId} name={from.name} />
        )}
      </form>
    </section>
  );
}

function Field({ label, id, children }: { label: string; id: string; children: React.ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

function ChainField(props: {
  label: string;
  id: string;
  value: string;
  chains: { name: string; chainId: number }[];
  onChange: (name: string) => void;
}) {
  return (
    <Field label={props.label} id={props.id}>
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

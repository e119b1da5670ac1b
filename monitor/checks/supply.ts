/**
 * Check 2, solvency: for every token, the bridged copies in circulation on every non-home chain
 * must never exceed what the home gateway holds locked for them:
 *
 *     Σ BridgedToken.totalSupply (each non-home chain)  <=  lockedBalance(homeToken) on the home gateway
 *
 * Why in-flight messages cannot make a healthy bridge violate it: every movement debits its
 * source side when it is sent and credits its destination only when it executes later, and
 * each debit leaves the left side lower or the right side higher until the matching credit:
 *   - home → remote: `send` locks on the home gateway (right side +a) at once; the mint on the
 *     remote (left side +a) comes only when the message executes.
 *   - remote → home: `send` burns the copy (left side −a) at once; the unlock on the home
 *     gateway (right side −a) comes only when the message executes.
 *   - remote → remote: the burn (left −a) comes before the mint (left +a).
 * So at every instant locked − minted = Σ in-flight amounts (+ anything stranded by a veto of a
 * genuine message) ≥ 0; a queued message is still in flight, and a vetoed or expired one never
 * credits. Only value created without a matching debit — a forged mint, or an unlock not backed
 * by a burn — can push the left side above the right. In-flight amounts are exported per token
 * (`bridge_in_flight_tokens`) so a dashboard can show locked − minted − in-flight ≈ 0.
 *
 * Reads on different chains are not atomic. The monitor reads each chain at the block it just
 * scanned; a reading race could only produce a false breach if a whole send → attest → deliver
 * cycle (several blocks on two chains) fell between two reads made in parallel, and a breach is
 * re-read before anything is paused.
 */
import { formatUnits, type Address } from "viem";
import type { TokenInfo } from "../../core/manifest.js";
import { chainName, errorLine, type MonitorContext } from "../context.js";
import type { PlannedAction } from "../responder.js";

export interface SupplyReading {
  token: TokenInfo;
  /** Locked on the home gateway. */
  locked: bigint;
  /** Bridged totalSupply per non-home chain id. */
  minted: ReadonlyMap<number, bigint>;
}

export interface SupplyVerdict {
  ok: boolean;
  totalMinted: bigint;
  /** How far minted exceeds locked (0 when healthy): the unbacked amount. */
  excess: bigint;
}

/** The invariant itself: pure, so its arithmetic is unit tested without chains. */
export function evaluateSupply(locked: bigint, minted: Iterable<bigint>): SupplyVerdict {
  let totalMinted = 0n;
  for (const m of minted) totalMinted += m;
  const excess = totalMinted > locked ? totalMinted - locked : 0n;
  return { ok: excess === 0n, totalMinted, excess };
}

/** The reads the check needs, per chain id. */
export interface SupplySource {
  lockedBalance(chainId: number, homeToken: Address): Promise<bigint>;
  totalSupply(chainId: number, token: Address): Promise<bigint>;
}

/** Reads one token's locked balance and every bridged copy's supply, in parallel. */
export async function readSupply(token: TokenInfo, source: SupplySource): Promise<SupplyReading> {
  const remotes = Object.entries(token.addresses).filter(([chainId]) => Number(chainId) !== token.homeChainId);
  const [locked, ...supplies] = await Promise.all([
    source.lockedBalance(token.homeChainId, token.homeToken),
    ...remotes.map(([chainId, address]) => source.totalSupply(Number(chainId), address)),
  ]);
  const minted = new Map(remotes.map(([chainId], i) => [Number(chainId), supplies[i]!]));
  return { token, locked: locked!, minted };
}

/**
 * The solvency check's orchestration: every token read at the blocks the monitor just scanned;
 * a breach is confirmed by fresh reads at the latest blocks before every gateway is paused (a
 * reading race must not stop a whole bridge), and is enforced on every poll while it lasts.
 */
export class SolvencyCheck {
  constructor(
    private readonly ctx: MonitorContext,
    /** Reads at the blocks just scanned, and at the latest blocks. */
    private readonly scanned: SupplySource,
    private readonly latest: SupplySource,
    /** Every gateway chain: a breach pauses them all. */
    private readonly gatewayChainIds: () => readonly number[],
  ) {}

  async run(actions: PlannedAction[]): Promise<void> {
    for (const token of this.ctx.manifest.tokens) {
      try {
        const reading = await readSupply(token, this.scanned);
        this.export(reading);
        if (evaluateSupply(reading.locked, reading.minted.values()).ok) {
          this.ctx.alerts.resolve(`supply:${token.symbol}`);
          continue;
        }
        const confirm = await readSupply(token, this.latest);
        const verdict = evaluateSupply(confirm.locked, confirm.minted.values());
        if (verdict.ok) {
          this.ctx.logger.warn({ token: token.symbol }, "supply reading breached once but not on re-read; ignoring");
          continue;
        }
        this.onBreach(confirm, verdict.totalMinted, verdict.excess, actions);
      } catch (e) {
        this.ctx.logger.warn({ token: token.symbol, err: errorLine(e) }, "supply check failed; will retry");
      }
    }
  }

  private onBreach(reading: SupplyReading, totalMinted: bigint, excess: bigint, actions: PlannedAction[]) {
    const { token } = reading;
    const name = (chainId: number) => chainName(this.ctx.manifest, chainId);
    const whole = (v: bigint) => formatUnits(v, token.decimals);
    const { alert } = this.ctx.alerts.raise({
      key: `supply:${token.symbol}`,
      kind: "supply_breach",
      severity: "critical",
      summary: `${whole(totalMinted)} bridged ${token.symbol} exceed the ${whole(reading.locked)} locked on ${name(token.homeChainId)}`,
      token: token.symbol,
      details: {
        locked: reading.locked.toString(),
        totalMinted: totalMinted.toString(),
        excess: excess.toString(),
        minted: Object.fromEntries([...reading.minted].map(([chainId, v]) => [name(chainId), v.toString()])),
        decimals: token.decimals,
      },
    });
    // Enforced on every poll while the breach lasts: an insolvent bridge must stay paused, so a
    // gateway unpaused before the shortfall is fixed is paused again (the responder skips
    // gateways that are already paused, so this sends nothing when all are).
    for (const chainId of this.gatewayChainIds()) actions.push({ action: "pause", chainId, alerts: [alert] });
  }

  private export({ token, locked, minted }: SupplyReading) {
    const whole = (v: bigint) => Number(formatUnits(v, token.decimals));
    const { metrics, manifest } = this.ctx;
    metrics.lockedTokens.set({ token: token.symbol, chain: chainName(manifest, token.homeChainId) }, whole(locked));
    for (const [chainId, amount] of minted) {
      metrics.mintedTokens.set({ token: token.symbol, chain: chainName(manifest, chainId) }, whole(amount));
    }
  }
}

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
import type { Address } from "viem";
import type { TokenInfo } from "../../core/manifest.js";

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

/**
 * The solvency check's arithmetic (monitor/checks/supply.ts) and the claim its comment makes:
 * in a model of the gateways' accounting, no interleaving of genuine sends and executions ever
 * makes bridged supply exceed the locked backing, while one forged mint larger than what is in
 * flight does.
 */
import { describe, expect, it } from "vitest";
import type { Address } from "viem";
import type { TokenInfo } from "../../../core/manifest.js";
import { evaluateSupply, readSupply } from "../../../monitor/checks/supply.js";

const HOME = 1;
const REMOTES = [2, 3];
const TOKEN: TokenInfo = {
  symbol: "ALPHA",
  name: "Alpha",
  decimals: 18,
  homeChainId: HOME,
  homeToken: "0x00000000000000000000000000000000000000a1",
  addresses: {
    [HOME]: "0x00000000000000000000000000000000000000a1",
    2: "0x00000000000000000000000000000000000000b2",
    3: "0x00000000000000000000000000000000000000b3",
  },
};

describe("evaluateSupply", () => {
  it("test_evaluateSupply_mintedEqualToLocked_succeeds", () => {
    expect(evaluateSupply(100n, [60n, 40n])).toEqual({ ok: true, totalMinted: 100n, excess: 0n });
  });

  it("test_evaluateSupply_nothingBridged_succeeds", () => {
    expect(evaluateSupply(0n, [])).toEqual({ ok: true, totalMinted: 0n, excess: 0n });
  });

  it("test_evaluateSupply_oneUnitOver_breaches", () => {
    expect(evaluateSupply(100n, [60n, 41n])).toEqual({ ok: false, totalMinted: 101n, excess: 1n });
  });

  it("test_evaluateSupply_amountsBeyond2Pow128_exact", () => {
    const big = 2n ** 200n;
    expect(evaluateSupply(big, [big - 1n, 1n]).ok).toBe(true);
    expect(evaluateSupply(big, [big, 1n]).excess).toBe(1n);
  });
});

describe("readSupply", () => {
  it("test_readSupply_readsHomeLockedAndEveryRemoteSupply_succeeds", async () => {
    const reads: string[] = [];
    const reading = await readSupply(TOKEN, {
      lockedBalance: async (chainId, homeToken) => {
        reads.push(`locked ${chainId} ${homeToken}`);
        return 500n;
      },
      totalSupply: async (chainId, token: Address) => {
        reads.push(`supply ${chainId} ${token}`);
        return chainId === 2 ? 300n : 150n;
      },
    });
    expect(reading.locked).toBe(500n);
    expect([...reading.minted]).toEqual([
      [2, 300n],
      [3, 150n],
    ]);
    // The home chain's own token is never counted as minted.
    expect(reads.sort()).toEqual([
      `locked 1 ${TOKEN.homeToken}`,
      `supply 2 ${TOKEN.addresses[2]}`,
      `supply 3 ${TOKEN.addresses[3]}`,
    ]);
  });
});

/** Deterministic xorshift PRNG, so a failure reproduces. */
function prng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
    below: (n: bigint) => (BigInt(Math.floor(next() * 2 ** 32)) * BigInt(Math.floor(next() * 2 ** 32))) % n,
  };
}

/** The gateways' accounting, reduced to what the invariant is about. */
class Model {
  locked = 0n;
  minted = new Map<number, bigint>(REMOTES.map((c) => [c, 0n]));
  inFlight: { to: number; amount: bigint }[] = [];

  send(from: number, to: number, amount: bigint) {
    if (from === HOME) this.locked += amount;
    else this.minted.set(from, this.minted.get(from)! - amount);
    this.inFlight.push({ to, amount });
  }

  execute(i: number) {
    const [m] = this.inFlight.splice(i, 1);
    if (m!.to === HOME) this.locked -= m!.amount;
    else this.minted.set(m!.to, this.minted.get(m!.to)! + m!.amount);
  }

  verdict() {
    return evaluateSupply(this.locked, this.minted.values());
  }
}

describe("solvency under in-flight messages", () => {
  it("testFuzz_genuineInterleavings_neverBreach", () => {
    const random = prng(0x5eed);
    for (let run = 0; run < 200; run++) {
      const model = new Model();
      for (let step = 0; step < 40; step++) {
        if (model.inFlight.length > 0 && random.int(2) === 0) {
          model.execute(random.int(model.inFlight.length));
        } else {
          const from = random.pick([HOME, ...REMOTES]);
          const to = random.pick([HOME, ...REMOTES].filter((c) => c !== from));
          const balance = from === HOME ? 10n ** 24n : model.minted.get(from)!;
          if (balance === 0n) continue;
          model.send(from, to, 1n + random.below(balance));
        }
        const verdict = model.verdict();
        expect(verdict.ok).toBe(true);
        // locked − minted is exactly what is in flight.
        const inFlight = model.inFlight.reduce((s, m) => s + m.amount, 0n);
        expect(model.locked - verdict.totalMinted).toBe(inFlight);
      }
    }
  });

  it("test_forgedMintAboveInFlight_breaches", () => {
    const model = new Model();
    model.send(HOME, 2, 1_000n);
    model.execute(0);
    model.send(HOME, 3, 400n); // in flight: 400
    model.minted.set(3, model.minted.get(3)! + 401n); // forged: 401 minted from nothing
    expect(model.verdict()).toMatchObject({ ok: false, excess: 1n });
  });
});

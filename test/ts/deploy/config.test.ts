/**
 * The deploy config schema (`deploy/config.ts`): the documented example parses, every problem
 * of a bad config is reported on its own line with its path, and the rules that protect users
 * (the governance delay floor, devnet-only shortcuts) hold.
 */
import { readFileSync } from "node:fs";
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import {
  configWarnings,
  DeployConfigError,
  escapeTiming,
  feeConfigOf,
  isDevnet,
  parseDeployConfig,
  routeFeeFields,
  type DeployConfig,
} from "../../../deploy/config.js";
import { escapeDurationSeconds } from "../../../deploy/governance.js";

const EXAMPLE = "deploy/examples/op-mainnet-base.json";
const example = (): Record<string, unknown> => JSON.parse(readFileSync(EXAMPLE, "utf8"));

/** The problem lines of a refused config. */
function problems(json: unknown): string[] {
  try {
    parseDeployConfig(json, "deploy.json");
  } catch (e) {
    expect(e).toBeInstanceOf(DeployConfigError);
    const [first, ...lines] = (e as Error).message.split("\n");
    expect(first).toBe("deploy.json is invalid:");
    return lines.map((l) => l.trim());
  }
  throw new Error("the config was accepted");
}

function edit(f: (c: Record<string, any>) => void): Record<string, unknown> {
  const c = example();
  f(c);
  return c;
}

describe("deploy config", () => {
  it("test_parse_documentedExample_succeeds: the README's OP Mainnet + Base config", () => {
    const c = parseDeployConfig(example());
    expect(c.chains.map((x) => [x.name, x.kind, x.chainId])).toEqual([
      ["op", "op-stack", 10],
      ["base", "op-stack", 8453],
    ]);
    expect(c.council).toEqual({ owners: expect.any(Array), threshold: 4 });
    expect(isDevnet(c)).toBe(false);
    // Defaults fill what the example leaves out; addresses come back checksummed.
    expect(c.guardians.standby).toEqual([]);
    expect(c.escape.relayAllowanceSeconds).toBe(3_600);
    expect(c.tokens[0]!.address).toBe("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
    // Both prove with dispute games: wired, but `bridge escape` cannot prove there yet.
    expect(configWarnings(c)).toEqual(
      ["op", "base"].map((n) => expect.stringMatching(new RegExp(`^NOTE: ${n} proves withdrawals with dispute games`))),
    );
    const withOracles = parseDeployConfig(
      edit((x) => {
        for (const chain of x.chains) {
          chain.l1Contracts.l2OutputOracle = chain.l1Contracts.disputeGameFactory;
          delete chain.l1Contracts.disputeGameFactory;
        }
      }),
    );
    expect(configWarnings(withOracles)).toEqual([]);
  });

  it("test_parse_manyProblems_reportsEachOnItsOwnLine", () => {
    const lines = problems(
      edit((c) => {
        c.deployer = "0x1234";
        c.chains[0].rpcUrl = "not a url";
        c.chains[1].l1Contracts.l2OutputOracle = "0x56315b90c40730925ec5485cf004d835058518A0";
        c.guardians.treshold = 3;
        c.tokens[0].limits.fast = "lots";
      }),
    );
    expect(lines).toEqual([
      "deployer: not an address",
      "chains.0.rpcUrl: Invalid url",
      "chains.1.l1Contracts: name exactly one of l2OutputOracle (permissioned outputs) and disputeGameFactory (fault proofs)",
      "guardians: Unrecognized key(s) in object: 'treshold'",
      'tokens.0.limits.fast: a whole-token amount such as "1000" or "0.5", or "unlimited"',
    ]);
  });

  it("test_parse_crossChecks_reportEachProblem: names, ids, thresholds, tokens", () => {
    const lines = problems(
      edit((c) => {
        c.chains[1].name = "op";
        c.chains[1].chainId = 1;
        c.guardians.threshold = 8;
        c.guardians.members[1].address = c.guardians.members[0].address;
        c.council.threshold = 6;
        c.tokens[1].home = "arbitrum";
        c.tokens[1].symbol = "USDC";
        c.deadlineWindows.default = 10;
      }),
    );
    expect(lines).toEqual([
      'chains.1.name: "op" is used twice',
      "chains.1.chainId: chain id 1 is also ethereum's",
      "guardians.members.1.address: guardian listed twice",
      "guardians.threshold: 8 exceeds the 7 members",
      "council.threshold: 6 exceeds the 5 owners",
      "deadlineWindows: must satisfy min <= default <= max (got 3600 / 10 / 2592000)",
      // The renamed chain leaves USDC's home behind too.
      'tokens.0.home: "base" is not one of the L2s (op, op)',
      'tokens.1.symbol: "USDC" is used twice',
      'tokens.1.home: "arbitrum" is not one of the L2s (op, op)',
      'fees.routes.0.to: "base" is not one of the L2s (op)',
    ]);
  });

  it("test_parse_council_eitherOwnersOrSafe", () => {
    expect(problems(edit((c) => (c.council = {})))).toEqual([
      "council: name either owners and threshold (a new Safe) or safe (an existing Safe)",
    ]);
    expect(
      problems(edit((c) => (c.council = { owners: c.council.owners, threshold: 2, safe: c.council.owners[0] }))),
    ).toEqual(["council: name either owners and threshold (a new Safe) or safe (an existing Safe)"]);
    const existing = parseDeployConfig(
      edit((c) => (c.council = { safe: "0x5afe000000000000000000000000000000005afe" })),
    );
    expect(existing.council).toEqual({ safe: getAddress("0x5afe000000000000000000000000000000005afe") });
  });

  it("test_parse_delayBelowEscape_reverts: the timelock must outlast an escape through L1", () => {
    const floor = escapeDurationSeconds(escapeTiming(parseDeployConfig(example()) as DeployConfig));
    expect(floor).toBe(86_400 + 604_800 + 3_600);
    expect(problems(edit((c) => (c.governance.delaySeconds = floor - 1)))).toEqual([
      `governance.delaySeconds: ${floor - 1} s is shorter than an escape through L1 (${floor} s = default deadline window + finalization + relay allowance): users could not leave before a change lands`,
    ]);
    expect(parseDeployConfig(edit((c) => (c.governance.delaySeconds = floor))).governance.delaySeconds).toBe(floor);
  });

  it("test_parse_shortDelay_onlyOnDevnet", () => {
    expect(problems(edit((c) => (c.governance = { delaySeconds: 8, allowShortDelay: true })))).toEqual([
      "governance.allowShortDelay: only a devnet (every L2 of kind devnet) may shorten the delay",
    ]);
    const devnet = parseDeployConfig(
      edit((c) => {
        c.chains = c.chains.map((x: Record<string, unknown>) => ({
          name: x.name,
          chainId: x.chainId,
          rpcUrl: "http://127.0.0.1:8545",
          kind: "devnet",
        }));
        c.governance = { delaySeconds: 8, allowShortDelay: true };
      }),
    );
    expect(isDevnet(devnet)).toBe(true);
    expect(configWarnings(devnet)).toEqual([
      "WARNING: governance delay 8 s is shorter than an escape through L1 (90000 s); allowed only because this is a devnet (governance.allowShortDelay): users could NOT escape before a change lands.",
    ]);
  });

  it("test_parse_mixedKinds_reverts", () => {
    expect(
      problems(
        edit((c) => {
          c.chains[1] = { name: "base", kind: "devnet", chainId: 31337, rpcUrl: "http://127.0.0.1:8545" };
        }),
      ),
    ).toEqual([
      "chains: do not mix devnet and op-stack L2s in one deployment",
      "chains: either every L2 names its canonical messaging (rollup) or none does: the escape hatch spans them all",
    ]);
  });

  it("test_parse_sharedL1Messenger_reverts: the EscapeHatch tells L2s apart by their L1 messenger", () => {
    expect(
      problems(
        edit((c) => {
          c.chains[1].l1Contracts.l1CrossDomainMessenger = c.chains[0].l1Contracts.l1CrossDomainMessenger;
        }),
      ),
    ).toEqual(["chains.1.l1Contracts.l1CrossDomainMessenger: also op's: every L2 has its own L1 messenger"]);
  });

  it("test_parse_sameHomeTokenTwice_reverts: the token identity is (home chain, home address)", () => {
    expect(
      problems(
        edit((c) => {
          c.tokens[1].address = c.tokens[0].address;
          c.tokens[1].home = c.tokens[0].home;
        }),
      ),
    ).toEqual(["tokens.1.address: same home chain and address as USDC: token identities must differ"]);
    // The same address on two home chains is two tokens.
    const twin = parseDeployConfig(edit((c) => (c.tokens[1].address = c.tokens[0].address)));
    expect(twin.tokens.map((t) => [t.home, t.address])).toEqual([
      ["base", twin.tokens[0]!.address],
      ["op", twin.tokens[0]!.address],
    ]);
  });

  it("test_parse_fees_example: default, override, beneficiary and updater", () => {
    const c = parseDeployConfig(example());
    expect(c.fees.beneficiary).toBe("0x5000000000000000000000000000000000000001");
    expect(c.fees.updaters).toEqual(["0x5000000000000000000000000000000000000002"]);
    expect(routeFeeFields(c.fees, "op", "base").flatFee).toBe("0.00001 ether");
    expect(routeFeeFields(c.fees, "base", "op").flatFee).toBe("0.00002 ether");
    const { config, problems: none } = feeConfigOf(routeFeeFields(c.fees, "op", "base"));
    expect(none).toEqual([]);
    expect(config).toMatchObject({ gasPrice: 10_000_000n, flatFee: 10n ** 13n, exchangeRate: 10n ** 18n });
    // Without fees a deployment would start unpriced: the section is required.
    expect(problems(edit((x) => delete x.fees))).toEqual(["fees: Required"]);
  });

  it("test_parse_badFees_oneSentencePerField", () => {
    const lines = problems(
      edit((c) => {
        c.fees.beneficiary = "0x12";
        c.fees.default.gasPrice = "2";
        c.fees.default.exchangeRate = "one";
        c.fees.default.maxChangePerHourBps = 70_000;
        c.fees.default.gasPerMessage = -1;
      }),
    );
    expect(lines).toEqual([
      "fees.beneficiary: not an address",
      'fees.default.gasPrice: a native amount with its unit, such as "2 gwei", "0.1 ether" or "0 wei"',
      'fees.default.exchangeRate: a decimal ratio such as "1" (both chains use ETH) or "0.00045"',
      "fees.default.gasPerMessage: Number must be greater than or equal to 0",
      "fees.default.maxChangePerHourBps: Number must be less than or equal to 65535",
    ]);
  });

  it("test_parse_feesTheGatewayWouldRefuse_sayWhich: bounds, field widths, precision, overrides", () => {
    const lines = problems(
      edit((c) => {
        c.fees.default.gasPrice = "100 gwei";
        c.fees.default.dropOffCap = "0.5 wei";
        c.fees.routes = [
          { to: "base", maxExchangeRate: "0.5" },
          { to: "arbitrum", from: "op" },
          { to: "op", from: "op" },
          { to: "base", minExchangeRate: "1" },
          { from: "base", to: "op", minGasPrice: "20 ether", gasPrice: "20 ether", maxGasPrice: "20 ether" },
        ];
      }),
    );
    expect(lines).toEqual([
      'fees.routes.1.to: "arbitrum" is not one of the L2s (op, base)',
      "fees.routes.2.from: a route joins two different L2s",
      "fees.routes.3: overrides the same routes as fees.routes.0",
      "fees.default.dropOffCap: 0.5 wei is not a whole number of wei",
      "fees.routes.4.gasPrice: 20 ether is above the gateway's 64-bit field (18446744073709551615 wei) (route base -> op)",
      "fees.routes.4.minGasPrice: 20 ether is above the gateway's 64-bit field (18446744073709551615 wei) (route base -> op)",
      "fees.routes.4.maxGasPrice: 20 ether is above the gateway's 64-bit field (18446744073709551615 wei) (route base -> op)",
    ]);
    // Once the widths fit, the relations: the start inside its bounds, the dearest quote in 88 bits.
    expect(
      problems(
        edit((c) => {
          c.fees.default.gasPrice = "100 gwei";
          c.fees.routes = [{ to: "base", maxExchangeRate: "0.5", minExchangeRate: "0.5" }];
        }),
      ),
    ).toEqual([
      "fees.default.gasPrice: 100 gwei is outside minGasPrice 0.001 gwei … maxGasPrice 50 gwei",
      "fees.routes.0.exchangeRate: 1 is outside minExchangeRate 0.5 … maxExchangeRate 0.5 (route op -> base)",
    ]);
    expect(
      problems(
        edit((c) => {
          c.fees.default.maxGasPrice = "18 ether";
          c.fees.default.gasPerMessage = 100_000_000;
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^fees\.default\.maxGasPrice: at maxGasPrice and maxExchangeRate a quote with the full drop-off would be \d+ wei, above the gateway's 88-bit fee/,
      ),
    ]);
  });
});

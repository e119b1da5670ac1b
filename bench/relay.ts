/**
 * `npm run bench:relay [-- options]`: end-to-end relay throughput and latency on a fresh devnet
 * with every service running (3 guardians, 2 of 3; K relayers; the monitor; 1 s blocks; 1
 * confirmation). Run `npm run bench:relay -- --help` for the options:
 *
 *   --from <l2> --to <l2>   one route (default: the first two L2s)
 *   --token <symbol>        the token sent (default: per route, the one homed on its source, else
 *                           the first token of the manifest)
 *   --l2s <L>               every route between L L2s at once (replaces --from/--to)
 *   --n <count>             transfers in all (default 2000), split evenly over the routes
 *   --senders <count>       distinct sending accounts (default 50), split over the routes
 *   --relayers <K>          relayer processes (default 2)
 *   --json                  stdout is exactly one JSON object (see below); logs go to stderr
 *   --explorer              keep the devnet's explorer running (it is stopped for the run: it
 *                           is not on the relay path and would index the burst on the same cores)
 *   --cold                  no warm-up: the burst meets relayers that have delivered nothing yet
 *
 * Before the burst, one transfer per route is sent and waited for until delivered (not counted):
 * the figures are those of a bridge already running, as users meet it. A relayer that has not
 * delivered to a chain yet does not know what a delivery there costs and estimates its first
 * ones (a round trip to a node busy with the burst), and every service's code is still cold;
 * `--cold` measures that first burst instead. The burst also waits until the devnet's OP Stack
 * output proposers have caught up with the blocks deployment mined (`awaitProposersCaughtUp`).
 *
 * Senders get ETH with anvil_setBalance and their tokens from the devnet's dev users, who hold a
 * faucet balance of every token on its home chain however deployment homed it (see `fundSenders`).
 * Every amount is under the fast limit and the run stays within the rate-limit buckets, so every
 * transfer takes the fast path (if the deployed limits are too small, governance raises them,
 * and the output says so). The sends are signed in advance and submitted as JSON-RPC batches, so
 * the source chains, not this script, set the pace.
 *
 * All figures come from block timestamps, each less its chain's clock offset (bench/chain-clock.ts,
 * measured over three blocks before the burst): the moment the block appeared. anvil clocks can
 * be whole seconds apart, and the figures compare blocks of different chains.
 * - latencyMs: per transfer, from the block holding its `send` to the block holding its
 *   MessageExecuted, in whole seconds (blocks).
 * - sourceSendRate: n / the span of the blocks holding the sends (first to last in whole
 *   seconds, plus one block).
 * - transfersPerSecond: n / seconds, where seconds is the span of the blocks holding the
 *   executions (likewise): the rate the bridge delivered at. The two rates compare the streams
 *   block for block; the delay between them is the latency, not throughput.
 *
 * Targets (issue 10): transfersPerSecond >= 0.95 x sourceSendRate at n = 2,000; latency p95 <= 3 s
 * (confirmation + 2 blocks), p50 <= 2.5 s.
 */
import { Command, InvalidArgumentError } from "commander";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeFunctionData,
  erc20Abi,
  getAbiItem,
  keccak256,
  maxUint256,
  parseEther,
  parseGwei,
  parseUnits,
  formatUnits,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { BridgeClient, Direction, publicClientFor, type GatewayChain } from "@portcullis/sdk";
import { Council } from "@portcullis/sdk/council";
import { FileCouncilStore } from "@portcullis/sdk/node";
import { bridgeGatewayAbi, l2OutputOracleAbi } from "../core/generated/abis.js";
import { decodeMessagesSent } from "../core/logs.js";
import { findChain, findToken, type Manifest, type TokenInfo } from "../core/manifest.js";
import { onLauncherExit } from "../core/service/launcher.js";
import { nodeRpcFetch } from "../core/service/rpc-fetch.js";
import { startDevnet, type Devnet } from "../devnet/start.js";
import { clockOffsetMs, wallClockMs, wholeSeconds } from "./chain-clock.js";

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive whole number.`);
  return n;
};

const args = new Command("bench:relay")
  .description("end-to-end relay throughput and latency on a fresh devnet")
  .option("--from <l2>", "source chain of the route (default: the first L2)")
  .option("--to <l2>", "destination chain of the route (default: the second L2)")
  .option("--token <symbol>", "token to send (default: the one homed on the source, else the first)")
  .option("--l2s <count>", "every route between this many L2s at once (2 to 4)", positive("--l2s"))
  .option("--n <count>", "transfers in all, split over the routes", positive("--n"), 2_000)
  .option("--senders <count>", "distinct sending accounts, split over the routes", positive("--senders"), 50)
  .option("--relayers <count>", "relayer processes (1 to 4)", positive("--relayers"), 2)
  .option("--log-level <level>", "the services' LOG_LEVEL (debug shows each step's timing)", "info")
  .option("--json", "print one JSON object on stdout")
  .option("--keep-logs", "keep the devnet directory (service logs) after a successful run")
  .option("--explorer", "keep the devnet's explorer running during the run (stopped by default)")
  .option("--cold", "no warm-up transfer per route before the burst (relayers start it cold)")
  .parse()
  .opts<{
    from?: string;
    to?: string;
    token?: string;
    l2s?: number;
    n: number;
    senders: number;
    relayers: number;
    logLevel: string;
    json?: boolean;
    keepLogs?: boolean;
    explorer?: boolean;
    cold?: boolean;
  }>();

const RPC_BATCH = 100;
const POLL_MS = 250;

const log = (line: string) => process.stderr.write(`[bench:relay] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RelayBenchResult {
  n: number;
  seconds: number;
  transfersPerSecond: number;
  sourceSendRate: number;
  latencyMs: { p50: number; p95: number; max: number };
  relayers: number;
  routes: { from: string; to: string; token: string }[];
}

interface Route {
  src: GatewayChain;
  dst: GatewayChain;
  token: TokenInfo;
  senders: PrivateKeyAccount[];
  /** Sends the route's warm-up transfer (not one of `senders`: their allowances stay untouched). */
  warmer: PrivateKeyAccount;
  /** Amount of transfer i of this route. */
  amounts: bigint[];
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC in bulk

async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]): Promise<unknown[]> {
  const body = calls.map((c, id) => ({ jsonrpc: "2.0", id, ...c }));
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const replies = (await res.json()) as { id: number; result?: unknown; error?: { message: string } }[];
  replies.sort((a, b) => a.id - b.id);
  const failed = replies.find((r) => r.error);
  if (failed) throw new Error(`${calls[failed.id]!.method} failed: ${failed.error!.message}`);
  return replies.map((r) => r.result);
}

async function submitRaw(url: string, raw: Hex[]) {
  for (let i = 0; i < raw.length; i += RPC_BATCH) {
    await rpcBatch(
      url,
      raw.slice(i, i + RPC_BATCH).map((tx) => ({ method: "eth_sendRawTransaction", params: [tx] })),
    );
  }
}

/** Waits until every transaction is mined and successful (receipts fetched in batches). */
async function waitMined(url: string, hashes: Hex[], what: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let pending = hashes;
  while (pending.length > 0) {
    if (Date.now() > deadline) throw new Error(`${what}: ${pending.length} transactions not mined in ${timeoutMs} ms`);
    await sleep(250);
    const receipts: ({ status: Hex } | null)[] = [];
    for (let i = 0; i < pending.length; i += RPC_BATCH) {
      const page = pending.slice(i, i + RPC_BATCH);
      receipts.push(
        ...((await rpcBatch(
          url,
          page.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })),
        )) as ({ status: Hex } | null)[]),
      );
    }
    const reverted = pending.find((_, i) => receipts[i] && receipts[i]!.status !== "0x1");
    if (reverted) throw new Error(`${what}: transaction ${reverted} reverted`);
    pending = pending.filter((_, i) => receipts[i] === null);
  }
}

/**
 * The senders' fees, as a wallet signs them (ethers' default): the node's suggested tip and a cap
 * of twice the base fee plus that tip, which stays above the base fee through the five full
 * blocks the burst can raise it by. (A 50 gwei floor here once put every send above every
 * delivery on anvil, which orders its pool by fee cap; op-geth orders by tip.)
 */
async function feeCaps(client: PublicClient) {
  const [block, tip] = await Promise.all([client.getBlock(), client.estimateMaxPriorityFeePerGas()]);
  const base = block.baseFeePerGas ?? parseGwei("1");
  return { maxFeePerGas: base * 2n + tip, maxPriorityFeePerGas: tip };
}

/** Signs `calls` from `account` with consecutive nonces (from its pending count) and submits them. */
async function signAndSubmit(
  chain: GatewayChain,
  client: PublicClient,
  batches: { account: PrivateKeyAccount; calls: { to: Address; data: Hex; gas: bigint; value?: bigint }[] }[],
): Promise<Hex[]> {
  const fees = await feeCaps(client);
  const raw: Hex[] = [];
  for (const { account, calls } of batches) {
    let nonce = await client.getTransactionCount({ address: account.address, blockTag: "pending" });
    for (const call of calls) {
      raw.push(
        await account.signTransaction({ chainId: chain.chainId, type: "eip1559", nonce: nonce++, ...call, ...fees }),
      );
    }
  }
  await submitRaw(chain.rpcUrl, raw);
  return raw.map((tx) => keccak256(tx));
}

// ---------------------------------------------------------------------------------------------
// Set-up: routes, limits, funding

/**
 * The gateway `send` of `amount` to `recipient` (deadline 0: the gateway's default window; no
 * drop-off), paying `fee` (the route's quote: relayers deliver only what paid it). The bench
 * signs thousands in advance, so it encodes them itself rather than ask the SDK's
 * `buildTransfer`, which reads both chains per call; the probe quote checks the route once.
 */
function sendCall(
  from: GatewayChain,
  to: GatewayChain,
  sourceToken: Address,
  recipient: Address,
  amount: bigint,
  fee: bigint,
) {
  return {
    address: from.gateway,
    abi: bridgeGatewayAbi,
    functionName: "send",
    args: [sourceToken, BigInt(to.chainId), recipient, amount, 0n, 0n],
    value: fee,
  } as const;
}

function chooseRoutes(
  manifest: Manifest,
  client: BridgeClient,
): { src: GatewayChain; dst: GatewayChain; token: TokenInfo }[] {
  const l2s = client.gatewayChains;
  const tokenFor = (src: GatewayChain) =>
    args.token
      ? findToken(manifest, args.token)
      : (manifest.tokens.find((t) => t.homeChainId === src.chainId) ?? manifest.tokens[0]!);
  const gateway = (name: string) => {
    const chain = l2s.find((c) => c.name === findChain(manifest, name).name);
    if (!chain) throw new Error(`${name} has no gateway: pick one of ${l2s.map((c) => c.name).join(", ")}`);
    return chain;
  };
  if (args.l2s !== undefined) {
    const chosen = l2s.slice(0, args.l2s);
    return chosen.flatMap((src) =>
      chosen.filter((dst) => dst !== src).map((dst) => ({ src, dst, token: tokenFor(src) })),
    );
  }
  const src = gateway(args.from ?? l2s[0]!.name);
  const dst = gateway(args.to ?? l2s.find((c) => c !== src)!.name);
  if (src === dst) throw new Error("--from and --to must be different chains");
  return [{ src, dst, token: tokenFor(src) }];
}

/**
 * Makes sure the route measures the fast path: every amount under the fast limit and the total
 * within both buckets. Raises the limits through governance (council Safe + timelock) if not.
 */
async function ensureLimits(devnet: Devnet, client: BridgeClient, r: Route): Promise<string[]> {
  const notes: string[] = [];
  const total = r.amounts.reduce((a, b) => a + b, 0n);
  const largest = r.amounts.reduce((a, b) => (b > a ? b : a), 0n);
  const home = r.token.homeToken;
  const homeChainId = BigInt(r.token.homeChainId);
  const fmt = (v: bigint) => `${v / 10n ** BigInt(r.token.decimals)} ${r.token.symbol}`;
  // No key governs: limits change through the council Safe and the devnet's short timelock.
  const council = new Council(
    devnet.manifest,
    new FileCouncilStore(join(devnet.options.dir, "council", "pending.json")),
  );
  const owners = (devnet.manifest.devKeys!.council as Hex[]).map((key) => privateKeyToAccount(key));
  const write = async (chain: GatewayChain, data: Hex, description: string) => {
    await council.enact(council.chain(chain.name), [{ target: chain.gateway, data, description }], owners);
  };
  const inbound = await client.gateway(r.dst).inboundToken(homeChainId, home);
  if (largest > inbound.fastLimit) {
    const data = encodeFunctionData({
      abi: bridgeGatewayAbi,
      functionName: "setFastLimit",
      args: [homeChainId, home, largest],
    });
    await write(r.dst, data, "setFastLimit");
    notes.push(`raised the ${r.dst.name} fast limit of ${r.token.symbol} to ${fmt(largest)} (governance)`);
  }
  for (const [chain, direction, name] of [
    [r.dst, Direction.Inbound, "inbound"],
    [r.src, Direction.Outbound, "outbound"],
  ] as const) {
    const gateway = client.gateway(chain);
    const room = await gateway.availableRateLimit(homeChainId, home, name);
    if (room < total) {
      const bucket = await gateway.rateLimit(homeChainId, home, name);
      const args = [homeChainId, home, direction, total * 2n, bucket.refillPerSecond] as const;
      await write(
        chain,
        encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "setRateLimit", args }),
        "setRateLimit",
      );
      notes.push(`raised the ${chain.name} ${name} bucket of ${r.token.symbol} to ${fmt(total * 2n)} (governance)`);
    }
  }
  return notes;
}

/**
 * Gives each sender `amounts[i]` of `token` on `chain`, and ETH for gas: the one place that knows
 * how the devnet hands out tokens, so a change to how a token is homed (an L1 origin through a
 * different rollup bridge, say) changes only this. The devnet's dev users hold a faucet balance
 * of every token on its home chain, however deployment put it there (minted, or deposited from
 * L1); they pay the senders from it with a plain transfer on the home chain, or through the
 * bridge itself (home → chain, delivered by the running relayers) anywhere else.
 */
async function fundSenders(
  devnet: Devnet,
  bridge: BridgeClient,
  token: TokenInfo,
  chain: GatewayChain,
  senders: readonly PrivateKeyAccount[],
  amounts: readonly bigint[],
): Promise<void> {
  const wei = `0x${parseEther("100").toString(16)}`;
  await rpcBatch(
    chain.rpcUrl,
    senders.map((a) => ({ method: "anvil_setBalance", params: [a.address, wei] })),
  );
  const home = bridge.gatewayChains.find((c) => c.chainId === token.homeChainId);
  if (!home) throw new Error(`${token.symbol}'s home chain has no gateway`);
  const homeToken = token.addresses[String(home.chainId)] as Address;
  const client = bridge.client(home);
  const local = chain.chainId === home.chainId;
  const fee = local ? 0n : await bridge.gateway(home).quoteFee(chain.chainId, 0n);
  // Each dev user pays every eighth sender.
  const payers = devnet.manifest.devKeys!.users.map((k, p) => {
    const grants = senders.map((s, i) => ({ to: s.address, amount: amounts[i]! })).filter((_, i) => i % 8 === p % 8);
    return { account: privateKeyToAccount(k as Hex), grants, total: grants.reduce((a, g) => a + g.amount, 0n) };
  });
  for (const p of payers) {
    const balance = await client.readContract({
      address: homeToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [p.account.address],
    });
    if (balance < p.total) {
      throw new Error(
        `dev user ${p.account.address} holds too little ${token.symbol} on ${home.name}: use a smaller --n`,
      );
    }
  }
  const batches = payers
    .filter((p) => p.grants.length > 0)
    .map((p) => {
      const grants = p.grants.map((g) =>
        local
          ? {
              to: homeToken,
              data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [g.to, g.amount] }),
              gas: 100_000n,
            }
          : {
              to: home.gateway,
              data: encodeFunctionData(sendCall(home, chain, homeToken, g.to, g.amount, fee)),
              value: fee,
              gas: 400_000n,
            },
      );
      const approve = {
        to: homeToken,
        data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [home.gateway, p.total] }),
        gas: 100_000n,
      };
      return { account: p.account, calls: local ? grants : [approve, ...grants] };
    });
  await waitMined(home.rpcUrl, await signAndSubmit(home, client, batches), `funding ${token.symbol} on ${home.name}`);
  if (local) return;
  // Bridged: wait for the relayers to deliver every grant.
  const target = bridge.client(chain);
  const localToken = token.addresses[String(chain.chainId)] as Address;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const balances = await Promise.all(
      senders.map((s) =>
        target.readContract({ address: localToken, abi: erc20Abi, functionName: "balanceOf", args: [s.address] }),
      ),
    );
    if (balances.every((b, i) => b >= amounts[i]!)) return;
    if (Date.now() > deadline) throw new Error(`funding ${token.symbol} on ${chain.name} through the bridge timed out`);
    await sleep(500);
  }
}

/** The warm-up transfer's amount: one whole token. */
function warmUpAmount(r: Route): bigint {
  return parseUnits("1", r.token.decimals);
}

/**
 * Sends one transfer on `r` from its warmer (approving the gateway first where the source
 * locks) and waits until the destination has processed it: a relayer has then delivered to that
 * chain once (it knows the cost of a delivery there) and the services' code paths have run.
 */
async function warmUp(bridge: BridgeClient, r: Route): Promise<void> {
  const client = bridge.client(r.src);
  const sourceToken = r.token.addresses[String(r.src.chainId)] as Address;
  const amount = warmUpAmount(r);
  const probe = await bridge.quote({
    from: r.src.name,
    to: r.dst.name,
    token: r.token.symbol,
    amount: formatUnits(amount, r.token.decimals),
    sender: r.warmer.address,
  });
  const send = sendCall(r.src, r.dst, sourceToken, r.warmer.address, amount, probe.fee.amount);
  const calls = [
    ...(probe.approval?.needed
      ? [
          {
            to: sourceToken,
            data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [r.src.gateway, amount] }),
            gas: 100_000n,
          },
        ]
      : []),
    { to: send.address, data: encodeFunctionData(send), value: send.value, gas: 400_000n },
  ];
  const hashes = await signAndSubmit(r.src, client, [{ account: r.warmer, calls }]);
  const what = `warm-up ${r.src.name} → ${r.dst.name}`;
  await waitMined(r.src.rpcUrl, hashes, what);
  const receipt = await client.getTransactionReceipt({ hash: hashes.at(-1)! });
  const [sent] = decodeMessagesSent(receipt.logs, r.src.gateway);
  if (!sent) throw new Error(`${what}: the send emitted no MessageSent`);
  const destination = bridge.gateway(r.dst);
  const deadline = Date.now() + 120_000;
  while (!(await destination.isProcessed(BigInt(r.src.chainId), r.src.gateway, sent.message.nonce))) {
    if (Date.now() > deadline) throw new Error(`${what}: not delivered within 120 s`);
    await sleep(POLL_MS);
  }
}

/**
 * Waits until every L2's output proposer (the devnet's OP Stack stand-in, devnet/op-stack) has
 * caught up with its chain. Deploying the devnet mines dozens of L2 blocks at once, and the
 * proposer, one L1 transaction per L1 block, then proposes back to back for about a minute, twice
 * its steady pace of one output per interval (in one K = 2, L = 3 run the three proposers took
 * 1.9 CPU-s of the burst's busiest 6 s, per-process sampling; ~0.4 once caught up). A
 * bridge already running meets proposers at their steady pace (and in production they run on
 * the rollup operator's machines, not the bridge's), as the warm-up makes the burst meet relayers
 * that have delivered before. Caught up: fewer than two outputs due. Gives up after 180 s, saying so.
 */
async function awaitProposersCaughtUp(devnet: Devnet, bridge: BridgeClient): Promise<void> {
  const l1 = devnet.manifest.chains.find((c) => c.kind === "l1");
  const rollups = bridge.gatewayChains.filter((c) => c.rollup !== undefined);
  if (!l1 || rollups.length === 0) return;
  const l1Client = bridge.client(l1);
  const oracles = await Promise.all(
    rollups.map(async (c) => {
      const oracle = { address: c.rollup!.l2OutputOracle, abi: l2OutputOracleAbi } as const;
      return { c, oracle, interval: await l1Client.readContract({ ...oracle, functionName: "submissionInterval" }) };
    }),
  );
  const behind = async () => {
    const lags = await Promise.all(
      oracles.map(async ({ c, oracle, interval }) => {
        const [next, head] = await Promise.all([
          l1Client.readContract({ ...oracle, functionName: "nextBlockNumber" }),
          bridge.client(c).getBlockNumber({ cacheTime: 0 }),
        ]);
        return { name: c.name, due: next > head ? 0n : (head - next) / interval + 1n };
      }),
    );
    return lags.filter((l) => l.due >= 2n);
  };
  const started = Date.now();
  let lagging = await behind();
  if (lagging.length === 0) return;
  log(`waiting for the output proposers to catch up (${lagging.map((l) => `${l.name} ${l.due} due`).join(", ")})`);
  while (lagging.length > 0 && Date.now() - started < 180_000) {
    await sleep(1_000);
    lagging = await behind();
  }
  const waited = ((Date.now() - started) / 1000).toFixed(0);
  if (lagging.length > 0) log(`output proposers still behind after ${waited} s; measuring anyway`);
  else log(`output proposers caught up after ${waited} s`);
}

// ---------------------------------------------------------------------------------------------
// The run

interface Sent {
  route: number;
  block: bigint;
}

async function bench(devnet: Devnet, signal: AbortSignal) {
  const manifest = devnet.manifest;
  // The harness's reads share the two cores with the bridge: sent the services' lean way.
  const bridge = new BridgeClient(manifest, {
    publicClient: (chain) => publicClientFor(chain, { fetchFn: nodeRpcFetch }),
  });
  const chosen = chooseRoutes(manifest, bridge);
  if (args.senders < chosen.length)
    throw new Error(`--senders must be at least the number of routes (${chosen.length})`);
  const routes: Route[] = chosen.map((c, r) => {
    const n = Math.floor(args.n / chosen.length) + (r < args.n % chosen.length ? 1 : 0);
    const s = Math.floor(args.senders / chosen.length) + (r < args.senders % chosen.length ? 1 : 0);
    const step = 10n ** BigInt(Math.max(0, c.token.decimals - 6));
    return {
      ...c,
      // 1..10 tokens with a varying fraction, so no two transfers are alike.
      amounts: Array.from(
        { length: n },
        (_, i) => parseUnits(String(1 + (i % 10)), c.token.decimals) + BigInt(i) * step,
      ),
      senders: Array.from({ length: Math.min(s, n) }, () => privateKeyToAccount(generatePrivateKey())),
      warmer: privateKeyToAccount(generatePrivateKey()),
    };
  });
  const notes: string[] = [];
  for (const r of routes) notes.push(...(await ensureLimits(devnet, bridge, r)));
  notes.forEach((n) => log(n));

  for (const r of routes) {
    const perSender = r.senders.map((_, s) =>
      r.amounts.filter((_, i) => i % r.senders.length === s).reduce((a, b) => a + b, 0n),
    );
    log(`funding ${r.senders.length} senders with ${r.token.symbol} on ${r.src.name}`);
    const warm = args.cold ? [] : [{ account: r.warmer, amount: warmUpAmount(r) }];
    await fundSenders(
      devnet,
      bridge,
      r.token,
      r.src,
      [...r.senders, ...warm.map((w) => w.account)],
      [...perSender, ...warm.map((w) => w.amount)],
    );
  }
  if (!args.cold) {
    log(`warm-up: one transfer per route, waited for until delivered (not counted)`);
    await Promise.all(routes.map((r) => warmUp(bridge, r)));
  }
  await awaitProposersCaughtUp(devnet, bridge);

  // Sign everything in advance: approvals (home tokens are locked), then the sends.
  const raw: Hex[][] = [];
  for (const r of routes) {
    const client = bridge.client(r.src);
    const sourceToken = r.token.addresses[String(r.src.chainId)] as Address;
    // One representative transfer through the SDK's own checks: route, pause, balances, limits.
    const probe = await bridge.quote({
      from: r.src.name,
      to: r.dst.name,
      token: r.token.symbol,
      amount: "1",
      sender: r.senders[0]!.address,
    });
    if (probe.path.kind !== "fast")
      throw new Error(`${r.src.name} → ${r.dst.name} would not take the fast path: ${JSON.stringify(probe.path)}`);
    // A fresh sender's allowance is zero: an approval is needed exactly when the source locks (home token).
    if (probe.approval?.needed) {
      const approvals = r.senders.map((s) => ({
        account: s,
        calls: [
          {
            to: sourceToken,
            data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [r.src.gateway, maxUint256] }),
            gas: 100_000n,
          },
        ],
      }));
      await waitMined(r.src.rpcUrl, await signAndSubmit(r.src, client, approvals), `approvals on ${r.src.name}`);
    }
    // A wallet-like 10% margin: blocks are packed by gas limit, so a fat margin would slow the source.
    const fee = probe.fee.amount;
    const probeCall = sendCall(r.src, r.dst, sourceToken, r.senders[0]!.address, r.amounts[0]!, fee);
    const gas = ((await client.estimateContractGas({ account: r.senders[0]!, ...probeCall })) * 11n) / 10n;
    const fees = await feeCaps(client);
    const nonces = await Promise.all(
      r.senders.map((s) => client.getTransactionCount({ address: s.address, blockTag: "pending" })),
    );
    log(
      `signing ${r.amounts.length} sends ${r.src.name} → ${r.dst.name} of ${r.token.symbol} (${r.senders.length} senders, gas ${gas} each)`,
    );
    const signed: Hex[] = [];
    for (let i = 0; i < r.amounts.length; i++) {
      const s = i % r.senders.length;
      const sender = r.senders[s]!;
      const call = sendCall(r.src, r.dst, sourceToken, sender.address, r.amounts[i]!, fee);
      signed.push(
        await sender.signTransaction({
          chainId: r.src.chainId,
          type: "eip1559",
          to: call.address,
          data: encodeFunctionData(call),
          value: call.value,
          nonce: nonces[s]! + Math.floor(i / r.senders.length),
          gas,
          ...fees,
        }),
      );
    }
    raw.push(signed);
  }

  const startBlocks = await Promise.all(
    [...new Set(routes.flatMap((r) => [r.src, r.dst]))].map(
      async (c) => [c.chainId, await bridge.client(c).getBlockNumber()] as const,
    ),
  );
  const fromBlock = new Map(startBlocks);
  const senderSet = new Map(routes.flatMap((r, i) => r.senders.map((s) => [s.address.toLowerCase(), i] as const)));
  const sent = new Map<Hex, Sent>();
  const executed = new Map<Hex, { block: bigint; tx: Hex }>();
  const n = args.n;
  const involved = [...new Set(routes.flatMap((r) => [r.src, r.dst]))];
  const offset = new Map(
    await Promise.all(involved.map(async (c) => [c.chainId, await clockOffsetMs(bridge.client(c))] as const)),
  );
  log(
    `chain clocks (a block's timestamp less the moment it appeared): ${involved.map((c) => `${c.name} ${offset.get(c.chainId)} ms`).join(", ")}`,
  );
  const load = loadavg()[0]!.toFixed(1);
  log(`load average before submitting: ${load} (${routes.length} route(s), ${args.relayers} relayer(s))`);

  const t0 = Date.now();
  log(`submitting ${n} sends`);
  await Promise.all(routes.map((r, i) => submitRaw(r.src.rpcUrl, raw[i]!)));
  log(`submitted in ${Date.now() - t0} ms; waiting for delivery and execution`);

  const srcChains = [...new Set(routes.map((r) => r.src))];
  const dstChains = [...new Set(routes.map((r) => r.dst))];
  const srcCursors = new Map(fromBlock);
  const dstCursors = new Map(fromBlock);
  const messageExecuted = getAbiItem({ abi: bridgeGatewayAbi, name: "MessageExecuted" });
  const timeoutMs = 60_000 + n * 100;
  // The sources' MessageSent logs (13 words each, decoded) are read once the executions are in,
  // not while the burst runs: this script shares the cores with the bridge it measures, and
  // following the sends four times a second had it reading and decoding them from the busy
  // source nodes exactly while the bridge was. During the burst only the destinations'
  // MessageExecuted logs (a msgId topic, no data) are followed. Nothing else sends on the bench's
  // devnet, so n executions mean the sends can be read; the loop goes on until every one of ours
  // is executed.
  const readSends = async () => {
    for (const chain of srcChains) {
      const client = bridge.client(chain);
      const head = await client.getBlockNumber({ cacheTime: 0 });
      const from = srcCursors.get(chain.chainId)! + 1n;
      if (head < from) continue;
      const logs = await client.getLogs({ address: chain.gateway, fromBlock: from, toBlock: head });
      for (const m of decodeMessagesSentSafe(logs, chain.gateway)) {
        const route = senderSet.get(m.message.sender.toLowerCase());
        if (route !== undefined) sent.set(m.msgId, { route, block: m.block });
      }
      srcCursors.set(chain.chainId, head);
    }
  };
  const allExecuted = () => sent.size === n && [...sent.keys()].every((id) => executed.has(id));
  let lastReport = Date.now();
  for (;;) {
    if (signal.aborted) throw new Error("interrupted");
    if (Date.now() - t0 > timeoutMs) {
      await readSends();
      throw new Error(
        `timed out: ${sent.size}/${n} sends mined, ${[...sent.keys()].filter((id) => executed.has(id)).length}/${n} executed`,
      );
    }
    for (const chain of dstChains) {
      const client = bridge.client(chain);
      const head = await client.getBlockNumber({ cacheTime: 0 });
      const from = dstCursors.get(chain.chainId)! + 1n;
      if (head < from) continue;
      const logs = await client.getLogs({
        address: chain.gateway,
        event: messageExecuted,
        fromBlock: from,
        toBlock: head,
      });
      for (const l of logs) {
        const id = l.args.msgId!.toLowerCase() as Hex;
        if (!executed.has(id)) executed.set(id, { block: l.blockNumber!, tx: l.transactionHash! });
      }
      dstCursors.set(chain.chainId, head);
    }
    if (executed.size >= n) {
      await readSends();
      if (allExecuted()) break;
    }
    if (Date.now() - lastReport > 5_000) {
      lastReport = Date.now();
      log(`${((Date.now() - t0) / 1000).toFixed(1)}s: ${executed.size}/${n} executed`);
    }
    await sleep(POLL_MS);
  }
  const wallSeconds = (Date.now() - t0) / 1000;

  // When every block involved appeared: its timestamp less its chain's offset.
  const timestamps = new Map<string, number>();
  const stamp = async (chainId: number, block: bigint) => {
    const key = `${chainId}:${block}`;
    if (!timestamps.has(key)) {
      const chain = bridge.gatewayChains.find((c) => c.chainId === chainId)!;
      const { timestamp } = await bridge.client(chain).getBlock({ blockNumber: block });
      timestamps.set(key, wallClockMs(timestamp, offset.get(chainId)!));
    }
    return timestamps.get(key)!;
  };
  const sentAt: number[] = [];
  const executedAt: number[] = [];
  const latencies: number[] = [];
  const perTx = new Map<Hex, number>();
  for (const [id, s] of sent) {
    const r = routes[s.route]!;
    const e = executed.get(id)!;
    const a = await stamp(r.src.chainId, s.block);
    const b = await stamp(r.dst.chainId, e.block);
    sentAt.push(a);
    executedAt.push(b);
    latencies.push(wholeSeconds(b - a));
    perTx.set(e.tx, (perTx.get(e.tx) ?? 0) + 1);
  }
  latencies.sort((x, y) => x - y);
  const blockMs = devnet.options.blockTimeSeconds * 1000;
  const span = (xs: number[]) => (wholeSeconds(Math.max(...xs) - Math.min(...xs)) + blockMs) / 1000;
  const seconds = span(executedAt);
  const result: RelayBenchResult = {
    n,
    seconds,
    transfersPerSecond: round(n / seconds, 2),
    sourceSendRate: round(n / span(sentAt), 2),
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1)! },
    relayers: args.relayers,
    routes: routes.map((r) => ({ from: r.src.name, to: r.dst.name, token: r.token.symbol })),
  };
  const histogram = new Map<number, number>();
  for (const l of latencies) histogram.set(l, (histogram.get(l) ?? 0) + 1);
  const sizes = [...perTx.values()];
  // When each block appeared, to line the chains up with the services' logs.
  const byBlock = (stamps: number[]) => {
    const counts = new Map<number, number>();
    for (const t of stamps) counts.set(t, (counts.get(t) ?? 0) + 1);
    return [...counts]
      .sort((a, b) => a[0] - b[0])
      .map(([t, count]) => `${new Date(t).toISOString().slice(11, 23)} ${count}`)
      .join(", ");
  };
  const diagnostics = [
    `sends by block time: ${byBlock(sentAt)}`,
    `executions by block time: ${byBlock(executedAt)}`,
    `latency by whole seconds: ${[...histogram].map(([ms, count]) => `${ms / 1000}s ${count}`).join(", ")}`,
    `${perTx.size} deliver transactions of ${Math.min(...sizes)}–${Math.max(...sizes)} transfers (mean ${(n / perTx.size).toFixed(0)})`,
    `wall clock from the first submission to the last execution seen: ${wallSeconds.toFixed(1)} s`,
    `load average: ${load} before, ${loadavg()[0]!.toFixed(1)} after (2 cores, shared)`,
  ];
  return { result, notes, diagnostics };
}

/** MessageSent logs of our gateway, with their block numbers. */
function decodeMessagesSentSafe(logs: Awaited<ReturnType<PublicClient["getLogs"]>>, gateway: Address) {
  return logs.flatMap((l) => {
    try {
      return decodeMessagesSent([l], gateway).map((m) => ({ ...m, block: l.blockNumber! }));
    } catch {
      return [];
    }
  });
}

function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

function round(v: number, digits: number) {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function printTable(r: RelayBenchResult, notes: string[], diagnostics: string[], confirmationMs: number) {
  const target = 0.95 * r.sourceSendRate;
  const p95Target = confirmationMs + 2_000;
  const met = (ok: boolean) => (ok ? "met" : "NOT met");
  const rows: [string, string, string][] = [
    ["routes", r.routes.map((x) => `${x.from}→${x.to} ${x.token}`).join(", "), ""],
    ["relayers", String(r.relayers), ""],
    ["transfers", String(r.n), ""],
    ["source send rate", `${r.sourceSendRate.toFixed(1)} /s`, "sends per second of the blocks holding them"],
    [
      "bridge throughput",
      `${r.transfersPerSecond.toFixed(1)} /s`,
      `executions per second of the blocks holding them (${r.seconds} s); target >= ${target.toFixed(1)} /s (0.95 x source): ${met(r.transfersPerSecond >= target)}`,
    ],
    [
      "latency p50",
      `${r.latencyMs.p50} ms`,
      `send block → MessageExecuted block; target <= 2500 ms: ${met(r.latencyMs.p50 <= 2_500)}`,
    ],
    [
      "latency p95",
      `${r.latencyMs.p95} ms`,
      `target <= ${p95Target} ms (confirmation + 2 blocks): ${met(r.latencyMs.p95 <= p95Target)}`,
    ],
    ["latency max", `${r.latencyMs.max} ms`, ""],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  for (const [a, b, c] of rows) process.stdout.write(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`.trimEnd() + "\n");
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  for (const d of diagnostics) process.stdout.write(`breakdown: ${d}\n`);
}

// ---------------------------------------------------------------------------------------------

if (args.relayers > 4) {
  process.stderr.write("--relayers must be at most 4 (the devnet has four relayer keys).\n");
  process.exit(1);
}
if (args.l2s !== undefined && (args.l2s < 2 || args.l2s > 4)) {
  process.stderr.write("--l2s must be from 2 to 4.\n");
  process.exit(1);
}
const l2Count = Math.max(
  args.l2s ?? 2,
  ...[args.from, args.to].map((name) => (name && /^l2[a-d]$/.test(name) ? name.charCodeAt(2) - 96 : 2)),
);
const controller = new AbortController();
process.on("SIGINT", () => controller.abort());
process.on("SIGTERM", () => controller.abort());
onLauncherExit(() => controller.abort());
const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-relay-"));
let devnet: Devnet | undefined;
let exitCode = 0;
try {
  log(`starting a devnet with services in ${dir} (${l2Count} L2s, ${args.relayers} relayers)`);
  devnet = await startDevnet({
    dir,
    services: true,
    l2Count,
    relayers: args.relayers,
    // The measured set-up: 3 guardians at 2, no standby guardian following the chains too.
    standbyGuardians: 0,
    serviceEnv: { LOG_LEVEL: args.logLevel },
  });
  if (controller.signal.aborted) throw new Error("interrupted");
  if (devnet.explorer && !args.explorer) {
    // Not on the relay path: it indexes every message of the burst on the same two cores (in
    // production it runs elsewhere). --explorer keeps it.
    await devnet.explorer.process.stop();
    log("explorer stopped for the run (--explorer keeps it)");
  }
  const { result, notes, diagnostics } = await bench(devnet, controller.signal);
  const o = devnet.options;
  const confirmationMs = o.confirmations * o.blockTimeSeconds * 1000;
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    notes.forEach((n) => log(`note: ${n}`));
    diagnostics.forEach((d) => log(`breakdown: ${d}`));
  } else {
    printTable(result, notes, diagnostics, confirmationMs);
  }
} catch (e) {
  exitCode = 1;
  process.stderr.write(`bench:relay failed: ${(e as Error).message}\n`);
  if (devnet) process.stderr.write(`service logs kept in ${devnet.group.logDir}\n`);
} finally {
  if (devnet) await devnet.stop();
  if (exitCode === 0 && !args.keepLogs) rmSync(dir, { recursive: true, force: true });
  else if (exitCode === 0) log(`service logs kept in ${join(dir, "logs")}`);
}
process.exit(exitCode);

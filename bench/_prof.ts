import { network } from "hardhat";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import type { Address, LocalAccount } from "viem";
import { bridgeGatewayAbi } from "/work/main/core/generated/abis.js";
import { attestWith, sortGuardians } from "/work/main/core/attestation.js";
import { merkleRoot } from "/work/main/core/merkle.js";
import { MESSAGE_VERSION, messageId, toDeliveryBatch, type Message } from "/work/main/core/message.js";
import { confirm, deployBridgedToken, deployGateway, registerToken, setRoute, UNLIMITED } from "/work/main/deploy/contracts.js";
const N = Number(process.env.N ?? 100);
const { viem, provider } = await network.connect({ network: "l2b" });
const publicClient = await viem.getPublicClient();
const [deployer] = await viem.getWalletClients();
const chainId = BigInt(await publicClient.getChainId());
const keys: LocalAccount[] = Array.from({ length: 7 }, () => privateKeyToAccount(generatePrivateKey()));
const guardians = sortGuardians(keys.map((k) => k.address));
const gateway = await deployGateway(deployer!, publicClient, { governor: deployer!.account.address, guardians, threshold: 5, largeDelaySeconds: 3600 });
const H = "0x7000000000000000000000000000000000000007" as Address, SG = "0x5000000000000000000000000000000000000005" as Address;
const bridged = await deployBridgedToken(deployer!, publicClient, { name: "B", symbol: "B", decimals: 18, gateway, homeToken: H, homeChainId: 777n });
await setRoute(deployer!, publicClient, gateway, 777n, SG);
await registerToken(deployer!, publicClient, gateway, H, bridged, { fastLimit: 10n ** 24n, inbound: { capacity: 10n ** 27n, refillPerSecond: 10n ** 21n }, outbound: { capacity: UNLIMITED, refillPerSecond: 0n } });
let nonce = 0n;
const recips = Array.from({ length: N }, (_, i) => `0x${(0xabc000 + i).toString(16).padStart(40, "0")}` as Address);
const msg = (r: Address): Message => ({ version: MESSAGE_VERSION, nonce: nonce++, sourceChainId: 777n, destChainId: chainId, sourceGateway: SG, destGateway: gateway, sender: deployer!.account.address, recipient: r, token: H, amount: 10n ** 18n, deadline: 4_000_000_000n });
const deliver = async (ms: Message[]) => {
  const att = await attestWith(keys.slice(0, 5), guardians, { destChainId: chainId, destGateway: gateway }, merkleRoot(ms.map(messageId)), 0);
  const hash = await deployer!.writeContract({ address: gateway, abi: bridgeGatewayAbi, functionName: "deliver", args: [toDeliveryBatch(ms).header, toDeliveryBatch(ms).transfers, [], att] });
  const r = await confirm(publicClient, hash); return { hash, gas: r.gasUsed };
};
await deliver(recips.map(msg));
const { hash, gas } = await deliver(recips.map(msg));
const tx = await publicClient.getTransaction({ hash });
const data = Buffer.from(tx.input.slice(2), "hex"); let z = 0; for (const b of data) if (b === 0) z++;
console.log("gas", gas, "calldata bytes", data.length, "zero", z, "calldata gas", z * 4 + (data.length - z) * 16);
const trace: any = await provider.request({ method: "debug_traceTransaction", params: [hash, { disableStorage: true, disableMemory: true, disableStack: true }] });
const byOp: Record<string, number> = {}; const logs = trace.structLogs;
for (let i = 0; i < logs.length; i++) { const l = logs[i]; byOp[l.op] = (byOp[l.op] ?? 0) + l.gasCost; }
// CALL-like gasCost includes forwarded gas; fix by depth: subtract
console.log(Object.entries(byOp).sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${k}:${v}`).join(" "));
console.log("steps", logs.length);
const byDepth: Record<number, number> = {}; const stepsByDepth: Record<number, number> = {};
for (const l of logs) { if (l.op === "CALL" || l.op === "STATICCALL") continue; byDepth[l.depth] = (byDepth[l.depth] ?? 0) + l.gasCost; stepsByDepth[l.depth] = (stepsByDepth[l.depth] ?? 0) + 1; }
const d1: Record<string, [number, number]> = {};
for (const l of logs) { if (l.depth !== 1) continue; const e = d1[l.op] ?? [0, 0]; e[0]++; e[1] += l.gasCost; d1[l.op] = e; }
console.log(Object.entries(d1).sort((a, b) => b[1][1] - a[1][1]).slice(0, 40).map(([k, v]) => `${k}:${(v[0] / N).toFixed(1)}/${(v[1] / N).toFixed(0)}`).join(" "));
import("node:fs").then((fs) => fs.writeFileSync("/tmp/trace.json", JSON.stringify(logs.filter((l: any) => l.depth === 1).map((l: any) => [l.pc, l.gasCost, l.op]))));
console.log("gas by depth (excl calls)", byDepth, "steps", stepsByDepth);

/**
 * Users, relayers and attackers on a running devnet, acting with the manifest's dev keys exactly
 * as anyone can: send a transfer, deliver a batch with guardian signatures, and forge a message
 * no source gateway sent, signed with `threshold` stolen guardian keys (the key-compromise
 * scenario). Shared by the monitor and Prometheus integration tests.
 */
import { expect } from "vitest";
import { erc20Abi, parseUnits, type Address, type Hex, type PublicClient, type TransactionReceipt } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attestWith } from "../../../core/attestation.js";
import { publicClientFor, walletClientFor, type ChainWallet } from "../../../core/chains.js";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { decodeMessagesSent } from "../../../core/logs.js";
import { findChain, findToken, type ChainInfo, type Manifest } from "../../../core/manifest.js";
import { deliverArgs, deliveryValue, MESSAGE_VERSION, messageId, type Message } from "../../../core/message.js";

export interface Chain {
  info: ChainInfo & { gateway: Address };
  client: PublicClient;
}

export function chainOf(manifest: Manifest, name: string): Chain {
  const info = findChain(manifest, name) as ChainInfo & { gateway: Address };
  return { info, client: publicClientFor(info, { pollingIntervalMs: 100 }) };
}

export function walletOn(c: Chain, key: Hex): ChainWallet {
  return walletClientFor(c.info, privateKeyToAccount(key), { pollingIntervalMs: 100 });
}

/** Waits for the transaction and expects it to have succeeded. */
export async function mined(c: Chain, hash: Hex | Promise<Hex>): Promise<TransactionReceipt> {
  const receipt = await c.client.waitForTransactionReceipt({ hash: await hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

/** The first `threshold` dev guardian keys sign a batch of one message for its destination. */
export async function attestAsGuardians(manifest: Manifest, messages: readonly Message[]) {
  const [first] = messages;
  const signers = manifest
    .devKeys!.guardians.slice(0, manifest.guardianSet.threshold)
    .map((k) => privateKeyToAccount(k as Hex));
  // A batch of one: the attested root is the message id itself.
  expect(messages).toHaveLength(1);
  return attestWith(
    signers,
    manifest.guardianSet.guardians.map((g) => g.address),
    { destChainId: first!.destChainId, destGateway: first!.destGateway },
    messageId(first!),
    manifest.guardianSet.index,
  );
}

/** Delivers `messages` to their destination exactly as any relayer (honest or not) can. */
export async function deliverSigned(
  manifest: Manifest,
  dest: Chain,
  messages: readonly Message[],
  relayerKey: Hex,
): Promise<TransactionReceipt> {
  const attestation = await attestAsGuardians(manifest, messages);
  return mined(
    dest,
    walletOn(dest, relayerKey).writeContract({
      address: dest.info.gateway,
      abi: bridgeGatewayAbi,
      functionName: "deliver",
      args: deliverArgs(messages, attestation),
      value: deliveryValue(messages),
    }),
  );
}

/** A user's `send` (approving the home token first when needed); returns the sent message. */
export async function sendTransfer(
  manifest: Manifest,
  from: Chain,
  to: Chain,
  symbol: string,
  amount: string,
  userKey: Hex,
): Promise<{ message: Message; receipt: TransactionReceipt }> {
  const token = findToken(manifest, symbol);
  const local = token.addresses[String(from.info.chainId)]!;
  const value = parseUnits(amount, token.decimals);
  const user = walletOn(from, userKey);
  if (token.homeChainId === from.info.chainId) {
    await mined(
      from,
      user.writeContract({ address: local, abi: erc20Abi, functionName: "approve", args: [from.info.gateway, value] }),
    );
  }
  // The delivery fee the gateway quotes now: relayers deliver what paid it (FEE_POLICY=quote).
  const fee = await from.client.readContract({
    address: from.info.gateway,
    abi: bridgeGatewayAbi,
    functionName: "quoteFee",
    args: [BigInt(to.info.chainId), 0n],
  });
  const receipt = await mined(
    from,
    user.writeContract({
      address: from.info.gateway,
      abi: bridgeGatewayAbi,
      functionName: "send",
      args: [local, BigInt(to.info.chainId), user.account.address, value, 0n, 0n],
      value: fee,
    }),
  );
  const [sent] = decodeMessagesSent(receipt.logs, from.info.gateway);
  return { message: sent!.message, receipt };
}

/** A message no source gateway ever sent, as holders of `threshold` stolen guardian keys write it. */
export async function forgeMessage(
  manifest: Manifest,
  from: Chain,
  to: Chain,
  symbol: string,
  amount: string,
  recipient: Address,
  nonce: bigint,
): Promise<Message> {
  const token = findToken(manifest, symbol);
  const now = (await to.client.getBlock()).timestamp;
  return {
    version: MESSAGE_VERSION,
    nonce,
    sourceChainId: BigInt(from.info.chainId),
    destChainId: BigInt(to.info.chainId),
    sourceGateway: from.info.gateway,
    destGateway: to.info.gateway,
    sender: recipient,
    recipient,
    tokenChainId: BigInt(token.homeChainId),
    token: token.homeToken,
    amount: parseUnits(amount, token.decimals),
    deadline: now + 3_600n,
    dropOff: 0n,
  };
}

export function isPaused(c: Chain): Promise<boolean> {
  return c.client.readContract({ address: c.info.gateway, abi: bridgeGatewayAbi, functionName: "paused" });
}

/** Shared fixtures of the relayer unit tests. */
import type { Address, Hex } from "viem";
import { createLogger, type Logger } from "../../../core/service/logger.js";
import { MESSAGE_VERSION, messageId, type Message } from "../../../core/message.js";

export const TOKEN_A = "0x00000000000000000000000000000000000000aa" as Address;
export const TOKEN_B = "0x00000000000000000000000000000000000000bb" as Address;

/** A valid message of route 901 → 902 with `over` applied, and its id. */
export function testMessage(over: Partial<Message> = {}): { msgId: Hex; message: Message } {
  const message: Message = {
    version: MESSAGE_VERSION,
    nonce: 0n,
    sourceChainId: 901n,
    destChainId: 902n,
    sourceGateway: "0x1000000000000000000000000000000000000001",
    destGateway: "0x2000000000000000000000000000000000000002",
    sender: "0x3000000000000000000000000000000000000003",
    recipient: "0x4000000000000000000000000000000000000004",
    tokenChainId: 901n,
    token: TOKEN_A,
    amount: 10n ** 18n,
    deadline: 2_000_000_000n,
    dropOff: 0n,
    ...over,
  };
  return { msgId: messageId(message), message };
}

/** A logger that discards everything. */
export function silentLogger(): Logger {
  return createLogger("relayer-test", "silent");
}

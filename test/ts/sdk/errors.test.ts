/**
 * `sdk/errors.ts`: one error base like viem's — a one-sentence `shortMessage`, `details`,
 * `cause`, `walk()` — so callers test an error's class, never its text.
 */
import { describe, expect, it } from "vitest";
import { BaseError as ViemBaseError, HttpRequestError } from "viem";
import {
  AmbiguousMessageError,
  ChainUnreachableError,
  firstProblem,
  GatewayRefusedError,
  InvalidInputError,
  InvalidTransferError,
  MessageNotFoundError,
  PortcullisError,
  SendStoppedError,
  WrongChainError,
} from "../../../sdk/errors.js";
import { BridgeClient } from "../../../sdk/client.js";
import { sentRecord, testManifest } from "./fixtures.js";

describe("PortcullisError", () => {
  it("keeps the sentence apart from the details, and the cause it wraps", () => {
    const cause = new Error("socket hang up");
    const e = new PortcullisError("the thing failed.", { details: "more words", cause });
    expect(e.shortMessage).toBe("the thing failed.");
    expect(e.details).toBe("more words");
    expect(e.message).toBe("the thing failed.\n\nDetails: more words");
    expect(e.cause).toBe(cause);
    expect(new PortcullisError("plain.").message).toBe("plain.");
  });

  it("walks its causes, viem's included: to the first match, or to the innermost", () => {
    const http = new HttpRequestError({ url: "http://127.0.0.1:9", details: "ECONNREFUSED" });
    const viem = new ViemBaseError("request failed", { cause: http });
    const e = new ChainUnreachableError("l2b", "http://127.0.0.1:9", { cause: viem });
    expect(e.walk((x) => x instanceof HttpRequestError)).toBe(http);
    expect(e.walk((x) => x instanceof WrongChainError)).toBeNull();
    expect(e.walk()).toBe(http);
    expect(new PortcullisError("alone.").walk()).toBeInstanceOf(PortcullisError);
  });

  it("every subclass is a PortcullisError with its own name and fields", () => {
    const errors = [
      new InvalidInputError("bad."),
      new ChainUnreachableError("l2a", "http://x"),
      new WrongChainError(902, 901, "l2b"),
      new GatewayRefusedError("paused.", "BridgePaused"),
      new MessageNotFoundError(`0x${"1".repeat(64)}`, ["l2a", "l2b"]),
      new SendStoppedError("send"),
      new SendStoppedError("send", `0x${"2".repeat(64)}`),
    ];
    for (const e of errors) {
      expect(e).toBeInstanceOf(PortcullisError);
      expect(e.name).toBe(e.constructor.name);
      expect(e.shortMessage).toMatch(/\.$/);
      expect(e.shortMessage).not.toContain("\n");
    }
    expect(errors[2]).toMatchObject({ expectedChainId: 902, actualChainId: 901, expectedChain: "l2b" });
    expect(errors[3]).toMatchObject({ errorName: "BridgePaused" });
  });

  it("InvalidTransferError leads with the first problem in field order and lists the rest", () => {
    const problems = { amount: "amount is wrong.", from: "unknown source chain.", deadline: "too late." };
    expect(firstProblem(problems)).toBe("unknown source chain.");
    const e = new InvalidTransferError(problems);
    expect(e.shortMessage).toBe("unknown source chain.");
    expect(e.details).toBe("from: unknown source chain.; amount: amount is wrong.; deadline: too late.");
    expect(e.problems).toBe(problems);
  });
});

describe("finding one message", () => {
  const client = new BridgeClient(testManifest());
  const ref = `0x${"cd".repeat(32)}` as const;

  it("refuses a malformed reference before asking any chain", async () => {
    await expect(client.findMessage("0x1234")).rejects.toThrow(InvalidInputError);
    await expect(client.findMessages("not-hex" as `0x${string}`)).rejects.toThrow(/0x followed by 64 hex digits/);
  });

  it("tells a reference that names nothing from one that names several", async () => {
    const none = Object.assign(new BridgeClient(testManifest()), { findMessages: async () => [] });
    const e = await none.findMessage(ref).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MessageNotFoundError);
    expect((e as MessageNotFoundError).shortMessage).toBe(
      `no message or transaction ${ref} was found on l2a, l2b, l2c.`,
    );
    const two = [sentRecord(), { ...sentRecord(), msgId: `0x${"ef".repeat(32)}` as const }];
    const several = Object.assign(new BridgeClient(testManifest()), { findMessages: async () => two });
    const a = await several.findMessage(ref).catch((x: unknown) => x);
    expect(a).toBeInstanceOf(AmbiguousMessageError);
    expect((a as AmbiguousMessageError).msgIds).toEqual(two.map((r) => r.msgId));
  });
});

/**
 * `@portcullis/sdk/council`: the security council's engine (Safe transactions through
 * `@safe-global/protocol-kit`, timelock operations) and the pure construction of its actions.
 * A separate entry: it pulls in protocol-kit, which the transfer path does not need.
 */
export * from "./actions.js";
export * from "./council.js";
export * from "./store.js";

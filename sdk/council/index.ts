/**
 * `@portcullis/sdk/council`: the security council's engine (Safe transactions through
 * `@safe-global/protocol-kit`, timelock operations), signing with viem accounts or wallet
 * clients, and the pure construction of its actions. A separate entry: it pulls in
 * protocol-kit, which the transfer path does not need. The JSON file store is in
 * `@portcullis/sdk/node`.
 */
export * from "./actions.js";
export * from "./council.js";
export * from "./store.js";

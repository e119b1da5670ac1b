/** Shared code every Portcullis service, the CLI and the tests import. */
export * from "./message.js";
export * from "./merkle.js";
export * from "./attestation.js";
export * from "./logs.js";
export * from "./generated/abis.js";

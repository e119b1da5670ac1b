/**
 * `@portcullis/sdk`: the library every Portcullis front end uses (the `bridge` CLI, the devnet
 * demo, the benchmarks, the explorer, the web app). It runs in Node and in browsers: nothing in
 * this entry's import graph touches `node:*` (`test/ts/sdk/browser-safe.test.ts` checks it).
 * Node-only helpers (reading a manifest file) are in `@portcullis/sdk/node`; the security
 * council's engine is in `@portcullis/sdk/council`.
 */
export {
  BridgeSdk,
  MessageTracker,
  FINAL_STAGES,
  onChain,
  explainRevert,
  sleep,
  type Attestations,
  type Balances,
  type BridgeSdkOptions,
  type EventRef,
  type PreparedTransfer,
  type SentRecord,
  type Stage,
  type TransferState,
  type Waiting,
} from "./bridge.js";
export {
  parseAddress,
  resolveChain,
  resolveToken,
  resolveTransfer,
  type ResolvedTransfer,
  type TransferInput,
} from "./input.js";
export { formatAmount, formatTokens, parseAmount } from "./amount.js";
export { BridgeInputError, ChainUnreachableError } from "./errors.js";
export {
  amountText,
  attestationText,
  attestedCount,
  isoTime,
  ProgressPrinter,
  seconds,
  shortHex,
  stageDetail,
  stageText,
  timingsText,
  tokensOf,
  waitingText,
  type ProgressOutput,
} from "./progress.js";

// The typed gateway and the shared types a caller needs to speak about deployments and messages.
export {
  bucketAvailable,
  bucketRoomAt,
  Direction,
  Gateway,
  gatewayContract,
  MessageStatus,
  messageStatusName,
  type DeadlineWindows,
  type DirectionName,
  type GuardianSetView,
  type InboundTokenView,
  type LocalTokenView,
  type MessageStatusName,
  type QueuedMessageView,
  type RateLimitBucket,
} from "../core/gateway.js";
export {
  chainById,
  findChain,
  findToken,
  gatewayChains,
  ManifestError,
  parseManifest,
  tokenByHome,
  type ChainInfo,
  type GatewayChain,
  type Manifest,
  type TokenInfo,
} from "../core/manifest.js";
export {
  advanceEscape,
  escapeStageText,
  observeEscape,
  type EscapeStage,
  type EscapeState,
  type EscapeWallet,
  type EscapeWallets,
  type EscapeWithdrawal,
} from "./escape.js";
export { OP_PREDEPLOYS, opStackL2Chain, type OpStackL2Chain } from "../core/op-stack.js";
export { messageId, type Message } from "../core/message.js";
export { publicClientFor, viemChain } from "../core/chains.js";
export {
  ExplorerApiError,
  ExplorerClient,
  EXPLORER_MESSAGE_STATUSES,
  type ExplorerBucket,
  type ExplorerChain,
  type ExplorerChainRef,
  type ExplorerClientOptions,
  type ExplorerEvent,
  type ExplorerEventQuery,
  type ExplorerMessage,
  type ExplorerMessageQuery,
  type ExplorerMessageStatus,
  type ExplorerMessageSummary,
  type ExplorerPage,
  type ExplorerRoute,
  type ExplorerRouteEnd,
  type ExplorerRoutes,
  type ExplorerRouteToken,
  type ExplorerStage,
  type ExplorerSubscription,
  type ExplorerTokenRef,
  type ExplorerWaitKind,
  type StreamHandlers,
} from "./explorer-client.js";

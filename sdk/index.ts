/**
 * `@portcullis/sdk`: the library every Portcullis front end uses (the `bridge` CLI, the devnet
 * demo, the benchmarks, the explorer, the web app). It runs in Node and in browsers: nothing in
 * this entry's import graph touches `node:*` (`test/ts/sdk/browser-safe.test.ts` checks it).
 * Node-only helpers (reading a manifest file, the council's file store) are in
 * `@portcullis/sdk/node`; the security council's engine is in `@portcullis/sdk/council`.
 * `sdk/README.md` documents the API.
 */
export {
  BridgeClient,
  parseMessageRef,
  sleep,
  type Balances,
  type BridgeClientOptions,
  type GuardianEndpoints,
  type TrackOptions,
} from "./client.js";
export {
  gatewayRefusal,
  walletAddress,
  type BuiltTransfer,
  type Quote,
  type SendOptions,
  type SendProgress,
  type TransferPath,
  type UnsignedTransaction,
} from "./transfer.js";
export type { RelayResult } from "./relay.js";
export { MessageTracker, tallyAttestations, type Observation, type SentRecord } from "./tracker.js";
export {
  deriveStatus,
  FINAL_STAGES,
  isUnderpaid,
  RELAY_ALLOWANCE_SECONDS,
  type Attestations,
  type EventRef,
  type Payment,
  type Reason,
  type ReasonKind,
  type RouteParams,
  type Stage,
  type TransferFacts,
  type TransferStatus,
} from "./status.js";
export {
  checkTransfer,
  parseAddress,
  resolveChain,
  resolveToken,
  type ResolvedTransfer,
  type TransferRequest,
} from "./input.js";
export { formatAmount, formatEth, formatTokens, parseAmount, parseNativeAmount } from "./amount.js";
export * from "./errors.js";
export {
  amountText,
  attestationText,
  attestedCount,
  etaText,
  feeText,
  isoTime,
  reasonText,
  seconds,
  shortHex,
  stageDetail,
  stageText,
  timingsText,
  tokensOf,
} from "./describe.js";
export { ProgressPrinter, type ProgressOutput } from "./progress.js";

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
  type GuardianSet,
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

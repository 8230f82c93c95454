// Browser clients for the media node (plain TypeScript, no framework; bundle with Vite/esbuild).
export { PublisherClient, type PublisherOptions, type PublisherEvents } from './publisher.ts';
export { ViewerClient, type ViewerOptions, type ViewerEvents } from './viewer.ts';
export { captureStill, sha256Hex, type StillResult, type StillOptions } from './still.ts';
export {
  createWebSocketTransport, defaultReconnectPolicy, Emitter, type SignallingTransport, type ReconnectPolicy, type ConnectionState,
} from './common.ts';
export type { ViewerStats, PublisherStats, QualityLevel } from './stats.ts';
export type { ClientToServer, ServerToClient, PublisherState, PeerRole } from '../signalling.ts';
export { networkQuality, QUALITY_LIMITS, type NetworkFigures, type NetworkQualityLevel } from '../quality.ts';
export { QualityLadder, RUNGS, RUNG_SPECS, SAVE_DATA_CAP, isRung, rungIndex, type Rung, type LadderReason, type LadderReasonCode, type LadderState } from '../ladder.ts';
export { StillQueue, type QueuedStill, type UploadOutcome, type StillQueueOptions } from './still-queue.ts';
export { applyRung, opusForBadNetworks } from './ladder-sender.ts';

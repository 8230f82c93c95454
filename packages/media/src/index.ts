export { MediaNode, parseIceServers, newPeerId, type MediaNodeOptions, type MediaNodeEvent, type IceServer, type RoomInfo } from './node.ts';
export * from './signalling.ts';
export { SessionRecorder, segmentFileName, lastSegmentIndex, sha256File, readSidecar, removeSidecar, sidecarPath, type RecordingGap, type SegmentSidecar, type SegmentInfo, type SegmentOpenInfo, type RecorderOptions, type SegmentCloseReason, type SegmentOpenReason } from './recorder.ts';
export { recoverSegments, readHeaderDurationMs, type RecoveredSegment, type RecoverOptions } from './recover.ts';
export { probeMedia, decodeCheck, type ProbeResult } from './probe.ts';
export { TwccFeedbackGenerator } from './twcc.ts';
export { addVideoBitrateHints, type BitrateHints } from './sdp.ts';
export { networkQuality, QUALITY_LIMITS, type NetworkFigures, type NetworkQualityLevel } from './quality.ts';
export { QualityLadder, RUNGS, RUNG_SPECS, SAVE_DATA_CAP, isRung, rungIndex, type Rung, type RungSpec, type LadderReason, type LadderReasonCode, type LadderInput, type LadderState, type LadderOptions } from './ladder.ts';

// Live remote-inspection sessions (issue 5): request/response schemas of /api/sessions and /api/device, and the
// messages of the device's WebSocket and of the inspector's signalling channel.
import { Type, type Static } from '@sinclair/typebox';
import { Id, IsoDateTime } from './common.ts';

export const SESSION_STATES = ['requested', 'ringing', 'connected', 'reconnecting', 'ended'] as const;
export type SessionState = (typeof SESSION_STATES)[number];
export const SessionStateSchema = Type.Union(SESSION_STATES.map((s) => Type.Literal(s)));

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const LocalizedText = Type.Object({ en: Type.String(), 'zh-CN': Type.String() });
export type LocalizedText = Static<typeof LocalizedText>;

export const STEP_RESULTS = ['pass', 'fail', 'not_applicable'] as const;
export const StepResult = Type.Union(STEP_RESULTS.map((s) => Type.Literal(s)));
export type StepResult = Static<typeof StepResult>;

export const SessionStep = Type.Object({
  id: Type.String(),
  ordinal: Type.Integer(),
  templateKey: Nullable(Type.String()),
  text: LocalizedText,
  status: Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('done')]),
  result: Nullable(StepResult),
  note: Nullable(Type.String()),
  sentAt: Nullable(Type.String()),
  doneAt: Nullable(Type.String()),
});
export type SessionStep = Static<typeof SessionStep>;

export const SessionEvent = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  at: Type.String(),
  kind: Type.String({ description: 'e.g. state.connected, viewer.joined, step.sent, step.done, instruction, snapshot.requested, snapshot.stored, drawing, chat, stats, recording.segment' }),
  source: Type.Union([Type.Literal('inspector'), Type.Literal('observer'), Type.Literal('device'), Type.Literal('system')]),
  actorId: Nullable(Type.String()),
  actorName: Nullable(Type.String()),
  payload: Type.Record(Type.String(), Type.Any()),
});
export type SessionEvent = Static<typeof SessionEvent>;

export const RecordingView = Type.Object({
  id: Type.String(),
  index: Type.Integer(),
  sha256: Type.String(),
  bytes: Type.Integer(),
  durationMs: Type.Integer(),
  startedAt: Type.String(),
  endedAt: Type.String(),
  reason: Type.String(),
  recovered: Type.Boolean(),
  /** 'camera': the device's video and sound; 'inspector': the inspector's voice (audio only, one segment per time they spoke) */
  track: Type.Union([Type.Literal('camera'), Type.Literal('inspector')]),
  url: Type.String(),
});
export type RecordingView = Static<typeof RecordingView>;

export const SnapshotView = Type.Object({
  id: Type.String(),
  clientId: Type.String(),
  sha256: Type.String(),
  bytes: Type.Integer(),
  width: Type.Integer(),
  height: Type.Integer(),
  mime: Type.String(),
  method: Nullable(Type.String()),
  takenAt: Type.String({ description: 'when the device says it took the still (a claim: the device\'s clock)' }),
  receivedAt: Type.String({ description: 'when the server received it (the server\'s clock)' }),
  clockSkewMs: Type.Integer({ description: 'takenAt minus receivedAt' }),
  takenAtPlausible: Type.Boolean({ description: 'false when the device\'s claim is more than 5 minutes before, or any later than 1 minute after, the receipt' }),
  url: Type.String(),
});
export type SnapshotView = Static<typeof SnapshotView>;

export const SessionViewer = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  role: Type.String(),
  mode: Type.Union([Type.Literal('conduct'), Type.Literal('observe')]),
  joinedAt: Type.String(),
  /** may speak to the device: always the conducting inspector; an observer while the inspector allows it */
  mayTalk: Type.Boolean(),
});
export type SessionViewer = Static<typeof SessionViewer>;

// ---- camera link by e-mail / SMS (issue 12)

export const INVITE_CHANNELS = ['email', 'sms'] as const;
export type InviteChannel = (typeof INVITE_CHANNELS)[number];
export const InviteChannelSchema = Type.Union(INVITE_CHANNELS.map((c) => Type.Literal(c)));

export const SendLinkBody = Type.Object({
  channels: Type.Optional(Type.Array(InviteChannelSchema, { minItems: 1, maxItems: 2, uniqueItems: true, description: 'default: every channel the operator can be reached on' })),
  ttlMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 240 })),
}, { additionalProperties: false });
export type SendLinkBody = Static<typeof SendLinkBody>;

export const InviteDelivery = Type.Object({
  channel: InviteChannelSchema,
  ok: Type.Boolean(),
  to: Nullable(Type.String({ description: 'the address, masked (s***@alpha.example, +86*********01)' })),
  code: Type.String({ description: 'sent | not_configured | no_address | invalid_address | invalid_number | rejected | auth | connection | timeout | tls | failed' }),
  message: Type.String(),
  retryable: Type.Boolean(),
});
export type InviteDelivery = Static<typeof InviteDelivery>;

export const InviteResult = Type.Object({
  delivered: Type.Boolean({ description: 'at least one channel accepted the link (then older unused links stop working; else the new link is withdrawn)' }),
  expiresAt: IsoDateTime,
  sentAt: IsoDateTime,
  deliveries: Type.Array(InviteDelivery),
});
export type InviteResult = Static<typeof InviteResult>;

export const InviteChannelStatus = Type.Object({
  available: Type.Boolean(),
  to: Nullable(Type.String({ description: 'masked address' })),
  reason: Nullable(Type.String({ description: 'not_configured | no_address' })),
});
export const InviteChannels = Type.Object({ email: InviteChannelStatus, sms: InviteChannelStatus });
export type InviteChannels = Static<typeof InviteChannels>;

export const SessionCan = Type.Object({
  conduct: Type.Boolean(),
  observe: Type.Boolean(),
  end: Type.Boolean(),
  issueLink: Type.Boolean(),
  /** send the camera link to the booked operator by e-mail / SMS: the conductor, or a supervisor of the office */
  invite: Type.Boolean(),
});

export const SessionView = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  orderNo: Type.String(),
  state: SessionStateSchema,
  goodsCategory: Type.String(),
  inspectorId: Type.String(),
  inspectorName: Nullable(Type.String()),
  operatorUserId: Nullable(Type.String()),
  operatorName: Nullable(Type.String()),
  mediaNode: Type.String(),
  createdAt: Type.String(),
  connectedAt: Nullable(Type.String()),
  endedAt: Nullable(Type.String()),
  endReason: Nullable(Type.String()),
  can: SessionCan,
});
export type SessionView = Static<typeof SessionView>;

export const SessionDetail = Type.Intersect([
  SessionView,
  Type.Object({
    steps: Type.Array(SessionStep),
    events: Type.Array(SessionEvent),
    recordings: Type.Array(RecordingView),
    snapshots: Type.Array(SnapshotView),
    viewers: Type.Array(SessionViewer),
    device: Type.Object({ connected: Type.Boolean(), publisher: Type.String({ description: 'absent | live | reconnecting' }) }),
    /** how the camera link can reach the booked operator (for those who may send it) */
    inviteChannels: Type.Optional(InviteChannels),
  }),
]);
export type SessionDetail = Static<typeof SessionDetail>;

export const SessionList = Type.Object({ items: Type.Array(SessionView) });
export type SessionList = Static<typeof SessionList>;

export const SessionListQuery = Type.Object({
  orderId: Type.Optional(Id),
  state: Type.Optional(Type.Union([SessionStateSchema, Type.Literal('open')])),
}, { additionalProperties: false });
export type SessionListQuery = Static<typeof SessionListQuery>;

/** The on-site operator's open sessions (enterprise portal: get a camera link). */
export const OperatorSessionList = Type.Object({
  items: Type.Array(Type.Object({ id: Type.String(), orderNo: Type.String(), state: SessionStateSchema, createdAt: Type.String() })),
});
export type OperatorSessionList = Static<typeof OperatorSessionList>;

export const DeviceLink = Type.Object({
  url: Type.String({ description: 'camera page link; the token is in the fragment so it never reaches server logs' }),
  token: Type.String(),
  expiresAt: IsoDateTime,
  qrSvg: Type.String({ description: 'the link as a QR code (SVG)' }),
});
export type DeviceLink = Static<typeof DeviceLink>;

export const CreateSessionBody = Type.Object({
  orderId: Id,
  linkTtlMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 240 })),
  sendLink: Type.Optional(Type.Boolean({ description: 'e-mail / SMS the device link to the booked operator where possible (default true)' })),
}, { additionalProperties: false });
export type CreateSessionBody = Static<typeof CreateSessionBody>;

export const CreateSessionResult = Type.Object({ session: SessionDetail, link: DeviceLink, invite: Type.Optional(Nullable(InviteResult)) });
export type CreateSessionResult = Static<typeof CreateSessionResult>;

export const IssueLinkBody = Type.Object({ ttlMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 240 })) }, { additionalProperties: false });
export type IssueLinkBody = Static<typeof IssueLinkBody>;

export const EndSessionBody = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false });
export type EndSessionBody = Static<typeof EndSessionBody>;

export const StepResultBody = Type.Object({
  result: StepResult,
  note: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: false });
export type StepResultBody = Static<typeof StepResultBody>;

export const AddStepBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });
export type AddStepBody = Static<typeof AddStepBody>;

/** A point or length as a fraction (0..1) of the frame's width/height, so shapes scale to any screen. */
const Frac = Type.Number({ minimum: 0, maximum: 1 });
const Color = Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }));
export const DrawingShape = Type.Union([
  Type.Object({ type: Type.Literal('arrow'), x1: Frac, y1: Frac, x2: Frac, y2: Frac, color: Color }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('circle'), cx: Frac, cy: Frac, r: Frac, color: Color }, { additionalProperties: false }),
  /** a rectangle around something, by two opposite corners */
  Type.Object({ type: Type.Literal('box'), x1: Frac, y1: Frac, x2: Frac, y2: Frac, color: Color }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('text'), x: Frac, y: Frac, text: Type.String({ minLength: 1, maxLength: 120 }), color: Color }, { additionalProperties: false }),
]);
export type DrawingShape = Static<typeof DrawingShape>;

/**
 * The rungs of the device's quality ladder (issue 16), best first; the same list as RUNGS in @rvi/media's ladder.ts
 * (contracts import nothing of media; a unit test keeps the two equal).
 */
export const QUALITY_RUNGS = ['720p30', '540p30', '360p30', '180p15', 'stills', 'audio'] as const;
export type QualityRung = (typeof QUALITY_RUNGS)[number];

const ClientId = Type.Optional(Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'sender-generated id: a retried message is stored once' }));

/** Inspector → device guidance (HTTP POST /api/sessions/:id/guidance or a `guide` message on the signalling channel). */
export const GuidanceBody = Type.Union([
  Type.Object({ kind: Type.Literal('step'), stepId: Id, clientId: ClientId }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('instruction'), text: Type.String({ minLength: 1, maxLength: 500 }), clientId: ClientId }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('snapshot_request'), note: Type.Optional(Type.String({ maxLength: 200 })), clientId: ClientId }, { additionalProperties: false }),
  Type.Object({
    kind: Type.Literal('drawing'),
    /** the frozen frame: a stored snapshot, and/or a small JPEG of the frame (data URL, ≤ 200 kB) */
    snapshotId: Type.Optional(Id),
    frameJpeg: Type.Optional(Type.String({ maxLength: 280_000, pattern: '^data:image/jpeg;base64,[A-Za-z0-9+/=]+$' })),
    frameWidth: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    frameHeight: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    shapes: Type.Array(DrawingShape, { minItems: 1, maxItems: 50 }),
    clientId: ClientId,
  }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('clear_drawing'), clientId: ClientId }, { additionalProperties: false }),
  /** remote camera control: the device applies it where its camera can and reports the result (camera.result) */
  Type.Object({
    kind: Type.Literal('camera'),
    action: Type.Union([Type.Literal('zoom_in'), Type.Literal('zoom_out'), Type.Literal('torch_on'), Type.Literal('torch_off'), Type.Literal('switch')]),
    clientId: ClientId,
  }, { additionalProperties: false }),
  /** a live pointer: the spot on the video frame the inspector points at (0..1 of the frame's width and height) */
  Type.Object({ kind: Type.Literal('pointer'), x: Type.Number({ minimum: 0, maximum: 1 }), y: Type.Number({ minimum: 0, maximum: 1 }), clientId: ClientId }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('chat'), text: Type.String({ minLength: 1, maxLength: 1000 }), clientId: ClientId }, { additionalProperties: false }),
  /** the inspector pins the device's quality rung (e.g. 'stills': audio + full-resolution stills only); null frees the ladder */
  Type.Object({ kind: Type.Literal('quality'), pin: Type.Union([...QUALITY_RUNGS.map((r) => Type.Literal(r)), Type.Null()]), clientId: ClientId }, { additionalProperties: false }),
]);
export type GuidanceBody = Static<typeof GuidanceBody>;

export const RedeemBody = Type.Object({ token: Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });
export type RedeemBody = Static<typeof RedeemBody>;

export const RedeemResult = Type.Object({
  sessionId: Type.String(),
  deviceKey: Type.String({ description: 'the device\'s credential for /api/device/ws and uploads, valid until the session ends' }),
  orderNo: Type.String(),
  operatorName: Nullable(Type.String()),
});
export type RedeemResult = Static<typeof RedeemResult>;

/**
 * Device calls carry the device key in the `X-Device-Key` header (HTTP) or as the WebSocket subprotocol
 * `rvi-device-key.<key>` next to `rvi-device` (`/api/device/ws`): never in a URL, so never in access logs.
 */
export const DEVICE_KEY_HEADER = 'x-device-key';
export const DEVICE_WS_PROTOCOL = 'rvi-device';
export const DEVICE_KEY_PROTOCOL_PREFIX = 'rvi-device-key.';
export const DeviceKeyQuery = Type.Object({}, { additionalProperties: false });
export type DeviceKeyQuery = Static<typeof DeviceKeyQuery>;

/** What the camera page shows after a reload: current step, instruction, drawing, recent chat. */
export const DeviceState = Type.Object({
  sessionId: Type.String(),
  state: SessionStateSchema,
  orderNo: Type.String(),
  guidance: Type.Array(SessionEvent),
});
export type DeviceState = Static<typeof DeviceState>;

export const SnapshotUploadQuery = Type.Object({
  clientId: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  width: Type.Integer({ minimum: 1, maximum: 20_000 }),
  height: Type.Integer({ minimum: 1, maximum: 20_000 }),
  takenAt: IsoDateTime,
  method: Type.Optional(Type.Union([Type.Literal('imagecapture'), Type.Literal('canvas')])),
  requestId: Type.Optional(Id),
  sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'the device\'s own hash; refused when the bytes differ' })),
  rung: Type.Optional(Type.Union(QUALITY_RUNGS.map((r) => Type.Literal(r)), { description: 'the quality rung the device was on when it took the still (\'stills\': taken by the stills mode)' })),
}, { additionalProperties: false });
export type SnapshotUploadQuery = Static<typeof SnapshotUploadQuery>;

export const SnapshotUploadResult = Type.Object({
  id: Type.String(),
  sha256: Type.String(),
  bytes: Type.Integer(),
  width: Type.Integer(),
  height: Type.Integer(),
  duplicate: Type.Boolean({ description: 'true when this clientId was already stored (a retry)' }),
});
export type SnapshotUploadResult = Static<typeof SnapshotUploadResult>;

export const ChecklistTemplateView = Type.Object({
  id: Type.String(),
  goodsCategory: Type.String(),
  name: LocalizedText,
  steps: Type.Array(Type.Object({ key: Type.String(), text: LocalizedText })),
});
export const ChecklistTemplateList = Type.Object({ items: Type.Array(ChecklistTemplateView) });

/** Messages the server sends on the device's WebSocket besides the media signalling. */
export type ServerToDeviceExtra =
  | { type: 'guide'; event: SessionEvent }
  | { type: 'ended'; reason: string }
  | { type: 'refused'; code: string; message: string }
  | { type: 'chat-ack'; clientId: string; eventId: string }
  | { type: 'pong' };

/** Messages the device sends on its WebSocket besides the media signalling. */
export type DeviceToServerExtra =
  | { type: 'chat'; clientId: string; text: string }
  | { type: 'ping' };

/** Extra payloads on the inspector's `signal` channel besides the media signalling. */
/**
 * Where the device's tracker sees the anchored drawing now (AR annotations): `H` maps the frozen frame onto the
 * device's current camera frame (normalised coordinates, 3×3 row-major), null unless the spot is being followed.
 * `at` is the capture time of the tracked frame (device clock, ms since the epoch).
 */
export interface AnchorUpdate {
  type: 'anchor';
  drawingId: string;
  state: 'acquiring' | 'tracking' | 'lost';
  reason: 'not_found' | 'out_of_view' | 'too_few_points' | null;
  H: number[] | null;
  at: number;
}
export const ANCHOR_STATES = ['acquiring', 'tracking', 'lost'] as const;
export const ANCHOR_REASONS = ['not_found', 'out_of_view', 'too_few_points'] as const;

export type ViewerSignalExtra =
  | { type: 'guide'; event: SessionEvent }
  | { type: 'device-stats'; stats: Record<string, unknown> }
  | AnchorUpdate
  | { type: 'guide-ack'; clientId: string | null; eventId: string }
  /** to an observer: the inspector allowed (or withdrew) their voice to the device */
  | { type: 'talk-permission'; allowed: boolean }
  /** to the inspector: an `allow-talk` took effect */
  | { type: 'talk-permission-ack'; userId: string; allowed: boolean }
  | { type: 'denied'; code: string; message: string };

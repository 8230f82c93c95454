// Command platform (issue 8): office figures, the live operations wall (session tiles, queues, alerts) and
// administration (users, organisations).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Id, IsoDate } from './common.ts';
import { RoleSchema } from './auth.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Mode = Type.Union([Type.Literal('remote'), Type.Literal('onsite')]);
const ChannelName = Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')]);

// ---------------------------------------------------------------------------------------------------------------
// Figures

export const FIGURES = ['release-time', 'inspector-throughput', 'remote-share', 'hit-rate', 'enterprise-cost'] as const;
export type FigureName = (typeof FIGURES)[number];
export const FigureParams = Type.Object({ figure: Type.Union(FIGURES.map((f) => Type.Literal(f))) }, { additionalProperties: false });

export const FiguresQuery = Type.Object({
  officeId: Type.Optional(Id),
  from: Type.Optional(IsoDate),
  to: Type.Optional(IsoDate),
  channel: Type.Optional(ChannelName),
  mode: Type.Optional(Mode),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv: the figure\'s table as a CSV download' })),
}, { additionalProperties: false });
export type FiguresQuery = Static<typeof FiguresQuery>;

export const FigureFilter = Type.Object({
  officeId: Type.String(),
  officeName: Type.String(),
  timeZone: Type.String(),
  from: Type.String({ description: 'first office-local day of the period (inspection day)' }),
  to: Type.String(),
  channel: Nullable(ChannelName),
  mode: Nullable(Mode),
  refreshedAt: Nullable(Type.String({ description: 'when the pre-aggregated figures were last brought up to date' })),
});
export type FigureFilter = Static<typeof FigureFilter>;

const ModeAll = Type.Union([Mode, Type.Literal('all')]);

export const ReleaseTimeFigure = Type.Object({
  figure: Type.Literal('release-time'),
  filter: FigureFilter,
  summary: Type.Array(Type.Object({
    mode: ModeAll,
    released: Type.Integer(),
    medianHours: Nullable(Type.Number()),
    meanHours: Nullable(Type.Number()),
  })),
  distribution: Type.Array(Type.Object({
    bucket: Type.Integer(),
    fromMinutes: Type.Number(),
    toMinutes: Nullable(Type.Number()),
    remote: Type.Integer(),
    onsite: Type.Integer(),
  })),
});
export type ReleaseTimeFigure = Static<typeof ReleaseTimeFigure>;

export const InspectorThroughputFigure = Type.Object({
  figure: Type.Literal('inspector-throughput'),
  filter: FigureFilter,
  byMode: Type.Array(Type.Object({
    mode: Mode,
    inspections: Type.Integer(),
    inspectorDays: Type.Integer({ description: 'inspector-days with at least one inspection of this mode' }),
    perInspectorDay: Nullable(Type.Number()),
  })),
  efficiencyRatio: Nullable(Type.Number({ description: 'remote inspections per inspector-day ÷ on-site inspections per inspector-day' })),
  inspectors: Type.Array(Type.Object({
    inspectorId: Type.String(),
    name: Type.String(),
    remote: Type.Integer(),
    remoteDays: Type.Integer(),
    onsite: Type.Integer(),
    onsiteDays: Type.Integer(),
  })),
  series: Type.Array(Type.Object({ day: Type.String(), remote: Type.Integer(), onsite: Type.Integer(), remoteInspectors: Type.Integer(), onsiteInspectors: Type.Integer() })),
});
export type InspectorThroughputFigure = Static<typeof InspectorThroughputFigure>;

export const RemoteShareFigure = Type.Object({
  figure: Type.Literal('remote-share'),
  filter: FigureFilter,
  inspections: Type.Integer(),
  remote: Type.Integer(),
  onsite: Type.Integer(),
  remoteShare: Nullable(Type.Number()),
  reasons: Type.Array(Type.Object({
    reason: Type.String({ description: 'an on-site eligibility rule id, or inspector_choice, remote_fallback, undecided, default_onsite' }),
    description: Nullable(Type.String({ description: 'the rule\'s description in the office\'s current rule set' })),
    count: Type.Integer(),
    shareOfOnsite: Nullable(Type.Number()),
  })),
  series: Type.Array(Type.Object({ day: Type.String(), remote: Type.Integer(), onsite: Type.Integer() })),
});
export type RemoteShareFigure = Static<typeof RemoteShareFigure>;

const HitRow = { inspected: Type.Integer(), fraud: Type.Integer(), critical: Type.Integer(), hitRate: Nullable(Type.Number()) };
export const HitRateFigure = Type.Object({
  figure: Type.Literal('hit-rate'),
  filter: FigureFilter,
  overall: Type.Object(HitRow),
  bySelection: Type.Array(Type.Object({ selection: Type.String({ description: 'risk, random, manual or application' }), ...HitRow })),
  byChannel: Type.Array(Type.Object({ channel: ChannelName, ...HitRow })),
  /** hit rate of risk-selected ÷ hit rate of randomly selected goods (the model's lift), when both exist */
  lift: Nullable(Type.Number()),
});
export type HitRateFigure = Static<typeof HitRateFigure>;

export const EnterpriseCostFigure = Type.Object({
  figure: Type.Literal('enterprise-cost'),
  filter: FigureFilter,
  tripsAvoided: Type.Integer({ description: 'remote inspections: no inspector travelled and no goods were moved for inspection' }),
  inspections: Type.Integer(),
  waiting: Type.Array(Type.Object({
    mode: ModeAll,
    releases: Type.Integer({ description: 'released inspections with a known arrival time' }),
    totalHours: Type.Number(),
    meanHours: Nullable(Type.Number()),
  })),
  series: Type.Array(Type.Object({ day: Type.String(), tripsAvoided: Type.Integer(), waitingHours: Type.Number() })),
});
export type EnterpriseCostFigure = Static<typeof EnterpriseCostFigure>;

export const AnyFigure = Type.Union([ReleaseTimeFigure, InspectorThroughputFigure, RemoteShareFigure, HitRateFigure, EnterpriseCostFigure]);
export type AnyFigure = Static<typeof AnyFigure>;

// ---------------------------------------------------------------------------------------------------------------
// Live operations

export const NetworkQuality = Type.Union([Type.Literal('good'), Type.Literal('fair'), Type.Literal('poor'), Type.Literal('unknown')]);
export type NetworkQuality = Static<typeof NetworkQuality>;

export const LiveSessionTile = Type.Object({
  sessionId: Type.String(),
  orderId: Type.String(),
  orderNo: Type.String(),
  state: Type.String(),
  enterpriseName: Type.String(),
  goodsCategory: Type.String(),
  hs6: Type.String(),
  goodsDescription: Nullable(Type.String()),
  inspectorId: Type.String(),
  inspectorName: Nullable(Type.String()),
  startedAt: Type.String({ description: 'when the session connected (or was opened, before it connected)' }),
  network: Type.Object({
    quality: NetworkQuality,
    rttMs: Nullable(Type.Number()),
    packetLossPct: Nullable(Type.Number()),
    bitrateKbps: Nullable(Type.Number()),
    at: Nullable(Type.String()),
    /** the quality ladder's rung on the device and why (the same values as the camera page and the console show) */
    rung: Nullable(Type.Object({ rung: Type.String(), reason: Nullable(Type.String()), value: Nullable(Type.Number()) })),
    /** how the device's media travels: host, srflx, prflx, relay-udp, relay-tcp, relay-tls */
    transport: Nullable(Type.String()),
  }),
  thumbnailUrl: Nullable(Type.String({ description: 'the session\'s latest snapshot' })),
  observeUrl: Type.String({ description: 'the sessions module\'s page, opened as a silent observer' }),
  canObserve: Type.Boolean(),
});
export type LiveSessionTile = Static<typeof LiveSessionTile>;
export const LiveSessions = Type.Object({ generatedAt: Type.String(), items: Type.Array(LiveSessionTile) });
export type LiveSessions = Static<typeof LiveSessions>;

/** Every live order state has a queue: selected (no order yet) → dispatch → eligibility → booking/visit → in progress → decision → approval. */
export const QUEUES = [
  'selected', 'awaiting_dispatch', 'awaiting_eligibility', 'awaiting_booking', 'booked', 'booked_today', 'visit_scheduled', 'in_progress',
  'awaiting_decision', 'awaiting_approval',
] as const;
export type QueueKey = (typeof QUEUES)[number];
export const QueueItem = Type.Object({
  id: Type.String(),
  ref: Type.String({ description: 'order number (declaration number for goods selected but not yet ordered)' }),
  orderId: Nullable(Type.String()),
  declarationId: Nullable(Type.String()),
  enterpriseName: Type.String(),
  state: Type.String(),
  since: Type.String(),
  at: Nullable(Type.String({ description: 'appointment start (booked today)' })),
  overdue: Type.Boolean(),
});
export type QueueItem = Static<typeof QueueItem>;
export const LiveQueues = Type.Object({
  generatedAt: Type.String(),
  timeZone: Type.String(),
  today: Type.String(),
  queues: Type.Array(Type.Object({ key: Type.Union(QUEUES.map((q) => Type.Literal(q))), count: Type.Integer(), items: Type.Array(QueueItem) })),
});
export type LiveQueues = Static<typeof LiveQueues>;

export const ALERT_KINDS = ['bad_network', 'missed_appointment', 'overdue'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const LiveAlert = Type.Object({
  id: Type.String(),
  kind: Type.Union(ALERT_KINDS.map((k) => Type.Literal(k))),
  severity: Type.Union([Type.Literal('warning'), Type.Literal('critical')]),
  orderId: Nullable(Type.String()),
  orderNo: Nullable(Type.String()),
  sessionId: Nullable(Type.String()),
  enterpriseName: Nullable(Type.String()),
  since: Type.String(),
  detail: Type.Record(Type.String(), Type.Any(), { description: 'bad_network: quality, rttMs, packetLossPct; overdue: state, targetHours or dueDate; missed_appointment: missedCount' }),
});
export type LiveAlert = Static<typeof LiveAlert>;
export const LiveAlerts = Type.Object({ generatedAt: Type.String(), items: Type.Array(LiveAlert) });
export type LiveAlerts = Static<typeof LiveAlerts>;

// ---------------------------------------------------------------------------------------------------------------
// Administration

export const CREDIT_RATINGS = ['AA', 'A', 'B', 'C', 'D'] as const;
export const CreditRating = Type.Union(CREDIT_RATINGS.map((r) => Type.Literal(r)));

export const AdminUser = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  orgId: Type.String(),
  orgName: Type.String(),
  orgKind: Type.String(),
  locale: Type.String(),
  active: Type.Boolean(),
  createdAt: Type.String(),
});
export type AdminUser = Static<typeof AdminUser>;
export const AdminUserList = Type.Object({ items: Type.Array(AdminUser) });
export type AdminUserList = Static<typeof AdminUserList>;

export const AdminUserQuery = Type.Object({
  orgId: Type.Optional(Id),
  role: Type.Optional(RoleSchema),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  active: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type AdminUserQuery = Static<typeof AdminUserQuery>;

const Username = Type.String({ minLength: 3, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]*$', description: 'lower-case letters, digits, dot, dash, underscore' });
const Password = Type.String({ minLength: 10, maxLength: 200 });
const DisplayName = Type.String({ minLength: 1, maxLength: 120 });
const Locale = Type.Union([Type.Literal('en'), Type.Literal('zh-CN')]);

export const CreateUserBody = Type.Object({
  username: Username,
  displayName: DisplayName,
  role: RoleSchema,
  orgId: Id,
  password: Password,
  locale: Type.Optional(Locale),
}, { additionalProperties: false });
export type CreateUserBody = Static<typeof CreateUserBody>;

export const UpdateUserBody = Type.Object({
  displayName: Type.Optional(DisplayName),
  role: Type.Optional(RoleSchema),
  orgId: Type.Optional(Id),
  active: Type.Optional(Type.Boolean()),
  password: Type.Optional(Password),
  locale: Type.Optional(Locale),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false, minProperties: 1 });
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const AdminOrg = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('customs_office'), Type.Literal('enterprise')]),
  name: Type.String(),
  code: Type.String(),
  supervisingOfficeId: Nullable(Type.String()),
  supervisingOfficeName: Nullable(Type.String()),
  creditRating: Nullable(Type.String()),
  timeZone: Type.String(),
  users: Type.Integer(),
  createdAt: Type.String(),
});
export type AdminOrg = Static<typeof AdminOrg>;
export const AdminOrgList = Type.Object({ items: Type.Array(AdminOrg) });
export type AdminOrgList = Static<typeof AdminOrgList>;

const OrgCode = Type.String({ minLength: 2, maxLength: 32, pattern: '^[A-Z0-9][A-Z0-9-]*$', description: 'upper-case letters, digits and dashes, e.g. ENT-GAMMA' });
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Asia/Shanghai' });

export const CreateOrgBody = Type.Object({
  kind: Type.Union([Type.Literal('customs_office'), Type.Literal('enterprise')]),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  code: OrgCode,
  supervisingOfficeId: Type.Optional(Id),
  creditRating: Type.Optional(CreditRating),
  timeZone: Type.Optional(TimeZone),
}, { additionalProperties: false });
export type CreateOrgBody = Static<typeof CreateOrgBody>;

export const UpdateOrgBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  supervisingOfficeId: Type.Optional(Id),
  creditRating: Type.Optional(Nullable(CreditRating)),
  timeZone: Type.Optional(TimeZone),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false, minProperties: 1 });
export type UpdateOrgBody = Static<typeof UpdateOrgBody>;

export const AdminDevice = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  orgName: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  active: Type.Boolean(),
  lastTest: Nullable(Type.Object({ passed: Type.Boolean(), testedAt: Type.String(), rttMs: Nullable(Type.Number()), bitrateKbps: Nullable(Type.Number()) })),
  createdAt: Type.String(),
});
export const AdminDeviceList = Type.Object({ items: Type.Array(AdminDevice) });
export type AdminDeviceList = Static<typeof AdminDeviceList>;

export const DemoHistoryStatus = Type.Object({
  state: Type.Union([Type.Literal('not_started'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  source: Nullable(Type.String()),
  declarations: Type.Integer(),
  orders: Type.Integer(),
  closed: Type.Integer(),
  failed: Type.Integer(),
  message: Nullable(Type.String()),
});
export type DemoHistoryStatus = Static<typeof DemoHistoryStatus>;

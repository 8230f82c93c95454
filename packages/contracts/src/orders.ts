// Inspection orders, dispatch, remote eligibility and booking (issue 4): request and response schemas.
// Customs-only fields (selection kind, channel, risk, eligibility reasons, dispatch explanation) are optional in the
// order schema and are never filled for enterprise users: an enterprise learns that its goods were selected, never
// why and never the score.
import { Type, type Static } from '@sinclair/typebox';
import { Id, IsoDate, IsoDateTime, Paged } from './common.ts';

export const ORDER_STATES = [
  'selected', 'assigned', 'eligibility_decided', 'booked', 'rescheduled', 'missed', 'onsite_scheduled',
  'in_progress', 'inspected', 'decided', 'closed', 'cancelled',
] as const;
export type OrderStateName = (typeof ORDER_STATES)[number];
export const OrderStateSchema = Type.Union(ORDER_STATES.map((s) => Type.Literal(s)));
export const ORDER_MODES = ['remote', 'onsite'] as const;
export const OrderMode = Type.Union([Type.Literal('remote'), Type.Literal('onsite')]);
export type OrderMode = Static<typeof OrderMode>;
export const SELECTION_KINDS = ['risk', 'random', 'manual', 'application'] as const;
export const SelectionKind = Type.Union(SELECTION_KINDS.map((s) => Type.Literal(s)));
export type SelectionKind = Static<typeof SelectionKind>;
/** Goods categories (derived from the HS chapter); inspectors are qualified per category. */
export const GOODS_CATEGORIES = [
  'live_animals', 'food_agri', 'minerals_fuels', 'chemicals', 'plastics_rubber', 'wood_paper', 'textiles',
  'metals', 'machinery_electronics', 'vehicles', 'instruments', 'weapons_ammunition', 'general',
] as const;
export const GoodsCategory = Type.Union(GOODS_CATEGORIES.map((s) => Type.Literal(s)));

const Reason = Type.String({ minLength: 3, maxLength: 1000, description: 'why (kept in the audit log)' });

export const Slot = Type.Object({
  start: IsoDateTime,
  end: IsoDateTime,
  localDate: Type.String(),
  localStart: Type.String(),
  localEnd: Type.String(),
});
export type Slot = Static<typeof Slot>;

export const Appointment = Type.Object({
  id: Type.String(),
  kind: OrderMode,
  status: Type.String(),
  start: IsoDateTime,
  end: IsoDateTime,
  localDate: Type.String(),
  localStart: Type.String(),
  localEnd: Type.String(),
  timeZone: Type.String(),
  proposedBy: Type.String(),
  inspectorName: Type.Union([Type.String(), Type.Null()]),
  operatorUserId: Type.Union([Type.String(), Type.Null()]),
  operatorName: Type.Union([Type.String(), Type.Null()]),
  location: Type.Union([Type.String(), Type.Null()]),
  operatorJoinedAt: Type.Union([IsoDateTime, Type.Null()]),
});
export type Appointment = Static<typeof Appointment>;

export const EliminationCounts = Type.Record(Type.String(), Type.Integer());
export const UnassignedReason = Type.Object({
  runId: Type.String(),
  reason: Type.String(),
  message: Type.String(),
  blockingRules: Type.Array(Type.String()),
  /** The day dispatch tried, how many office inspectors each rule ruled out, and how many later days were tried too. */
  date: Type.Optional(IsoDate),
  eliminated: Type.Optional(EliminationCounts),
  officeInspectors: Type.Optional(Type.Integer()),
  triedDays: Type.Optional(Type.Integer()),
});

/** How the current assignment was made: by a dispatch run or by hand (who, with which reason). Customs only. */
export const AssignmentInfo = Type.Object({
  by: Type.Union([Type.Literal('dispatch'), Type.Literal('supervisor')]),
  actorName: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  at: IsoDateTime,
});

export const InspectionOrder = Type.Object({
  id: Type.String(),
  orderNo: Type.String(),
  declarationId: Type.String(),
  declarationNo: Type.String(),
  enterpriseId: Type.String(),
  enterpriseName: Type.String(),
  officeId: Type.String(),
  state: OrderStateSchema,
  mode: Type.Union([OrderMode, Type.Null()]),
  goodsCategory: Type.String(),
  hs6: Type.String(),
  inspectOnArrival: Type.Boolean(),
  goodsArrivedAt: Type.Union([IsoDateTime, Type.Null()]),
  dueDate: IsoDate,
  inspectorId: Type.Union([Type.String(), Type.Null()]),
  inspectorName: Type.Union([Type.String(), Type.Null()]),
  assignedDate: Type.Union([IsoDate, Type.Null()]),
  registeredAt: Type.Union([IsoDateTime, Type.Null()]),
  proposedSlots: Type.Array(Slot),
  appointment: Type.Union([Appointment, Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  /** What the current user may do with this order (computed by the server's policy layer). */
  can: Type.Record(Type.String(), Type.Boolean()),
  // customs only
  selection: Type.Optional(SelectionKind),
  channel: Type.Optional(Type.String()),
  hazardous: Type.Optional(Type.Boolean()),
  priority: Type.Optional(Type.Integer()),
  dispatchRunId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  unassignedReason: Type.Optional(Type.Union([UnassignedReason, Type.Null()])),
  assignment: Type.Optional(Type.Union([AssignmentInfo, Type.Null()])),
  missedCount: Type.Optional(Type.Integer()),
});
export type InspectionOrder = Static<typeof InspectionOrder>;

export const OrderRiskView = Type.Object({
  score: Type.Number(),
  channel: Type.String(),
  modelId: Type.String(),
  explanation: Type.Any(),
  scoredAt: IsoDateTime,
});

export const OrderTransition = Type.Object({
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.String(),
  actorRole: Type.Union([Type.String(), Type.Null()]),
  actorName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  reason: Type.Union([Type.String(), Type.Null()]),
  at: IsoDateTime,
});

export const OrderArrivalNotice = Type.Object({
  id: Type.String(),
  expectedArrivalAt: IsoDateTime,
  location: Type.String(),
  containerCount: Type.Integer(),
  containerNumbers: Type.Array(Type.String()),
  goodsSummary: Type.String(),
  status: Type.String(),
  confirmedAt: Type.Union([IsoDateTime, Type.Null()]),
});

export const OrderDetail = Type.Composite([
  InspectionOrder,
  Type.Object({
    declaration: Type.Object({
      date: IsoDate,
      hs6: Type.String(),
      countryOfOrigin: Type.String(),
      goodsDescription: Type.Union([Type.String(), Type.Null()]),
      netMassKg: Type.Number(),
      itemPrice: Type.Number(),
    }),
    arrivalNotices: Type.Array(OrderArrivalNotice),
    appointments: Type.Array(Appointment),
    /** The enterprise's inspection application the order came from (its preferred mode and note), if any. */
    application: Type.Union([Type.Object({ preferredMode: OrderMode, note: Type.Union([Type.String(), Type.Null()]), createdAt: IsoDateTime }), Type.Null()]),
    // customs only
    transitions: Type.Optional(Type.Array(OrderTransition)),
    /** Risk score and explanation from targeting; null when the declaration has not been scored. */
    risk: Type.Optional(Type.Union([OrderRiskView, Type.Null()])),
    eligibilityDecision: Type.Optional(Type.Union([Type.Object({
      recommendation: OrderMode,
      decidedMode: OrderMode,
      overridden: Type.Boolean(),
      reason: Type.Union([Type.String(), Type.Null()]),
      ruleSetVersion: Type.Integer(),
      fired: Type.Array(Type.Any()),
      decidedAt: IsoDateTime,
    }), Type.Null()])),
  }),
]);
export type OrderDetail = Static<typeof OrderDetail>;

/**
 * Columns an order list sorts by. `queue` is the dispatch queue (arrived inspect-on-arrival goods, priority, due day,
 * age) and, like `inspector`, is for customs staff only (the priority comes from the risk channel). `date` is the day
 * the order counts on (assigned, else due); `appointment` the start of the agreed appointment (orders without one last).
 */
export const ORDER_SORT_FIELDS = ['queue', 'orderNo', 'declarationNo', 'enterprise', 'state', 'mode', 'date', 'inspector', 'appointment', 'createdAt'] as const;
export type OrderSortField = (typeof ORDER_SORT_FIELDS)[number];
const OrderListFilters = {
  state: Type.Optional(OrderStateSchema),
  /** Only orders still in the workflow (not closed, not cancelled). */
  open: Type.Optional(Type.Boolean()),
  mode: Type.Optional(OrderMode),
  /** Text search: order or declaration number, container number (from the declaration or its arrival notices), enterprise name. */
  q: Type.Optional(Type.String({ maxLength: 64, description: 'order/declaration number, container number or enterprise name' })),
  sort: Type.Optional(Type.Union(ORDER_SORT_FIELDS.map((s) => Type.Literal(s)))),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
};

export const OrderListQuery = Type.Object({
  ...OrderListFilters,
  /** Only the orders assigned to me (inspectors). */
  mine: Type.Optional(Type.Boolean()),
  /** Customs only (an enterprise is not told who inspects). */
  inspectorId: Type.Optional(Id),
  from: Type.Optional(IsoDate),
  to: Type.Optional(IsoDate),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })),
}, { additionalProperties: false });
export type OrderListQuery = Static<typeof OrderListQuery>;
/** A page of orders; `total` counts every order matching the filters. */
export const OrderList = Paged(InspectionOrder);
export type OrderList = Static<typeof OrderList>;

export const PlanQuery = Type.Object({
  from: Type.Optional(IsoDate),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, default: 1 })),
  ...OrderListFilters,
  inspectorId: Type.Optional(Id),
  /** Only orders still waiting for an inspector. */
  unassigned: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })),
}, { additionalProperties: false });
export type PlanQuery = Static<typeof PlanQuery>;
export const Plan = Type.Object({
  from: IsoDate,
  to: IsoDate,
  timeZone: Type.String(),
  /** One page of the orders due in the range plus every order still waiting for an inspector (filtered, sorted). */
  orders: Type.Array(InspectionOrder),
  /** Orders matching the filters (all pages); the counts below cover the whole range, unfiltered. */
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
  byState: Type.Record(Type.String(), Type.Integer()),
  byMode: Type.Record(Type.String(), Type.Integer()),
  byInspector: Type.Array(Type.Object({
    inspectorId: Type.String(),
    name: Type.String(),
    dailyCapacity: Type.Integer(),
    onDutyDates: Type.Array(IsoDate),
    orders: Type.Integer(),
    byDate: Type.Record(Type.String(), Type.Integer()),
  })),
  unassigned: Type.Integer(),
  lastRun: Type.Union([Type.Object({ id: Type.String(), createdAt: IsoDateTime, summary: Type.Any() }), Type.Null()]),
});
export type Plan = Static<typeof Plan>;

export const CreateOrderBody = Type.Object({
  declarationId: Id,
  inspectOnArrival: Type.Optional(Type.Boolean()),
  priority: Type.Optional(Type.Integer({ minimum: -100, maximum: 100 })),
  dueDate: Type.Optional(IsoDate),
  hazardous: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const AcceptApplicationBody = Type.Object({
  inspectOnArrival: Type.Optional(Type.Boolean()),
  dueDate: Type.Optional(IsoDate),
}, { additionalProperties: false });
export type AcceptApplicationBody = Static<typeof AcceptApplicationBody>;

export const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
export type ReasonBody = Static<typeof ReasonBody>;

// -------------------------------------------------------------------------------------------------------------
// Dispatch

export const DispatchRunBody = Type.Object({
  /** Office-local day to dispatch for (default today); orders due earlier are dispatched for this day. */
  date: Type.Optional(IsoDate),
}, { additionalProperties: false });
export type DispatchRunBody = Static<typeof DispatchRunBody>;

export const DispatchRunView = Type.Object({
  id: Type.String(),
  officeId: Type.String(),
  algorithm: Type.String(),
  seed: Type.String(),
  runDate: IsoDate,
  inputHash: Type.String(),
  summary: Type.Any(),
  createdAt: IsoDateTime,
  actorId: Type.Union([Type.String(), Type.Null()]),
  /** Per order: assigned inspector with the explanation, or the reason it stays unassigned. */
  result: Type.Any(),
  input: Type.Optional(Type.Any()),
});
export type DispatchRunView = Static<typeof DispatchRunView>;

export const ReplayView = Type.Object({
  runId: Type.String(),
  same: Type.Boolean(),
  differences: Type.Array(Type.Object({ path: Type.String(), recorded: Type.Any(), replayed: Type.Any() })),
  inputHashMatches: Type.Boolean(),
  /** Seed, input hash and result hash agree with the run's entry in the hash-chained audit log. */
  auditMatches: Type.Boolean(),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});
export type ReplayView = Static<typeof ReplayView>;

/**
 * Supervisor assigns (an unassigned order) or reassigns (an assigned one) by hand. The inspector is checked against
 * the dispatch rules on the day; a conflict of interest is never overridden; other rules (off duty, not qualified,
 * rotation, at capacity) refuse with 409 naming them unless `override` is set, and the reason is audited.
 */
export const ReassignBody = Type.Object({
  inspectorId: Id,
  reason: Reason,
  /** Office-local day the order counts on (default: its current or due day, not before today). */
  date: Type.Optional(IsoDate),
  override: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type ReassignBody = Static<typeof ReassignBody>;
export const AssignBody = ReassignBody;
export type AssignBody = ReassignBody;

/** What the rules say about one inspector for one order on one day (the assign dialog shows it before submitting). */
export const CandidateCheck = Type.Object({
  inspectorId: Type.String(),
  name: Type.String(),
  date: IsoDate,
  allowed: Type.Boolean(),
  /** Rules this inspector fails on that day; conflict_of_interest can never be overridden. */
  failedRules: Type.Array(Type.String()),
  load: Type.Integer(),
  dailyCapacity: Type.Integer(),
  onDuty: Type.Boolean(),
});
export type CandidateCheck = Static<typeof CandidateCheck>;
export const CandidateList = Type.Object({ orderId: Type.String(), date: IsoDate, items: Type.Array(CandidateCheck) });
export type CandidateList = Static<typeof CandidateList>;

// -------------------------------------------------------------------------------------------------------------
// Eligibility

export const FiredRule = Type.Object({
  ruleId: Type.String(),
  description: Type.String(),
  outcome: OrderMode,
  priority: Type.Integer(),
  basis: Type.String(),
  missingFacts: Type.Optional(Type.Array(Type.String())),
});

export const EligibilityView = Type.Object({
  orderId: Type.String(),
  ruleSet: Type.Object({ id: Type.String(), version: Type.Integer() }),
  recommendation: OrderMode,
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  fired: Type.Array(FiredRule),
  missingFacts: Type.Array(Type.String()),
  facts: Type.Record(Type.String(), Type.Any()),
  decision: Type.Union([Type.Object({
    decidedMode: OrderMode,
    recommendation: OrderMode,
    overridden: Type.Boolean(),
    reason: Type.Union([Type.String(), Type.Null()]),
    decidedAt: IsoDateTime,
  }), Type.Null()]),
});
export type EligibilityView = Static<typeof EligibilityView>;

export const DecideEligibilityBody = Type.Object({
  mode: OrderMode,
  /** Required when the decision goes against the recommendation. */
  reason: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type DecideEligibilityBody = Static<typeof DecideEligibilityBody>;

export const RuleSetView = Type.Object({
  id: Type.String(),
  officeId: Type.String(),
  version: Type.Integer(),
  active: Type.Boolean(),
  rules: Type.Array(Type.Any()),
  defaultOutcome: OrderMode,
  note: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoDateTime,
  /** Facts rules may use, with their types. */
  facts: Type.Optional(Type.Record(Type.String(), Type.Any())),
});
export type RuleSetView = Static<typeof RuleSetView>;
export const RuleSetInput = Type.Object({
  rules: Type.Array(Type.Any(), { maxItems: 500 }),
  defaultOutcome: Type.Optional(OrderMode),
  note: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type RuleSetInput = Static<typeof RuleSetInput>;

// -------------------------------------------------------------------------------------------------------------
// Booking

const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });
export const OrderSettings = Type.Object({
  timeZone: Type.String({ minLength: 1, maxLength: 64 }),
  weekly: Type.Record(Type.String({ pattern: '^[1-7]$' }), Type.Array(Type.Object({ start: HHMM, end: HHMM }, { additionalProperties: false }), { maxItems: 12 })),
  closedDates: Type.Array(IsoDate, { maxItems: 1000 }),
  slotMinutes: Type.Integer({ minimum: 5, maximum: 480 }),
  bufferMinutes: Type.Integer({ minimum: 0, maximum: 240 }),
  graceMinutes: Type.Integer({ minimum: 0, maximum: 240 }),
  noticeMinutes: Type.Integer({ minimum: 0, maximum: 10080 }),
  rotationDays: Type.Integer({ minimum: 0, maximum: 365 }),
  reminderMinutes: Type.Integer({ minimum: 0, maximum: 10080 }),
  /** Dispatch may plan an order on one of the next N days when nobody can take it on its own day (0–60). */
  lookaheadDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
  /** A weight read or weighed within this many percent of the declared mass is no finding (0–100). */
  weightTolerancePct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
}, { additionalProperties: false });
export type OrderSettings = Static<typeof OrderSettings>;

/** The dispatch rules a supervisor changes for their office (rotation window, look-ahead days, weight tolerance). */
export const DispatchSettingsInput = Type.Object({
  rotationDays: Type.Integer({ minimum: 0, maximum: 365 }),
  lookaheadDays: Type.Integer({ minimum: 0, maximum: 60 }),
  weightTolerancePct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  reason: Type.String({ minLength: 3, maxLength: 1000, description: 'why (kept in the audit log)' }),
}, { additionalProperties: false });
export type DispatchSettingsInput = Static<typeof DispatchSettingsInput>;

export const RegisterRemoteBody = Type.Object({
  /** Search slots from this office-local day (default: from now). */
  from: Type.Optional(IsoDate),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, default: 10 })),
}, { additionalProperties: false });
export type RegisterRemoteBody = Static<typeof RegisterRemoteBody>;

export const BookBody = Type.Object({
  start: IsoDateTime,
  end: IsoDateTime,
  /** The enterprise's on-site operator who will hold the camera. */
  operatorUserId: Id,
}, { additionalProperties: false });
export type BookBody = Static<typeof BookBody>;

export const SlotsQuery = Type.Object({
  from: Type.Optional(IsoDate),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, default: 7 })),
  operatorUserId: Type.Optional(Id),
}, { additionalProperties: false });
export type SlotsQuery = Static<typeof SlotsQuery>;
export const SlotList = Type.Object({ timeZone: Type.String(), slotMinutes: Type.Integer(), items: Type.Array(Slot) });
export type SlotList = Static<typeof SlotList>;

export const ScheduleVisitBody = Type.Object({
  start: IsoDateTime,
  end: Type.Optional(IsoDateTime),
  location: Type.String({ minLength: 1, maxLength: 300 }),
  reason: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type ScheduleVisitBody = Static<typeof ScheduleVisitBody>;

export const Person = Type.Object({ id: Type.String(), name: Type.String(), role: Type.String() });
export const PersonList = Type.Object({ items: Type.Array(Person) });

export const MissedCheckResult = Type.Object({
  checkedAt: IsoDateTime,
  missed: Type.Array(Type.Object({ appointmentId: Type.String(), orderId: Type.String(), outcome: Type.String() })),
  reminded: Type.Integer(),
});
export type MissedCheckResult = Static<typeof MissedCheckResult>;

// -------------------------------------------------------------------------------------------------------------
// Inspectors (profiles, rosters, conflicts) and enterprise devices

export const InspectorView = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  officeId: Type.String(),
  qualifications: Type.Array(Type.String()),
  dailyCapacity: Type.Integer(),
  active: Type.Boolean(),
  roster: Type.Array(Type.Object({ date: IsoDate, onDuty: Type.Boolean(), note: Type.Union([Type.String(), Type.Null()]) })),
  conflicts: Type.Array(Type.Object({ enterpriseId: Type.String(), enterpriseName: Type.String(), reason: Type.String() })),
});
export type InspectorView = Static<typeof InspectorView>;
export const InspectorProfileInput = Type.Object({
  qualifications: Type.Array(GoodsCategory, { maxItems: 50 }),
  dailyCapacity: Type.Integer({ minimum: 0, maximum: 100 }),
  active: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type InspectorProfileInput = Static<typeof InspectorProfileInput>;
export const RosterInput = Type.Object({
  entries: Type.Array(Type.Object({
    date: IsoDate, onDuty: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 200 })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 400 }),
}, { additionalProperties: false });
export type RosterInput = Static<typeof RosterInput>;
export const ConflictInput = Type.Object({ enterpriseId: Id, reason: Reason }, { additionalProperties: false });
export type ConflictInput = Static<typeof ConflictInput>;

export const DeviceView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  active: Type.Boolean(),
  lastTest: Type.Union([Type.Object({ passed: Type.Boolean(), testedAt: IsoDateTime, rttMs: Type.Union([Type.Integer(), Type.Null()]), bitrateKbps: Type.Union([Type.Integer(), Type.Null()]) }), Type.Null()]),
});
export const DeviceList = Type.Object({ items: Type.Array(DeviceView) });
export const DeviceInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: Type.Union([Type.Literal('phone'), Type.Literal('ar_glasses'), Type.Literal('tablet'), Type.Literal('fixed_camera')]),
}, { additionalProperties: false });
export type DeviceInput = Static<typeof DeviceInput>;
export const ConnectionTestInput = Type.Object({
  passed: Type.Boolean(),
  rttMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60000 })),
  bitrateKbps: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000000 })),
}, { additionalProperties: false });
export type ConnectionTestInput = Static<typeof ConnectionTestInput>;

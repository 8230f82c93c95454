// Findings, decisions and evidence (issue 7): request and response schemas.
// Findings, decisions and reviews are signed when submitted and never changed: a correction is a new finding that
// names the one it corrects (`corrects`). The enterprise view carries the outcome, the release time, the corrections
// and the findings of its own goods: never the risk score, the channel or the reason for selection.
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { Id, IsoDateTime } from './common.ts';
import { AuditEntryView } from './audit.ts';

export const DISCREPANCY_TYPES = [
  'origin', 'quantity', 'weight', 'description', 'hs_classification', 'undeclared_goods', 'prohibited_goods', 'seal_tampered', 'other',
] as const;
/** The mass fields a weight finding is about (declared vs weighed, in kg). */
export const WEIGHT_FIELDS = ['netMassKg', 'grossMassKg'] as const;
export type DiscrepancyType = (typeof DISCREPANCY_TYPES)[number];
/** A mass as the inspector types it: "346.6", "346,6 kg", "1 200". */
export function kgOf(v: string | null | undefined): number | null {
  const t = (v ?? '').trim().replace(/\s*kg$/i, '').replace(/(\d)[\s\u00a0](?=\d{3}\b)/g, '$1').replace(',', '.');
  return /^\d+(\.\d+)?$/.test(t) && Number(t) > 0 ? Number(t) : null;
}

/** Declared vs weighed: the difference in % of the declared mass and whether it is within the office's tolerance. */
export function weightCheck(declared: string | null | undefined, observed: string | null | undefined, tolerancePct: number) {
  const d = kgOf(declared), o = kgOf(observed);
  if (d === null || o === null) return null;
  const differencePct = Math.round(((o - d) / d) * 1000) / 10;
  return { declaredKg: d, observedKg: o, differencePct, tolerancePct, withinTolerance: Math.abs(differencePct) <= tolerancePct };
}

export const SEVERITIES = ['minor', 'significant', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const FINDING_STEP_RESULTS = ['pass', 'fail', 'not_applicable'] as const;
export type FindingStepResult = (typeof FINDING_STEP_RESULTS)[number];
/**
 * The default inspection checklist, in the order the inspector works through it. A step result may also name a
 * step of the session's checklist template (any key of letters, digits, _ and -).
 */
export const CHECKLIST_STEPS = [
  'seal_intact', 'container_number', 'packaging_marks', 'goods_description', 'quantity_count', 'origin_marking', 'hs_consistency',
] as const;
export type ChecklistStep = (typeof CHECKLIST_STEPS)[number];
export const DECISION_OUTCOMES = ['release', 'release_with_correction', 'hold', 'onsite_reinspection', 'refer_enforcement'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];
export const DECISION_STATUSES = ['pending_approval', 'rejected', 'effective'] as const;
export type DecisionStatus = (typeof DECISION_STATUSES)[number];
export const SUGGESTION_STATUSES = ['suggested', 'accepted', 'dismissed'] as const;

const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x))) as unknown as TUnion<TLiteral<T>[]>;
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const OptText = (max: number) => Type.Optional(Nullable(Type.String({ maxLength: max })));
const RefId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' });

export const DiscrepancyTypeSchema = lit(DISCREPANCY_TYPES);
export const SeveritySchema = lit(SEVERITIES);
export const DecisionOutcomeSchema = lit(DECISION_OUTCOMES);

/** Free references to evidence: snapshot ids, recording time ranges, vision reading ids. */
export const EvidenceRefs = Type.Object({
  snapshots: Type.Array(RefId, { maxItems: 50, default: [] }),
  recordings: Type.Array(Type.Object({
    recordingId: Type.Union([RefId, Type.Null()]),
    start: IsoDateTime,
    end: IsoDateTime,
  }, { additionalProperties: false }), { maxItems: 50, default: [] }),
  readings: Type.Array(RefId, { maxItems: 50, default: [] }),
}, { additionalProperties: false });
export type EvidenceRefs = Static<typeof EvidenceRefs>;

/**
 * A finding as submitted: a checklist step result (kind `step`: stepKey, stepResult) or a discrepancy (kind
 * `discrepancy`: type, severity, declared vs observed). `corrects` makes it the correction of an earlier finding;
 * with `retracted` the earlier finding is withdrawn.
 */
export const FindingInput = Type.Object({
  kind: lit(['step', 'discrepancy'] as const),
  stepKey: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$' })),
  stepResult: Type.Optional(lit(FINDING_STEP_RESULTS)),
  type: Type.Optional(DiscrepancyTypeSchema),
  severity: Type.Optional(SeveritySchema),
  field: OptText(100),
  declared: OptText(1000),
  observed: OptText(1000),
  note: OptText(4000),
  evidence: Type.Optional(EvidenceRefs),
  corrects: Type.Optional(Id),
  retracted: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type FindingInput = Static<typeof FindingInput>;

export const Signer = Type.Object({ id: Type.String(), name: Type.String(), role: Type.String() });

/** The signature of a stored record and whether it still verifies against the server's published keys. */
export const SignatureView = Type.Object({
  keyId: Type.String(),
  algorithm: Type.String(),
  signature: Type.String(),
  signedAt: IsoDateTime,
  valid: Type.Boolean(),
  problems: Type.Array(Type.String()),
});

export const Finding = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  kind: lit(['step', 'discrepancy'] as const),
  stepKey: Nullable(Type.String()),
  stepResult: Nullable(Type.String()),
  type: Nullable(Type.String()),
  severity: Nullable(Type.String()),
  field: Nullable(Type.String()),
  declared: Nullable(Type.String()),
  observed: Nullable(Type.String()),
  note: Nullable(Type.String()),
  evidence: EvidenceRefs,
  corrects: Nullable(Type.String()),
  correctedBy: Nullable(Type.String()),
  retracted: Type.Boolean(),
  /** Not corrected by a later finding and not a retraction. */
  current: Type.Boolean(),
  suggestionId: Nullable(Type.String()),
  signer: Signer,
  signature: SignatureView,
});
export type Finding = Static<typeof Finding>;

export const SuggestionEvidence = Type.Object({
  snapshotId: Type.Union([Type.String(), Type.Null()]),
  /** The vision reading the suggestion comes from. */
  readingId: Type.Union([Type.String(), Type.Null()]),
  /** Where in the snapshot (the vision module's quad of corner points). */
  box: Type.Union([Type.Array(Type.Any()), Type.Null()]),
  text: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
});

export const SuggestedFinding = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  field: Type.String(),
  declared: Nullable(Type.String()),
  observed: Nullable(Type.String()),
  confidence: Type.Number(),
  evidence: SuggestionEvidence,
  source: Type.String(),
  status: lit(SUGGESTION_STATUSES),
  findingId: Nullable(Type.String()),
  resolvedAt: Nullable(IsoDateTime),
  dismissReason: Nullable(Type.String()),
  createdAt: IsoDateTime,
});
export type SuggestedFinding = Static<typeof SuggestedFinding>;

export const AcceptSuggestionBody = Type.Object({
  type: Type.Optional(DiscrepancyTypeSchema),
  severity: SeveritySchema,
  note: OptText(4000),
}, { additionalProperties: false });
export type AcceptSuggestionBody = Static<typeof AcceptSuggestionBody>;

export const DismissSuggestionBody = Type.Object({ reason: Text(1000) }, { additionalProperties: false });
export type DismissSuggestionBody = Static<typeof DismissSuggestionBody>;

export const Correction = Type.Object({
  field: Text(100),
  declared: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  corrected: Text(1000),
  findingId: Type.Optional(Nullable(Id)),
}, { additionalProperties: false });
export type Correction = Static<typeof Correction>;

export const DecisionInput = Type.Object({
  outcome: DecisionOutcomeSchema,
  corrections: Type.Optional(Type.Array(Correction, { maxItems: 50 })),
  reason: OptText(4000),
}, { additionalProperties: false });
export type DecisionInput = Static<typeof DecisionInput>;

export const ReviewView = Type.Object({
  id: Type.String(),
  verdict: lit(['approved', 'rejected'] as const),
  reason: Nullable(Type.String()),
  signer: Signer,
  signature: SignatureView,
});

export const Decision = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  outcome: DecisionOutcomeSchema,
  corrections: Type.Array(Type.Object({ field: Type.String(), declared: Nullable(Type.String()), corrected: Type.String(), findingId: Nullable(Type.String()) })),
  reason: Nullable(Type.String()),
  findingIds: Type.Array(Type.String()),
  requiresApproval: Type.Boolean(),
  status: lit(DECISION_STATUSES),
  signer: Signer,
  signature: SignatureView,
  review: Type.Union([ReviewView, Type.Null()]),
  effectiveAt: Nullable(IsoDateTime),
  releasedAt: Nullable(IsoDateTime),
});
export type Decision = Static<typeof Decision>;

export const ReviewBody = Type.Object({ reason: OptText(4000) }, { additionalProperties: false });
export type ReviewBody = Static<typeof ReviewBody>;
export const RejectBody = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 4000 }) }, { additionalProperties: false });
export type RejectBody = Static<typeof RejectBody>;

/** What the inspector works from: the order, the declared values, the checklist and everything recorded so far. */
export const InspectionView = Type.Object({
  order: Type.Object({
    id: Type.String(), orderNo: Type.String(), state: Type.String(), mode: Nullable(Type.String()),
    inspectorId: Nullable(Type.String()), inspectorName: Nullable(Type.String()), enterpriseName: Type.String(),
  }),
  declaration: Type.Object({
    id: Type.String(), declarationNo: Type.String(), hs6: Type.String(), countryOfOrigin: Type.String(),
    netMassKg: Type.Number(), grossMassKg: Type.Union([Type.Number(), Type.Null()]), itemPrice: Type.Number(), goodsDescription: Nullable(Type.String()), status: Type.String(),
  }),
  /** The office's weight tolerance (%): a weighed mass within it of the declared one is not a significant difference. */
  weightTolerancePct: Type.Number(),
  /** Step keys: the live session's checklist when there was one, else the default checklist. */
  checklist: Type.Array(Type.String()),
  /** Texts of the session's steps by key (en, zh-CN); default steps are translated by the UI. */
  stepTexts: Type.Record(Type.String(), Type.Object({ en: Type.String(), 'zh-CN': Type.String() })),
  /** The result ticked in the live session for each step key (a hint: the signed finding is what counts). */
  sessionResults: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
  findings: Type.Array(Finding),
  suggestions: Type.Array(SuggestedFinding),
  decisions: Type.Array(Decision),
  can: Type.Record(Type.String(), Type.Boolean()),
});
export type InspectionView = Static<typeof InspectionView>;

export const InspectionListItem = Type.Object({
  orderId: Type.String(),
  orderNo: Type.String(),
  state: Type.String(),
  declarationNo: Type.String(),
  enterpriseName: Type.String(),
  inspectorName: Nullable(Type.String()),
  findings: Type.Integer(),
  decision: Type.Union([Type.Object({ id: Type.String(), outcome: Type.String(), status: Type.String() }), Type.Null()]),
  updatedAt: IsoDateTime,
});
export const InspectionList = Type.Object({ items: Type.Array(InspectionListItem) });
export type InspectionList = Static<typeof InspectionList>;
export const InspectionListQuery = Type.Object({
  scope: Type.Optional(lit(['mine', 'office'] as const)),
  state: Type.Optional(lit(['open', 'decided', 'all'] as const)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
}, { additionalProperties: false });
export type InspectionListQuery = Static<typeof InspectionListQuery>;

export const ApprovalQueueItem = Type.Object({
  decision: Decision,
  orderNo: Type.String(),
  declarationNo: Type.String(),
  enterpriseName: Type.String(),
  findings: Type.Array(Finding),
});
export const ApprovalQueue = Type.Object({ items: Type.Array(ApprovalQueueItem) });
export type ApprovalQueue = Static<typeof ApprovalQueue>;

/** The enterprise's view of an inspection: outcome, release time, corrections and the findings about its goods. */
export const EnterpriseOutcome = Type.Object({
  orderId: Type.String(),
  orderNo: Type.String(),
  declarationId: Type.String(),
  declarationNo: Type.String(),
  status: lit(['in_inspection', 'decided'] as const),
  outcome: Type.Union([DecisionOutcomeSchema, Type.Null()]),
  decidedAt: Nullable(IsoDateTime),
  releasedAt: Nullable(IsoDateTime),
  corrections: Type.Array(Type.Object({ field: Type.String(), declared: Nullable(Type.String()), corrected: Type.String() })),
  findings: Type.Array(Type.Object({
    id: Type.String(), type: Nullable(Type.String()), severity: Nullable(Type.String()), field: Nullable(Type.String()),
    declared: Nullable(Type.String()), observed: Nullable(Type.String()),
  })),
});
export type EnterpriseOutcome = Static<typeof EnterpriseOutcome>;
export const EnterpriseOutcomeList = Type.Object({ items: Type.Array(EnterpriseOutcome) });
export type EnterpriseOutcomeList = Static<typeof EnterpriseOutcomeList>;

export const CaseMediaView = Type.Object({
  id: Type.String(),
  kind: lit(['recording', 'snapshot'] as const),
  name: Type.String(),
  contentType: Nullable(Type.String()),
  size: Type.Integer(),
  sha256: Type.String(),
  sessionId: Nullable(Type.String()),
  startedAt: Nullable(IsoDateTime),
  endedAt: Nullable(IsoDateTime),
});
export type CaseMediaView = Static<typeof CaseMediaView>;

const Loose = Type.Any();
const Section = Type.Union([Type.Record(Type.String(), Type.Any()), Type.Null()]);

/**
 * The complete story of one inspection, in workflow order, for supervisors and auditors: every record and every
 * audit entry whose target is one of the case's records (seq order).
 */
export const CaseStory = Type.Object({
  orderId: Type.String(),
  orderNo: Type.String(),
  state: Type.String(),
  declaration: Type.Record(Type.String(), Type.Any()),
  selection: Section,
  risk: Section,
  order: Type.Record(Type.String(), Type.Any()),
  dispatch: Section,
  eligibility: Section,
  booking: Type.Array(Loose),
  sessions: Type.Array(Loose),
  media: Type.Array(CaseMediaView),
  findings: Type.Array(Finding),
  suggestions: Type.Array(SuggestedFinding),
  decisions: Type.Array(Decision),
  transitions: Type.Array(Loose),
  audit: Type.Array(AuditEntryView),
});
export type CaseStory = Static<typeof CaseStory>;

export const CaseListItem = Type.Object({
  orderId: Type.String(),
  orderNo: Type.String(),
  state: Type.String(),
  declarationNo: Type.String(),
  enterpriseName: Type.String(),
  outcome: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Nullable(IsoDateTime),
});
export const CaseList = Type.Object({ items: Type.Array(CaseListItem) });
export type CaseList = Static<typeof CaseList>;

export const PublicKeyView = Type.Object({
  keyId: Type.String(),
  algorithm: Type.String(),
  publicKey: Type.String(),
  publicKeyPem: Type.String(),
  createdAt: IsoDateTime,
  retiredAt: Nullable(IsoDateTime),
});
export const KeyList = Type.Object({ activeKeyId: Type.String(), keys: Type.Array(PublicKeyView) });
export type KeyList = Static<typeof KeyList>;

export const RETENTION_RECORD_TYPES = ['findings', 'decisions', 'suggested_findings', 'recordings', 'snapshots'] as const;
export type RetentionRecordType = (typeof RETENTION_RECORD_TYPES)[number];
export const RetentionRecordTypeSchema = lit(RETENTION_RECORD_TYPES);
export const RetentionPolicyItem = Type.Object({
  recordType: Type.String(),
  period: Type.String(),
  /** The legal minimum of the type (RVI_RETENTION_MINIMUMS, never below P1Y): no period may be set shorter. */
  minimum: Type.String(),
  source: lit(['default', 'configured'] as const),
  updatedAt: Nullable(IsoDateTime),
});
export const RetentionPolicyList = Type.Object({ items: Type.Array(RetentionPolicyItem) });
export type RetentionPolicyList = Static<typeof RetentionPolicyList>;
export const RetentionPeriodBody = Type.Object({
  period: Type.String({ minLength: 2, maxLength: 40, description: 'ISO 8601 duration (P10Y, P6M, P90D) or "forever"' }),
}, { additionalProperties: false });
export const RetentionParams = Type.Object({ recordType: RetentionRecordTypeSchema }, { additionalProperties: false });
export const RetentionRecordParams = Type.Object({ recordType: RetentionRecordTypeSchema, id: Id }, { additionalProperties: false });
export const DeletionRequestBody = Type.Object({
  recordType: RetentionRecordTypeSchema,
  recordId: Id,
  reason: Type.String({ minLength: 10, maxLength: 2000, description: 'Why the record is deleted (goes into the signed tombstone)' }),
}, { additionalProperties: false });
export type DeletionRequestBody = Static<typeof DeletionRequestBody>;
export const DeletionRejectBody = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false });
export const DeletionRequestView = Type.Object({
  id: Type.String(),
  recordType: Type.String(),
  recordId: Type.String(),
  orderId: Type.String(),
  officeId: Type.String(),
  contentSha256: Type.String(),
  reason: Type.String(),
  status: lit(['pending', 'executed', 'rejected', 'expired'] as const),
  requestedBy: Type.String(),
  requestedAt: IsoDateTime,
  expiresAt: IsoDateTime,
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(IsoDateTime),
  decisionReason: Nullable(Type.String()),
  /** The signed tombstone (a signed envelope: verify with GET /api/keys), once executed. */
  tombstone: Type.Unknown(),
});
export const DeletionRequestList = Type.Object({ items: Type.Array(DeletionRequestView) });
export const DeletionApproval = Type.Object({ deleted: Type.Boolean(), request: DeletionRequestView, tombstone: Type.Unknown() });
export const DeletionResult = Type.Object({
  deleted: Type.Boolean(),
  recordType: Type.String(),
  id: Type.String(),
  retainUntil: Nullable(IsoDateTime),
});

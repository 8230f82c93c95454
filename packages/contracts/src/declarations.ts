import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { IsoDate, IsoDateTime, Paged } from './common.ts';

/** Column names of the Korea Customs Service declaration dataset, in file order (train.csv / valid.csv). */
export const KCS_COLUMNS = [
  'Declaration ID', 'Date', 'Office ID', 'Process Type', 'Import Type', 'Import Use', 'Payment Type',
  'Mode of Transport', 'Declarant ID', 'Importer ID', 'Seller ID', 'Courier ID', 'HS6 Code',
  'Country of Departure', 'Country of Origin', 'Tax Rate', 'Tax Type', 'Country of Origin Indicator',
  'Net Mass', 'Item Price',
] as const;
/** Outcome columns present in the labelled dataset; an enterprise's import ignores them (they are inspection outcomes, not declaration data). */
export const KCS_LABEL_COLUMNS = ['Fraud', 'Critical Fraud'] as const;

const Code = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '^[A-Za-z0-9._-]+$' });
const OptCode = (max: number) => Type.Union([Code(max), Type.Null()]);
const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' });

export const DECLARATION_STATUSES = ['filed', 'inspection_requested', 'selected', 'released', 'held'] as const;
export type DeclarationStatus = (typeof DECLARATION_STATUSES)[number];

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** ISO 6346 container number: format here; the check digit is checked by declarationCodeProblems (naming the number). */
export const ContainerNumber = Type.String({ pattern: '^[A-Z]{3}[UJZ][0-9]{7}$', description: 'ISO 6346, e.g. MSCU1234566 (check digit verified)' });
export const SealNumber = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Z0-9][A-Z0-9-]*$', description: 'seal number as printed (capitals, digits, -)' });
export const ContainerInput = Type.Object({
  number: ContainerNumber,
  /** ISO 6346 size-type code, e.g. 22G1, 45G1. */
  sizeType: Type.Optional(Nullable(Type.String({ pattern: '^[0-9][0-9A-Z][0-9A-Z][0-9A-Z]$' }))),
  seals: Type.Array(SealNumber, { maxItems: 10 }),
}, { additionalProperties: false });
export type ContainerInput = Static<typeof ContainerInput>;
export const GoodsLineInput = Type.Object({
  lineNo: Type.Integer({ minimum: 1, maximum: 999 }),
  hsCode: Type.String({ pattern: '^[0-9]{6}([0-9]{2}){0,2}$', description: 'HS code, 6, 8 or 10 digits' }),
  description: Type.String({ minLength: 1, maxLength: 500 }),
  quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1e12 }),
  /** UN/ECE Recommendation 20 unit code (PCE, KGM, CT…). */
  unit: Type.String({ pattern: '^[A-Z0-9]{2,3}$' }),
  netMassKg: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1e9 }))),
  value: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1e15 }))),
  countryOfOrigin: Type.Optional(Nullable(Type.String({ pattern: '^[A-Z]{2}$' }))),
}, { additionalProperties: false });
export type GoodsLineInput = Static<typeof GoodsLineInput>;

/**
 * What the goods physically carry and what they are worth: containers with their seals, packages (count, UN/ECE
 * Rec. 21 kind, marks), gross mass, goods lines, the customs value and its ISO 4217 currency. All optional (the
 * dataset's CSV has none of them); vision compares container numbers, seals, package counts and weights with them.
 */
export const DeclarationGoodsFields = {
  grossMassKg: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1e9 }))),
  packageCount: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000_000 }))),
  packageKind: Type.Optional(Nullable(Type.String({ pattern: '^[A-Z0-9]{2}$', description: 'UN/ECE Recommendation 21 code, e.g. CT' }))),
  packageMarks: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  currency: Type.Optional(Nullable(Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' }))),
  customsValue: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1e15 }))),
  containers: Type.Optional(Type.Array(ContainerInput, { maxItems: 200 })),
  goodsLines: Type.Optional(Type.Array(GoodsLineInput, { maxItems: 999 })),
};
/** Field names of DeclarationGoodsFields (the declaration's "what the goods carry" part). */
export const GOODS_FIELD_NAMES = Object.keys(DeclarationGoodsFields) as (keyof typeof DeclarationGoodsFields)[];

/** Fields of an import declaration as filed (form, JSON API or one CSV row). */
export const DeclarationInput = Type.Object(
  {
    declarationNo: Code(32),
    date: IsoDate,
    officeCode: Code(16),
    processType: Code(8),
    importType: Code(8),
    importUse: Code(8),
    paymentType: Code(8),
    transportMode: Code(8),
    declarantCode: Code(32),
    importerCode: Code(32),
    sellerCode: OptCode(32),
    courierCode: OptCode(32),
    hs6: Type.String({ pattern: '^[0-9]{6}$', description: 'HS code, 6 digits' }),
    countryOfDeparture: Country,
    countryOfOrigin: Country,
    taxRate: Type.Number({ minimum: 0, maximum: 1000 }),
    taxType: Code(16),
    originIndicator: Code(8),
    netMassKg: Type.Number({ minimum: 0, maximum: 1e9 }),
    itemPrice: Type.Number({ minimum: 0, maximum: 1e15 }),
    goodsDescription: Type.Optional(Type.String({ maxLength: 500 })),
    ...DeclarationGoodsFields,
  },
  { additionalProperties: false },
);
export type DeclarationInput = Static<typeof DeclarationInput>;

export const Declaration = Type.Composite([
  Type.Omit(DeclarationInput, ['goodsDescription', ...GOODS_FIELD_NAMES]),
  Type.Object({
    grossMassKg: Nullable(Type.Number()),
    packageCount: Nullable(Type.Integer()),
    packageKind: Nullable(Type.String()),
    packageMarks: Nullable(Type.String()),
    currency: Nullable(Type.String()),
    customsValue: Nullable(Type.Number()),
    containers: Type.Array(ContainerInput),
    goodsLines: Type.Array(GoodsLineInput),
    /** 1 as filed; +1 per accepted amendment (the earlier versions are kept). */
    version: Type.Integer(),
    amendedAt: Nullable(IsoDateTime),
    id: Type.String(),
    orgId: Type.String(),
    orgName: Type.String(),
    customsOfficeId: Type.String(),
    goodsDescription: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union(DECLARATION_STATUSES.map((s) => Type.Literal(s))),
    source: Type.Union([Type.Literal('form'), Type.Literal('api'), Type.Literal('csv')]),
    createdAt: IsoDateTime,
    can: Type.Record(Type.String(), Type.Boolean()),
  }),
]);
export type Declaration = Static<typeof Declaration>;

export const DECLARATION_SORT_FIELDS = ['date', 'declarationNo', 'hs6', 'netMassKg', 'itemPrice', 'createdAt'] as const;
export const DeclarationListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
    sort: Type.Optional(Type.Union(DECLARATION_SORT_FIELDS.map((s) => Type.Literal(s)))),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    q: Type.Optional(Type.String({ maxLength: 64, description: 'declaration number, importer, HS code or container number prefix; enterprise name' })),
    hs6: Type.Optional(Type.String({ pattern: '^[0-9]{2,6}$', description: 'HS code prefix' })),
    countryOfOrigin: Type.Optional(Country),
    status: Type.Optional(Type.Union(DECLARATION_STATUSES.map((s) => Type.Literal(s)))),
    dateFrom: Type.Optional(IsoDate),
    dateTo: Type.Optional(IsoDate),
  },
  { additionalProperties: false },
);
export type DeclarationListQuery = Static<typeof DeclarationListQuery>;
export const DeclarationList = Paged(Declaration);
export type DeclarationList = Static<typeof DeclarationList>;

export const ImportRowProblem = Type.Object({ line: Type.Integer(), declarationNo: Type.Union([Type.String(), Type.Null()]), reason: Type.String() });
export type ImportRowProblem = Static<typeof ImportRowProblem>;
export const ImportResult = Type.Object({
  batchId: Type.Union([Type.String(), Type.Null()]),
  rows: Type.Integer(),
  inserted: Type.Integer(),
  duplicates: Type.Array(ImportRowProblem),
  invalid: Type.Array(ImportRowProblem),
  refused: Type.Boolean(),
  message: Type.String(),
});
export type ImportResult = Static<typeof ImportResult>;
export const ImportQuery = Type.Object(
  {
    skipInvalid: Type.Optional(Type.Boolean({ default: false })),
    orgId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const ArrivalNoticeInput = Type.Object(
  {
    expectedArrivalAt: IsoDateTime,
    location: Type.String({ minLength: 1, maxLength: 200 }),
    containerNumbers: Type.Array(Type.String({ pattern: '^[A-Z]{3}[UJZ][0-9]{7}$' }), { maxItems: 200 }),
    goodsSummary: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);
export type ArrivalNoticeInput = Static<typeof ArrivalNoticeInput>;
export const ArrivalNotice = Type.Composite([
  ArrivalNoticeInput,
  Type.Object({
    id: Type.String(), declarationId: Type.String(),
    /** expected → arrived (confirmed) → cleared (goods released). Editable by the enterprise while expected. */
    status: Type.String(), createdAt: IsoDateTime,
    updatedAt: Type.Optional(Type.Union([IsoDateTime, Type.Null()])),
    can: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
  }),
]);
export type ArrivalNotice = Static<typeof ArrivalNotice>;

export const InspectionApplicationInput = Type.Object(
  {
    preferredMode: Type.Union([Type.Literal('remote'), Type.Literal('onsite')]),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type InspectionApplicationInput = Static<typeof InspectionApplicationInput>;
export const InspectionApplication = Type.Composite([
  InspectionApplicationInput,
  Type.Object({ id: Type.String(), declarationId: Type.String(), status: Type.String(), createdAt: IsoDateTime }),
]);
export type InspectionApplication = Static<typeof InspectionApplication>;

/**
 * Fields an enterprise may amend after a decision (release with correction, a discrepancy): the ones inspections
 * correct. Numbers for masses, values and the package count; codes for the rest (checked against the code lists).
 */
export const AMENDABLE_FIELDS = ['netMassKg', 'grossMassKg', 'itemPrice', 'customsValue', 'packageCount', 'currency', 'countryOfOrigin', 'hs6', 'packageKind', 'goodsDescription'] as const;
export type AmendableField = (typeof AMENDABLE_FIELDS)[number];
export const NUMERIC_AMENDABLE_FIELDS: readonly AmendableField[] = ['netMassKg', 'grossMassKg', 'itemPrice', 'customsValue', 'packageCount'];

export const AmendmentInput = Type.Object({
  changes: Type.Array(Type.Object({
    field: Type.Union(AMENDABLE_FIELDS.map((f) => Type.Literal(f))),
    to: Type.Union([Type.Number(), Type.String({ minLength: 1, maxLength: 500 })]),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 20 }),
  reason: Type.String({ minLength: 3, maxLength: 1000, description: 'why (kept in the audit log)' }),
}, { additionalProperties: false });
export type AmendmentInput = Static<typeof AmendmentInput>;

export const AmendmentDecisionInput = Type.Object({
  accept: Type.Boolean(),
  /** Required when refusing: told to the enterprise. */
  note: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type AmendmentDecisionInput = Static<typeof AmendmentDecisionInput>;

export const Amendment = Type.Object({
  id: Type.String(),
  declarationId: Type.String(),
  status: Type.Union([Type.Literal('filed'), Type.Literal('accepted'), Type.Literal('rejected')]),
  baseVersion: Type.Integer(),
  resultVersion: Nullable(Type.Integer()),
  changes: Type.Array(Type.Object({ field: Type.String(), from: Type.Any(), to: Type.Any() })),
  reason: Type.String(),
  filedAt: IsoDateTime,
  filedByName: Nullable(Type.String()),
  decidedAt: Nullable(IsoDateTime),
  decidedByName: Nullable(Type.String()),
  decisionNote: Nullable(Type.String()),
  can: Type.Record(Type.String(), Type.Boolean()),
});
export type Amendment = Static<typeof Amendment>;

export const DeclarationDetail = Type.Composite([
  Declaration,
  Type.Object({
    arrivalNotices: Type.Array(ArrivalNotice),
    applications: Type.Array(InspectionApplication),
    /** Amendments filed for this declaration, newest first (the earlier versions stay in declaration_versions). */
    amendments: Type.Array(Amendment),
  }),
]);
export type DeclarationDetail = Static<typeof DeclarationDetail>;

import { sql } from 'drizzle-orm';
import {
  bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, date,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Customs offices and enterprises. An enterprise is supervised by one customs office, which handles its declarations. */
export const organisations = pgTable('organisations', {
  id: text('id').primaryKey(),
  kind: text('kind').$type<'customs_office' | 'enterprise'>().notNull(),
  name: text('name').notNull(),
  code: text('code').notNull().unique(),
  supervisingOfficeId: text('supervising_office_id'),
  creditRating: text('credit_rating'),
  timeZone: text('time_zone').notNull().default('Asia/Shanghai'),
  /** where it is, for placing live sessions on a media node near the site (`RVI_MEDIA_REGION` of the nodes); null: anywhere */
  region: text('region'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull(),
  role: text('role').notNull(),
  passwordHash: text('password_hash').notNull(),
  locale: text('locale').notNull().default('en'),
  /** Where release notices, booking confirmations and reminders are e-mailed (optional). */
  email: text('email'),
  /** Mobile number (E.164) for SMS: the on-site operator's camera link (issue 12). */
  phone: text('phone'),
  active: boolean('active').notNull().default(true),
  createdAt: ts('created_at').notNull().defaultNow(),
  /** Set when an administrator set the password (creation, reset): the user must choose their own at next login. */
  mustChangePassword: boolean('must_change_password').notNull().default(false),
  /**
   * Separation of duties (issue 13): who last set this account's password and when (null: the user, or the system
   * at first start), and who last gave it its role and when. An account an administrator could log in as, or made
   * an approver, within the duty window may not approve (four eyes against administrators).
   */
  passwordSetBy: text('password_set_by'),
  passwordSetAt: ts('password_set_at'),
  roleGrantedBy: text('role_granted_by'),
  roleGrantedAt: ts('role_granted_at'),
}, (t) => [index('users_org_idx').on(t.orgId)]);

/** Login sessions. The id is the SHA-256 of the cookie token, so a database leak does not leak live sessions. */
export const authSessions = pgTable('auth_sessions', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  /** Last request of the session (updated at most once a minute): the idle timeout counts from here. */
  lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
  ip: text('ip'),
}, (t) => [index('auth_sessions_user_idx').on(t.userId)]);

export const importBatches = pgTable('import_batches', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  fileName: text('file_name'),
  sha256: text('sha256').notNull(),
  rows: integer('rows').notNull(),
  inserted: integer('inserted').notNull(),
  duplicates: integer('duplicates').notNull(),
  invalid: integer('invalid').notNull(),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** A container of a declaration (ISO 6346 number, check digit verified) with the seals fixed on it. */
export interface DeclarationContainer {
  number: string;
  /** ISO 6346 size-type code, e.g. 22G1 (optional). */
  sizeType?: string | null;
  seals: string[];
}

/** One goods line of a declaration. */
export interface DeclarationGoodsLine {
  lineNo: number;
  hsCode: string;
  description: string;
  quantity: number;
  /** UN/ECE Recommendation 20 unit code, e.g. PCE, KGM, CT. */
  unit: string;
  netMassKg?: number | null;
  value?: number | null;
  countryOfOrigin?: string | null;
}

/**
 * Import declarations: the fields of the Korea Customs Service dataset, plus what the goods physically carry
 * (containers and seals, packages, gross weight, goods lines) and the customs value with its currency. `version`
 * counts accepted amendments (the earlier versions are kept in declaration_versions).
 */
export const declarations = pgTable('declarations', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  customsOfficeId: text('customs_office_id').notNull().references(() => organisations.id),
  declarationNo: text('declaration_no').notNull(),
  date: date('date', { mode: 'string' }).notNull(),
  officeCode: text('office_code').notNull(),
  processType: text('process_type').notNull(),
  importType: text('import_type').notNull(),
  importUse: text('import_use').notNull(),
  paymentType: text('payment_type').notNull(),
  transportMode: text('transport_mode').notNull(),
  declarantCode: text('declarant_code').notNull(),
  importerCode: text('importer_code').notNull(),
  sellerCode: text('seller_code'),
  courierCode: text('courier_code'),
  hs6: text('hs6').notNull(),
  countryOfDeparture: text('country_of_departure').notNull(),
  countryOfOrigin: text('country_of_origin').notNull(),
  taxRate: doublePrecision('tax_rate').notNull(),
  taxType: text('tax_type').notNull(),
  originIndicator: text('origin_indicator').notNull(),
  netMassKg: doublePrecision('net_mass_kg').notNull(),
  itemPrice: doublePrecision('item_price').notNull(),
  goodsDescription: text('goods_description'),
  grossMassKg: doublePrecision('gross_mass_kg'),
  packageCount: integer('package_count'),
  /** UN/ECE Recommendation 21 package type code, e.g. CT (carton), PK (package), PX (pallet). */
  packageKind: text('package_kind'),
  packageMarks: text('package_marks'),
  /** ISO 4217 currency of the customs value. */
  currency: text('currency'),
  customsValue: doublePrecision('customs_value'),
  containers: jsonb('containers').$type<DeclarationContainer[]>().notNull().default(sql`'[]'::jsonb`),
  goodsLines: jsonb('goods_lines').$type<DeclarationGoodsLine[]>().notNull().default(sql`'[]'::jsonb`),
  version: integer('version').notNull().default(1),
  amendedAt: ts('amended_at'),
  status: text('status').notNull().default('filed'),
  source: text('source').notNull(),
  importBatchId: text('import_batch_id').references(() => importBatches.id),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [
  uniqueIndex('declarations_org_no_uq').on(t.orgId, t.declarationNo),
  index('declarations_org_date_idx').on(t.orgId, t.date.desc().nullsFirst(), t.id.desc().nullsFirst()),
  index('declarations_office_date_idx').on(t.customsOfficeId, t.date.desc().nullsFirst(), t.id.desc().nullsFirst()),
  index('declarations_office_created_idx').on(t.customsOfficeId, t.createdAt.desc().nullsFirst()),
]);

/** Running count of declarations per organisation, so unfiltered lists need no count(*) scan. */
export const orgDeclarationCounts = pgTable('org_declaration_counts', {
  orgId: text('org_id').primaryKey().references(() => organisations.id),
  customsOfficeId: text('customs_office_id').notNull(),
  count: bigint('count', { mode: 'number' }).notNull().default(0),
}, (t) => [index('org_decl_counts_office_idx').on(t.customsOfficeId)]);

export const arrivalNotices = pgTable('arrival_notices', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  declarationId: text('declaration_id').notNull().references(() => declarations.id),
  expectedArrivalAt: ts('expected_arrival_at').notNull(),
  location: text('location').notNull(),
  containerNumbers: jsonb('container_numbers').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  goodsSummary: text('goods_summary').notNull(),
  /** expected → arrived (confirmed by customs) → cleared (goods released); editable by the enterprise while expected. */
  status: text('status').notNull().default('expected'),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at'),
}, (t) => [index('arrival_notices_decl_idx').on(t.declarationId)]);

/** Every version of a declaration that an amendment replaced, and the version it became (the original is kept). */
export const declarationVersions = pgTable('declaration_versions', {
  id: text('id').primaryKey(),
  declarationId: text('declaration_id').notNull().references(() => declarations.id),
  version: integer('version').notNull(),
  /** The declaration's fields as they were in this version (DeclarationInput shape). */
  data: jsonb('data').notNull(),
  amendmentId: text('amendment_id'),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [uniqueIndex('declaration_versions_decl_version_uq').on(t.declarationId, t.version)]);

/**
 * An enterprise's amendment of a declaration (after a release with correction or a discrepancy): the changed fields,
 * why, and customs' acceptance or rejection. At most one amendment per declaration is pending at a time.
 */
export const amendments = pgTable('amendments', {
  id: text('id').primaryKey(),
  declarationId: text('declaration_id').notNull().references(() => declarations.id),
  orgId: text('org_id').notNull().references(() => organisations.id),
  officeId: text('office_id').notNull().references(() => organisations.id),
  orderId: text('order_id'),
  decisionId: text('decision_id'),
  baseVersion: integer('base_version').notNull(),
  status: text('status').$type<'filed' | 'accepted' | 'rejected'>().notNull().default('filed'),
  /** [{field, from, to}] in DeclarationInput field names. */
  changes: jsonb('changes').$type<{ field: string; from: unknown; to: unknown }[]>().notNull(),
  reason: text('reason').notNull(),
  filedBy: text('filed_by').references(() => users.id),
  filedAt: ts('filed_at').notNull().defaultNow(),
  decidedBy: text('decided_by').references(() => users.id),
  decidedAt: ts('decided_at'),
  decisionNote: text('decision_note'),
  resultVersion: integer('result_version'),
}, (t) => [
  index('amendments_decl_idx').on(t.declarationId, t.filedAt),
  index('amendments_office_status_idx').on(t.officeId, t.status, t.filedAt),
  uniqueIndex('amendments_pending_uq').on(t.declarationId).where(sql`status = 'filed'`),
]);

export const inspectionApplications = pgTable('inspection_applications', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  declarationId: text('declaration_id').notNull().references(() => declarations.id),
  preferredMode: text('preferred_mode').notNull(),
  note: text('note'),
  status: text('status').notNull().default('submitted'),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('inspection_applications_decl_idx').on(t.declarationId)]);

/**
 * Append-only, hash-chained audit log. Each entry's hash covers its canonical form and the previous entry's hash
 * (packages/evidence audit-chain.ts); a trigger refuses UPDATE and DELETE. `at` is kept as the exact ISO string that was hashed.
 */
export const auditLog = pgTable('audit_log', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  at: text('at').notNull(),
  actorId: text('actor_id'),
  actorRole: text('actor_role'),
  orgId: text('org_id'),
  action: text('action').notNull(),
  targetType: text('target_type'),
  targetId: text('target_id'),
  summary: jsonb('summary'),
  requestId: text('request_id'),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
}, (t) => [index('audit_target_idx').on(t.targetType, t.targetId), index('audit_org_idx').on(t.orgId, t.seq)]);

/** Key-value settings (e.g. whether the demo data was seeded). */
export const systemSettings = pgTable('system_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

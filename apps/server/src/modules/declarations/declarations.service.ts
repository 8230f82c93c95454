import { createHash, randomUUID } from 'node:crypto';
import { and, asc, eq, gte, like, lte, or, sql, type SQL } from 'drizzle-orm';
import { declarationCodeProblems, containerNumberProblem } from '@rvi/contracts';
import type {
  ArrivalNoticeInput, Declaration, DeclarationDetail, DeclarationInput, DeclarationList, DeclarationListQuery,
  ImportResult, InspectionApplicationInput, ImportRowProblem,
} from '@rvi/contracts';
import {
  arrivalNotices, declarations, importBatches, inspectionApplications, orgDeclarationCounts, organisations,
} from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { inTransaction, transaction } from '../../platform/unit-of-work.ts';
import type { Actor } from '../../platform/actor.ts';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.ts';
import { authorize, can, declarationCan, isCustoms, isEnterprise, requireRole } from '../../platform/policy.ts';
import { listAmendments, mayFileAmendment } from './declarations.amendments.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { parseDeclarationItems, parseDeclarationsCsvOffThread, type ParsedRow } from './declarations.csv.ts';

type Row = typeof declarations.$inferSelect;

function present(r: Row, orgName: string, actor: Actor): Declaration {
  return {
    id: r.id, orgId: r.orgId, orgName, customsOfficeId: r.customsOfficeId, declarationNo: r.declarationNo, date: r.date,
    officeCode: r.officeCode, processType: r.processType, importType: r.importType, importUse: r.importUse,
    paymentType: r.paymentType, transportMode: r.transportMode, declarantCode: r.declarantCode, importerCode: r.importerCode,
    sellerCode: r.sellerCode, courierCode: r.courierCode, hs6: r.hs6, countryOfDeparture: r.countryOfDeparture,
    countryOfOrigin: r.countryOfOrigin, taxRate: r.taxRate, taxType: r.taxType, originIndicator: r.originIndicator,
    netMassKg: r.netMassKg, itemPrice: r.itemPrice, goodsDescription: r.goodsDescription,
    grossMassKg: r.grossMassKg, packageCount: r.packageCount, packageKind: r.packageKind, packageMarks: r.packageMarks,
    currency: r.currency, customsValue: r.customsValue, containers: r.containers.map((c) => ({ ...c, sizeType: c.sizeType ?? null })),
    goodsLines: r.goodsLines, version: r.version, amendedAt: r.amendedAt?.toISOString() ?? null,
    status: r.status as Declaration['status'], source: r.source as Declaration['source'],
    createdAt: r.createdAt.toISOString(), can: declarationCan(actor, r),
  };
}

/** The enterprise a filing actor files for: its own organisation, or (system/admin import) the one named. */
async function filingOrg(db: Db, actor: Actor, orgRef?: string): Promise<{ id: string; name: string; officeId: string }> {
  let ref = orgRef;
  if (isEnterprise(actor)) {
    if (orgRef && orgRef !== actor.orgId) throw notFound('Organisation', orgRef);
    ref = actor.orgId!;
  }
  if (!ref) throw badRequest('org_required', 'Name the enterprise the declarations belong to (org id or code)');
  const [org] = await db.select().from(organisations).where(or(eq(organisations.id, ref), eq(organisations.code, ref))).limit(1);
  if (!org || org.kind !== 'enterprise') throw notFound('Enterprise', ref);
  if (!org.supervisingOfficeId) throw badRequest('org_no_office', `Enterprise ${org.code} has no supervising customs office`);
  // A customs administrator may import only for enterprises its office supervises.
  if (isCustoms(actor) && actor.officeId !== org.supervisingOfficeId) throw notFound('Enterprise', ref);
  return { id: org.id, name: org.name, officeId: org.supervisingOfficeId };
}

function toRow(input: DeclarationInput, org: { id: string; officeId: string }, actor: Actor, source: 'form' | 'api' | 'csv', batchId: string | null) {
  return {
    id: randomUUID(), orgId: org.id, customsOfficeId: org.officeId, declarationNo: input.declarationNo, date: input.date,
    officeCode: input.officeCode, processType: input.processType, importType: input.importType, importUse: input.importUse,
    paymentType: input.paymentType, transportMode: input.transportMode, declarantCode: input.declarantCode,
    importerCode: input.importerCode, sellerCode: input.sellerCode, courierCode: input.courierCode, hs6: input.hs6,
    countryOfDeparture: input.countryOfDeparture, countryOfOrigin: input.countryOfOrigin, taxRate: input.taxRate,
    taxType: input.taxType, originIndicator: input.originIndicator, netMassKg: input.netMassKg, itemPrice: input.itemPrice,
    goodsDescription: input.goodsDescription ?? null, ...goodsColumns(input), status: 'filed', source, importBatchId: batchId, createdBy: actor.userId,
  };
}

/** The "what the goods carry" columns of a declaration row from its input (absent fields: null / empty). */
export function goodsColumns(input: Partial<DeclarationInput>) {
  return {
    grossMassKg: input.grossMassKg ?? null, packageCount: input.packageCount ?? null, packageKind: input.packageKind ?? null,
    packageMarks: input.packageMarks ?? null, currency: input.currency ?? null, customsValue: input.customsValue ?? null,
    containers: (input.containers ?? []).map((c) => ({ number: c.number, sizeType: c.sizeType ?? null, seals: c.seals })),
    goodsLines: (input.goodsLines ?? []).map((g) => ({ ...g, netMassKg: g.netMassKg ?? null, value: g.value ?? null, countryOfOrigin: g.countryOfOrigin ?? null })),
  };
}

/**
 * Code lists and ISO 6346 beyond the schema's shapes (a wrong check digit, an unknown currency…): 400 `validation`
 * whose details name each field, as schema errors do.
 */
export function assertDeclarationCodes(input: Partial<DeclarationInput>): void {
  const p = declarationCodeProblems(input);
  if (p.length) throw new AppError('validation', 400, p.map((x) => `${x.field}: ${x.message}`).join('; '), p.map((x) => ({ field: `body.${x.field}`, message: x.message })));
}

async function bumpCount(tx: Db, orgId: string, officeId: string, n: number) {
  if (n === 0) return;
  await tx.insert(orgDeclarationCounts).values({ orgId, customsOfficeId: officeId, count: n })
    .onConflictDoUpdate({ target: orgDeclarationCounts.orgId, set: { count: sql`${orgDeclarationCounts.count} + ${n}` } });
}

/** Files one declaration (web form or JSON API). A repeated declaration number of the same enterprise is a conflict. */
export async function submitDeclaration(db: Db, actor: Actor, input: DeclarationInput, source: 'form' | 'api'): Promise<Declaration> {
  requireRole(actor, 'declaration.create');
  assertDeclarationCodes(input);
  const org = await filingOrg(db, actor);
  return inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const row = toRow(input, org, actor, source, null);
    const inserted = await tx.insert(declarations).values(row).onConflictDoNothing().returning();
    if (inserted.length === 0) {
      throw conflict('duplicate_declaration', `Declaration ${input.declarationNo} was already filed by this organisation`, { declarationNo: input.declarationNo });
    }
    await bumpCount(tx, org.id, org.officeId, 1);
    await recordAudit(tx, actor, 'declaration.submitted', { type: 'declaration', id: row.id }, { declarationNo: row.declarationNo, hs6: row.hs6, source });
    uow.emit('declaration.submitted', { declarationId: row.id, orgId: org.id, officeId: org.officeId });
    return present(inserted[0], org.name, actor);
  });
}

// 100 rows a statement: building and sending one costs the event loop ~10-50 ms (500 rows: p99 250 ms on Postgres)
const BATCH = 100;
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** parseDeclarationItems in slices of 1,000 items with a turn of the event loop between them. */
async function parseDeclarationItemsYielding(items: unknown[]): Promise<{ rows: ParsedRow[] }> {
  if (items.length <= 1000) return parseDeclarationItems(items);
  // over the limit: refused by parseDeclarationItems before it looks at any item
  if (items.length > 100_000) return parseDeclarationItems(items);
  const rows: ParsedRow[] = [];
  for (let i = 0; i < items.length; i += 1000) {
    for (const r of parseDeclarationItems(items.slice(i, i + 1000)).rows) rows.push({ ...r, line: r.line + i });
    await yieldToLoop();
  }
  return { rows };
}

/**
 * Imports a CSV of declarations for one enterprise. Every bad row is reported with its line number and reason.
 * By default any bad row refuses the whole file (nothing is stored); with skipInvalid the good rows are stored and
 * the bad ones reported. Re-importing is idempotent: a declaration number this enterprise already filed is left as it
 * is and reported under `duplicates`, never stored twice.
 */
export async function importDeclarations(
  db: Db, actor: Actor,
  input: {
    /** A CSV in the dataset's format (optional extra columns: see declarations.csv.ts), or `items`: a JSON array of DeclarationInput. */
    csv?: string; items?: unknown[]; fileName?: string | null; orgRef?: string; skipInvalid?: boolean;
    /** Score and draw the batch afterwards (default). Off only for the demo-history generator, which does it itself. */
    score?: boolean;
    /** Where a CSV is parsed (default: in a worker thread from 256 KiB on); tests and the bench set it. */
    parse?: { minChars?: number; chunkRows?: number };
  },
): Promise<ImportResult> {
  requireRole(actor, 'declaration.import');
  const org = await filingOrg(db, actor, input.orgRef);
  // parsed and validated off the event loop (a worker thread for a large CSV, yielding chunks for JSON items): a large
  // import never freezes the server's other requests (issue 13.9)
  const csvParsed = input.items ? null : await parseDeclarationsCsvOffThread(input.csv ?? '', input.parse);
  const { rows } = csvParsed ?? await parseDeclarationItemsYielding(input.items!);
  const invalid: ImportRowProblem[] = [];
  const good: { line: number; value: DeclarationInput }[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (i % 5000 === 4999) await yieldToLoop();
    if (!r.value) { invalid.push({ line: r.line, declarationNo: r.declarationNo, reason: r.reason! }); continue; }
    const prev = seen.get(r.value.declarationNo);
    if (prev !== undefined) {
      invalid.push({ line: r.line, declarationNo: r.value.declarationNo, reason: `Declaration ID repeats line ${prev} of this file` });
      continue;
    }
    seen.set(r.value.declarationNo, r.line);
    good.push({ line: r.line, value: r.value });
  }
  if (invalid.length && !input.skipInvalid) {
    return {
      batchId: null, rows: rows.length, inserted: 0, duplicates: [], invalid, refused: true,
      message: `Import refused: ${invalid.length} of ${rows.length} rows are invalid; nothing was stored. Fix them, or import with skipInvalid to keep the ${good.length} good rows.`,
    };
  }
  const sha256 = csvParsed ? csvParsed.sha256 : createHash('sha256').update(JSON.stringify(input.items)).digest('hex');
  const result = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const batchId = randomUUID();
    await tx.insert(importBatches).values({ id: batchId, orgId: org.id, fileName: input.fileName ?? null, sha256, rows: rows.length, inserted: 0, duplicates: 0, invalid: invalid.length, createdBy: actor.userId });
    const duplicates: ImportRowProblem[] = [];
    let inserted = 0;
    for (let i = 0; i < good.length; i += BATCH) {
      // a turn of the event loop between batches: an in-process database (PGlite) answers in microtasks, which would
      // otherwise starve every timer and socket until the whole import is stored
      if (i > 0) await yieldToLoop();
      const chunk = good.slice(i, i + BATCH);
      const ret = await tx.insert(declarations).values(chunk.map((g) => toRow(g.value, org, actor, 'csv', batchId)))
        .onConflictDoNothing().returning({ declarationNo: declarations.declarationNo });
      inserted += ret.length;
      if (ret.length !== chunk.length) {
        const got = new Set(ret.map((r) => r.declarationNo));
        for (const g of chunk) if (!got.has(g.value.declarationNo)) {
          duplicates.push({ line: g.line, declarationNo: g.value.declarationNo, reason: 'already filed by this organisation; kept the existing declaration' });
        }
      }
    }
    await bumpCount(tx, org.id, org.officeId, inserted);
    await tx.update(importBatches).set({ inserted, duplicates: duplicates.length }).where(eq(importBatches.id, batchId));
    await recordAudit(tx, actor, 'declaration.imported', { type: 'import_batch', id: batchId }, {
      orgId: org.id, fileName: input.fileName ?? null, sha256, rows: rows.length, inserted, duplicates: duplicates.length, invalid: invalid.length,
    });
    // Scored off the request path, then drawn (HTTP and CLI imports alike; a CLI import is picked up by the server).
    if (input.score ?? true) uow.emit('declaration.imported', { batchId, orgId: org.id, officeId: org.officeId, inserted });
    return {
      batchId, rows: rows.length, inserted, duplicates, invalid, refused: false,
      message: `Imported ${inserted} declaration(s); ${duplicates.length} already filed (unchanged); ${invalid.length} invalid row(s) skipped.`,
    };
  });
  // Bulk loads leave the planner's statistics stale (PGlite has no autovacuum): refresh them so lists keep using the indexes.
  if (result.inserted >= 1000) await db.execute(sql`analyze declarations`);
  return result;
}

const SORT_COLUMNS = {
  date: declarations.date, declarationNo: declarations.declarationNo, hs6: declarations.hs6,
  netMassKg: declarations.netMassKg, itemPrice: declarations.itemPrice, createdAt: declarations.createdAt,
} as const;
const COUNT_CAP = 10_000;

/** Lists the declarations the actor may see (the query itself is scoped by organisation, never filtered afterwards). */
export async function listDeclarations(db: Db, actor: Actor, q: DeclarationListQuery): Promise<DeclarationList> {
  return JSON.parse((await listDeclarationsJson(db, actor, q)).json);
}

/** The list page as JSON text, built by the database (the HTTP route sends it as it is). */
export async function listDeclarationsJson(db: Db, actor: Actor, q: DeclarationListQuery): Promise<{ json: string }> {
  requireRole(actor, 'declaration.read');
  const scope: SQL = scopeCondition(actor);
  const filters: SQL[] = [];
  if (q.hs6) filters.push(like(declarations.hs6, `${q.hs6}%`));
  if (q.countryOfOrigin) filters.push(eq(declarations.countryOfOrigin, q.countryOfOrigin));
  if (q.status) filters.push(eq(declarations.status, q.status));
  if (q.dateFrom) filters.push(gte(declarations.date, q.dateFrom));
  if (q.dateTo) filters.push(lte(declarations.date, q.dateTo));
  if (q.q) {
    const term = q.q.trim().replace(/[%_\\]/g, (c) => '\\' + c);
    // Also a container number (from the start, any case) and, for customs staff, the enterprise's name (anywhere).
    filters.push(or(
      like(declarations.declarationNo, `${term}%`), like(declarations.importerCode, `${term}%`), like(declarations.hs6, `${term}%`),
      sql`exists (select 1 from jsonb_array_elements(${declarations.containers}) c where c->>'number' like ${`${term.toUpperCase()}%`})`,
      sql`${declarations.orgId} in (select ${organisations.id} from ${organisations} where ${organisations.name} ilike ${`%${term}%`})`,
    )!);
  }
  const where = and(scope, ...filters);
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  const sortCol = SORT_COLUMNS[q.sort ?? 'date'];
  // The database builds the page's JSON (json_agg): Node passes one string through instead of mapping and
  // re-serialising 50 rows, which is most of the CPU a list request costs.
  const canApply = can(actor, 'declaration.apply') && isEnterprise(actor);
  const canNotice = can(actor, 'arrival_notice.create') && isEnterprise(actor);
  const direction = q.order === 'asc' ? sql`asc` : sql`desc`;
  const D = declarations;
  const fields: [string, SQL | unknown][] = [
    ['id', D.id], ['orgId', D.orgId], ['orgName', organisations.name], ['customsOfficeId', D.customsOfficeId],
    ['declarationNo', D.declarationNo], ['date', D.date], ['officeCode', D.officeCode], ['processType', D.processType],
    ['importType', D.importType], ['importUse', D.importUse], ['paymentType', D.paymentType], ['transportMode', D.transportMode],
    ['declarantCode', D.declarantCode], ['importerCode', D.importerCode], ['sellerCode', D.sellerCode], ['courierCode', D.courierCode],
    ['hs6', D.hs6], ['countryOfDeparture', D.countryOfDeparture], ['countryOfOrigin', D.countryOfOrigin], ['taxRate', D.taxRate],
    ['taxType', D.taxType], ['originIndicator', D.originIndicator], ['netMassKg', D.netMassKg], ['itemPrice', D.itemPrice],
    ['goodsDescription', D.goodsDescription], ['grossMassKg', D.grossMassKg], ['packageCount', D.packageCount],
    ['packageKind', D.packageKind], ['packageMarks', D.packageMarks], ['currency', D.currency], ['customsValue', D.customsValue],
    ['containers', D.containers], ['goodsLines', D.goodsLines], ['version', D.version],
    ['amendedAt', sql`to_char(${D.amendedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`],
    ['status', D.status], ['source', D.source],
    ['createdAt', sql`to_char(${D.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`],
    ['can', sql`json_build_object('read', true, 'apply', ${canApply}::boolean and ${D.status} = 'filed', 'fileArrivalNotice', ${canNotice}::boolean)`],
  ];
  const obj = sql.join(fields.map(([k, v]) => sql`${sql.raw(`'${k}'`)}, ${v}`), sql`, `);
  const pageSql = sql`(select coalesce(json_agg(page.j), '[]'::json)::text from (
      select json_build_object(${obj}) as j
      from ${declarations} join ${organisations} on ${organisations.id} = ${D.orgId}
      where ${where}
      order by ${sortCol} ${direction}, ${D.id} ${direction}
      limit ${limit} offset ${offset}
    ) page)`;
  // Unfiltered: the running per-organisation counter, no scan. Filtered: count up to a cap, so a broad filter never
  // scans a whole table to print a number.
  const C = orgDeclarationCounts;
  const totalSql = filters.length === 0
    ? sql`(select coalesce(sum(${C.count}), 0)::int from ${C} where ${isEnterprise(actor) ? eq(C.orgId, actor.orgId!) : actor.kind === 'system' ? sql`true` : eq(C.customsOfficeId, actor.officeId!)})`
    : sql`(select count(*)::int from (select 1 from ${declarations} where ${where} limit ${COUNT_CAP + 1}) capped)`;
  // One round trip: on this kind of machine a query's socket write costs more than building the page.
  const res = await db.execute(sql`select ${totalSql} as total, ${pageSql} as items`);
  const row = (res as unknown as { rows: { total: number; items: string }[] }).rows[0];
  let total = Number(row.total);
  let totalIsExact = true;
  if (filters.length > 0 && total > COUNT_CAP) { total = COUNT_CAP; totalIsExact = false; }
  const items = String(row.items);
  return { json: `{"items":${items},"total":${total},"totalIsExact":${totalIsExact},"limit":${limit},"offset":${offset}}` };
}

function scopeCondition(actor: Actor): SQL {
  if (actor.kind === 'system') return sql`true`;
  if (isEnterprise(actor)) return eq(declarations.orgId, actor.orgId!);
  if (isCustoms(actor)) return eq(declarations.customsOfficeId, actor.officeId!);
  return sql`false`;
}

async function loadVisible(db: Db, actor: Actor, id: string) {
  const [r] = await db.select({ d: declarations, orgName: organisations.name }).from(declarations)
    .innerJoin(organisations, eq(organisations.id, declarations.orgId)).where(eq(declarations.id, id)).limit(1);
  return r ?? null;
}

export async function getDeclaration(db: Db, actor: Actor, id: string): Promise<DeclarationDetail> {
  const r = await loadVisible(db, actor, id);
  authorize(actor, 'declaration.read', r?.d ?? null, 'Declaration', id);
  const notices = await db.select().from(arrivalNotices).where(eq(arrivalNotices.declarationId, id)).orderBy(asc(arrivalNotices.createdAt));
  const apps = await db.select().from(inspectionApplications).where(eq(inspectionApplications.declarationId, id)).orderBy(asc(inspectionApplications.createdAt));
  const amendments = await listAmendments(db, actor, r!.d);
  const base = present(r!.d, r!.orgName, actor);
  return {
    ...base,
    can: { ...base.can, amend: mayFileAmendment(actor, r!.d) && !amendments.some((a) => a.status === 'filed') },
    arrivalNotices: notices.map((n) => ({
      id: n.id, declarationId: n.declarationId, expectedArrivalAt: n.expectedArrivalAt.toISOString(), location: n.location,
      containerNumbers: n.containerNumbers, goodsSummary: n.goodsSummary, status: n.status, createdAt: n.createdAt.toISOString(),
      updatedAt: n.updatedAt?.toISOString() ?? null,
      can: { update: n.status === 'expected' && can(actor, 'arrival_notice.create', r!.d) },
    })),
    applications: apps.map((a) => ({
      id: a.id, declarationId: a.declarationId, preferredMode: a.preferredMode as 'remote' | 'onsite', note: a.note ?? undefined,
      status: a.status, createdAt: a.createdAt.toISOString(),
    })),
    amendments,
  };
}

/** ISO 6346 check digits of an arrival notice's containers: 400 naming each wrong one (e.g. SEGU6284788). */
function assertNoticeContainers(numbers: string[]): void {
  const p = numbers.map((n, i) => ({ field: `containerNumbers[${i}]`, message: containerNumberProblem(n) })).filter((x): x is { field: string; message: string } => !!x.message);
  if (p.length) throw new AppError('validation', 400, p.map((x) => `${x.field}: ${x.message}`).join('; '), p.map((x) => ({ field: `body.${x.field}`, message: x.message })));
}

export async function fileArrivalNotice(db: Db, actor: Actor, declarationId: string, input: ArrivalNoticeInput): Promise<DeclarationDetail> {
  const r = await loadVisible(db, actor, declarationId);
  authorize(actor, 'arrival_notice.create', r?.d ?? null, 'Declaration', declarationId);
  assertNoticeContainers(input.containerNumbers);
  await transaction(db, async (tx) => {
    const id = randomUUID();
    await tx.insert(arrivalNotices).values({
      id, orgId: r!.d.orgId, declarationId, expectedArrivalAt: new Date(input.expectedArrivalAt), location: input.location,
      containerNumbers: input.containerNumbers, goodsSummary: input.goodsSummary, createdBy: actor.userId,
    });
    await recordAudit(tx, actor, 'arrival_notice.filed', { type: 'declaration', id: declarationId }, {
      arrivalNoticeId: id, expectedArrivalAt: input.expectedArrivalAt, location: input.location, containers: input.containerNumbers.length,
    });
  });
  return getDeclaration(db, actor, declarationId);
}

export async function applyForInspection(db: Db, actor: Actor, declarationId: string, input: InspectionApplicationInput): Promise<DeclarationDetail> {
  const r = await loadVisible(db, actor, declarationId);
  authorize(actor, 'declaration.apply', r?.d ?? null, 'Declaration', declarationId);
  if (r!.d.status !== 'filed') {
    throw new AppError('invalid_state', 409, `Inspection can be applied for only while the declaration is filed (it is ${r!.d.status})`);
  }
  await transaction(db, async (tx) => {
    const id = randomUUID();
    await tx.insert(inspectionApplications).values({ id, orgId: r!.d.orgId, declarationId, preferredMode: input.preferredMode, note: input.note ?? null, createdBy: actor.userId });
    await tx.update(declarations).set({ status: 'inspection_requested' }).where(eq(declarations.id, declarationId));
    await recordAudit(tx, actor, 'declaration.inspection_requested', { type: 'declaration', id: declarationId }, {
      applicationId: id, preferredMode: input.preferredMode, before: { status: r!.d.status }, after: { status: 'inspection_requested' },
    });
  });
  return getDeclaration(db, actor, declarationId);
}

/**
 * The enterprise corrects its arrival notice (time, place, containers, goods) while the goods are still expected;
 * once customs confirmed the arrival it is fixed (409). Audited with what changed.
 */
export async function updateArrivalNotice(db: Db, actor: Actor, noticeId: string, input: ArrivalNoticeInput): Promise<DeclarationDetail> {
  const [n] = await db.select().from(arrivalNotices).where(eq(arrivalNotices.id, noticeId)).limit(1);
  const r = n ? await loadVisible(db, actor, n.declarationId) : null;
  authorize(actor, 'arrival_notice.create', r?.d ?? null, 'Arrival notice', noticeId);
  assertNoticeContainers(input.containerNumbers);
  await inTransaction(db, actor, async (uow) => {
    const [cur] = await uow.tx.select().from(arrivalNotices).where(eq(arrivalNotices.id, noticeId)).for('update');
    if (cur.status !== 'expected') {
      throw conflict('notice_confirmed', `This arrival notice can no longer be changed: the goods were confirmed as ${cur.status}`);
    }
    const before = { expectedArrivalAt: cur.expectedArrivalAt.toISOString(), location: cur.location, containerNumbers: cur.containerNumbers, goodsSummary: cur.goodsSummary };
    await uow.tx.update(arrivalNotices).set({
      expectedArrivalAt: new Date(input.expectedArrivalAt), location: input.location, containerNumbers: input.containerNumbers,
      goodsSummary: input.goodsSummary, updatedAt: new Date(),
    }).where(eq(arrivalNotices.id, noticeId));
    const changed = (Object.keys(before) as (keyof typeof before)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(k === 'expectedArrivalAt' ? new Date(input[k]).toISOString() : input[k]));
    await uow.audit('arrival_notice.updated', { type: 'declaration', id: cur.declarationId }, { arrivalNoticeId: noticeId, changed, before, after: input });
    uow.invalidate([`org:${r!.d.orgId}`, `office:${r!.d.customsOfficeId}`], [['declarations'], ['orders']]);
  });
  return getDeclaration(db, actor, n!.declarationId);
}

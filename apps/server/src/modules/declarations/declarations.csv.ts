import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { KCS_COLUMNS, DeclarationInput, declarationCodeProblems } from '@rvi/contracts';
import { readCsv, CsvError } from '../../platform/csv.ts';
import { problems } from '../../platform/validation.ts';
import { AppError, badRequest } from '../../platform/errors.ts';

/** CSV column (Korea Customs dataset) → field of DeclarationInput. */
export const COLUMN_TO_FIELD: Record<(typeof KCS_COLUMNS)[number], keyof DeclarationInput> = {
  'Declaration ID': 'declarationNo',
  Date: 'date',
  'Office ID': 'officeCode',
  'Process Type': 'processType',
  'Import Type': 'importType',
  'Import Use': 'importUse',
  'Payment Type': 'paymentType',
  'Mode of Transport': 'transportMode',
  'Declarant ID': 'declarantCode',
  'Importer ID': 'importerCode',
  'Seller ID': 'sellerCode',
  'Courier ID': 'courierCode',
  'HS6 Code': 'hs6',
  'Country of Departure': 'countryOfDeparture',
  'Country of Origin': 'countryOfOrigin',
  'Tax Rate': 'taxRate',
  'Tax Type': 'taxType',
  'Country of Origin Indicator': 'originIndicator',
  'Net Mass': 'netMassKg',
  'Item Price': 'itemPrice',
};
const FIELD_TO_COLUMN = Object.fromEntries(Object.entries(COLUMN_TO_FIELD).map(([c, f]) => [f, c]));
const NUMERIC = new Set<string>(['taxRate', 'netMassKg', 'itemPrice']);
const NULLABLE = new Set<string>(['sellerCode', 'courierCode']);
const OPTIONAL_COLUMNS = new Set<string>(['Seller ID', 'Courier ID']);

/**
 * Optional columns beyond the dataset's (any may be absent): the goods' physical side. `Containers` lists containers
 * separated by `;`, each `NUMBER[/SIZETYPE][:SEAL|SEAL…]`, e.g. `MSCU1234566/22G1:EU1234567|EU1234568; CSQU3054383`.
 * Goods lines come through the JSON import (POST /api/declarations with a body, or the import with an array).
 */
export const EXTRA_COLUMNS = {
  'Goods Description': 'goodsDescription',
  'Gross Mass': 'grossMassKg',
  'Package Count': 'packageCount',
  'Package Kind': 'packageKind',
  'Package Marks': 'packageMarks',
  Currency: 'currency',
  'Customs Value': 'customsValue',
  Containers: 'containers',
} as const satisfies Record<string, keyof DeclarationInput>;
const EXTRA_NUMERIC = new Set<string>(['grossMassKg', 'packageCount', 'customsValue']);

/** Parses the Containers cell (see EXTRA_COLUMNS); throws a message naming the bad part. */
export function parseContainersCell(cell: string): { number: string; sizeType: string | null; seals: string[] }[] {
  return cell.split(';').map((x) => x.trim()).filter(Boolean).map((part) => {
    const m = /^([A-Za-z0-9]+)(?:\/([0-9A-Za-z]{4}))?(?::(.*))?$/.exec(part);
    if (!m) throw new Error(`"${part}" is not NUMBER[/SIZETYPE][:SEAL|SEAL]`);
    return { number: m[1].toUpperCase(), sizeType: m[2] ? m[2].toUpperCase() : null, seals: (m[3] ?? '').split('|').map((y) => y.trim().toUpperCase()).filter(Boolean) };
  });
}

export interface ParsedRow {
  line: number;
  declarationNo: string | null;
  value?: DeclarationInput;
  reason?: string;
}

/**
 * Parses a declarations CSV in the dataset's format. The header is checked first (a missing column refuses the file,
 * naming it); then every row is validated and either returned as a value or with the reason it is bad.
 * Extra columns (such as the Fraud labels of the labelled dataset) are ignored.
 */
export function parseDeclarationsCsv(text: string): { rows: ParsedRow[] } {
  const records = readCsv(text);
  let header: string[] | null = null;
  let colIdx: { field: keyof DeclarationInput; idx: number }[] = [];
  let extraIdx: { column: string; field: keyof DeclarationInput; idx: number }[] = [];
  const rows: ParsedRow[] = [];
  try {
    for (const rec of records) {
      if (!header) {
        header = rec.fields.map((h) => h.trim());
        const missing = KCS_COLUMNS.filter((c) => !header!.includes(c) && !OPTIONAL_COLUMNS.has(c));
        if (missing.length) {
          throw badRequest('csv_header', `CSV header is missing column(s): ${missing.join(', ')}`, { missing, found: header });
        }
        colIdx = KCS_COLUMNS.map((c) => ({ field: COLUMN_TO_FIELD[c], idx: header!.indexOf(c) })).filter((x) => x.idx >= 0);
        extraIdx = Object.entries(EXTRA_COLUMNS).map(([c, field]) => ({ column: c, field, idx: header!.indexOf(c) })).filter((x) => x.idx >= 0);
        continue;
      }
      if (rec.fields.length !== header.length) {
        rows.push({ line: rec.line, declarationNo: rec.fields[0] ?? null, reason: `expected ${header.length} fields, found ${rec.fields.length}` });
        continue;
      }
      const obj: Record<string, unknown> = { sellerCode: null, courierCode: null };
      const bad: string[] = [];
      for (const { field, idx } of colIdx) {
        const raw = rec.fields[idx].trim();
        if (NUMERIC.has(field)) {
          const n = raw === '' ? NaN : Number(raw);
          if (!Number.isFinite(n)) bad.push(`${FIELD_TO_COLUMN[field]}: "${raw}" is not a number`);
          else if (n < 0) bad.push(`${FIELD_TO_COLUMN[field]}: must not be negative (${raw})`);
          obj[field] = n;
        } else if (NULLABLE.has(field)) {
          obj[field] = raw === '' ? null : raw;
        } else {
          obj[field] = raw;
        }
      }
      for (const { column, field, idx } of extraIdx) {
        const raw = rec.fields[idx].trim();
        if (raw === '') continue;
        if (EXTRA_NUMERIC.has(field)) {
          const n = Number(raw);
          if (!Number.isFinite(n) || n < 0) bad.push(`${column}: "${raw}" is not a non-negative number`);
          else obj[field] = n;
        } else if (field === 'containers') {
          try { obj.containers = parseContainersCell(raw); } catch (e) { bad.push(`${column}: ${(e as Error).message}`); }
        } else if (field === 'currency' || field === 'packageKind') {
          obj[field] = raw.toUpperCase();
        } else {
          obj[field] = raw;
        }
      }
      const declarationNo = typeof obj.declarationNo === 'string' && obj.declarationNo ? obj.declarationNo : null;
      if (bad.length) { rows.push({ line: rec.line, declarationNo, reason: bad.join('; ') }); continue; }
      const p = problems(DeclarationInput, obj);
      if (p.length) {
        rows.push({ line: rec.line, declarationNo, reason: p.map((x) => `${FIELD_TO_COLUMN[x.field] ?? columnOf(x.field)}: ${describe(x.field, obj[x.field], x.message)}`).join('; ') });
        continue;
      }
      const codes = declarationCodeProblems(obj as DeclarationInput);
      if (codes.length) {
        rows.push({ line: rec.line, declarationNo, reason: codes.map((x) => `${FIELD_TO_COLUMN[x.field] ?? columnOf(x.field)}: ${x.message}`).join('; ') });
        continue;
      }
      rows.push({ line: rec.line, declarationNo, value: obj as DeclarationInput });
    }
  } catch (e) {
    if (e instanceof CsvError) throw badRequest('csv_syntax', `CSV cannot be read: ${e.message}`, { line: e.line });
    throw e;
  }
  if (!header) throw badRequest('csv_empty', 'CSV file is empty (no header line)');
  return { rows };
}

const EXTRA_FIELD_TO_COLUMN: Record<string, string> = Object.fromEntries(Object.entries(EXTRA_COLUMNS).map(([c, f]) => [f, c]));
/** CSV column of a (possibly nested) field: `containers[1].number` → `Containers (2nd container)`. */
function columnOf(field: string): string {
  const m = /^containers(?:\[(\d+)\]|\.(\d+))/.exec(field);
  if (m) return `Containers (container ${Number(m[1] ?? m[2]) + 1})`;
  return EXTRA_FIELD_TO_COLUMN[field] ?? field;
}

function describe(field: string, value: unknown, message: string): string {
  if (field === 'date') return `"${String(value)}" is not a valid date (YYYY-MM-DD)`;
  if (field === 'hs6') return `"${String(value)}" is not a 6-digit HS code`;
  if (field.startsWith('country')) return `"${String(value)}" is not a 2-letter country code`;
  if (value === '' || value === undefined) return 'is empty';
  return `${message} (got "${String(value)}")`;
}

/**
 * A JSON import: each item is a DeclarationInput (goods lines and containers included); each bad item is reported
 * as "line" N (its 1-based position in the array) with every field problem named.
 */
export function parseDeclarationItems(items: unknown[]): { rows: ParsedRow[] } {
  if (items.length > 100_000) throw badRequest('too_many_items', `At most 100,000 declarations per import (got ${items.length})`);
  return {
    rows: items.map((item, i) => {
      const line = i + 1;
      const no = item && typeof item === 'object' && typeof (item as { declarationNo?: unknown }).declarationNo === 'string' ? (item as { declarationNo: string }).declarationNo : null;
      const p = problems(DeclarationInput, item);
      if (p.length) return { line, declarationNo: no, reason: p.map((x) => `${x.field}: ${x.message}`).join('; ') };
      const codes = declarationCodeProblems(item as DeclarationInput);
      if (codes.length) return { line, declarationNo: no, reason: codes.map((x) => `${x.field}: ${x.message}`).join('; ') };
      return { line, declarationNo: no, value: item as DeclarationInput };
    }),
  };
}

/** CSV texts at least this long are parsed in a worker thread (below it, starting a worker costs more than parsing). */
export const CSV_WORKER_MIN_CHARS = 256 * 1024;

/**
 * parseDeclarationsCsv off the event loop: a large file is parsed and validated in a worker thread (a 10 MB import
 * blocked /api/health for seconds when parsed inline, issue 13.9), the rows come back in chunks of `chunkRows`,
 * and the file's SHA-256 is computed there too. The same rows, the same line numbers and the same refusals as inline.
 */
export async function parseDeclarationsCsvOffThread(text: string, opts: { minChars?: number; chunkRows?: number } = {}): Promise<{ rows: ParsedRow[]; sha256: string; inWorker: boolean }> {
  if (text.length < (opts.minChars ?? CSV_WORKER_MIN_CHARS)) {
    const { rows } = parseDeclarationsCsv(text);
    return { rows, sha256: createHash('sha256').update(text).digest('hex'), inWorker: false };
  }
  const rows: ParsedRow[] = [];
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('../../platform/ts-worker.mjs', import.meta.url), {
      workerData: { text, chunkRows: opts.chunkRows ?? 1000, __entry: new URL('./declarations.csv-worker.ts', import.meta.url).href },
      // a parse never needs more than a few times the text (rows as objects); a hostile file cannot take the server's heap
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    let settled = false;
    const finish = (f: () => void) => { if (!settled) { settled = true; f(); void w.terminate(); } };
    w.on('message', (m: { type: 'rows'; rows: ParsedRow[] } | { type: 'done'; total: number; sha256: string } | { type: 'refused'; code: string; status: number; message: string; details?: unknown } | { type: 'failed'; message: string }) => {
      if (m.type === 'rows') {
        for (const r of m.rows) rows.push(r);
        // ask for the next chunk after other work had its turn
        setImmediate(() => { if (!settled) w.postMessage('next'); });
        return;
      }
      if (m.type === 'done') {
        finish(() => (rows.length === m.total ? resolve({ rows, sha256: m.sha256, inWorker: true }) : reject(new Error(`CSV worker sent ${rows.length} of ${m.total} rows`))));
      } else if (m.type === 'refused') finish(() => reject(new AppError(m.code, m.status, m.message, m.details)));
      else finish(() => reject(new Error(`CSV worker failed: ${m.message}`)));
    });
    w.once('error', (e) => finish(() => reject(e)));
    w.once('exit', (code) => finish(() => reject(new Error(`CSV worker exited with ${code} before it finished`))));
  });
}

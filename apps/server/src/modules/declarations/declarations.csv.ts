import { KCS_COLUMNS, DeclarationInput } from '@rvi/contracts';
import { readCsv, CsvError } from '../../platform/csv.ts';
import { problems } from '../../platform/validation.ts';
import { badRequest } from '../../platform/errors.ts';

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
      const declarationNo = typeof obj.declarationNo === 'string' && obj.declarationNo ? obj.declarationNo : null;
      if (bad.length) { rows.push({ line: rec.line, declarationNo, reason: bad.join('; ') }); continue; }
      const p = problems(DeclarationInput, obj);
      if (p.length) {
        rows.push({ line: rec.line, declarationNo, reason: p.map((x) => `${FIELD_TO_COLUMN[x.field] ?? x.field}: ${describe(x.field, obj[x.field], x.message)}`).join('; ') });
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

function describe(field: string, value: unknown, message: string): string {
  if (field === 'date') return `"${String(value)}" is not a valid date (YYYY-MM-DD)`;
  if (field === 'hs6') return `"${String(value)}" is not a 6-digit HS code`;
  if (field.startsWith('country')) return `"${String(value)}" is not a 2-letter country code`;
  if (value === '' || value === undefined) return 'is empty';
  return `${message} (got "${String(value)}")`;
}

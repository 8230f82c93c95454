/**
 * Declarations in the Korea Customs Service dataset format (Jeong et al., arXiv 2208.02484):
 * column names, the typed row, and validation of raw values (from CSV text or from rows the
 * server stores). Validation never throws: problems are returned per line so a caller can
 * report them ("line 17: Net Mass is negative (-3)") and decide to skip or to refuse.
 */

/** Column names exactly as in the dataset's CSV header. */
export const COLUMNS = {
  declarationId: 'Declaration ID',
  date: 'Date',
  officeId: 'Office ID',
  processType: 'Process Type',
  importType: 'Import Type',
  importUse: 'Import Use',
  paymentType: 'Payment Type',
  modeOfTransport: 'Mode of Transport',
  declarantId: 'Declarant ID',
  importerId: 'Importer ID',
  sellerId: 'Seller ID',
  courierId: 'Courier ID',
  hs6: 'HS6 Code',
  countryOfDeparture: 'Country of Departure',
  countryOfOrigin: 'Country of Origin',
  taxRate: 'Tax Rate',
  taxType: 'Tax Type',
  originIndicator: 'Country of Origin Indicator',
  netMass: 'Net Mass',
  itemPrice: 'Item Price',
  fraud: 'Fraud',
  criticalFraud: 'Critical Fraud',
} as const;

export type DeclarationField = keyof typeof COLUMNS;
export type ColumnName = (typeof COLUMNS)[DeclarationField];

/** Columns every declaration must have (values may be empty where that makes sense). */
export const FEATURE_COLUMNS: readonly ColumnName[] = [
  COLUMNS.declarationId, COLUMNS.date, COLUMNS.officeId, COLUMNS.processType, COLUMNS.importType,
  COLUMNS.importUse, COLUMNS.paymentType, COLUMNS.modeOfTransport, COLUMNS.declarantId,
  COLUMNS.importerId, COLUMNS.sellerId, COLUMNS.courierId, COLUMNS.hs6, COLUMNS.countryOfDeparture,
  COLUMNS.countryOfOrigin, COLUMNS.taxRate, COLUMNS.taxType, COLUMNS.originIndicator,
  COLUMNS.netMass, COLUMNS.itemPrice,
];
export const LABEL_COLUMNS: readonly ColumnName[] = [COLUMNS.fraud, COLUMNS.criticalFraud];

/** Other spellings seen for some columns (the dataset README adds units to the names). */
const ALIASES: Record<string, ColumnName> = {
  'net mass (kg)': COLUMNS.netMass,
  'item price (krw)': COLUMNS.itemPrice,
  'fraud (0/1)': COLUMNS.fraud,
};

/** Maps a header cell to its canonical column name (trimmed, case-insensitive), or null. */
export function canonicalColumn(name: string): ColumnName | null {
  const key = name.trim().replace(/^\uFEFF/, '').toLowerCase();
  for (const c of Object.values(COLUMNS)) if (c.toLowerCase() === key) return c;
  return ALIASES[key] ?? null;
}

/** One declaration, typed. Empty categorical cells are ''; empty or invalid numbers are NaN. */
export interface Declaration {
  declarationId: string;
  /** ISO date `YYYY-MM-DD` as given ('' when missing or invalid). */
  date: string;
  /** Days since 1970-01-01 (UTC); NaN when the date is missing or invalid. */
  day: number;
  officeId: string;
  processType: string;
  importType: string;
  importUse: string;
  paymentType: string;
  modeOfTransport: string;
  declarantId: string;
  importerId: string;
  sellerId: string;
  courierId: string;
  hs6: string;
  countryOfDeparture: string;
  countryOfOrigin: string;
  /** Percent, e.g. 8.0. */
  taxRate: number;
  taxType: string;
  originIndicator: string;
  /** Kilograms. */
  netMass: number;
  /** KRW. */
  itemPrice: number;
  /** 1 fraud found, 0 none, null unknown (not inspected yet / no label column). */
  fraud: 0 | 1 | null;
  /** 0 none, 1 fraud, 2 critical (may threaten public safety), null unknown. */
  criticalFraud: 0 | 1 | 2 | null;
}

/** A row as the server stores it or a CSV line as a record: canonical column names, raw values. */
export type DeclarationRecord = { readonly [K in ColumnName]?: string | number | null | undefined };

export interface RowProblem {
  /** 1-based line number in the file (header is line 1), or 1-based row index for in-memory rows. */
  line: number;
  column?: ColumnName;
  message: string;
}

const CATEGORICAL_FIELDS = [
  'declarationId', 'officeId', 'processType', 'importType', 'importUse', 'paymentType',
  'modeOfTransport', 'declarantId', 'importerId', 'sellerId', 'courierId', 'hs6',
  'countryOfDeparture', 'countryOfOrigin', 'taxType', 'originIndicator',
] as const satisfies readonly DeclarationField[];

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 for a strict `YYYY-MM-DD` (real calendar date), or NaN. */
export function parseDay(text: string): number {
  const m = DATE_RE.exec(text);
  if (!m) return NaN;
  const y = +m[1], mo = +m[2], d = +m[3];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return NaN;
  return t / DAY_MS;
}

/** ISO date for a day number (inverse of parseDay). */
export function dayToIso(day: number): string {
  return Number.isFinite(day) ? new Date(day * DAY_MS).toISOString().slice(0, 10) : '';
}

function cellText(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v.trim();
}

/** HS codes lose their leading zero when a spreadsheet treats them as numbers: restore 6 digits. */
function normalizeHs(v: string): string {
  return /^\d{5}$/.test(v) ? '0' + v : v;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The fields in a fixed order; raw values arrays are indexed like this. */
export const FIELDS = Object.keys(COLUMNS) as DeclarationField[];
const F = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<DeclarationField, number>;

type Raw = string | number | null | undefined;

/**
 * Validates and types one record. Problems are appended to `problems`; the declaration is
 * always returned, with invalid values replaced by "missing" (NaN / '' / null), so scoring can
 * go on and training can decide to skip the line.
 */
export function toDeclaration(rec: DeclarationRecord, line: number, problems: RowProblem[]): Declaration {
  const raw: Raw[] = new Array(FIELDS.length);
  for (let i = 0; i < FIELDS.length; i++) raw[i] = rec[COLUMNS[FIELDS[i]]];
  return declarationFromValues(raw, line, problems);
}

/** As `toDeclaration`, from raw values in `FIELDS` order (the CSV reader's fast path). */
export function declarationFromValues(raw: readonly Raw[], line: number, problems: RowProblem[]): Declaration {
  let dateText = cellText(raw[F.date]);
  // A timestamp string is cut to its date part.
  if (dateText.length > 10 && /^\d{4}-\d{2}-\d{2}[T ]/.test(dateText)) dateText = dateText.slice(0, 10);
  const day = parseDay(dateText);
  if (!Number.isFinite(day)) {
    problems.push({ line, column: COLUMNS.date, message: dateText === '' ? 'Date is empty' : `Date is not a valid YYYY-MM-DD date (${clip(dateText)})` });
  }
  // One object literal: every declaration gets the same hidden class.
  const d: Declaration = {
    declarationId: cellText(raw[F.declarationId]),
    date: Number.isFinite(day) ? dateText : '',
    day,
    officeId: cellText(raw[F.officeId]),
    processType: cellText(raw[F.processType]),
    importType: cellText(raw[F.importType]),
    importUse: cellText(raw[F.importUse]),
    paymentType: cellText(raw[F.paymentType]),
    modeOfTransport: cellText(raw[F.modeOfTransport]),
    declarantId: cellText(raw[F.declarantId]),
    importerId: cellText(raw[F.importerId]),
    sellerId: cellText(raw[F.sellerId]),
    courierId: cellText(raw[F.courierId]),
    hs6: normalizeHs(cellText(raw[F.hs6])),
    countryOfDeparture: cellText(raw[F.countryOfDeparture]),
    countryOfOrigin: cellText(raw[F.countryOfOrigin]),
    taxRate: readNumber(raw[F.taxRate], COLUMNS.taxRate, line, problems),
    taxType: cellText(raw[F.taxType]),
    originIndicator: cellText(raw[F.originIndicator]),
    netMass: readNumber(raw[F.netMass], COLUMNS.netMass, line, problems),
    itemPrice: readNumber(raw[F.itemPrice], COLUMNS.itemPrice, line, problems),
    fraud: null,
    criticalFraud: null,
  };

  const fr = cellText(raw[F.fraud]);
  if (fr === '') d.fraud = null;
  else if (fr === '0' || fr === '1' || fr === '0.0' || fr === '1.0') d.fraud = fr[0] === '1' ? 1 : 0;
  else problems.push({ line, column: COLUMNS.fraud, message: `Fraud must be 0 or 1 (${clip(fr)})` });

  const cf = cellText(raw[F.criticalFraud]);
  if (cf === '') d.criticalFraud = null;
  else if (cf === '0' || cf === '1' || cf === '2') d.criticalFraud = +cf as 0 | 1 | 2;
  else problems.push({ line, column: COLUMNS.criticalFraud, message: `Critical Fraud must be 0, 1 or 2 (${clip(cf)})` });
  if (d.fraud === 0 && d.criticalFraud !== null && d.criticalFraud > 0) {
    problems.push({ line, column: COLUMNS.criticalFraud, message: 'Critical Fraud is set but Fraud is 0' });
  }
  return d;
}

/** A mass, price or rate: empty is missing; negative, non-numeric or non-finite is a problem. */
function readNumber(raw: Raw, column: ColumnName, line: number, problems: RowProblem[]): number {
  if (typeof raw === 'number') {
    if (Number.isNaN(raw)) return NaN;
    if (!Number.isFinite(raw)) { problems.push({ line, column, message: `${column} is not a finite number` }); return NaN; }
    if (raw < 0) { problems.push({ line, column, message: `${column} is negative (${raw})` }); return NaN; }
    return raw;
  }
  const text = cellText(raw);
  if (text === '') return NaN;
  if (!NUMBER_RE.test(text)) { problems.push({ line, column, message: `${column} is not a number (${clip(text)})` }); return NaN; }
  const v = Number(text);
  if (!Number.isFinite(v)) { problems.push({ line, column, message: `${column} is out of range (${clip(text)})` }); return NaN; }
  if (v < 0) { problems.push({ line, column, message: `${column} is negative (${clip(text)})` }); return NaN; }
  return v;
}

function clip(s: string): string {
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);
}

/** A declaration back to a record with canonical column names (for storage or CSV output). */
export function toRecord(d: Declaration): Record<ColumnName, string> {
  const num = (v: number) => (Number.isFinite(v) ? String(v) : '');
  const out = {} as Record<ColumnName, string>;
  for (const f of CATEGORICAL_FIELDS) out[COLUMNS[f]] = d[f];
  out[COLUMNS.date] = d.date;
  out[COLUMNS.taxRate] = num(d.taxRate);
  out[COLUMNS.netMass] = num(d.netMass);
  out[COLUMNS.itemPrice] = num(d.itemPrice);
  out[COLUMNS.fraud] = d.fraud === null ? '' : String(d.fraud);
  out[COLUMNS.criticalFraud] = d.criticalFraud === null ? '' : String(d.criticalFraud);
  return out;
}

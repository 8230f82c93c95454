/**
 * Reading declarations: CSV text (RFC 4180 quoting, CRLF or LF, optional BOM) or in-memory
 * records. The header is checked by name (any column order, extra columns ignored); values are
 * validated per line by `toDeclaration`.
 */
import { readFileSync } from 'node:fs';
import {
  COLUMNS, FEATURE_COLUMNS, FIELDS, canonicalColumn, declarationFromValues, toDeclaration,
  type ColumnName, type Declaration, type DeclarationRecord, type RowProblem,
} from './declaration.ts';
import { TargetingError } from './errors.ts';

export interface ParseOptions {
  /** Require the `Fraud` column (training). Default false. */
  requireLabels?: boolean;
  /**
   * In-memory records only: refuse records that lack a column (default true). With false, an
   * absent column reads as an empty cell.
   */
  requireColumns?: boolean;
}

export interface ParsedDeclarations {
  declarations: Declaration[];
  /** Line number (1-based, header = line 1) of each declaration, same order. */
  lines: number[];
  /** Problems by line; the affected values are treated as missing in `declarations`. */
  problems: RowProblem[];
  /** Whether a `Fraud` column was present. */
  hasLabels: boolean;
  /** Header cells that are not dataset columns (ignored). */
  ignoredColumns: string[];
}

/** Throws `missing_columns` naming every required column the header lacks. */
export function checkColumns(present: Iterable<ColumnName>, options: ParseOptions = {}): void {
  const have = new Set(present);
  const missing = FEATURE_COLUMNS.filter((c) => !have.has(c));
  if (options.requireLabels && !have.has(COLUMNS.fraud)) missing.push(COLUMNS.fraud);
  if (missing.length) {
    const what = missing.length === 1 ? 'column' : 'columns';
    throw new TargetingError('missing_columns', `missing ${what}: ${missing.map((c) => `"${c}"`).join(', ')}`, { missing });
  }
}

/**
 * Splits CSV text into records of cells, calling `onRecord(cells, line)` for each non-blank
 * record. Fast path for lines without quotes; a quoted field may contain commas, doubled quotes
 * and newlines.
 */
export function forEachCsvRecord(text: string, onRecord: (cells: string[], line: number) => void): void {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const startLine = line;
    let raw = text.slice(pos, end);
    if (raw.indexOf('"') < 0) {
      if (raw.endsWith('\r')) raw = raw.slice(0, -1);
      pos = end + 1;
      line++;
      if (raw.length === 0) continue;
      onRecord(raw.split(','), startLine);
      continue;
    }
    // Quoted: scan characters, possibly across newlines.
    const cells: string[] = [];
    let cell = '';
    let i = pos;
    let inQuotes = false;
    for (; i < n; i++) {
      const ch = text.charCodeAt(i);
      if (inQuotes) {
        if (ch === 34 /* " */) {
          if (text.charCodeAt(i + 1) === 34) { cell += '"'; i++; } else inQuotes = false;
        } else {
          if (ch === 10) line++;
          cell += text[i];
        }
      } else if (ch === 34) inQuotes = true;
      else if (ch === 44 /* , */) { cells.push(cell); cell = ''; }
      else if (ch === 10) break;
      else if (ch === 13 && text.charCodeAt(i + 1) === 10) { /* CR of CRLF */ }
      else cell += text[i];
    }
    cells.push(cell);
    pos = i + 1;
    line++;
    onRecord(cells, startLine);
  }
}

/** Parses declarations from CSV text. Throws `missing_columns` for a wrong header. */
export function parseDeclarationsCsv(text: string, options: ParseOptions = {}): ParsedDeclarations {
  const declarations: Declaration[] = [];
  const lines: number[] = [];
  const problems: RowProblem[] = [];
  let columns: (ColumnName | null)[] | null = null;
  let positions: Int32Array | null = null; // cell index of each field, -1 when absent
  let ignoredColumns: string[] = [];
  let hasLabels = false;
  forEachCsvRecord(text, (cells, line) => {
    if (columns === null) {
      columns = cells.map(canonicalColumn);
      ignoredColumns = cells.filter((_, i) => columns![i] === null);
      const present = columns.filter((c): c is ColumnName => c !== null);
      const dup = present.find((c, i) => present.indexOf(c) !== i);
      if (dup) throw new TargetingError('missing_columns', `column "${dup}" appears twice in the header`, { duplicate: dup });
      checkColumns(present, options);
      hasLabels = present.includes(COLUMNS.fraud);
      positions = Int32Array.from(FIELDS, (f) => columns!.indexOf(COLUMNS[f]));
      return;
    }
    if (cells.length !== columns.length) {
      problems.push({ line, message: `expected ${columns.length} fields, found ${cells.length}` });
    }
    const raw = new Array<string>(FIELDS.length);
    for (let i = 0; i < FIELDS.length; i++) {
      const at = positions![i];
      raw[i] = at >= 0 && at < cells.length ? cells[at] : '';
    }
    declarations.push(declarationFromValues(raw, line, problems));
    lines.push(line);
  });
  if (columns === null) throw new TargetingError('missing_columns', 'the file is empty: no header line', { missing: FEATURE_COLUMNS });
  if (options.requireLabels) requireLabels(declarations, lines, problems);
  return { declarations, lines, problems, hasLabels, ignoredColumns };
}

/** Reads and parses a CSV file (UTF-8). */
export function readDeclarationsFile(path: string, options: ParseOptions = {}): ParsedDeclarations {
  return parseDeclarationsCsv(readFileSync(path, 'utf8'), options);
}

/**
 * Validates in-memory records (as the server stores them: canonical column names, values as
 * strings or numbers). `line` in problems is the 1-based index of the record.
 */
export function parseDeclarationRecords(
  records: readonly DeclarationRecord[], options: ParseOptions = {},
): ParsedDeclarations {
  const declarations: Declaration[] = [];
  const lines: number[] = [];
  const problems: RowProblem[] = [];
  if (records.length > 0 && options.requireColumns !== false) {
    const present = new Set<ColumnName>();
    for (const rec of records.slice(0, 1)) for (const k of Object.keys(rec)) { const c = canonicalColumn(k); if (c) present.add(c); }
    checkColumns(present, options);
  }
  let hasLabels = false;
  records.forEach((rec, i) => {
    const normal = normalizeKeys(rec);
    if (normal[COLUMNS.fraud] !== undefined) hasLabels = true;
    declarations.push(toDeclaration(normal, i + 1, problems));
    lines.push(i + 1);
  });
  if (options.requireLabels) requireLabels(declarations, lines, problems);
  return { declarations, lines, problems, hasLabels, ignoredColumns: [] };
}

function normalizeKeys(rec: DeclarationRecord): DeclarationRecord {
  let canonical = true;
  for (const k of Object.keys(rec)) if (!(Object.values(COLUMNS) as string[]).includes(k)) { canonical = false; break; }
  if (canonical) return rec;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) { const c = canonicalColumn(k); if (c) out[c] = v; }
  return out as DeclarationRecord;
}

function requireLabels(declarations: Declaration[], lines: number[], problems: RowProblem[]): void {
  const reported = new Set(problems.filter((p) => p.column === COLUMNS.fraud).map((p) => p.line));
  for (let i = 0; i < declarations.length; i++) {
    if (declarations[i].fraud === null && !reported.has(lines[i])) {
      problems.push({ line: lines[i], column: COLUMNS.fraud, message: 'Fraud label is empty' });
    }
  }
}

/** Human-readable list of problems, at most `max` lines plus a count of the rest. */
export function formatProblems(problems: readonly RowProblem[], max = 20): string {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const shown = sorted.slice(0, max).map((p) => `line ${p.line}: ${p.message}`);
  if (sorted.length > max) shown.push(`… and ${sorted.length - max} more`);
  return shown.join('\n');
}

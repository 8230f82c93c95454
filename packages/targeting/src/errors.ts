/** Reasoned errors of the targeting package; `code` is stable, callers switch on it. */
export type TargetingErrorCode =
  | 'missing_columns'     // CSV header or records lack required columns
  | 'no_labels'           // training needs labelled declarations
  | 'bad_rows'            // rows with impossible values (details: problems by line)
  | 'model_corrupt'       // model file unreadable, truncated or tampered with
  | 'model_version'       // model written by an unsupported format version
  | 'invalid_argument';   // a function or CLI argument is out of range

export class TargetingError extends Error {
  readonly code: TargetingErrorCode;
  readonly details?: unknown;
  constructor(code: TargetingErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'TargetingError';
    this.code = code;
    this.details = details;
  }
}

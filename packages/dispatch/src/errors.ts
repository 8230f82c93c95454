// Reasoned errors for the dispatch domain. `code` is stable (the server maps it to its AppError / HTTP answer);
// `message` is for people; `details` is JSON-serialisable.

/** One problem found while validating input: `path` names the offending field, e.g. `orders[3].date`. */
export interface Issue {
  path: string;
  message: string;
}

export class DispatchDomainError extends Error {
  readonly code: string;
  readonly details: unknown;
  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'DispatchDomainError';
    this.code = code;
    this.details = details;
  }
}

/** Input (orders, inspectors, rules, slots…) failed validation. `issues` lists every problem, not only the first. */
export class DomainValidationError extends DispatchDomainError {
  readonly issues: Issue[];
  constructor(what: string, issues: Issue[]) {
    const shown = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ');
    const more = issues.length > 5 ? `; and ${issues.length - 5} more` : '';
    super('validation_failed', `invalid ${what}: ${shown}${more}`, { issues });
    this.name = 'DomainValidationError';
    this.issues = issues;
  }
}

/** An order state change that the state machine does not allow. */
export class InvalidTransitionError extends DispatchDomainError {
  readonly from: string;
  readonly to: string;
  constructor(from: string, to: string, message: string, allowed: readonly string[]) {
    super('invalid_transition', message, { from, to, allowed: [...allowed] });
    this.name = 'InvalidTransitionError';
    this.from = from;
    this.to = to;
  }
}

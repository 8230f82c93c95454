/** An error with a stable code the UI can switch on, and the HTTP status it maps to. */
export class AppError extends Error {
  constructor(
    public readonly code: string,
    public readonly status: number,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id?: string) =>
  new AppError('not_found', 404, id ? `${what} ${id} not found` : `${what} not found`);
export const forbidden = (message = 'You are not allowed to do this') => new AppError('forbidden', 403, message);
export const unauthenticated = (message = 'Log in first') => new AppError('unauthenticated', 401, message);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(code, 409, message, details);
export const badRequest = (code: string, message: string, details?: unknown) => new AppError(code, 400, message, details);
export const tooMany = (message: string, retryAfterS: number) =>
  new AppError('rate_limited', 429, message, { retryAfterSeconds: retryAfterS });

/**
 * Errors with a stable `code`. `expose` says whether the message is safe to show a client;
 * one express handler and one socket ack helper turn these into `{ code, message }`.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 500,
    readonly expose = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that failed a schema: safe to explain to the caller. */
export class ValidationError extends AppError {
  constructor(message: string, code = 'invalid_payload') {
    super(code, message, 400, true);
  }
}

export class AuthError extends AppError {
  constructor(message = 'Sign in first.', code = 'unauthorized', httpStatus = 401) {
    super(code, message, httpStatus, true);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', `${what} was not found.`, 404, true);
  }
}

/** A race or a state that forbids the command (e.g. `already_claimed`). */
export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 409, true);
  }
}

export class RateLimitError extends AppError {
  constructor(message = 'Too many requests. Please wait a moment and try again.') {
    super('rate_limited', message, 429, true);
  }
}

/** What a client may see of any error: exposed ones as they are, others as a generic failure. */
export function publicError(error: unknown): { code: string; message: string } {
  if (error instanceof AppError && error.expose) return { code: error.code, message: error.message };
  return { code: 'internal_error', message: 'Something went wrong on our side. Please try again.' };
}

/**
 * A unique-key violation, and nothing else: code 11000 (MongoDB and FerretDB; FerretDB gives no
 * key details), or a bulk write whose every failed document was a duplicate.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, writeErrors } = error as { code?: unknown; writeErrors?: Array<{ code?: number; err?: { code?: number } }> };
  if (Array.isArray(writeErrors) && writeErrors.length > 0) return writeErrors.every((e) => (e.code ?? e.err?.code) === 11000);
  return code === 11000;
}

/**
 * What an HTTP client is told about an error: AppErrors as they are; a path the router could
 * not decode (`/cases/%ff`) as 400; the database or Redis out of reach as 503 (so providers
 * retry and monitoring says what happened); anything else 500 without details.
 */
import { AppError, publicError } from '../errors';

const UNAVAILABLE = /^Mongo(?:ose)?(?:ServerSelection|Network|NotConnected|TopologyClosed|NetworkTimeout|PoolCleared)Error$/;

/** The database (or Redis) could not be reached: not our bug, and worth a retry. */
export function isOutage(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const { name = '', message = '', code = '', cause } = error as { name?: string; message?: string; code?: unknown; cause?: unknown };
  // A refused or broken connection to a dependency, however the driver wraps it (seen as the
  // database went away: `{ message: 'connect ECONNREFUSED …' }`, and a bare `{ code: 'EPIPE' }`).
  if (/\b(ECONNREFUSED|ECONNRESET|EPIPE)\b/.test(`${String(code)} ${String(message)}`)) return true;
  if (cause && isOutage(cause, depth + 1)) return true;
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE.test(name)) return true;
  if (error.name === 'MongooseError' && /buffering timed out|Client must be connected/i.test(error.message)) return true;
  // ioredis with the connection down and the offline queue full or disabled.
  return /Connection is closed|Stream isn't writeable|MaxRetriesPerRequestError/i.test(`${error.name} ${error.message}`);
}

export function errorResponse(error: unknown): { status: number; body: { code: string; message: string }; logged: boolean } {
  if (error instanceof AppError) return { status: error.httpStatus, body: publicError(error), logged: !error.expose };
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  if (error instanceof URIError || (typeof status === 'number' && status >= 400 && status < 500)) {
    return { status: typeof status === 'number' ? status : 400, body: { code: 'invalid_request', message: 'The address or request is not valid.' }, logged: false };
  }
  if (isOutage(error)) return { status: 503, body: { code: 'service_unavailable', message: 'A service we depend on is not reachable. Please try again shortly.' }, logged: true };
  return { status: 500, body: publicError(error), logged: true };
}

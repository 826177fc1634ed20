/**
 * Every external input (HTTP bodies and queries, webhooks, socket commands) is parsed with a
 * zod schema through `parseInput`: a mismatch becomes a 400-class ValidationError whose
 * message names each problem, never a server error.
 */
import type { z } from 'zod';
import { ValidationError } from '../errors';

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(describeIssues(result.error));
  return result.data;
}

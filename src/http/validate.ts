/** One zod schema per route body; issues become a 400 with a readable message. */
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { ValidationError } from '../errors';

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

export function validateBody<T extends z.ZodType>(schema: T): RequestHandler {
  return (req, _res, next) => {
    const result = schema.safeParse(req.body);
    if (!result.success) return next(new ValidationError(describeIssues(result.error)));
    req.body = result.data;
    next();
  };
}

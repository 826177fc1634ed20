/** One zod schema per route body; issues become a 400 with a readable message. */
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { parseInput } from '../validation';

export function validateBody<T extends z.ZodType>(schema: T): RequestHandler {
  return (req, _res, next) => {
    req.body = parseInput(schema, req.body);
    next();
  };
}

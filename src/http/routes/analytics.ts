/**
 * Analytics and journeys (CONTRACT.md §11): the figures over a date range (JSON and CSV,
 * supervisors and admins) and one person's journey in time order (any agent who may see them).
 */
import { Router } from 'express';
import { z } from 'zod';
import { analyticsSummary, summaryCsv, type AnalyticsSummary } from '../../analytics/summary';
import { costTable } from '../../analytics/costs';
import { contactJourney } from '../../journey/timeline';
import { NotFoundError, ValidationError } from '../../errors';
import { audit } from '../../privacy/audit';
import type { Services } from '../../services';
import { parseInput } from '../../validation';
import type { Authed, Guards } from './guards';

const DAY_MS = 86_400_000;
/** `2026-12-01` (a whole day, UTC) or a full ISO date-time. */
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const analyticsQuery = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    councilId: z.string().min(1).max(100).optional(),
    channel: z.enum(['webchat', 'sms', 'voice', 'social']).optional(),
    flow: z.string().regex(/^[a-z-]{2,40}$/).optional(),
  })
  .strict();

/** From and to: a date-only `to` includes that whole day; the default range is this month so far. */
export function analyticsRange(query: z.infer<typeof analyticsQuery>, now = new Date()): { from: Date; to: Date } {
  const from = query.from ? new Date(query.from.length === 10 ? `${query.from}T00:00:00Z` : query.from) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = query.to ? new Date(query.to.length === 10 ? new Date(`${query.to}T00:00:00Z`).getTime() + DAY_MS : query.to) : new Date(now.getTime() + 1000);
  return { from, to };
}

export function analyticsRoutes(services: Services, guards: Guards): Router {
  const router = Router();
  const { requireAgent, requireSupervisor } = guards;
  const costs = { table: costTable(services.config.CONTACT_COSTS), currency: services.config.COST_CURRENCY };

  const summaryFor = async (req: Authed): Promise<AnalyticsSummary> => {
    const query = parseInput(analyticsQuery, req.query);
    if (query.councilId && query.councilId !== services.council.id) throw new NotFoundError(`The council "${query.councilId}"`);
    const range = analyticsRange(query);
    if (range.to <= range.from) throw new ValidationError('`to` must be after `from`.');
    return analyticsSummary({ ...range, councilId: services.council.id, timezone: services.council.timezone, ...(query.channel ? { channel: query.channel } : {}), ...(query.flow ? { flow: query.flow } : {}) }, costs);
  };

  router.get('/analytics/summary', requireAgent, requireSupervisor, async (req: Authed, res) => {
    res.json(await summaryFor(req));
  });

  router.get('/analytics/summary.csv', requireAgent, requireSupervisor, async (req: Authed, res) => {
    const summary = await summaryFor(req);
    res.set('content-type', 'text/csv; charset=utf-8').set('content-disposition', `attachment; filename="switchboard-${summary.from.slice(0, 10)}-${summary.to.slice(0, 10)}.csv"`).send(summaryCsv(summary));
  });

  router.get('/contacts/:id/journey', requireAgent, async (req: Authed, res) => {
    const contactId = String(req.params.id);
    const journey = await contactJourney(req.agent!, contactId);
    if (!journey) throw new NotFoundError('That contact');
    await audit(req.agent!, 'contact.journey', contactId);
    res.json(journey);
  });

  return router;
}

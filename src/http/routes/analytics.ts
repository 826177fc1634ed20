/**
 * Analytics and journeys (CONTRACT.md §11): the figures over a date range (JSON and CSV,
 * supervisors and admins) and one person's journey in time order (any agent who may see them).
 */
import { Router } from 'express';
import { z } from 'zod';
import { analyticsSummary, summaryCsv, type AnalyticsSummary } from '../../analytics/summary';
import { costTable } from '../../analytics/costs';
import { contactJourney } from '../../journey/timeline';
import type { ChannelId } from '../../domain/messages';
import { NotFoundError, ValidationError } from '../../errors';
import { audit } from '../../privacy/audit';
import type { Services } from '../../services';
import { parseInput } from '../../validation';
import { actingCouncil, type Authed, type Guards } from './guards';
import { dateFormat, isoDateIn } from '../../domain/calendar';

/** `2026-12-01` (a whole day, UTC) or a full ISO date-time. */
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** The query, for this engine's channels (the registry's ids: a channel named from outside is one of them). */
export const analyticsQueryFor = (channels: readonly ChannelId[]) =>
  z
    .object({
      from: instant.optional(),
      to: instant.optional(),
      councilId: z.string().min(1).max(100).optional(),
      channel: z.enum(channels).optional(),
      flow: z.string().regex(/^[a-z-]{2,40}$/).optional(),
    })
    .strict();
export type AnalyticsQueryInput = z.infer<ReturnType<typeof analyticsQueryFor>>;

/** The UTC instant of midnight at the start of `date` (YYYY-MM-DD) in `timezone`. */
export function zonedMidnight(date: string, timezone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  const offsetAt = (t: number) => {
    const parts = Object.fromEntries(dateFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
    return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) - t;
  };
  // Twice, so a range starting on a daylight-saving change still lands on local midnight.
  const first = guess - offsetAt(guess);
  return new Date(guess - offsetAt(first));
}

/**
 * From and to in the council's calendar: a date-only `from` is that day's local midnight, a
 * date-only `to` includes that whole local day; without them, this month so far.
 */
export function analyticsRange(query: AnalyticsQueryInput, timezone: string, now = new Date()): { from: Date; to: Date; fromDate: string; toDate: string } {
  const today = isoDateIn(now, timezone);
  const from = query.from ? (query.from.length === 10 ? zonedMidnight(query.from, timezone) : new Date(query.from)) : zonedMidnight(`${today.slice(0, 8)}01`, timezone);
  const to = query.to
    ? query.to.length === 10
      ? zonedMidnight(isoDateIn(new Date(zonedMidnight(query.to, timezone).getTime() + 36 * 3_600_000), timezone), timezone)
      : new Date(query.to)
    : new Date(now.getTime() + 1000);
  return { from, to, fromDate: isoDateIn(from, timezone), toDate: isoDateIn(new Date(to.getTime() - 1), timezone) };
}

export function analyticsRoutes(services: Services, guards: Guards): Router {
  const router = Router();
  const { requireAgent, requireSupervisor } = guards;
  const analyticsQuery = analyticsQueryFor(services.channels.ids());
  // "If every contact had been a call" is priced as the channel that calls residents.
  const phoneChannel = services.channels.byPhone('call')?.id;
  const costs = { table: costTable(services.config.CONTACT_COSTS), currency: services.config.COST_CURRENCY, ...(phoneChannel ? { phoneChannel } : {}) };

  const summaryFor = async (req: Authed): Promise<AnalyticsSummary & { timezone: string; fromDate: string; toDate: string }> => {
    const query = parseInput(analyticsQuery, req.query);
    // One council's figures: the one asked for (if the supervisor serves it), else their first.
    const council = services.councils.council(actingCouncil(services, req.agent!, query.councilId));
    const { fromDate, toDate, ...range } = analyticsRange(query, council.timezone);
    if (range.to <= range.from) throw new ValidationError('`to` must be after `from`.');
    const summary = await analyticsSummary({ ...range, councilId: council.id, timezone: council.timezone, ...(query.channel ? { channel: query.channel } : {}), ...(query.flow ? { flow: query.flow } : {}) }, costs);
    return { ...summary, councilId: council.id, timezone: council.timezone, fromDate, toDate };
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

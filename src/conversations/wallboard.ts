/**
 * The supervisor wallboard (Genesys / Amazon Connect style): waiting and longest wait per
 * queue now and every 15 minutes over the last 4 hours, service level today (claimed within
 * `SERVICE_LEVEL_SECONDS`), agents by state, conversations handled by the assistant versus
 * people today, and today's survey scores. Computed from the stored conversations, so it
 * needs no sampler and is the same on every web node.
 */
import type { WallboardView } from '../domain/workspace';
import { Conversation, type ConversationDoc } from '../models';
import type { Services } from '../services';
import { servedCouncils, type AgentPrincipal } from './agent-actions';
import { agentStates, queueNamesOf } from './queue-view';
import { dateFormat } from '../domain/calendar';

const HISTORY_HOURS = 4;
const STEP_MS = 15 * 60_000;

/** Midnight today in the council's time zone. */
export function startOfDay(timeZone: string, now = new Date()): Date {
  const parts = dateFormat('en-CA', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return new Date(now.getTime() - (get('hour') * 3600 + get('minute') * 60 + get('second')) * 1000 - now.getMilliseconds());
}

const time = (d: Date | null | undefined) => (d ? new Date(d).getTime() : undefined);

/** The wallboard of the councils the viewer serves (their day starts in the first one's time zone). */
export async function wallboard(services: Services, viewer: AgentPrincipal): Promise<WallboardView> {
  const now = Date.now();
  const councils = servedCouncils(services, viewer);
  const dayStart = startOfDay(services.councils.council(councils[0] ?? services.councils.default.council.id).timezone, new Date(now));
  const since = new Date(Math.min(dayStart.getTime(), now - HISTORY_HOURS * 3_600_000) - 24 * 3_600_000);
  const [recent, states] = await Promise.all([
    Conversation.find({ councilId: { $in: councils }, $or: [{ createdAt: { $gte: since } }, { status: 'queued' }] }, { status: 1, queue: 1, queuedAt: 1, assignedAt: 1, resolvedAt: 1, updatedAt: 1, createdAt: 1, assigneeId: 1, survey: 1 }).limit(20_000).lean<ConversationDoc[]>(),
    agentStates(services, councils),
  ]);
  const queueNames = queueNamesOf(services, councils);

  /** When the wait that began at queuedAt ended (claimed, resolved, or still waiting). */
  const waitEnd = (c: ConversationDoc): number => {
    const queued = time(c.queuedAt)!;
    const assigned = time(c.assignedAt);
    if (c.status === 'queued') return Number.POSITIVE_INFINITY;
    if (assigned !== undefined && assigned >= queued) return assigned;
    return time(c.resolvedAt) ?? time(c.updatedAt) ?? queued;
  };
  const waited = recent.filter((c) => c.queuedAt);
  const at = (t: number) => {
    const queues: Record<string, { waiting: number; longestWaitSeconds: number }> = {};
    for (const name of queueNames) queues[name] = { waiting: 0, longestWaitSeconds: 0 };
    for (const c of waited) {
      const start = time(c.queuedAt)!;
      if (start > t || waitEnd(c) <= t) continue;
      const q = (queues[c.queue ?? 'general'] ??= { waiting: 0, longestWaitSeconds: 0 });
      q.waiting++;
      q.longestWaitSeconds = Math.max(q.longestWaitSeconds, Math.round((t - start) / 1000));
    }
    return queues;
  };
  const history: WallboardView['history'] = [];
  const first = Math.floor((now - HISTORY_HOURS * 3_600_000) / STEP_MS) * STEP_MS;
  for (let t = first; t < now; t += STEP_MS) history.push({ at: new Date(t).toISOString(), queues: at(t) });
  history.push({ at: new Date(now).toISOString(), queues: at(now) });
  const current = at(now);

  const target = services.config.SERVICE_LEVEL_SECONDS;
  const answeredToday = waited.filter((c) => (time(c.assignedAt) ?? 0) >= dayStart.getTime() && time(c.assignedAt)! >= time(c.queuedAt)!);
  const withinTarget = answeredToday.filter((c) => time(c.assignedAt)! - time(c.queuedAt)! <= target * 1000).length;

  const today = recent.filter((c) => time(c.createdAt)! >= dayStart.getTime());
  const byPeople = today.filter((c) => c.queuedAt).length;
  const counts: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  for (const c of recent) {
    const score = c.survey?.score;
    if (score && score >= 1 && score <= 5 && (time(c.survey?.answeredAt) ?? time(c.updatedAt)!) >= dayStart.getTime()) counts[score - 1]!++;
  }
  const answered = counts.reduce((a, b) => a + b, 0);

  const agents = states.map(({ id, name, presence, load, capacity }) => ({ id, name, presence, load, capacity }));
  return {
    at: new Date(now).toISOString(),
    serviceLevelTargetSeconds: target,
    queues: queueNames.map((queue) => ({ queue, ...current[queue]! })),
    history,
    serviceLevel: { answered: answeredToday.length, withinTarget, percent: answeredToday.length ? Math.round((withinTarget / answeredToday.length) * 100) : null },
    agents: {
      available: agents.filter((a) => a.presence === 'available' && a.load === 0).length,
      busy: agents.filter((a) => a.presence === 'available' && a.load > 0).length,
      away: agents.filter((a) => a.presence === 'away').length,
      offline: agents.filter((a) => a.presence === 'offline').length,
      list: agents,
    },
    today: { conversations: today.length, byAssistant: today.length - byPeople, byPeople, resolvedByPeople: today.filter((c) => c.queuedAt && c.status === 'resolved' && c.assigneeId).length },
    survey: { answered, average: answered ? Math.round((counts.reduce((sum, n, i) => sum + n * (i + 1), 0) / answered) * 10) / 10 : null, counts },
  };
}

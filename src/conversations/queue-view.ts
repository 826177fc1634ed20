/**
 * What the console lists: the conversations waiting in an agent's queues, in the order they
 * should be taken (safeguarding first, then callers holding on the phone, then everyone else;
 * oldest first within each), the ones the agent holds, and the supervisor's live overview.
 */
import { Agent, AgentSlot, Conversation, type ConversationDoc } from '../models';
import type { Services } from '../services';
import { canSee, councilsOf, servedCouncils, type AgentPrincipal } from './agent-actions';

export interface QueueItem {
  id: string;
  channel: string;
  status: string;
  queue?: string;
  priority: number;
  queuedAt?: Date;
  waitingSeconds?: number;
  handoffReason?: string;
  preview?: string;
  callbackRequested?: boolean;
  assignee?: { id: string; name: string };
}

function item(c: ConversationDoc, now: number): QueueItem {
  return {
    id: c._id,
    channel: c.channel,
    status: c.status,
    priority: c.priority ?? 2,
    ...(c.queue ? { queue: c.queue } : {}),
    ...(c.queuedAt ? { queuedAt: c.queuedAt, waitingSeconds: Math.max(0, Math.round((now - new Date(c.queuedAt).getTime()) / 1000)) } : {}),
    ...(c.handoffReason ? { handoffReason: c.handoffReason } : {}),
    ...(c.lastResidentText ? { preview: c.lastResidentText } : {}),
    ...(c.callbackRequested ? { callbackRequested: true } : {}),
    ...(c.assigneeId ? { assignee: { id: c.assigneeId, name: c.assigneeName ?? '' } } : {}),
  };
}

/** Fair, explicit order: priority, then the longest wait. */
export function byQueueOrder(a: ConversationDoc, b: ConversationDoc): number {
  return (a.priority ?? 2) - (b.priority ?? 2) || new Date(a.queuedAt ?? 0).getTime() - new Date(b.queuedAt ?? 0).getTime();
}

export async function agentQueue(agent: AgentPrincipal): Promise<{ waiting: QueueItem[]; mine: QueueItem[] }> {
  const [queued, mine] = await Promise.all([
    Conversation.find({ status: 'queued', councilId: { $in: councilsOf(agent) } }).limit(500).lean<ConversationDoc[]>(),
    Conversation.find({ status: 'assigned', assigneeId: agent._id }).limit(100).lean<ConversationDoc[]>(),
  ]);
  const now = Date.now();
  return {
    waiting: queued.filter((c) => canSee(agent, c)).sort(byQueueOrder).map((c) => item(c, now)),
    mine: mine.sort(byQueueOrder).map((c) => item(c, now)),
  };
}

export type Presence = 'available' | 'away' | 'offline';
const presenceKey = (services: Services) => `${services.config.QUEUE_PREFIX}:presence`;

export async function setPresence(services: Services, agentId: string, presence: Presence): Promise<void> {
  await services.redis.hset(presenceKey(services), agentId, presence);
}

export async function presenceOf(services: Services): Promise<Record<string, Presence>> {
  return (await services.redis.hgetall(presenceKey(services))) as Record<string, Presence>;
}

export interface AgentState {
  id: string;
  name: string;
  role: string;
  queues: string[];
  councils: string[];
  presence: Presence;
  /** Conversations held now (capacity slots taken). */
  load: number;
  capacity: number;
}

/** Agents with presence and load (those serving any of `councils`): for the supervisor's view and for offering conversations. */
export async function agentStates(services: Services, councils: string[]): Promise<AgentState[]> {
  const [agents, slots, presence] = await Promise.all([Agent.find({ active: { $ne: false } }).limit(500).lean(), AgentSlot.find({}, { agentId: 1 }).limit(10_000).lean(), presenceOf(services)]);
  const load = new Map<string, number>();
  for (const slot of slots) load.set(slot.agentId, (load.get(slot.agentId) ?? 0) + 1);
  return agents
    .map((a) => ({ a, councils: councilsOf(a) }))
    .filter(({ councils: theirs }) => theirs.some((c) => councils.includes(c)))
    .map(({ a, councils: theirs }) => ({ id: a._id, name: a.name, role: a.role, queues: a.queues ?? [], councils: theirs, presence: presence[a._id] ?? 'offline', load: load.get(a._id) ?? 0, capacity: a.capacity ?? 3 }));
}

/** The supervisor's view: waiting per queue, the longest wait, agents by presence and load, handled today. */
export async function supervisorOverview(services: Services, viewer: AgentPrincipal) {
  const since = new Date(Date.now() - 24 * 3_600_000);
  const councils = servedCouncils(services, viewer);
  const [queued, agents, handled] = await Promise.all([
    Conversation.find({ status: 'queued', councilId: { $in: councils } }).limit(2000).lean<ConversationDoc[]>(),
    agentStates(services, councils),
    Conversation.countDocuments({ status: 'resolved', councilId: { $in: councils }, resolvedAt: { $gte: since } }),
  ]);
  const now = Date.now();
  const queues = queueNamesOf(services, councils).map((name) => {
    const waiting = queued.filter((c) => c.queue === name);
    const oldest = waiting.reduce<number | undefined>((min, c) => (c.queuedAt && (min === undefined || new Date(c.queuedAt).getTime() < min) ? new Date(c.queuedAt).getTime() : min), undefined);
    return { queue: name, waiting: waiting.length, longestWaitSeconds: oldest === undefined ? 0 : Math.round((now - oldest) / 1000) };
  });
  return {
    queues,
    agents: agents.map(({ id, name, role, presence, load, capacity }) => ({ id, name, role, presence, load, capacity })),
    handledLast24Hours: handled,
  };
}

/** The queues of these councils, each name once (councils of a shared service often share queue names); unknown ids have none. */
export function queueNamesOf(services: Services, councils: string[]): string[] {
  return [...new Set(councils.filter((id) => services.councils.has(id)).flatMap((id) => services.councils.council(id).queues))];
}

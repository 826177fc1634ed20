/**
 * When a conversation joins a queue it is offered to one agent who can take it now: available,
 * in that queue, under capacity, least loaded first (ties: the longest-idle by load, then name).
 * An offer is a nudge, not an assignment: the agent still claims it, and anyone else may pick
 * it from the queue, so a missed offer never strands a resident.
 */
import { Agent, AgentSlot } from '../models';
import { rooms } from '../realtime/publisher';
import type { Services } from '../services';
import { presenceOf } from './queue-view';

export async function offerToAvailableAgent(services: Services, offer: { conversationId: string; queue: string; channel: string; preview?: string }): Promise<string | undefined> {
  const [presence, agents, slots] = await Promise.all([presenceOf(services), Agent.find({}).limit(500).lean(), AgentSlot.find({}).limit(10_000).lean()]);
  const load = (id: string) => slots.filter((s) => s.agentId === id).length;
  const candidates = agents
    .filter((a) => presence[a._id] === 'available')
    .filter((a) => a.role !== 'agent' || (a.queues ?? []).includes(offer.queue))
    .filter((a) => load(a._id) < (a.capacity ?? 3))
    .sort((a, b) => load(a._id) - load(b._id) || a.name.localeCompare(b.name));
  const chosen = candidates[0];
  if (!chosen) return undefined;
  services.broadcaster.toAgents([rooms.agent(chosen._id)], 'conversation.offered', offer);
  return chosen._id;
}

/**
 * When a conversation joins a queue it is offered to one agent who can take it now: available,
 * in that queue, under capacity, least loaded first (ties by name). An offer is a nudge, not an
 * assignment: the agent still claims it, and anyone else may pick it from the queue, so a
 * missed offer never strands a resident.
 */
import { rooms } from '../realtime/publisher';
import type { Services } from '../services';
import { Conversation } from '../models';
import { agentStates } from './queue-view';

export async function offerToAvailableAgent(services: Services, offer: { conversationId: string; queue: string; channel: string; preview?: string }): Promise<string | undefined> {
  const chosen = (await agentStates(services))
    .filter((a) => a.presence === 'available' && a.load < a.capacity)
    .filter((a) => a.role !== 'agent' || a.queues.includes(offer.queue))
    .sort((a, b) => a.load - b.load || a.name.localeCompare(b.name))[0];
  if (!chosen) return undefined;
  services.broadcaster.toAgents([rooms.agent(chosen.id)], 'conversation.offered', offer);
  const conversation = await Conversation.findById(offer.conversationId, { contactId: 1, handoffId: 1 }).lean();
  if (conversation) {
    await services.journal.note('conversation.offered', `${offer.conversationId}-${conversation.handoffId ?? ''}-${chosen.id}`, { contactId: conversation.contactId, conversationId: offer.conversationId, channel: offer.channel, data: { agentId: chosen.id, queue: offer.queue } });
  }
  return chosen.id;
}

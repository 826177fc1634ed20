/**
 * Timed offers (Twilio Flex's reservations): a queued conversation is offered to one eligible
 * agent (active (agentStates leaves deactivated agents out), available, in that queue, under capacity, least loaded first, not one who
 * already passed on this handoff), who accepts or declines within `OFFER_TIMEOUT_SECONDS`.
 * A decline or a timeout is recorded on the `Offer` record and the conversation is offered to
 * the next agent. An offer never assigns by itself and the conversation stays in the queue,
 * so anyone may still take it: a missed offer never strands a resident.
 *
 * One offer at a time per conversation: the current one is a Redis key set with NX; the
 * decision on it (accept, decline, timeout, withdraw) is a compare-and-delete of that key, so
 * a timeout racing a decline moves the conversation on once.
 */
import { Conversation, Offer, insertOnce, type ConversationDoc } from '../models';
import { rooms } from '../realtime/publisher';
import type { Services } from '../services';
import { agentStates } from './queue-view';
import type { OfferPayload } from '../domain/workspace';

const currentKey = (services: Services, conversationId: string) => `${services.config.QUEUE_PREFIX}:offer:${conversationId}`;
const passedKey = (services: Services, conversationId: string, handoffId: string) => `${services.config.QUEUE_PREFIX}:offer-passed:${conversationId}-${handoffId}`;

/** Deletes the key only while it still names this offer (one decision per offer). */
const TAKE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

interface Current { offerId: string; agentId: string }

async function current(services: Services, conversationId: string): Promise<Current | undefined> {
  const raw = await services.redis.get(currentKey(services, conversationId));
  return raw ? (JSON.parse(raw) as Current) : undefined;
}

async function take(services: Services, conversationId: string, offer: Current): Promise<boolean> {
  return Number(await services.redis.eval(TAKE, 1, currentKey(services, conversationId), JSON.stringify(offer))) === 1;
}

export async function offerToAvailableAgent(services: Services, offer: { conversationId: string; queue: string; channel: string; preview?: string }): Promise<string | undefined> {
  const conversation = await Conversation.findById(offer.conversationId).lean<ConversationDoc>();
  if (!conversation || conversation.status !== 'queued' || !conversation.handoffId) return undefined;
  const handoffId = conversation.handoffId;
  const passed = new Set(await services.redis.smembers(passedKey(services, offer.conversationId, handoffId)));
  const chosen = (await agentStates(services, [conversation.councilId]))
    .filter((a) => a.presence === 'available' && a.load < a.capacity && !passed.has(a.id))
    .filter((a) => a.role !== 'agent' || a.queues.includes(offer.queue))
    .sort((a, b) => a.load - b.load || a.name.localeCompare(b.name))[0];
  if (!chosen) return undefined;
  const timeoutMs = services.config.OFFER_TIMEOUT_SECONDS * 1000;
  const offerId = `offer-${offer.conversationId}-${handoffId}-${passed.size}`;
  const record: Current = { offerId, agentId: chosen.id };
  // Someone already holds an offer of this conversation: it moves on when they decide.
  const set = await services.redis.set(currentKey(services, offer.conversationId), JSON.stringify(record), 'PX', timeoutMs + 60_000, 'NX');
  if (set !== 'OK') return undefined;
  const expiresAt = new Date(Date.now() + timeoutMs);
  await insertOnce(Offer.create({ _id: offerId, conversationId: offer.conversationId, handoffId, agentId: chosen.id, queue: offer.queue, expiresAt }));
  await services.queues.addTimer({ kind: 'offer', conversationId: offer.conversationId, identityId: conversation.identityId, residentSeq: passed.size, offerId }, timeoutMs);
  const payload: OfferPayload = { ...offer, offerId, expiresAt: expiresAt.toISOString(), timeoutSeconds: services.config.OFFER_TIMEOUT_SECONDS };
  services.broadcaster.toAgents([rooms.agent(chosen.id)], 'conversation.offered', payload);
  await services.journal.note('conversation.offered', `${offer.conversationId}-${handoffId}-${chosen.id}`, { councilId: conversation.councilId, contactId: conversation.contactId, conversationId: offer.conversationId, channel: offer.channel, data: { agentId: chosen.id, queue: offer.queue } });
  return chosen.id;
}

/** The agent passed (declined, or let it time out): record it and offer to the next agent. */
async function pass(services: Services, conversationId: string, offer: Current, outcome: 'declined' | 'timed_out'): Promise<boolean> {
  if (!(await take(services, conversationId, offer))) return false;
  await Offer.updateOne({ _id: offer.offerId }, { $set: { outcome, decidedAt: new Date() } });
  const conversation = await Conversation.findById(conversationId).lean<ConversationDoc>();
  services.broadcaster.toAgents([rooms.agent(offer.agentId)], 'conversation.offer_ended', { conversationId, offerId: offer.offerId, outcome });
  if (!conversation?.handoffId || conversation.status !== 'queued') return true;
  const key = passedKey(services, conversationId, conversation.handoffId);
  await services.redis.sadd(key, offer.agentId);
  await services.redis.pexpire(key, 24 * 3_600_000);
  await offerToAvailableAgent(services, { conversationId, queue: conversation.queue ?? 'general', channel: conversation.channel, ...(conversation.lastResidentText ? { preview: conversation.lastResidentText.slice(0, 140) } : {}) });
  return true;
}

/** `offer.decline`: only the agent holding the offer can decline it. */
export async function declineOffer(services: Services, agentId: string, conversationId: string): Promise<boolean> {
  const offer = await current(services, conversationId);
  if (!offer || offer.agentId !== agentId) return false;
  return pass(services, conversationId, offer, 'declined');
}

/** The offer timer fired: if that offer still stands, it timed out. */
export async function offerTimedOut(services: Services, conversationId: string, offerId: string): Promise<void> {
  const offer = await current(services, conversationId);
  if (!offer || offer.offerId !== offerId) return;
  await pass(services, conversationId, offer, 'timed_out');
}

/** The conversation was claimed: the offer was accepted (by its agent) or is withdrawn (from anyone else). */
export async function settleOffer(services: Services, conversationId: string, claimedBy: string): Promise<void> {
  const offer = await current(services, conversationId);
  if (!offer || !(await take(services, conversationId, offer))) return;
  const outcome = offer.agentId === claimedBy ? 'accepted' : 'withdrawn';
  await Offer.updateOne({ _id: offer.offerId }, { $set: { outcome, decidedAt: new Date() } });
  if (outcome === 'withdrawn') services.broadcaster.toAgents([rooms.agent(offer.agentId)], 'conversation.offer_ended', { conversationId, offerId: offer.offerId, outcome });
}

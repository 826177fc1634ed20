/**
 * Retention: nothing about residents is kept longer than RETENTION_DAYS. A scheduled job on
 * worker processes (one at a time, under a Redis lock) deletes conversations not touched in
 * that long (with their messages, claims and slots), inbound events and media older than
 * that, identities and contacts left with no conversation, and anonymises older reports and
 * permits as erasure does (the council keeps the work record, not the person); journey events
 * keep their counts without the person, and webhook deliveries (their payloads) are deleted.
 * Conversations with a person right now (queued or assigned) are left alone.
 */
import { randomBytes } from 'node:crypto';
import { AgentSlot, Case, Claim, Contact, Conversation, Identity, InboundEvent, JourneyEventRecord, Media, Message, PendingInbound, Permit, WebhookAttempt, WebhookDelivery } from '../models';
import type { Services } from '../services';
import { audit } from './audit';
import { anonymiseCases, ERASED } from './erase';

export interface RetentionResult {
  conversations: number;
  messages: number;
  events: number;
  media: number;
  contacts: number;
  casesAnonymised: number;
}

export async function applyRetention(days: number, now = new Date()): Promise<RetentionResult> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const old = await Conversation.find({ updatedAt: { $lt: cutoff }, status: { $nin: ['queued', 'assigned'] } }, { _id: 1, contactId: 1 }).limit(5000).lean();
  const conversationIds = old.map((c) => c._id);
  const messages = await Message.deleteMany({ conversationId: { $in: conversationIds } });
  await Promise.all([Claim.deleteMany({ conversationId: { $in: conversationIds } }), AgentSlot.deleteMany({ conversationId: { $in: conversationIds } })]);
  const conversations = await Conversation.deleteMany({ _id: { $in: conversationIds } });
  const oldEvents = await InboundEvent.find({ receivedAt: { $lt: cutoff } }, { _id: 1 }).limit(20_000).lean();
  const eventIds = oldEvents.map((e) => e._id);
  const media = await Media.deleteMany({ $or: [{ inboundEventId: { $in: eventIds } }, { createdAt: { $lt: cutoff } }] });
  await PendingInbound.deleteMany({ _id: { $in: eventIds } });
  const events = await InboundEvent.deleteMany({ _id: { $in: eventIds } });

  // A person with nothing left is forgotten too.
  let contacts = 0;
  for (const contactId of new Set(old.map((c) => c.contactId))) {
    if (await Conversation.exists({ contactId })) continue;
    await Identity.deleteMany({ contactId, updatedAt: { $lt: cutoff } });
    if (await Identity.exists({ contactId })) continue;
    await Contact.deleteOne({ _id: contactId });
    contacts++;
  }
  const oldCases = await Case.find({ updatedAt: { $lt: cutoff }, contactId: { $ne: ERASED } }, { _id: 1 }).limit(5000).lean();
  const casesAnonymised = await anonymiseCases(oldCases.map((c) => c._id));
  await Permit.updateMany({ updatedAt: { $lt: cutoff }, contactId: { $ne: ERASED } }, { $set: { contactId: ERASED, identityId: ERASED } });
  // Journey events older than that stay as counts for analytics, with nobody in them; old webhook payloads go.
  await JourneyEventRecord.updateMany({ at: { $lt: cutoff }, contactId: { $not: /^erased/ } }, { $set: { contactId: `${ERASED}-retention` }, $unset: { 'data.reason': '' } });
  const oldDeliveries = await WebhookDelivery.find({ createdAt: { $lt: cutoff } }, { _id: 1 }).limit(20_000).lean();
  await WebhookAttempt.deleteMany({ deliveryId: { $in: oldDeliveries.map((d) => d._id) } });
  await WebhookDelivery.deleteMany({ _id: { $in: oldDeliveries.map((d) => d._id) } });
  return { conversations: conversations.deletedCount, messages: messages.deletedCount, events: events.deletedCount, media: media.deletedCount, contacts, casesAnonymised };
}

/** Runs retention every `intervalMs` on this process; across processes one run at a time (Redis lock). */
export function scheduleRetention(services: Services, days: number, intervalMs: number): () => void {
  const lockKey = `${services.config.QUEUE_PREFIX}:retention-lock`;
  const run = async () => {
    const token = randomBytes(8).toString('hex');
    if ((await services.redis.set(lockKey, token, 'PX', Math.max(intervalMs, 60_000), 'NX')) !== 'OK') return;
    try {
      const result = await applyRetention(days);
      services.logger.info({ days, ...result }, 'retention.applied');
      if (result.conversations + result.events + result.media + result.casesAnonymised > 0) {
        await audit({ _id: 'system', role: 'retention' }, 'retention.applied', undefined, undefined, JSON.stringify(result));
      }
    } finally {
      if ((await services.redis.get(lockKey)) === token) await services.redis.del(lockKey);
    }
  };
  const timer = setInterval(() => void run().catch((error: Error) => services.logger.warn({ err: error.message }, 'retention.failed')), intervalMs);
  timer.unref();
  void run().catch((error: Error) => services.logger.warn({ err: error.message }, 'retention.failed'));
  return () => clearInterval(timer);
}

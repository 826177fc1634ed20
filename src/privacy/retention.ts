/**
 * Retention: nothing about a council's residents is kept longer than its retention period
 * (`retentionDays` in TENANTS_FILE or the admin API; RETENTION_DAYS by default). A scheduled job
 * on worker processes (one at a time, under a Redis lock) deletes, council by council,
 * conversations not touched in that long (with their messages, claims and slots), inbound events
 * and media older than that, identities and contacts left with no conversation, and anonymises
 * older reports and permits as erasure does (the council keeps the work record, not the person);
 * journey events keep their counts without the person, and webhook deliveries (their payloads)
 * are deleted. Conversations with a person right now (queued or assigned) are left alone.
 */
import { randomBytes } from 'node:crypto';
import { inboxesOf } from '../councils/settings';
import { ids } from '../ids';
import { AgentSlot, Case, Claim, Contact, Conversation, Identity, InboundEvent, JourneyEventRecord, Media, Message, PendingInbound, Permit, WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../models';
import type { Services } from '../services';
import { audit } from './audit';
import { anonymiseCases, ERASED } from './erase';

/** One council's period: its records (found by council id, or by its inboxes where a record names only those). */
export interface RetentionPolicy {
  councilId: string;
  days: number;
  inboxIds: string[];
}

export interface RetentionResult {
  conversations: number;
  messages: number;
  events: number;
  media: number;
  contacts: number;
  casesAnonymised: number;
}

export async function applyRetention({ councilId, days, inboxIds }: RetentionPolicy, now = new Date()): Promise<RetentionResult> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const old = await Conversation.find({ councilId, updatedAt: { $lt: cutoff }, status: { $nin: ['queued', 'assigned'] } }, { _id: 1, contactId: 1 }).limit(5000).lean();
  const conversationIds = old.map((c) => c._id);
  const messages = await Message.deleteMany({ conversationId: { $in: conversationIds } });
  await Promise.all([Claim.deleteMany({ conversationId: { $in: conversationIds } }), AgentSlot.deleteMany({ conversationId: { $in: conversationIds } })]);
  const conversations = await Conversation.deleteMany({ _id: { $in: conversationIds } });
  const oldEvents = await InboundEvent.find({ inboxId: { $in: inboxIds }, receivedAt: { $lt: cutoff } }, { _id: 1 }).limit(20_000).lean();
  const eventIds = oldEvents.map((e) => e._id);
  const media = await Media.deleteMany({ _id: { $in: await oldMedia(eventIds, inboxIds, cutoff) } });
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
  const oldCases = await Case.find({ councilId, updatedAt: { $lt: cutoff }, contactId: { $ne: ERASED } }, { _id: 1 }).limit(5000).lean();
  const casesAnonymised = await anonymiseCases(oldCases.map((c) => c._id));
  await Permit.updateMany({ councilId, updatedAt: { $lt: cutoff }, contactId: { $ne: ERASED } }, { $set: { contactId: ERASED, identityId: ERASED } });
  // Journey events older than that stay as counts for analytics, with nobody in them; old webhook payloads go.
  await JourneyEventRecord.updateMany({ councilId, at: { $lt: cutoff }, contactId: { $not: /^erased/ } }, { $set: { contactId: `${ERASED}-retention` }, $unset: { 'data.reason': '' } });
  const endpoints = await WebhookEndpoint.find({ councilId }, { _id: 1 }).lean();
  const oldDeliveries = await WebhookDelivery.find({ endpointId: { $in: endpoints.map((e) => e._id) }, createdAt: { $lt: cutoff } }, { _id: 1 }).limit(20_000).lean();
  await WebhookAttempt.deleteMany({ deliveryId: { $in: oldDeliveries.map((d) => d._id) } });
  await WebhookDelivery.deleteMany({ _id: { $in: oldDeliveries.map((d) => d._id) } });
  return { conversations: conversations.deletedCount, messages: messages.deletedCount, events: events.deletedCount, media: media.deletedCount, contacts, casesAnonymised };
}

/**
 * The council's media past the cutoff: that of its old inbound events, and any older file whose
 * event is already gone (a file outlives nobody's period) or came in through its inboxes.
 */
async function oldMedia(eventIds: string[], inboxIds: string[], cutoff: Date): Promise<string[]> {
  const oldEvents = new Set(eventIds);
  const found = await Media.find({ $or: [{ inboundEventId: { $in: eventIds } }, { createdAt: { $lt: cutoff } }] }, { _id: 1, inboundEventId: 1 }).limit(25_000).lean();
  const others = found.filter((m) => !oldEvents.has(m.inboundEventId));
  const inboxOf = new Map((await InboundEvent.find({ _id: { $in: others.map((m) => m.inboundEventId) } }, { _id: 1, inboxId: 1 }).lean()).map((e) => [e._id, e.inboxId]));
  return found
    .filter((m) => {
      if (oldEvents.has(m.inboundEventId)) return true;
      const inbox = inboxOf.get(m.inboundEventId);
      return inbox === undefined || inboxIds.includes(inbox);
    })
    .map((m) => m._id);
}

/** Each council's retention period, for those that have one. */
export function retentionPolicies(services: Services): RetentionPolicy[] {
  return services.councils
    .all()
    .map(({ council }) => ({ councilId: council.id, days: council.retentionDays, inboxIds: inboxesOf(council).map((i) => ids.inbox(i.channel, i.address)) }))
    .filter((p): p is RetentionPolicy => p.days !== undefined);
}

/** One pass over every council with a period (logged, and audited where it removed anything). */
export async function retentionPass(services: Services, now = new Date()): Promise<Array<RetentionPolicy & RetentionResult>> {
  const results: Array<RetentionPolicy & RetentionResult> = [];
  for (const policy of retentionPolicies(services)) {
    const result = await applyRetention(policy, now);
    services.logger.info({ councilId: policy.councilId, days: policy.days, ...result }, 'retention.applied');
    if (result.conversations + result.events + result.media + result.casesAnonymised > 0) {
      await audit({ _id: 'system', role: 'retention' }, 'retention.applied', undefined, undefined, JSON.stringify({ councilId: policy.councilId, days: policy.days, ...result }));
    }
    results.push({ ...policy, ...result });
  }
  return results;
}

/** Runs retention every `intervalMs` on this process; across processes one run at a time (Redis lock). */
export function scheduleRetention(services: Services, intervalMs: number): () => void {
  const lockKey = `${services.config.QUEUE_PREFIX}:retention-lock`;
  const run = async () => {
    const token = randomBytes(8).toString('hex');
    if ((await services.redis.set(lockKey, token, 'PX', Math.max(intervalMs, 60_000), 'NX')) !== 'OK') return;
    try {
      await retentionPass(services);
    } finally {
      if ((await services.redis.get(lockKey)) === token) await services.redis.del(lockKey);
    }
  };
  const timer = setInterval(() => void run().catch((error: Error) => services.logger.warn({ err: error.message }, 'retention.failed')), intervalMs);
  timer.unref();
  void run().catch((error: Error) => services.logger.warn({ err: error.message }, 'retention.failed'));
  return () => clearInterval(timer);
}

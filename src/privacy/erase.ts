/**
 * `DELETE /api/v1/contacts/{id}` (CONTRACT.md §12): the person is erased. Their contact,
 * identities, conversations, messages, inbound events, media, claims and capacity slots are
 * deleted; reports and permits stay as council records without them (no contact, no
 * description, the street only, no staff notes); every Redis key, job, list member and event
 * naming them goes. Audit entries stay (they hold ids, not personal data) and record the erasure.
 * A later message from the same number finds nothing and starts a fresh contact.
 */
import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import { AgentSlot, CampaignSend, Case, Claim, Consent, Contact, Conversation, Identity, InboundEvent, Media, Message, PendingInbound, Permit, JourneyEventRecord, WebhookDelivery } from '../models';
import type { Services } from '../services';
import { findPerson, type PersonRecords } from './person';
import { publicStreet } from './public-record';

/** What stands in for the person on records the council keeps. */
export const ERASED = 'erased';

export interface ErasureSummary {
  contactId: string;
  conversations: number;
  messages: number;
  media: number;
  casesAnonymised: number;
  redisKeys: number;
}

export async function erasePerson(services: Services, contactId: string): Promise<ErasureSummary | undefined> {
  const person = await findPerson(contactId);
  if (!person) return undefined;
  const media = await Media.deleteMany({ inboundEventId: { $in: person.eventIds } });
  const messages = await Message.deleteMany({ _id: { $in: person.messageIds } });
  await Promise.all([
    InboundEvent.deleteMany({ _id: { $in: person.eventIds } }),
    PendingInbound.deleteMany({ $or: [{ _id: { $in: person.eventIds } }, { identityId: { $in: person.identityIds } }] }),
    Claim.deleteMany({ conversationId: { $in: person.conversationIds } }),
    AgentSlot.deleteMany({ conversationId: { $in: person.conversationIds } }),
  ]);
  const casesAnonymised = await anonymiseCases(person.caseIds);
  await Case.updateMany({ followers: { $in: person.identityIds } }, { $pull: { followers: { $in: person.identityIds } } });
  await Permit.updateMany({ _id: { $in: person.permitIds } }, { $set: { contactId: ERASED, identityId: ERASED } });
  // Consent records name the person's number; campaign texts and webhook payloads name them too.
  await Promise.all([Consent.deleteMany({ contactId }), CampaignSend.deleteMany({ contactId }), WebhookDelivery.deleteMany({ 'payload.data.contactId': contactId })]);
  // Journey events stay as counts for analytics, with nobody in them: no contact, no free-text reason.
  await JourneyEventRecord.updateMany(
    { $or: [{ contactId }, { conversationId: { $in: person.conversationIds } }] },
    // A random stand-in (never derived from the person) keeps one erased person's conversations together for repeat counts.
    { $set: { contactId: `${ERASED}-${randomBytes(8).toString('hex')}` }, $unset: { 'data.reason': '' } },
  );
  const conversations = await Conversation.deleteMany({ contactId });
  await Identity.deleteMany({ contactId });
  await Contact.deleteOne({ _id: contactId });
  const redisKeys = await eraseFromRedis(services, person);
  return { contactId, conversations: conversations.deletedCount, messages: messages.deletedCount, media: media.deletedCount, casesAnonymised, redisKeys };
}

/** Reports stay for the council's work (a pothole is still a pothole) but say nothing of who or where exactly. */
export async function anonymiseCases(caseIds: string[]): Promise<number> {
  let count = 0;
  for (const found of await Case.find({ _id: { $in: caseIds } }).lean()) {
    const location = found.location ?? {};
    const street = publicStreet(location.text);
    // A looked-up address (src/geo) names the house too: only its street stays, or nothing.
    const lookedUp = publicStreet(location.address);
    // About 100 m: the street and the block, not the house.
    const coarse = (degrees?: number | null) => (typeof degrees === 'number' ? Math.round(degrees * 1000) / 1000 : undefined);
    const set: Record<string, unknown> = { contactId: ERASED, identityId: ERASED, description: '', followers: [], history: (found.history ?? []).map((h) => ({ status: h.status, at: h.at })) };
    const unset: Record<string, ''> = {};
    // mongoose drops an undefined $set value, which would keep the full text: unset it instead.
    for (const [field, value] of [['text', street], ['address', lookedUp], ['lat', coarse(location.lat)], ['lng', coarse(location.lng)]] as const) {
      if (value !== undefined && value !== null) set[`location.${field}`] = value;
      else if (location[field] !== undefined && location[field] !== null) unset[`location.${field}`] = '';
    }
    await Case.updateOne({ _id: found._id }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    count++;
  }
  return count;
}

/** The strings that name this person anywhere in Redis. */
function needlesOf(person: PersonRecords): string[] {
  const phones = person.addresses.flatMap((a) => (/^\+\d+$/.test(a) ? [a, a.slice(1)] : [a]));
  return [...new Set([person.contactId, ...person.identityIds, ...phones, ...person.conversationIds, ...person.messageIds, ...person.eventIds])].filter((n) => n.length >= 6);
}

/**
 * Every key under this engine's prefix is looked at once: keys named after the person go,
 * BullMQ jobs about them are removed through BullMQ, and members or stream entries naming them
 * are taken out of shared structures. Returns how many keys or entries were removed.
 */
export async function eraseFromRedis(services: Services, person: PersonRecords): Promise<number> {
  const { redis } = services;
  const prefix = services.config.QUEUE_PREFIX;
  const needles = needlesOf(person);
  const names = (value: string) => needles.some((n) => value.includes(n));
  const queues: Record<string, Queue> = Object.fromEntries(
    [services.queues.inbound, services.queues.outbound, services.queues.timers, services.queues.media, services.queues.geocode].map((q) => [q.name, q as Queue]),
  );
  let removed = 0;
  let cursor = '0';
  const seen = new Set<string>();
  const streams: string[] = [];
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      if (seen.has(key)) continue;
      seen.add(key);
      const job = /^[^:]+:([^:]+):([^:]+)$/.exec(key);
      const type = await redis.type(key);
      if (type === 'hash') {
        const values = Object.values(await redis.hgetall(key));
        if (!names(key) && !values.some(names)) continue;
        const queue = job ? queues[job[1]!] : undefined;
        if (queue) await queue.remove(job![2]!).catch(() => 0);
        await redis.del(key, `${key}:logs`);
        removed++;
      } else if (names(key)) {
        await redis.del(key);
        removed++;
      } else if (type === 'zset' || type === 'set' || type === 'list') {
        const members = type === 'zset' ? await redis.zrange(key, 0, -1) : type === 'set' ? await redis.smembers(key) : await redis.lrange(key, 0, -1);
        for (const member of members.filter(names)) {
          if (type === 'zset') await redis.zrem(key, member);
          else if (type === 'set') await redis.srem(key, member);
          else await redis.lrem(key, 0, member);
          removed++;
        }
      } else if (type === 'stream') {
        streams.push(key);
      } else if (type === 'string' && names((await redis.get(key)) ?? '')) {
        await redis.del(key);
        removed++;
      }
    }
  } while (cursor !== '0');
  // Streams last: removing a job above writes a "removed" event naming it into its queue's stream.
  for (const key of streams) {
    const entries = await redis.xrange(key, '-', '+');
    const ids = entries.filter(([, fields]) => fields.some(names)).map(([id]) => id);
    if (ids.length) removed += await redis.xdel(key, ...ids);
  }
  return removed;
}

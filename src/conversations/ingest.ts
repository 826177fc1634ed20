/**
 * The inbox pattern for every channel: store the verified inbound message under its natural
 * key, mark it pending for the resident (Redis), then enqueue. A duplicate delivery hits the
 * existing `_id` and is acknowledged without a second turn. If Redis cannot take the mark
 * quickly (it is down), a durable `PendingInbound` record is written instead and the sweeper
 * enqueues it once Redis is back: an acknowledged message is never lost.
 */
import type { InboundMessage } from '../domain/messages';
import type { CarriedEvent } from '../queues/queues';
import { ids, nextArrival } from '../ids';
import { InboundEvent, Message, PendingInbound, findByKey, insertOnce } from '../models';
import { GroupInsert } from '../models/group-writes';
import type { Services } from '../services';

export interface IngestResult {
  eventId: string;
  identityId: string;
  duplicate: boolean;
}

/** How long a request waits for Redis before falling back to the durable pending record. */
const ENQUEUE_WAIT_MS = 1500;

export async function ingestInbound(services: Services, message: InboundMessage): Promise<IngestResult> {
  const inboxId = ids.inbox(message.channel, message.inboxAddress);
  const identityId = ids.identity(inboxId, message.channelUserId);
  const eventId = ids.inboundEvent(message.channel, message.externalId);
  const arrival = nextArrival();

  const carried: CarriedEvent = {
    channel: message.channel,
    inboxId,
    channelUserId: message.channelUserId,
    externalId: message.externalId,
    receivedAt: message.receivedAt.toISOString(),
    arrival,
    content: message.content,
    ...(message.context ? { context: message.context } : {}),
  };
  // Stored through the group commit below: the document is built here in full, so mongoose's
  // hydration and validation would buy nothing on the busiest write there is.
  const now = new Date();
  const stored = await storeEvent({ _id: eventId, ...carried, identityId, receivedAt: message.receivedAt, raw: message.raw, createdAt: now, updatedAt: now });
  if (!stored) {
    services.metrics.inbound.inc({ channel: message.channel, outcome: 'duplicate' });
    // A crash after the insert but before the pending mark leaves an unprocessed event
    // unmarked; the provider's redelivery repairs that. A processed one (its turn is stored
    // with the resident's message) is simply acknowledged.
    // Still waiting for its turn (the usual case in a storm of redeliveries): nothing to repair.
    if (await services.pending.has(identityId, eventId)) return { eventId, identityId, duplicate: true };
    const processed = await findByKey(Message, ids.turnMessage(eventId, 0));
    if (!processed) {
      const existing = await findByKey<{ arrival?: number }>(InboundEvent, eventId);
      await markPending(services, eventId, identityId, existing?.arrival ?? arrival);
    }
    return { eventId, identityId, duplicate: true };
  }
  services.metrics.inbound.inc({ channel: message.channel, outcome: 'stored' });
  await markPending(services, eventId, identityId, arrival, carried);
  if (message.content.kind === 'media' && message.content.urls.length > 0) {
    // Not awaited: a provider's request never waits on attachments.
    void services.queues.addMedia({ inboundEventId: eventId, channel: message.channel, urls: message.content.urls }).catch((error: Error) =>
      services.logger.warn({ eventId, err: error.message }, 'media.enqueue_failed'),
    );
  }
  return { eventId, identityId, duplicate: false };
}

async function markPending(services: Services, eventId: string, identityId: string, arrival: number, event?: CarriedEvent): Promise<void> {
  // One round trip: both go down the same Redis connection in this order without waiting for
  // the mark's answer, and Redis runs a connection's commands in order, so the job can never
  // be taken before its mark exists.
  const enqueue = Promise.all([
    services.pending.add(identityId, eventId, arrival),
    services.queues.addInbound({ inboundEventId: eventId, identityId, ...(event ? { event } : {}) }),
  ]).then(() => true);
  enqueue.catch((error: Error) => services.logger.warn({ eventId, err: error.message }, 'inbound.enqueue_failed'));
  // Don't hold the provider's request while Redis is away: keep a durable mark for the sweeper.
  const queued = await Promise.race([enqueue.catch(() => false), new Promise<false>((r) => setTimeout(() => r(false), ENQUEUE_WAIT_MS).unref())]);
  if (queued) return;
  await insertOnce(PendingInbound.create({ _id: eventId, identityId, arrival }));
}

/** Inbound events go to the database in groups: a storm of webhooks becomes a few large inserts. */
const inboundEvents = new GroupInsert(InboundEvent);

async function storeEvent(doc: { _id: string } & Record<string, unknown>): Promise<boolean> {
  const [inserted] = await inboundEvents.insert([doc]);
  return inserted!;
}

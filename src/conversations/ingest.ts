/**
 * The inbox pattern for every channel: store the verified inbound message under its natural
 * key, mark it pending, then enqueue. A duplicate delivery hits the existing `_id` and is
 * acknowledged without a second turn. If the enqueue fails (Redis down), the stored pending
 * record is swept back into the queue later, so an acknowledged message is never lost.
 */
import type { InboundMessage } from '../domain/messages';
import { isDuplicateKeyError } from '../errors';
import { ids, nextArrival } from '../ids';
import { InboundEvent, PendingInbound } from '../models';
import type { Services } from '../services';

export interface IngestResult {
  eventId: string;
  identityId: string;
  duplicate: boolean;
}

const ENQUEUE_WAIT_MS = 2000;

export async function ingestInbound(services: Services, message: InboundMessage): Promise<IngestResult> {
  const inboxId = ids.inbox(message.channel, message.inboxAddress);
  const identityId = ids.identity(inboxId, message.channelUserId);
  const eventId = ids.inboundEvent(message.channel, message.externalId);
  const arrival = nextArrival();

  try {
    await InboundEvent.create({
      _id: eventId,
      channel: message.channel,
      inboxId,
      identityId,
      channelUserId: message.channelUserId,
      externalId: message.externalId,
      receivedAt: message.receivedAt,
      arrival,
      content: message.content,
      raw: message.raw,
    });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    services.metrics.inbound.inc({ channel: message.channel, outcome: 'duplicate' });
    // A crash between the two inserts below can leave an unprocessed event without its
    // pending mark; a redelivery repairs that. A processed one is simply acknowledged.
    const existing = await InboundEvent.findById(eventId).lean();
    if (existing?.processedAt) return { eventId, identityId, duplicate: true };
    await markPending(services, eventId, identityId, existing?.arrival ?? arrival);
    return { eventId, identityId, duplicate: true };
  }
  services.metrics.inbound.inc({ channel: message.channel, outcome: 'stored' });
  await markPending(services, eventId, identityId, arrival);
  return { eventId, identityId, duplicate: false };
}

async function markPending(services: Services, eventId: string, identityId: string, arrival: number): Promise<void> {
  try {
    await PendingInbound.create({ _id: eventId, identityId, arrival });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  const enqueue = services.queues.addInbound({ inboundEventId: eventId, identityId });
  enqueue.catch((error: Error) => services.logger.warn({ eventId, err: error.message }, 'inbound.enqueue_failed'));
  // Don't hold the provider's request while Redis is away: the sweeper enqueues it later.
  await Promise.race([enqueue.catch(() => undefined), new Promise((r) => setTimeout(r, ENQUEUE_WAIT_MS).unref())]);
}

/**
 * The outbox. A reply is stored (`deliveryStatus: pending`) before any provider is called and
 * joins its resident's line (../queues/outbox-line.ts), so each resident's replies leave one at
 * a time in the order the turns decided them, across every worker process. A reply is marked
 * `sending` (with the time) before the provider is called; a worker that dies there leaves it
 * in doubt, and the next holder of the line asks the provider whether it took the message
 * before sending it (never twice, never lost). Only a provider that cannot be asked leaves a
 * reply `unknown`, which the agent console shows. Realtime channels (webchat) have no provider
 * call to protect: their replies are stored as sent and emitted at once, in turn order, and
 * emitted again if a turn is replayed (the client shows a message id once).
 */
import { rooms } from '../realtime/publisher';
import { randomUUID } from 'node:crypto';
import { PermanentDeliveryError, TransientDeliveryError, type ChannelAdapter, type OutboundDelivery, type SendResult } from '../domain/channel';
import type { Choice } from '../domain/messages';
import { Conversation, Identity, Message, findByKey, insertOnce, insertRecords, setByKey, type ConversationDoc, type MessageDoc } from '../models';
import { nextSeq } from './message-seq';
import { OutboxLine } from '../queues/outbox-line';
import type { OutboundJob } from '../queues/queues';
import type { Services } from '../services';
import { findInbox } from './inboxes';
import { messagePayload } from './view';

export type Sender = { kind: 'bot' | 'agent' | 'system'; id?: string; name?: string };

/** Builds (does not store) a reply addressed to the conversation's resident. */
export async function buildReply(
  services: Services,
  conversation: ConversationDoc,
  sender: Sender,
  content: { text: string; choices?: Choice[] },
  options: { id?: string; residentAddress?: string } = {},
): Promise<MessageDoc> {
  const [residentAddress, councilAddress, seq] = await Promise.all([
    options.residentAddress ?? Identity.findById(conversation.identityId).lean().then((i) => i?.channelUserId),
    findInbox(conversation.inboxId).then((inbox) => inbox?.address),
    nextSeq(services.redis, services.config.QUEUE_PREFIX, conversation.identityId),
  ]);
  const now = new Date();
  // Only pushed replies wait in the outbox; webchat emits at once and voice speaks them in the webhook's answer.
  const realtime = services.channels.get(conversation.channel).capabilities.delivery !== 'push';
  return {
    _id: options.id ?? `m-${randomUUID()}`,
    councilId: conversation.councilId,
    conversationId: conversation._id,
    identityId: conversation.identityId,
    seq,
    direction: 'outbound',
    channel: conversation.channel,
    to: residentAddress,
    from: councilAddress,
    sender,
    text: content.text,
    choices: content.choices ?? [],
    deliveryStatus: realtime ? 'sent' : 'pending',
    createdAt: now,
    updatedAt: now,
  } as MessageDoc;
}

/** Stores messages (repeats are ignored) in one round trip. */
export async function storeMessages(messages: MessageDoc[]): Promise<void> {
  if (messages.length > 0) await insertOnce(insertRecords(Message, messages, false));
}

/** Tells agents about stored messages and hands replies to their channel (now, or through the queue). */
export async function announceMessages(services: Services, messages: MessageDoc[], queue?: string | null): Promise<void> {
  for (const message of messages) {
    services.broadcaster.publish(
      { type: 'message.created', conversationId: message.conversationId, ...(queue ? { queue } : {}), payload: messagePayload(message) },
      message.identityId,
      // The resident gets replies through their channel's adapter; their own messages are echoed here.
      { toResident: message.direction === 'inbound' },
    );
    if (message.direction !== 'outbound') continue;
    if (message.deliveryStatus === 'pending') {
      // In line first: a job may start at once, and the line is what orders the sends.
      await outboxLine(services).join(message.identityId, message.seq, message._id);
      await services.queues.addOutbound({ messageId: message._id, identityId: message.identityId });
    } else {
      await services.channels.get(message.channel).send(toDelivery(message));
      services.metrics.outbound.inc({ channel: message.channel, outcome: 'sent' });
    }
  }
}

/** Stores and sends one reply outside a resident turn (agent replies, notices). */
export async function sendReply(services: Services, conversation: ConversationDoc, sender: Sender, content: { text: string; choices?: Choice[] }): Promise<MessageDoc> {
  const message = await buildReply(services, conversation, sender, content);
  await storeMessages([message]);
  await announceMessages(services, [message], conversation.queue);
  return message;
}

function toDelivery(message: MessageDoc): OutboundDelivery {
  return {
    messageId: message._id,
    conversationId: message.conversationId,
    identityId: message.identityId,
    seq: message.seq,
    to: message.to ?? '',
    from: message.from ?? '',
    sender: { kind: message.sender!.kind as 'bot' | 'agent' | 'system', ...(message.sender!.name ? { name: message.sender!.name } : {}) },
    content: { text: message.text ?? '', ...(message.choices?.length ? { choices: message.choices as Choice[] } : {}) },
    createdAt: new Date(message.createdAt),
    ...(message.flow?.id ? { flow: { id: message.flow.id, ...(message.flow.step ? { step: message.flow.step } : {}) } } : {}),
  };
}

function outboxLine(services: Services): OutboxLine {
  return new OutboxLine(services.redis, services.config.QUEUE_PREFIX, services.config.TURN_LEASE_MS);
}

/** What `deliverInOrder` did: sent its reply's line through, or found the line held by another worker. */
export type LineOutcome = 'done' | 'busy';

/**
 * The outbound job for one reply: take its resident's line and send what waits there, oldest
 * first, each only once the one before has a final state. When another worker holds the line
 * it returns `busy` (that worker sends this reply too; the job looks again later in case that
 * worker dies). A reply whose sending fails in a way a retry may fix stops the line and throws,
 * so the job retries with backoff; on the job's last attempt its own reply is given up as
 * `failed` (the provider certainly did not take it) or `unknown` (it may have), and the line
 * goes on.
 */
export async function deliverInOrder(services: Services, job: OutboundJob, lastAttempt: boolean): Promise<LineOutcome> {
  const line = outboxLine(services);
  const identityId = job.identityId ?? (await Message.findById(job.messageId, { identityId: 1 }).lean())?.identityId;
  if (!identityId) return 'done';
  const held = await line.tryTake(identityId);
  if (!held) return (await line.has(identityId, job.messageId)) ? 'busy' : 'done';
  let head: string | null = null;
  try {
    head = await line.head(identityId);
    if (head !== job.messageId && !(await line.has(identityId, job.messageId))) {
      // Not in line but still waiting: its place was lost (e.g. Redis lost recent writes). Put it back.
      const own = await Message.findById(job.messageId).lean<MessageDoc>();
      if (own && (own.deliveryStatus === 'pending' || own.deliveryStatus === 'sending')) {
        await line.join(identityId, own.seq, own._id);
        head = await line.head(identityId);
      }
    }
    while (head !== null) {
      let result: SendResult;
      try {
        result = await deliverMessage(services, head, line);
      } catch (error) {
        if (!lastAttempt) throw error;
        if (head !== job.messageId) {
          // Still stuck behind an earlier reply on this job's last attempt: this reply was never
          // handed to the provider, so it is given up (failed) rather than left waiting with no job.
          if (await giveUp(services, job.messageId, error as Error)) await line.finishAndNext(held, job.messageId);
          throw error;
        }
        result = (await giveUp(services, head, error as Error)) ?? {};
      }
      // Null once the line is empty and let go (or the lease was lost to another holder).
      head = await line.finishAndNext(held, head, result.providerMessageId);
    }
    return 'done';
  } finally {
    if (held.isHeld()) await line.release(held);
  }
}

/** The last attempt failed: `unknown` when the provider may have taken it, otherwise `failed`. Null when it was already final. */
async function giveUp(services: Services, messageId: string, error: Error): Promise<SendResult | null> {
  const message = await findByKey<MessageDoc>(Message, messageId);
  if (!message || (message.deliveryStatus !== 'pending' && message.deliveryStatus !== 'sending')) return null;
  const inDoubt = message.deliveryStatus === 'sending';
  await setByKey(Message, messageId, inDoubt
    ? { deliveryStatus: 'unknown', deliveryError: `unknown_after_interruption: ${error.message}` }
    : { deliveryStatus: 'failed', deliveryError: `provider_unavailable: ${error.message}` });
  services.metrics.outbound.inc({ channel: message.channel, outcome: inDoubt ? 'unknown' : 'failed' });
  announce(services, message, inDoubt ? 'unknown' : 'failed', inDoubt ? `unknown_after_interruption: ${error.message}` : `provider_unavailable: ${error.message}`);
  services.logger.warn({ messageId, err: error.message, inDoubt }, 'outbound.gave_up');
  return {};
}

const FINAL = new Set(['sent', 'delivered', 'failed', 'unknown']);

/**
 * Delivers one stored reply through its channel, never twice, and returns once it has a final
 * state (sent, failed, unknown). Every write is filtered on `_id` alone (FerretDB only pushes
 * that down to an index); the line guarantees one writer per reply, so no conditional update is
 * needed. Throws when a retry may still succeed: TransientDeliveryError (the provider certainly
 * did not take it: back to `pending`) or anything else (it may have: stays `sending`, and the
 * next attempt asks the provider).
 */
async function deliverMessage(services: Services, messageId: string, line: OutboxLine): Promise<SendResult> {
  const message = await findByKey<MessageDoc>(Message, messageId);
  if (!message || FINAL.has(message.deliveryStatus) || message.deliveryStatus === 'received') return {};
  const adapter = services.channels.get(message.channel);
  const conversation = await findByKey<ConversationDoc>(Conversation, message.conversationId);
  const delivery = { ...toDelivery(message), ...(conversation?.lastResidentAt ? { residentLastWroteAt: new Date(conversation.lastResidentAt) } : {}) };

  if (message.deliveryStatus === 'sending') {
    const taken = await resolveInDoubt(services, adapter, message, delivery, line);
    if (taken) return taken;
  }

  // The bot re-checks ownership: a person who took over after the bot decided speaks instead.
  if (message.sender?.kind === 'bot') {
    if (conversation?.status === 'assigned' && conversation.assignedAt && conversation.assignedAt > message.createdAt) {
      await setByKey(Message, messageId, { deliveryStatus: 'failed', deliveryError: 'superseded_by_agent' });
      services.metrics.outbound.inc({ channel: message.channel, outcome: 'superseded' });
      announce(services, message, 'failed', 'superseded_by_agent');
      return {};
    }
  }

  // An address that opted out (STOP) receives nothing until it opts in again.
  const identity = await findByKey<{ optedOut?: boolean }>(Identity, message.identityId);
  if (identity?.optedOut) {
    await setByKey(Message, messageId, { deliveryStatus: 'failed', deliveryError: 'opted_out' });
    services.metrics.outbound.inc({ channel: message.channel, outcome: 'opted_out' });
    announce(services, message, 'failed', 'opted_out');
    return {};
  }

  await setByKey(Message, messageId, { deliveryStatus: 'sending', sendingAt: new Date() });
  try {
    const result = await adapter.send(delivery);
    await recordSent(messageId, result);
    services.metrics.outbound.inc({ channel: message.channel, outcome: 'sent' });
    announce(services, message, 'sent');
    return result;
  } catch (error) {
    if (error instanceof PermanentDeliveryError) {
      await setByKey(Message, messageId, { deliveryStatus: 'failed', deliveryError: `${error.code}: ${error.message}` });
      services.metrics.outbound.inc({ channel: message.channel, outcome: 'failed' });
      announce(services, message, 'failed', `${error.code}: ${error.message}`);
      return {};
    }
    if (error instanceof TransientDeliveryError) {
      await setByKey(Message, messageId, { deliveryStatus: 'pending', deliveryError: error.message });
      services.metrics.outbound.inc({ channel: message.channel, outcome: 'retry' });
    }
    // Anything else (e.g. a timeout) may have been delivered: it stays `sending`, and the retry asks the provider.
    throw error;
  }
}

/**
 * A reply left `sending` by a worker that stopped before the provider answered: ask the
 * provider. Returns the provider's record when it took the message (now marked sent), or null
 * when it did not (the caller sends it). A provider that cannot be asked leaves it `unknown`.
 */
async function resolveInDoubt(services: Services, adapter: ChannelAdapter, message: MessageDoc, delivery: OutboundDelivery, line: OutboxLine): Promise<SendResult | null> {
  if (!adapter.findSent) {
    await setByKey(Message, message._id, { deliveryStatus: 'unknown', deliveryError: `unknown_after_interruption: ${message.channel} cannot be asked whether it took the message` });
    services.metrics.outbound.inc({ channel: message.channel, outcome: 'unknown' });
    announce(services, message, 'unknown', `unknown_after_interruption: ${message.channel} cannot be asked whether it took the message`);
    return {};
  }
  const since = new Date(message.sendingAt ?? message.updatedAt ?? message.createdAt);
  const found = await adapter.findSent(delivery, { since, notThese: await line.recentProviderIds(message.identityId) });
  services.logger.info({ messageId: message._id, found: Boolean(found) }, 'outbound.in_doubt_resolved');
  if (!found) return null;
  await recordSent(message._id, found);
  services.metrics.outbound.inc({ channel: message.channel, outcome: 'sent_before' });
  announce(services, message, 'sent');
  return found;
}

function recordSent(messageId: string, result: SendResult): Promise<unknown> {
  return setByKey(Message, messageId, {
    deliveryStatus: 'sent',
    ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}),
    ...(result.billing ? { billing: result.billing } : {}),
  });
}

/** Agents watching the conversation see the reply's delivery state change (sent, failed and why); no extra read. */
function announce(services: Services, message: Pick<MessageDoc, '_id' | 'conversationId'>, deliveryStatus: string, deliveryError?: string): void {
  services.broadcaster.toAgents([rooms.conversation(message.conversationId)], 'message.updated', {
    id: message._id,
    conversationId: message.conversationId,
    deliveryStatus,
    ...(deliveryError ? { deliveryError } : {}),
  });
}

/** Later provider statuses win; a late `sent` never overwrites `delivered`. */
const PROVIDER_STATUS_RANK: Record<string, number> = { accepted: 0, queued: 0, sending: 1, sent: 2, delivered: 3, undelivered: 3, failed: 3, read: 4 };

/**
 * A provider's delivery report for one of our replies (Twilio's status callback, say): stored
 * when it is news, and shown to agents watching. `unknown` when the status is not one we know
 * (the channel answers 400); `not_ours` when the id does not match (acknowledged, ignored).
 */
export async function recordProviderStatus(services: Services, report: { messageId: string; providerMessageId: string; status: string; errorCode?: string; provider: string }): Promise<'recorded' | 'stale' | 'not_ours' | 'unknown'> {
  const message = await findByKey<MessageDoc>(Message, report.messageId);
  if (!message || message.providerMessageId !== report.providerMessageId) return 'not_ours';
  const incoming = report.status.toLowerCase();
  const rank = PROVIDER_STATUS_RANK[incoming];
  if (rank === undefined) return 'unknown';
  if (rank <= (PROVIDER_STATUS_RANK[message.providerStatus ?? 'queued'] ?? 0)) return 'stale';
  const failed = incoming === 'failed' || incoming === 'undelivered';
  const deliveryStatus = incoming === 'delivered' || incoming === 'read' ? 'delivered' : failed ? 'failed' : undefined;
  const deliveryError = failed ? `${report.provider} ${report.errorCode ?? incoming}` : undefined;
  await setByKey(Message, report.messageId, { providerStatus: incoming, ...(deliveryStatus ? { deliveryStatus } : {}), ...(deliveryError ? { deliveryError } : {}) });
  if (deliveryStatus) announce(services, message, deliveryStatus, deliveryError);
  return 'recorded';
}

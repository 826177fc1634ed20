/**
 * The outbox. A reply is stored (`deliveryStatus: pending`) before any provider is called;
 * the outbound job sends it once and records the provider's id. A retried job finds the
 * message no longer pending and sends nothing. Realtime channels (webchat) have no provider
 * call to protect: their replies are stored as sent and emitted at once, and emitted again
 * if a turn is replayed (the client shows a message id once).
 */
import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { PermanentDeliveryError, TransientDeliveryError, type OutboundDelivery } from '../domain/channel';
import type { Choice } from '../domain/messages';
import { Conversation, Identity, Message, insertOnce, type ConversationDoc, type MessageDoc } from '../models';
import { nextSeq } from './message-seq';
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
  if (messages.length > 0) await insertOnce(Message.insertMany(messages, { ordered: false }));
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
    if (message.deliveryStatus === 'pending') await services.queues.addOutbound({ messageId: message._id });
    else {
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
  };
}

/**
 * The outbound job: deliver one stored reply through its channel, never twice. The message is
 * marked `sending` before the provider is called; a retry that finds that mark cannot know
 * whether the provider took the message (Twilio has no idempotency key), so it records the
 * doubt on the message for agents to see instead of risking a second text.
 */
export async function deliverMessage(services: Services, messageId: string): Promise<void> {
  const message = await Message.findById(messageId).lean<MessageDoc>();
  if (!message) return;
  if (message.deliveryStatus === 'sending') {
    await Message.updateOne({ _id: messageId, deliveryStatus: 'sending' }, { $set: { deliveryStatus: 'failed', deliveryError: 'unknown_after_interruption: the send was interrupted; it may or may not have been delivered' } });
    services.metrics.outbound.inc({ channel: message.channel, outcome: 'unknown' });
    return;
  }
  if (message.deliveryStatus !== 'pending') return;

  const conversation = await Conversation.findById(message.conversationId).lean<ConversationDoc>();
  // The bot re-checks ownership: a person who took over after the bot decided speaks instead.
  if (message.sender?.kind === 'bot') {
    if (conversation?.status === 'assigned' && conversation.assignedAt && conversation.assignedAt > message.createdAt) {
      await Message.updateOne({ _id: messageId }, { $set: { deliveryStatus: 'failed', deliveryError: 'superseded_by_agent' } });
      services.metrics.outbound.inc({ channel: message.channel, outcome: 'superseded' });
      return;
    }
  }

  // An address that opted out (STOP) receives nothing until it opts in again.
  const identity = await Identity.findById(message.identityId).lean();
  if (identity?.optedOut) {
    await Message.updateOne({ _id: messageId }, { $set: { deliveryStatus: 'failed', deliveryError: 'opted_out' } });
    services.metrics.outbound.inc({ channel: message.channel, outcome: 'opted_out' });
    return;
  }

  const adapter = services.channels.get(message.channel);
  await Message.updateOne({ _id: messageId }, { $set: { deliveryStatus: 'sending' } });
  try {
    const result = await adapter.send({ ...toDelivery(message), ...(conversation?.lastResidentAt ? { residentLastWroteAt: new Date(conversation.lastResidentAt) } : {}) });
    await Message.updateOne(
      { _id: messageId, deliveryStatus: 'sending' },
      {
        $set: {
          deliveryStatus: 'sent',
          ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}),
          ...(result.billing ? { billing: result.billing } : {}),
        },
      },
    );
    services.metrics.outbound.inc({ channel: message.channel, outcome: 'sent' });
  } catch (error) {
    if (error instanceof PermanentDeliveryError) {
      await Message.updateOne({ _id: messageId }, { $set: { deliveryStatus: 'failed', deliveryError: `${error.code}: ${error.message}` } });
      services.metrics.outbound.inc({ channel: message.channel, outcome: 'failed' });
      throw new UnrecoverableError(error.message);
    }
    if (error instanceof TransientDeliveryError) {
      // The provider certainly did not take it: back to pending, and the job retries with backoff.
      await Message.updateOne({ _id: messageId }, { $set: { deliveryStatus: 'pending', deliveryError: error.message } });
      services.metrics.outbound.inc({ channel: message.channel, outcome: 'retry' });
    }
    // Anything else (e.g. a timeout) may have been delivered: the retry records the doubt instead of resending.
    throw error;
  }
}

/**
 * The outbox. A reply is stored (`deliveryStatus: pending`) before any provider is called;
 * the outbound job sends it once and records the provider's id. A retried job finds the
 * message no longer pending and sends nothing.
 */
import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { PermanentDeliveryError } from '../domain/channel';
import type { Choice } from '../domain/messages';
import { isDuplicateKeyError } from '../errors';
import { Conversation, Identity, Inbox, Message, type ConversationDoc, type MessageDoc } from '../models';
import { nextSeq } from '../queues/turn-lease';
import type { Services } from '../services';
import { messagePayload } from './view';

export type Sender = { kind: 'bot' | 'agent' | 'system'; id?: string; name?: string };

/** Builds (does not store) a reply record addressed to the conversation's resident. */
export async function buildReply(
  services: Services,
  conversation: ConversationDoc,
  sender: Sender,
  content: { text: string; choices?: Choice[] },
  id: string = `m-${randomUUID()}`,
): Promise<MessageDoc> {
  const [identity, inbox] = await Promise.all([
    Identity.findById(conversation.identityId).lean(),
    Inbox.findById(conversation.inboxId).lean(),
  ]);
  const now = new Date();
  return {
    _id: id,
    conversationId: conversation._id,
    identityId: conversation.identityId,
    seq: await nextSeq(services.redis, services.config.QUEUE_PREFIX, conversation.identityId),
    direction: 'outbound',
    channel: conversation.channel,
    to: identity?.channelUserId,
    from: inbox?.address,
    sender,
    text: content.text,
    choices: content.choices ?? [],
    deliveryStatus: 'pending',
    createdAt: now,
    updatedAt: now,
  } as MessageDoc;
}

/** Stores messages (a repeat is ignored), tells agents, and queues replies for delivery. */
export async function commitMessages(services: Services, messages: MessageDoc[], queue?: string | null): Promise<void> {
  for (const message of messages) {
    try {
      await Message.create(message);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  for (const message of messages) {
    services.broadcaster.publish(
      { type: 'message.created', conversationId: message.conversationId, ...(queue ? { queue } : {}), payload: messagePayload(message) },
      message.identityId,
      // The resident gets replies through their channel's adapter; their own messages are echoed here.
      { toResident: message.direction === 'inbound' },
    );
    if (message.direction === 'outbound') await services.queues.addOutbound({ messageId: message._id });
  }
}

/** Stores and sends one reply outside a resident turn (agent replies, notices). */
export async function sendReply(services: Services, conversation: ConversationDoc, sender: Sender, content: { text: string; choices?: Choice[] }): Promise<MessageDoc> {
  const message = await buildReply(services, conversation, sender, content);
  await commitMessages(services, [message], conversation.queue);
  return message;
}

/** The outbound job: deliver one stored reply through its channel, at most once per success. */
export async function deliverMessage(services: Services, messageId: string): Promise<void> {
  const message = await Message.findById(messageId).lean<MessageDoc>();
  if (!message || message.deliveryStatus !== 'pending') return;

  // The bot re-checks ownership: a person who took over after the bot decided speaks instead.
  if (message.sender?.kind === 'bot') {
    const conversation = await Conversation.findById(message.conversationId).lean<ConversationDoc>();
    if (conversation?.status === 'assigned' && conversation.assignedAt && conversation.assignedAt > message.createdAt) {
      await Message.updateOne({ _id: messageId }, { $set: { deliveryStatus: 'failed', deliveryError: 'superseded_by_agent' } });
      services.metrics.outbound.inc({ channel: message.channel, outcome: 'superseded' });
      return;
    }
  }

  const adapter = services.channels.get(message.channel);
  try {
    const result = await adapter.send({
      messageId: message._id,
      conversationId: message.conversationId,
      identityId: message.identityId,
      seq: message.seq,
      to: message.to ?? '',
      from: message.from ?? '',
      sender: { kind: message.sender!.kind as 'bot' | 'agent' | 'system', ...(message.sender!.name ? { name: message.sender!.name } : {}) },
      content: { text: message.text ?? '', ...(message.choices?.length ? { choices: message.choices as Choice[] } : {}) },
      createdAt: message.createdAt,
    });
    await Message.updateOne(
      { _id: messageId, deliveryStatus: 'pending' },
      { $set: { deliveryStatus: 'sent', ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}) } },
    );
    services.metrics.outbound.inc({ channel: message.channel, outcome: 'sent' });
  } catch (error) {
    if (error instanceof PermanentDeliveryError) {
      await Message.updateOne({ _id: messageId }, { $set: { deliveryStatus: 'failed', deliveryError: `${error.code}: ${error.message}` } });
      services.metrics.outbound.inc({ channel: message.channel, outcome: 'failed' });
      throw new UnrecoverableError(error.message);
    }
    services.metrics.outbound.inc({ channel: message.channel, outcome: 'retry' });
    throw error;
  }
}

/** Shapes stored records into what REST, sockets and events show. */
import type { ConversationView } from '../domain/conversation';
import type { ConversationUpdatedPayload, MessageCreatedPayload } from '../domain/events';
import type { ChannelId, Choice, MessageContext } from '../domain/messages';
import { Message, type ConversationDoc, type MessageDoc } from '../models';

export function conversationView(c: ConversationDoc): ConversationView {
  // While a person has it, the flow shown is the one the resident was in when they asked.
  const flow = (c.flow ?? c.capturedFlow) as { id: string; step: string; slots: Record<string, unknown> } | undefined | null;
  return {
    id: c._id,
    councilId: c.councilId,
    status: c.status as ConversationView['status'],
    channel: c.channel as ChannelId,
    contactId: c.contactId,
    identityId: c.identityId,
    inboxId: c.inboxId,
    ...(c.queue ? { queue: c.queue } : {}),
    ...(c.assigneeId ? { assignee: { id: c.assigneeId, name: c.assigneeName ?? '' } } : {}),
    ...(c.handoffReason ? { handoffReason: c.handoffReason } : {}),
    ...(c.language ? { language: c.language } : {}),
    ...(flow ? { flow: { id: flow.id, step: flow.step, slots: flow.slots ?? {} } } : {}),
    ...(typeof c.priority === 'number' ? { priority: c.priority } : {}),
    ...(c.queuedAt ? { queuedAt: c.queuedAt } : {}),
    ...(c.callbackRequested ? { callbackRequested: true } : {}),
    ...(c.outcome ? { outcome: c.outcome } : {}),
    ...(c.survey?.askedAt ? { survey: { askedAt: c.survey.askedAt, ...(c.survey.score ? { score: c.survey.score } : {}) } } : {}),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** The `conversation.updated` payload for a stored conversation. */
export function conversationUpdate(c: ConversationDoc): ConversationUpdatedPayload {
  return {
    conversationId: c._id,
    status: c.status as ConversationUpdatedPayload['status'],
    channel: c.channel,
    ...(c.queue ? { queue: c.queue } : {}),
    ...(c.assigneeName ? { agentName: c.assigneeName } : {}),
    ...(c.assigneeId ? { agentId: c.assigneeId } : {}),
    ...(c.handoffReason ? { handoffReason: c.handoffReason } : {}),
    ...(c.callbackRequested ? { callbackRequested: true } : {}),
    ...(c.outcome ? { outcome: c.outcome } : {}),
  };
}

export function messagePayload(m: Pick<MessageDoc, '_id' | 'seq' | 'conversationId' | 'sender' | 'text' | 'choices' | 'createdAt' | 'context' | 'internal'> & { content?: unknown; mediaIds?: string[] | null; flow?: { id?: string | null; step?: string | null } | null }): MessageCreatedPayload {
  const choices = (m.choices ?? []) as Choice[];
  // Photos a resident sent (MMS, webchat upload): agents fetch them with their token, from
  // our own copy (`/api/v1/media/{id}`), never from the provider's URL.
  const content = m.content as { kind?: string; urls?: string[]; contentTypes?: string[]; lat?: number; lng?: number; text?: string; address?: string } | undefined;
  const urls = content?.kind === 'media' ? (content.urls ?? []) : [];
  const media = urls
    .map((url, n) => ({ url: m.mediaIds?.[n] ? `/api/v1/media/${m.mediaIds[n]}` : url.startsWith('/api/v1/media/') ? url : '', ...(content?.contentTypes?.[n] ? { contentType: content.contentTypes[n] } : {}) }))
    .filter((item) => item.url);
  const location = content?.kind === 'location' && typeof content.lat === 'number' && typeof content.lng === 'number' ? { lat: content.lat, lng: content.lng, ...(content.text ? { text: content.text } : {}), ...(content.address ? { address: content.address } : {}) } : undefined;
  return {
    id: m._id,
    seq: m.seq,
    conversationId: m.conversationId,
    sender: { kind: m.sender!.kind as MessageCreatedPayload['sender']['kind'], ...(m.sender!.name ? { name: m.sender!.name } : {}) },
    text: m.text ?? '',
    ...(choices.length ? { choices: choices.map((c) => ({ value: c.value, label: c.label })) } : {}),
    ...(m.context ? { context: m.context as MessageContext } : {}),
    ...(m.internal ? { internal: true } : {}),
    ...(media.length ? { media } : {}),
    ...(location ? { location } : {}),
    ...(content?.kind === 'call' ? { call: true } : {}),
    ...(m.flow?.id ? { flow: { id: m.flow.id, ...(m.flow.step ? { step: m.flow.step } : {}) } } : {}),
    createdAt: new Date(m.createdAt).toISOString(),
  };
}

/** What a resident's chat shows after `sinceSeq`: every message of theirs and ours (never agents' notes), oldest first. */
export async function residentHistory(identityId: string, sinceSeq: number): Promise<MessageCreatedPayload[]> {
  const messages = await Message.find({ identityId, seq: { $gt: sinceSeq }, internal: { $ne: true } }).sort({ seq: 1 }).limit(500).lean<MessageDoc[]>();
  return messages.map(messagePayload);
}

/**
 * Meta's webhook payloads (Messenger, Instagram messaging, Page feed) as zod schemas, and
 * their normalisation into channel-neutral inbound messages. Unknown fields pass through
 * (Meta adds them without notice); unknown event kinds are skipped, never an error.
 *
 * Residents' addresses on this channel: `fb-<PSID>` (Messenger), `ig-<IGSID>` (Instagram),
 * `comment-<comment id>` (a Page comment, answered once by a private reply to that comment).
 */
import { z } from 'zod';
import type { InboundContent, InboundMessage } from '../../src/domain/messages';
import { SOCIAL } from './channel';

const id = z.string().min(1).max(200);

const attachmentSchema = z.looseObject({
  type: z.string().max(40),
  payload: z.looseObject({ url: z.string().max(4000).optional(), coordinates: z.object({ lat: z.number(), long: z.number() }).optional() }).nullish(),
});

const messagingSchema = z.looseObject({
  sender: z.looseObject({ id }),
  recipient: z.looseObject({ id }),
  timestamp: z.number().int().nonnegative(),
  message: z
    .looseObject({
      mid: id,
      text: z.string().max(20_000).optional(),
      is_echo: z.boolean().optional(),
      quick_reply: z.looseObject({ payload: z.string().max(1000) }).optional(),
      attachments: z.array(attachmentSchema).max(20).optional(),
    })
    .optional(),
  postback: z.looseObject({ mid: id.optional(), title: z.string().max(1000).optional(), payload: z.string().max(1000) }).optional(),
});

const feedChangeSchema = z.looseObject({
  field: z.string(),
  value: z.looseObject({
    item: z.string().optional(),
    verb: z.string().optional(),
    comment_id: id.optional(),
    post_id: id.optional(),
    parent_id: id.optional(),
    message: z.string().max(20_000).optional(),
    from: z.looseObject({ id, name: z.string().max(200).optional() }).optional(),
    created_time: z.union([z.number(), z.string()]).optional(),
    post: z.looseObject({ permalink_url: z.string().max(2000).optional() }).optional(),
  }),
});

export const webhookSchema = z.looseObject({
  object: z.enum(['page', 'instagram']),
  entry: z
    .array(
      z.looseObject({
        id,
        time: z.number().optional(),
        messaging: z.array(messagingSchema).max(1000).optional(),
        changes: z.array(feedChangeSchema).max(1000).optional(),
      }),
    )
    .max(1000),
});
export type MetaWebhook = z.infer<typeof webhookSchema>;
type Messaging = z.infer<typeof messagingSchema>;
type FeedChange = z.infer<typeof feedChangeSchema>;

export type NormalisedMessage = Omit<InboundMessage, 'inboxAddress'>;

function messageContent(event: Messaging): InboundContent | undefined {
  const { message, postback } = event;
  if (postback) return { kind: 'choice', value: postback.payload, ...(postback.title ? { label: postback.title } : {}) };
  if (!message || message.is_echo) return undefined; // echoes of our own sends
  if (message.quick_reply) return { kind: 'choice', value: message.quick_reply.payload, ...(message.text ? { label: message.text } : {}) };
  const attachments = message.attachments ?? [];
  const location = attachments.find((a) => a.type === 'location' && a.payload?.coordinates);
  if (location) {
    const { lat, long } = location.payload!.coordinates!;
    if (Math.abs(lat) <= 90 && Math.abs(long) <= 180) return { kind: 'location', lat, lng: long, ...(message.text ? { text: message.text } : {}) };
  }
  const media = attachments.filter((a) => ['image', 'video', 'audio', 'file'].includes(a.type) && a.payload?.url);
  if (media.length > 0) {
    return { kind: 'media', urls: media.map((a) => a.payload!.url!), contentTypes: media.map((a) => `${a.type}/*`), ...(message.text ? { text: message.text } : {}) };
  }
  if (message.text?.trim()) return { kind: 'text', text: message.text };
  // Stickers, shared posts and the like: keep the event so agents see something arrived.
  if (attachments.length > 0) return { kind: 'text', text: `(sent a ${attachments[0]!.type})` };
  return undefined;
}

function commentMessage(change: FeedChange, pageId: string, receivedAt: Date): NormalisedMessage | undefined {
  const { value } = change;
  if (change.field !== 'feed' || value.item !== 'comment' || value.verb !== 'add' || !value.comment_id) return undefined;
  if (value.from?.id === pageId) return undefined; // the council's own comments
  return {
    channel: SOCIAL,
    externalId: `comment-${value.comment_id}`,
    channelUserId: `comment-${value.comment_id}`,
    receivedAt,
    content: { kind: 'text', text: value.message ?? '' },
    raw: change as Record<string, unknown>,
    context: {
      kind: 'comment',
      commentId: value.comment_id,
      ...(value.post_id ? { postId: value.post_id } : {}),
      ...(value.post?.permalink_url ? { postUrl: value.post.permalink_url } : {}),
      ...(value.from?.name ? { authorName: value.from.name } : {}),
    },
  };
}

/**
 * One entry of a (possibly batched) delivery → the residents' messages in it, oldest first.
 * Delivery and read receipts are not recorded (a send's success is the Send API's answer).
 */
export function normaliseEntry(object: MetaWebhook['object'], entry: MetaWebhook['entry'][number], pageId: string): NormalisedMessage[] {
  const prefix = object === 'instagram' ? 'ig' : 'fb';
  const messages: NormalisedMessage[] = [];
  for (const event of entry.messaging ?? []) {
    const content = messageContent(event);
    if (!content) continue;
    const mid = event.message?.mid ?? event.postback?.mid ?? `postback-${event.sender.id}-${event.timestamp}`;
    messages.push({
      channel: SOCIAL,
      externalId: mid,
      channelUserId: `${prefix}-${event.sender.id}`,
      receivedAt: new Date(event.timestamp),
      content,
      raw: { object, entryId: entry.id, ...event },
    });
  }
  for (const change of entry.changes ?? []) {
    const comment = commentMessage(change, pageId, new Date(entry.time ?? Date.now()));
    if (comment) messages.push(comment);
  }
  return messages.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
}

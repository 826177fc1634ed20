/**
 * Channel-neutral message shapes. Adapters turn provider payloads into `InboundMessage`
 * and render `OutboundContent`; provider words never reach the router.
 */
import { z } from 'zod';

declare const channelIdBrand: unique symbol;
/**
 * A channel's id ('sms', 'webchat'…). The domain does not list them: the channels registered in
 * channels/index.ts are the engine's channels, and the core asks its `ChannelRegistry` for them
 * (`ids()`, `has()`), so adding a channel needs no change here. The brand makes a channel's id
 * come from its own folder (`channelId`) or the registry, never a string the core spelt.
 */
export type ChannelId = string & { readonly [channelIdBrand]: true };

const CHANNEL_ID = /^[a-z][a-z0-9-]{1,19}$/;

/** A channel declares its id once with this (lower-case letters, digits and dashes: it is part of stored ids). */
export function channelId(id: string): ChannelId {
  if (!CHANNEL_ID.test(id)) throw new Error(`${JSON.stringify(id)} is not a channel id (lower-case letters, digits and dashes, 2 to 20)`);
  return id as ChannelId;
}

export const choiceSchema = z.object({ value: z.string().min(1).max(64), label: z.string().min(1).max(80) });
export type Choice = z.infer<typeof choiceSchema>;

/** What a resident sent, whatever the channel. */
export const inboundContentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({ kind: z.literal('choice'), value: z.string(), label: z.string().optional() }),
  z.object({ kind: z.literal('media'), urls: z.array(z.string()), contentTypes: z.array(z.string()), text: z.string().optional() }),
  z.object({ kind: z.literal('speech'), transcript: z.string(), confidence: z.number().min(0).max(1) }),
  z.object({ kind: z.literal('location'), lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180), text: z.string().optional() }),
  /** The resident asked for a person through a button, a key press or a menu. */
  z.object({
    kind: z.literal('handoff'),
    reason: z.string().max(200).optional(),
    /** Moved from another channel's queue: the place kept (when that wait began, and its priority). */
    keepPlace: z.object({ since: z.coerce.date(), priority: z.number().int().min(0).max(9) }).optional(),
  }),
  /**
   * Phone call events: the call began or ended, the caller said nothing, or chose how to wait.
   * `callId`: the provider's id of the call (one call's steps share it), so a late event of an earlier call is told apart.
   */
  z.object({ kind: z.literal('call'), event: z.enum(['started', 'ended', 'no_input', 'callback_requested', 'text_instead', 'call_instead']), callId: z.string().optional() }),
  /** Carrier keywords (STOP, START, HELP): consent to be messaged, or a request for help. */
  z.object({ kind: z.literal('consent'), action: z.enum(['opt_out', 'opt_in', 'help']), text: z.string() }),
]);
export type InboundContent = z.infer<typeof inboundContentSchema>;

export interface InboundMessage {
  channel: ChannelId;
  /** The provider's own id for this message (MessageSid, mid, clientMessageId…): the dedup key. */
  externalId: string;
  /** The council's address on that channel (its number, page id, widget key). */
  inboxAddress: string;
  /** The resident's address on that channel (E.164 number, page-scoped id, webchat session). */
  channelUserId: string;
  receivedAt: Date;
  content: InboundContent;
  /** The provider's payload, kept whole (unknown fields included). */
  raw: Record<string, unknown>;
  /** Where the message was written, when that is not a private chat (a comment on a Page post). */
  context?: MessageContext;
}

export interface MessageContext {
  kind: 'comment';
  commentId: string;
  postId?: string;
  postUrl?: string;
  authorName?: string;
}

/** What the engine says back. Adapters degrade what their channel cannot show. */
export interface OutboundContent {
  text: string;
  choices?: Choice[];
  mediaUrls?: string[];
}

/** Plain text of any inbound content, for routing, transcripts and agents. */
export function contentText(content: InboundContent): string {
  switch (content.kind) {
    case 'text':
      return content.text;
    case 'choice':
      return content.label ?? content.value;
    case 'media':
      return content.text ?? '';
    case 'speech':
      return content.transcript;
    case 'location':
      return content.text ?? `Location ${content.lat.toFixed(5)}, ${content.lng.toFixed(5)}`;
    case 'handoff':
      return 'Asked to talk to a person';
    case 'call':
      return CALL_EVENT_TEXT[content.event];
    case 'consent':
      return content.text;
  }
}

const CALL_EVENT_TEXT = {
  started: 'Call started',
  ended: 'Call ended',
  no_input: '(no answer)',
  callback_requested: 'Asked for a call back',
  text_instead: 'Asked to continue by text message',
  call_instead: 'Asked for a call back instead',
} as const;

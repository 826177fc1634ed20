/**
 * The port every channel adapter implements (channels/<name>/). The router and the
 * outbound worker only see this interface, through the registry in channels/index.ts.
 */
import type { ChannelId, OutboundContent } from './messages';

export interface ChannelCapabilities {
  /**
   * `push`: replies go through the outbox queue to a provider (SMS, social);
   * `realtime`: emitted at once to the resident's open client, no provider call (webchat);
   * `response`: returned in the webhook's own reply (voice).
   */
  delivery: 'push' | 'realtime' | 'response';
  /** How choices appear: native buttons, "Reply 1, 2 or 3" text, or spoken options. */
  choices: 'native' | 'numbered-text' | 'spoken';
  /** Longest text one message may carry. */
  maxTextLength: number;
  /**
   * Channels whose residents are phone numbers (E.164): `text` reaches a number by a text
   * message (link codes, texted references, campaigns, "text me instead"); `call` by a phone call
   * (call-backs). The core asks the registry for these instead of naming a channel.
   */
  phone?: 'text' | 'call';
  /**
   * The resident's address is a session of ours (a webchat's), not one anyone can use to reach
   * them: searches and contact lists leave it out.
   */
  sessionAddress?: boolean;
}

/**
 * How people read a channel and its residents, in the channel's own words: the core and the
 * console never spell a channel's name (GET /api/v1/channels hands these to the console).
 */
export interface ChannelLabels {
  /** The channel in a sentence, as agents read it: "Website chat", "SMS". */
  name: string;
  /** The channel on a chart, shorter: "Webchat", "Social media". */
  short: string;
  /** A resident who has not given a name: their number, or who they are ("Website visitor"). */
  resident(address: string): string;
  /** The resident's address as agents read it ("Website chat session", "Page-scoped id 1234"). */
  address(address: string): string;
  /** Someone following a report on this channel: their number, or "A website chat session". */
  follower(address: string): string;
}

export interface OutboundDelivery {
  messageId: string;
  conversationId: string;
  identityId: string;
  seq: number;
  /** The resident's address and the council's address on this channel. */
  to: string;
  from: string;
  sender: { kind: 'bot' | 'agent' | 'system'; name?: string };
  content: OutboundContent;
  createdAt: Date;
  /** Bot replies: the flow and step that produced them (CONTRACT.md §3). */
  flow?: { id: string; step?: string };
  /** When the resident last wrote in this conversation (providers with a reply window, e.g. Meta's 24 hours). */
  residentLastWroteAt?: Date;
}

export interface SendResult {
  providerMessageId?: string;
  /** What the provider bills: e.g. `{ encoding: 'GSM-7', segments: 2 }` for SMS. */
  billing?: { encoding: string; segments: number };
}

/** A provider error that retrying will not fix (invalid number, unsubscribed recipient…). */
export class PermanentDeliveryError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** The provider certainly did not take the message (it refused with 429/5xx, or could not be reached): retrying is safe. */
export class TransientDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientDeliveryError';
  }
}

/** The outcome of downloading one of a resident's attachments. */
export type MediaFetch =
  | { ok: true; contentType: string; data: Buffer }
  | { ok: false; reason: string; detail: string };

/** A council's phone voice: the language spoken and recognised, the text-to-speech voice, the hold music. */
export interface PhoneVoice {
  /** A BCP 47 tag (en-AU): Twilio's speech and recogniser language. */
  language: string;
  /** A Twilio voice for that language (Polly.Olivia-Neural); absent: Twilio's default for the language. */
  name?: string;
  /** Audio played between queue announcements; absent: the engine's own clip. */
  holdMusicUrl?: string;
}

export interface AgentConnection {
  conversationId: string;
  /** The council's voice, for what the resident and agent hear as they are put through. */
  voice: PhoneVoice;
  /** The provider's id of the resident's call, when they are still holding on it. */
  liveCallId?: string;
  residentAddress: string;
  councilAddress: string;
  agent: { name: string; phone?: string; clientIdentity?: string };
}

export interface ChannelAdapter {
  id: ChannelId;
  capabilities: ChannelCapabilities;
  labels: ChannelLabels;
  /**
   * Delivers one reply. Throws PermanentDeliveryError when retrying is pointless and
   * TransientDeliveryError when a retry is safe; any other error leaves the outcome unknown.
   */
  send(delivery: OutboundDelivery): Promise<SendResult>;
  /**
   * Asks the provider whether it took a reply whose send was interrupted (marked at `since`):
   * its record when it did, null when it certainly did not. Never one of `notThese` (provider ids
   * of replies already recorded). Providers that cannot be asked leave it out.
   */
  findSent?(delivery: OutboundDelivery, marker: { since: Date; notThese: string[] }): Promise<SendResult | null>;
  /**
   * Phone channels: puts the accepting agent on the line with the resident, either by moving
   * the waiting call to them or, for a call-back, by calling the agent and then the resident.
   */
  connectAgent?(request: AgentConnection): Promise<void>;
  /** Downloads an attachment the resident sent, refusing anything outside the provider's own media. */
  fetchMedia?(url: string): Promise<MediaFetch>;
}

/** One Twilio account (a shared service often has one account with a number per council). */
export interface TwilioAccount {
  accountSid: string;
  authToken: string;
}

/** One council's Facebook Page (and its linked Instagram account). */
export interface MetaPage {
  pageId: string;
  instagramId?: string;
  appSecret: string;
  pageAccessToken: string;
  verifyToken: string;
}

/**
 * Provider credentials by the council address they serve, so one engine speaks for several
 * councils: a reply from a number uses that number's account, a reply from a page its token.
 */
export interface ChannelCredentials {
  twilioFor(number: string): TwilioAccount | undefined;
  twilioAccounts(): TwilioAccount[];
  metaFor(pageOrInstagramId: string): MetaPage | undefined;
  metaPages(): MetaPage[];
}

/** The channels this engine runs (channels/index.ts builds it from the channel modules). */
export interface ChannelRegistry {
  get(id: ChannelId | string): ChannelAdapter;
  all(): ChannelAdapter[];
  /** The ids of every channel, in the registry's order: what the core validates a channel named from outside against. */
  ids(): ChannelId[];
  /** Whether the engine runs a channel of this id (an id from a request or a stored record). */
  has(id: string): id is ChannelId;
  /** The channel that reaches a phone number this way (texts or calls), if the engine has one. */
  byPhone(kind: 'text' | 'call'): ChannelAdapter | undefined;
}

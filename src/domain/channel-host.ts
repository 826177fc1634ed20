/**
 * The port the core offers channels (issue 13, item 1: "the channel seam"). A channel is pure
 * verify / parse / render / send; everything that touches records, queues or other residents
 * goes through this host, which the core builds once (src/conversations/channel-host.ts) and
 * hands to each channel module's `mountHttp(app, host)` / `mountSockets(io, host)`.
 *
 * Channels import only the domain (this file included) and `src/errors`; tests/architecture.test.ts
 * holds them to that.
 */
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import type { ChannelCredentials, PhoneVoice } from './channel';
import type { ConversationStatus } from './conversation';
import type { MessageCreatedPayload } from './events';
import type { CaseRecord } from './flow';
import type { ChannelId, Choice, InboundMessage } from './messages';

/**
 * The settings channels read, by their environment names (CONTRACT.md §1): a slice of the
 * engine's configuration, so no channel sees the rest of it (database, secrets, queues).
 */
export interface ChannelSettings {
  /** The base URL the outside world uses for this engine; Twilio signs requests over it. */
  readonly PUBLIC_URL: string;
  readonly TWILIO_ACCOUNT_SID: string;
  readonly TWILIO_AUTH_TOKEN: string;
  readonly TWILIO_API_URL: string;
  readonly META_GRAPH_URL: string;
  readonly META_PAGE_ID: string;
  readonly META_PAGE_ACCESS_TOKEN: string;
  readonly WEBCHAT_EMBED_ORIGINS: readonly string[];
  readonly WEBCHAT_SESSIONS_PER_ADDRESS_HOUR: number;
  readonly WEBCHAT_CONNECTIONS_PER_ADDRESS: number;
  readonly WEBCHAT_HANDOFFS_PER_SESSION_HOUR: number;
  readonly WEBCHAT_MESSAGES_PER_SESSION_10S: number;
  readonly WEBCHAT_MESSAGES_PER_ADDRESS_MINUTE: number;
}

/** The engine's logger as channels use it (pino's shape: context object, then a dotted event name). */
export interface ChannelLogger {
  info(context: object, event: string): void;
  warn(context: object, event: string): void;
  error(context: object, event: string): void;
}

/** A council as a channel needs to know it. */
export interface CouncilView {
  id: string;
  name: string;
  /** The council's main number (E.164), when it has one: texts and call-backs go from it. */
  phoneNumber?: string;
  /**
   * The country (ISO 3166-1 alpha-2) whose local numbers (`0412 345 678`) its residents write:
   * its own number's, else its locale's region. Absent: only international numbers are read.
   */
  phoneCountry?: string;
  webchat: { widgetKeys: readonly string[]; allowedOrigins: readonly string[] };
  /** How the council sounds on the phone. */
  voice: PhoneVoice;
}

/** One council's inbox on a channel: the address residents write to, and whose it is. */
export interface InboxRef {
  inboxId: string;
  councilId: string;
}

/** A message taken in: stored once under its natural key, and queued for its turn. */
export interface Ingested {
  eventId: string;
  identityId: string;
  /** The id the resident's own message gets (`message.send` acknowledges it). */
  messageId: string;
  /** Seen before (a provider's redelivery, a repeated client id): acknowledged, not run twice. */
  duplicate: boolean;
}

/** A provider's report on one of our replies (Twilio's status callback, say). */
export interface DeliveryReport {
  /** Our message id, as the callback URL named it. */
  messageId: string;
  providerMessageId: string;
  status: string;
  errorCode?: string;
  /** Who reported it, for the delivery error agents see ("twilio 30007"). */
  provider: string;
}

/** `unknown`: a status the core does not know (the channel answers 400); `not_ours`: acknowledged and ignored. */
export type DeliveryOutcome = 'recorded' | 'stale' | 'not_ours' | 'unknown';

/** What the core decided for one inbound event, for a channel that answers in the provider's own request (voice). */
export interface TurnOutcome {
  replies: Array<{ text?: string; choices?: Choice[] }>;
  statusAfter: ConversationStatus;
  queue?: string;
  /** Whether people are answering now (office hours); absent on turns stored before it was recorded. */
  staffed?: boolean;
  /** The flow the conversation is in after the turn. */
  flowId?: string;
}

/** An HTTP request as the webhook pipeline sees it. */
export interface WebhookRequest {
  /** The URL the provider called, as the outside world names it (PUBLIC_URL + path and query). */
  publicUrl: string;
  header(name: string): string | undefined;
  query: Record<string, unknown>;
  /** The body as the channel's parser left it (form fields, or the raw bytes). */
  body: unknown;
}

/** A message as a channel normalised it; its channel is the webhook's. */
export type ParsedInbound = Omit<InboundMessage, 'channel'>;

export interface ParsedWebhook {
  messages?: ParsedInbound[];
  statuses?: DeliveryReport[];
}

export interface WebhookOutcome {
  messages: Array<{ message: ParsedInbound; inbox?: InboxRef; result: Ingested }>;
  statuses: Array<{ report: DeliveryReport; outcome: DeliveryOutcome }>;
}

export interface WebhookReply {
  status: number;
  contentType?: string;
  body?: string;
}

/**
 * One provider webhook, as the channel describes it to the core pipeline
 * (`ChannelHost.receive`): verify → parse → inbox → council → ingest → acknowledge.
 * `V` is whatever verification established (e.g. which Meta app signed the body).
 */
export interface InboundWebhook<V = void> {
  channel: ChannelId;
  /** Checks the provider's signature on the request as posted; throws an AuthError when it fails (counted as forged). */
  verify(request: WebhookRequest): V;
  /** The request's messages and delivery reports (zod-validated; a ValidationError is a 400). */
  parse(request: WebhookRequest, verified: V): ParsedWebhook | Promise<ParsedWebhook>;
  /**
   * A message to a council address with no inbox: the error to answer with (nothing is stored).
   * Absent: the channel vouches for the address itself (it found the council by its credentials).
   */
  unknownInbox?(inboxAddress: string): Error;
  /** The provider's answer (may throw, e.g. a status the core does not know). */
  acknowledge(outcome: WebhookOutcome, verified: V): WebhookReply | Promise<WebhookReply>;
}

/** A limit shared by every web process (Redis), per key; `consume` rejects once the key is over it. */
export interface SharedLimiter {
  consume(key: string): Promise<unknown>;
  reward(key: string): Promise<unknown>;
}

/** Where a socket command is listened for (a Socket.IO socket). */
export interface CommandSocket {
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** A resident found on a channel (an identity): opaque beyond its id. */
export interface ResidentRef {
  readonly identityId: string;
}

/** A resident's current conversation, as a channel needs it. */
export interface ResidentConversation {
  readonly conversationId: string;
  readonly status: ConversationStatus;
  /** When they began waiting for a person, while queued. */
  readonly queuedAt?: Date;
  readonly priority?: number;
}

/** The resident a channel holds a session for (the webchat): sessions, history, handoff, typing. */
export interface ResidentSessions {
  /** The resident already known at this address of the council's inbox, if any (a webchat session's). */
  find(channel: ChannelId, inboxAddress: string, channelUserId: string): Promise<ResidentRef | null>;
  /**
   * The resident's identity (created on first contact) and open conversation (a new one, named
   * after `seed`, when there is none or it was resolved).
   */
  open(councilId: string, address: { channel: ChannelId; inboxAddress: string; channelUserId: string }, seed: string, known?: ResidentRef | null): Promise<ResidentRef & ResidentConversation>;
  /** Every message of theirs after `sinceSeq`, as `message.created` payloads. */
  history(identityId: string, sinceSeq: number): Promise<MessageCreatedPayload[]>;
  current(identityId: string): Promise<ResidentConversation | null>;
  /** A system message to the resident in that conversation (stored, announced and delivered). */
  notify(conversation: ResidentConversation, text: string): Promise<void>;
  /** Runs the resident's pending turns now (so an acknowledgement can say the outcome). */
  runTurns(identityId: string): Promise<void>;
  /** The resident is typing: agents with the conversation open see it. */
  typing(identityId: string, typing: boolean): Promise<void>;
  /** The realtime room the resident's own client joins. */
  room(identityId: string): string;
}

/** A phone call, as the core's phone operations name it. */
export interface PhoneCall {
  /** The call's channel, and its provider id (one call's steps share it). */
  channel: ChannelId;
  callId: string;
  /** The council's number that was called, E.164. */
  council: string;
  councilId: string;
  /** The caller's E.164 number. */
  caller: string;
}

export type TextReferenceResult = 'sent' | 'opted_out' | 'no_sms';

/** What a phone channel asks of the core about a caller's permits and reports. */
export interface PhoneOperations {
  /** The permit or report named in what the caller just heard, if it is theirs (or one they follow). */
  referenceIn(call: PhoneCall, spokenText: string): Promise<CaseRecord | undefined>;
  /** Texts the reference to the caller on the council's texting channel and records their consent. Safe to repeat. */
  textReference(call: PhoneCall, record: CaseRecord): Promise<TextReferenceResult>;
}

export interface ChannelHost {
  settings: ChannelSettings;
  /** Each council's provider accounts, by the council address they serve. */
  credentials: ChannelCredentials;
  logger: ChannelLogger;

  /** The core pipeline for one provider request: verify → parse → inbox → council → ingest → acknowledge. */
  receive<V>(webhook: InboundWebhook<V>, request: WebhookRequest): Promise<WebhookReply>;
  /** A signature check on its own (a route that is not one inbound message): a refusal is counted as forged and rethrown. */
  verify<V>(channel: ChannelId, check: () => V): V;

  /** The council inbox at this address on the channel, if a council has one. */
  findInbox(channel: ChannelId, inboxAddress: string): Promise<InboxRef | undefined>;
  /** Takes in one normalised inbound message (the inbox pattern: stored once, then queued). */
  ingest(message: InboundMessage): Promise<Ingested>;
  /** Records a provider's delivery report on one of our replies. */
  recordDelivery(report: DeliveryReport): Promise<DeliveryOutcome>;
  /** Waits (briefly) for the core to decide an event's turn; undefined when it has not in time. */
  awaitTurn(eventId: string, timeoutMs: number): Promise<TurnOutcome | undefined>;
  /** The turn already decided for an event, if it was. */
  decidedTurn(eventId: string): Promise<TurnOutcome | undefined>;

  /** A council by id (an unknown id is a 404). */
  council(councilId: string): CouncilView;
  /** The engine's first council: whose country reads a number before the council it was sent to is known. */
  defaultCouncil(): CouncilView;
  /** The council of a webchat widget key; no key: the default council. Undefined for a key no council lists. */
  councilForWidget(widgetKey: string | undefined): CouncilView | undefined;

  residents: ResidentSessions;
  phone: PhoneOperations;
  /** Stores a photo a resident uploaded (GPS read, then stripped) as the inbound event's first attachment; returns its media id. */
  storeUpload(eventId: string, data: Buffer, contentType: string): Promise<string>;

  /** A limit shared by every web process, named `name` (points per `durationSeconds`). */
  sharedLimiter(name: string, points: number, durationSeconds: number): SharedLimiter;
  /** The client's address, believing X-Forwarded-For only through the trusted proxies (TRUST_PROXY). */
  clientAddress(request: IncomingMessage): string;
  /** A socket command: zod-validated, always acknowledged `{ ok, data | error }`, unexpected errors logged. */
  command<T extends z.ZodType>(socket: CommandSocket, name: string, schema: T, handler: (payload: z.infer<T>) => Promise<unknown>): void;
  /** Whether a short answer is a yes (and not a no): "yes please", "sure", "ok". */
  meansYes(text: string): boolean;
}

/** How a channel's adapter reaches a resident's open realtime client (the webchat's browser). */
export interface ResidentRealtime {
  toResident(identityId: string, event: string, payload: unknown): void;
}

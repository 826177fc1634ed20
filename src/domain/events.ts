/**
 * Domain events, named `entity.verb_past`, fanned out to Socket.IO rooms by the broadcaster.
 * Payload shapes are the ones CONTRACT.md §3–4 gives.
 */
import type { Choice, MessageContext } from './messages';
import type { ConversationStatus } from './conversation';

export interface MessageCreatedPayload {
  id: string;
  seq: number;
  conversationId: string;
  sender: { kind: 'contact' | 'bot' | 'agent' | 'system'; name?: string };
  text: string;
  choices?: Choice[];
  /** Where the resident wrote it, e.g. a comment on a Page post. */
  context?: MessageContext;
  /** An agent's internal note (agents only). */
  internal?: boolean;
  /** Photos the resident sent; `/api/v1/media/…` URLs are fetched with the agent's token. */
  media?: Array<{ url: string; contentType?: string }>;
  /**
   * A place the resident shared: `text` is what came with it (the resident's words, a pin's
   * label); `address` is looked up from the point after the turn (src/geo), when a geocoder is set.
   */
  location?: { lat: number; lng: number; text?: string; address?: string };
  /** A step of a phone call (started, ended, no answer, chose a call-back). */
  call?: boolean;
  /** Bot messages: the flow (and step) that produced them. */
  flow?: { id: string; step?: string };
  createdAt: string;
}

export interface ConversationUpdatedPayload {
  conversationId: string;
  status: ConversationStatus;
  queue?: string;
  queuePosition?: number;
  agentName?: string;
  agentId?: string;
  handoffReason?: string;
  channel?: string;
  /** Phone conversations: the caller asked to be called back instead of holding. */
  callbackRequested?: boolean;
  outcome?: string;
}

export type DomainEvent =
  | { type: 'message.created'; conversationId: string; queue?: string; payload: MessageCreatedPayload }
  | { type: 'conversation.queued' | 'conversation.claimed' | 'conversation.updated'; conversationId: string; queue?: string; /** Whose queue: queue rooms are per council. */ councilId: string; payload: ConversationUpdatedPayload };

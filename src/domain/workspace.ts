/**
 * The agent workspace's vocabulary and view shapes, shared by the server (REST, sockets) and
 * the console (web/console, compiled by Vite): one place for the words agents read, so the
 * browser never copies them by hand. Types and plain constants only: no I/O, no zod.
 */
import type { ChannelCapabilities } from './channel';
import type { ChannelId } from './messages';
import type { ConversationStatus } from './conversation';
import type { MessageCreatedPayload } from './events';
import { dateFormat } from './calendar';

/**
 * One of the engine's channels as the console knows it (GET /api/v1/channels): its words come
 * from the channel itself (channels/<name>/), so the console names no channel.
 */
export interface ChannelInfo {
  id: ChannelId;
  /** In a sentence: "Website chat". */
  label: string;
  /** On a chart: "Webchat". */
  shortLabel: string;
  capabilities: ChannelCapabilities;
}
export const STATUS_LABELS: Record<ConversationStatus, string> = { bot: 'With the assistant', queued: 'Waiting', assigned: 'With an agent', resolved: 'Resolved' };
export const PRIORITY_LABELS: Record<number, string> = { 0: 'Safeguarding: take first', 1: 'Caller holding on the phone' };

/** A calendar date (YYYY-MM-DD) as staff read it: "Thursday 7 January 2027". */
export function calendarDay(iso: string): string {
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? iso : dateFormat('en-AU', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date);
}

/** A camping stay in words, wherever staff see a permit: "2 nights from Thursday 7 January 2027, 4 people". */
export function stayWords(stay: { arrive: string; nights: number; partySize?: number }): string {
  const people = stay.partySize === undefined ? '' : `, ${stay.partySize} ${stay.partySize === 1 ? 'person' : 'people'}`;
  return `${stay.nights} night${stay.nights === 1 ? '' : 's'} from ${calendarDay(stay.arrive)}${people}`;
}

export const RESOLVE_OUTCOMES = ['resolved', 'referred', 'no_response', 'duplicate', 'not_council'] as const;
export type ResolveOutcome = (typeof RESOLVE_OUTCOMES)[number];
export const OUTCOME_LABELS: Record<string, string> = {
  resolved: 'Resolved',
  referred: 'Referred to a team',
  no_response: 'No response from resident',
  duplicate: 'Duplicate',
  not_council: 'Not a council matter',
  abandoned: 'Hung up while waiting',
  moved_to_sms: 'Moved to SMS',
  moved_to_phone: 'Moved to a phone call',
  completed_by_bot: 'Completed by the assistant',
  completed_by_assistant: 'Completed by the assistant',
  closed_unfinished: 'Closed without finishing',
};

/** One person's journey (GET /contacts/{id}/journey): their conversations, reports and permits in time order. */
export interface JourneyItem {
  at: string;
  kind: 'conversation' | 'case' | 'permit';
  id: string;
  channel?: string;
  title: string;
  /**
   * How it ended or where it stands. Conversations: an agent's outcome (resolved, referred…),
   * abandoned (hung up waiting), moved_to_sms, completed_by_assistant, closed_unfinished, or the
   * status while open. Cases and permits: their status (received, fixed, booked, cancelled…).
   */
  outcome: string;
  endedAt?: string;
}

export const AGENT_ROLES = ['agent', 'supervisor', 'admin'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

/** The lists of the workspace's left pane. */
export const LIST_VIEWS = ['waiting', 'mine', 'open', 'resolved'] as const;
export type ListView = (typeof LIST_VIEWS)[number];
export const LIST_LABELS: Record<ListView, string> = { waiting: 'Waiting', mine: 'Mine', open: 'All open', resolved: 'Resolved' };

/** Delivery states of a reply, as agents read them. */
export const DELIVERY_LABELS: Record<string, string> = {
  pending: 'Sending…',
  sending: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  failed: 'Not sent',
  unknown: 'May not have been sent',
  received: '',
};

/** Why a reply failed, in words (the stored reason is a code and the provider's message). */
export function deliveryReason(error: string | undefined): string | undefined {
  if (!error) return undefined;
  if (error.startsWith('opted_out')) return 'The resident has opted out of messages (texted STOP).';
  if (error.startsWith('superseded_by_agent')) return 'Replaced by an agent reply before it went out.';
  if (error.startsWith('unknown_after_interruption')) return 'The send was cut off and the provider cannot tell us: check with the resident.';
  if (error.startsWith('outside_window')) return 'Outside the platform\'s reply window.';
  return error.replace(/^[a-z_]+: /, '');
}

/** One card in a list. */
export interface ListItem {
  id: string;
  channel: ChannelId;
  /** Whose conversation, for agents who serve several councils. */
  council?: { id: string; name: string };
  status: ConversationStatus;
  queue?: string;
  priority: number;
  queuedAt?: string;
  waitingSeconds?: number;
  /** Who: the contact's name, their number, or "Website visitor". */
  who: string;
  /** What the resident needs (the reason and the request in progress), not their last words. */
  need: string;
  preview?: string;
  unread: number;
  language?: string;
  callbackRequested?: boolean;
  assignee?: { id: string; name: string };
  updatedAt: string;
  resolvedAt?: string;
  outcome?: string;
}

export interface ListResult {
  view: ListView;
  items: ListItem[];
  counts: Record<ListView, number>;
}

/** A detail of the request in progress, readable: "Place: 12 Bay Road, Riverbend". */
export interface CapturedDetail {
  label: string;
  value: string;
}

export interface CaseSummary {
  reference: string;
  kind: 'report' | 'permit';
  title: string;
  status: string;
  statusText: string;
  summary: string;
  createdAt: string;
  /** `note` was sent to the resident; `internalNote` is for staff only. */
  history: Array<{ status: string; at: string; note?: string; internalNote?: string; by?: string }>;
  /** Reports only: who else is told of its changes (the reporter always is). */
  followers?: CaseFollower[];
}

/** Someone besides the reporter who is told when a report changes. */
export interface CaseFollower {
  /** Their channel identity (the id to remove them by). */
  id: string;
  label: string;
}

export interface PersonView {
  id: string;
  councilId: string;
  name: string | null;
  identities: Array<{ channel: ChannelId; address: string; label: string; optedOut: boolean; inboxId: string }>;
  languages: string[];
  conversations: Array<{ id: string; channel: ChannelId; status: ConversationStatus; createdAt: string; preview?: string; outcome?: string }>;
  cases: CaseSummary[];
  permits: CaseSummary[];
}

/** A message as the console shows it: the payload plus its delivery and where it was. */
export type ThreadMessage = MessageCreatedPayload & {
  deliveryStatus?: string;
  deliveryError?: string;
};

export interface OfferPayload {
  conversationId: string;
  queue: string;
  channel: string;
  preview?: string;
  offerId?: string;
  expiresAt?: string;
  timeoutSeconds?: number;
}

export interface SearchResult {
  conversations: Array<{ id: string; channel: ChannelId; status: ConversationStatus; who: string; need: string; updatedAt: string; matched: string }>;
  contacts: Array<{ id: string; name: string | null; addresses: string[]; matched: string; latestConversationId?: string }>;
}

export interface AgentAdminView {
  id: string;
  email: string;
  name: string;
  role: AgentRole;
  /** The councils this agent serves. */
  councils: string[];
  queues: string[];
  capacity: number;
  active: boolean;
  presence?: string;
  load?: number;
}

export interface WallboardView {
  at: string;
  serviceLevelTargetSeconds: number;
  queues: Array<{ queue: string; waiting: number; longestWaitSeconds: number }>;
  /** Waiting and longest wait per queue, every 15 minutes over the last hours. */
  history: Array<{ at: string; queues: Record<string, { waiting: number; longestWaitSeconds: number }> }>;
  serviceLevel: { answered: number; withinTarget: number; percent: number | null };
  agents: { available: number; busy: number; away: number; offline: number; list: Array<{ id: string; name: string; presence: string; load: number; capacity: number }> };
  today: { conversations: number; byAssistant: number; byPeople: number; resolvedByPeople: number };
  survey: { answered: number; average: number | null; counts: [number, number, number, number, number] };
}

/** Labels of captured details, by slot name, for the readable summary. */
export const SLOT_LABELS: Record<string, string> = {
  category: 'Problem',
  location: 'Place',
  address: 'Place',
  description: 'What they said',
  photoCount: 'Photos',
  campground: 'Campground',
  arrive: 'Arriving',
  nights: 'Nights',
  partySize: 'People',
  reference: 'Reference',
  followExisting: 'Following an existing report',
};

export const FLOW_LABELS: Record<string, string> = {
  'camping-permit': 'Booking a camping permit',
  'cancel-permit': 'Cancelling a camping permit',
  'report-issue': 'Reporting a problem',
  'case-status': 'Checking a report',
  faq: 'A question',
  welcome: 'At the menu',
};

/** How a shared place reads: the address looked up for it, else what came with it, else its coordinates. */
export function placeLabel(place: { lat: number; lng: number; text?: string; address?: string }): string {
  return place.address ?? place.text ?? `${place.lat.toFixed(5)}, ${place.lng.toFixed(5)}`;
}

/** A map link for a place (OpenStreetMap, opened in a new tab; nothing is loaded into the console). */
export function mapLink(lat: number, lng: number): string {
  return `https://www.openstreetmap.org/?mlat=${lat.toFixed(6)}&mlon=${lng.toFixed(6)}#map=18/${lat.toFixed(6)}/${lng.toFixed(6)}`;
}

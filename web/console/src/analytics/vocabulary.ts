/**
 * The analytics page's words for the server's vocabularies. The keys come from src/domain (journey
 * event types, handoff kinds), so a key added there fails the type check here until it has words.
 * The words themselves are the page's own: charts and summaries are short ("Camping permits") where
 * the workspace's FLOW_LABELS read as sentences. Channels bring their own short names ("Webchat",
 * GET /api/v1/channels), so a new channel needs nothing here.
 */
import { MAIN_FLOW_ID } from '../../../../src/domain/flow';
import type { HandoffKind, JourneyEventType } from '../../../../src/domain/journey';

/** The services one can filter the figures by, in the order the form lists them. */
export const FILTER_FLOWS = ['camping-permit', 'faq', 'report-issue', 'case-status'] as const;
export type FilterFlow = (typeof FILTER_FLOWS)[number];
export const FLOWS: Record<FilterFlow | 'cancel-permit' | typeof MAIN_FLOW_ID, string> = {
  'camping-permit': 'Camping permits',
  faq: 'Questions',
  'report-issue': 'Reporting a problem',
  'case-status': 'Checking a report',
  'cancel-permit': 'Cancelling a permit',
  [MAIN_FLOW_ID]: 'Menu',
};

export const REASONS: Record<HandoffKind, string> = {
  asked: 'Asked for a person',
  button: 'Chose "Talk to a person"',
  not_understood: 'Not understood',
  safeguarding: 'Safeguarding',
  flow: 'A service passed them on',
  other: 'Other',
};

/** The flows' steps (slots), as funnels and journeys name them. */
export const STEPS: Record<string, string> = {
  partySize: 'Party size',
  arrive: 'Arrival date',
  nights: 'Nights',
  campground: 'Campground',
  confirm: 'Confirmation',
  category: 'Kind of problem',
  location: 'Place',
  photoCount: 'Photo',
  description: 'Description',
  followExisting: 'Follow an existing report',
  lookUp: 'Reference',
};

export const EVENTS: Record<JourneyEventType, string> = {
  'contact.started': 'Contact started',
  'flow.entered': 'Started',
  'step.reached': 'Reached',
  'flow.completed': 'Finished',
  'flow.abandoned': 'Left unfinished',
  'turn.understood': 'Understood',
  'turn.missed': 'Not understood',
  'handoff.requested': 'Asked for a person',
  'conversation.queued': 'Queued for a person',
  'conversation.offered': 'Offered to an agent',
  'conversation.claimed': 'Taken by an agent',
  'agent.first_reply': 'First reply from a person',
  'conversation.resolved': 'Closed',
  'survey.answered': 'Rated the service',
  'case.created': 'Report made',
  'case.looked_up': 'Report looked up',
  'case.status_changed': 'Report status changed',
  'case.closed': 'Report closed',
  'permit.issued': 'Permit issued',
  'permit.cancelled': 'Permit cancelled',
};

/** The word for `key` in `map`, else the key itself made readable. */
export function label(map: Readonly<Record<string, string>>, key: string): string {
  return map[key] || String(key).replace(/[-_]/g, ' ');
}

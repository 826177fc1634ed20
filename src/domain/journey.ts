/**
 * Journey events: what happened to a resident, one record per fact, in time order. They are
 * the engine's analytics stream and what outbound webhooks subscribe to. Written off the hot
 * path (the `journey-events` queue) under deterministic ids, so a replayed turn or a retried
 * job records each fact once.
 */

export const JOURNEY_EVENT_TYPES = [
  'contact.started',
  'flow.entered',
  'step.reached',
  'flow.completed',
  'flow.abandoned',
  'turn.understood',
  'turn.missed',
  'handoff.requested',
  'conversation.queued',
  'conversation.offered',
  'conversation.claimed',
  'agent.first_reply',
  'conversation.resolved',
  'survey.answered',
  'case.created',
  'case.looked_up',
  'case.status_changed',
  'case.closed',
  'permit.issued',
  'permit.cancelled',
] as const;
export type JourneyEventType = (typeof JOURNEY_EVENT_TYPES)[number];

/** Why a conversation reached a person, as a small fixed set (the free text stays on the conversation). */
export const HANDOFF_KINDS = ['asked', 'button', 'not_understood', 'safeguarding', 'flow', 'other'] as const;
export type HandoffKind = (typeof HANDOFF_KINDS)[number];

/** Who settled a conversation: the assistant, a person, or the resident leaving. */
export type ResolvedBy = 'assistant' | 'agent' | 'inactivity' | 'call_ended' | 'moved';

export interface JourneyEvent {
  /** Deterministic: the same fact always gets the same id. */
  id: string;
  type: JourneyEventType;
  at: Date;
  /** Order among events of the same instant (one turn's events share its time). */
  n?: number;
  councilId: string;
  contactId: string;
  conversationId?: string;
  channel?: string;
  flow?: string;
  step?: string;
  /** Small, typed facts per type: reason kind, outcome, score, reference, status, waits in ms. */
  data?: JourneyData;
}

export interface JourneyData {
  reason?: string;
  reasonKind?: HandoffKind;
  queue?: string;
  priority?: number;
  outcome?: string;
  by?: ResolvedBy;
  score?: number;
  reference?: string;
  category?: string;
  status?: string;
  agentId?: string;
  /** Milliseconds: first reply after the resident's first message, wait in the queue, reply after claim. */
  firstReplyMs?: number;
  waitMs?: number;
  /** Why a flow ended unfinished: the resident stopped, was handed over, or went quiet. */
  why?: 'stopped' | 'handed_over' | 'left' | 'not_found';
}

/** What handled a turn: a flow's step, a person (the bot stayed quiet), or the engine itself. */
export type HandledBy =
  | { kind: 'flow'; flow: string; step: string }
  | { kind: 'person' }
  | { kind: 'engine'; what: 'survey' | 'consent' | 'call' | 'safeguarding' | 'escalation' | 'phone_link' | 'interpreter' };

/** Classifies a free-text handoff reason (as handoff.ts and the runner word them). */
export function handoffKind(reason: string): HandoffKind {
  if (/^Safeguarding/i.test(reason)) return 'safeguarding';
  if (/pressed "Talk to a person"|chose to talk to a person|chose "Talk to a person"|pressed 0 for a person/i.test(reason)) return 'button';
  // Asking for a person in words, or for a call-back or a text instead of waiting.
  if (/asked for a person|call back|continue by text/i.test(reason)) return 'asked';
  if (/not understood/i.test(reason)) return 'not_understood';
  if (reason) return 'flow';
  return 'other';
}

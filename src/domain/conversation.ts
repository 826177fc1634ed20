/**
 * The conversation status machine. Status changes only through `nextStatus`, which checks
 * the allowed-transition table, so no code path can, say, resolve a conversation twice.
 */
import { ConflictError } from '../errors';
import type { ChannelId } from './messages';

export const conversationStatuses = ['bot', 'queued', 'assigned', 'resolved'] as const;
export type ConversationStatus = (typeof conversationStatuses)[number];

export type ConversationAction = 'escalate' | 'claim' | 'transfer' | 'reassign' | 'resolve' | 'return_to_bot';

const transitions: Record<ConversationAction, { from: ConversationStatus[]; to: ConversationStatus }> = {
  escalate: { from: ['bot'], to: 'queued' },
  claim: { from: ['queued'], to: 'assigned' },
  transfer: { from: ['queued', 'assigned'], to: 'queued' },
  /** A supervisor (or the holder) hands the conversation straight to a named agent. */
  reassign: { from: ['queued', 'assigned'], to: 'assigned' },
  resolve: { from: ['bot', 'queued', 'assigned'], to: 'resolved' },
  return_to_bot: { from: ['queued', 'assigned'], to: 'bot' },
};

/** The status after `action`, or a ConflictError naming why it is not allowed now. */
export function nextStatus(current: ConversationStatus, action: ConversationAction): ConversationStatus {
  const rule = transitions[action];
  if (!rule.from.includes(current)) {
    throw new ConflictError(
      current === 'assigned' && action === 'claim' ? 'already_claimed' : 'invalid_transition',
      current === 'assigned' && action === 'claim'
        ? 'Another agent has already claimed this conversation.'
        : `A ${current} conversation cannot ${action.replace(/_/g, ' ')}.`,
    );
  }
  return rule.to;
}

export interface FlowState {
  id: string;
  step: string;
  slots: Record<string, unknown>;
  /** Consecutive turns the bot did not understand; two in a row offer a person, a third queues one. */
  misses: number;
  /** The question last asked and the choices offered with it, so "2" or "yep" answers it. */
  asked?: { text?: string; choices?: Array<{ value: string; label: string }> };
  /** What the resident was offered this turn (the step's choices, or the runner's own questions). */
  offered?: Array<{ value: string; label: string }>;
  /** A message that looked like another request, waiting for "switch to it?". */
  switchTo?: { flowId: string; text: string };
  /** The flow set aside for another request, resumed when that one ends. */
  paused?: FlowState;
}

/** What the engine shows of a conversation (REST, sockets, adapters). */
export interface ConversationView {
  id: string;
  /** Whose conversation (CONTRACT.md §9). */
  councilId: string;
  status: ConversationStatus;
  channel: ChannelId;
  contactId: string;
  identityId: string;
  inboxId: string;
  queue?: string;
  assignee?: { id: string; name: string };
  handoffReason?: string;
  language?: string;
  priority?: number;
  queuedAt?: Date;
  callbackRequested?: boolean;
  outcome?: string;
  survey?: { askedAt?: Date; score?: number };
  flow?: { id: string; step: string; slots: Record<string, unknown> };
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Escalation to a person: what changes on the conversation and what the resident is told.
 * The message is honest about what happens next: their place in the queue during office
 * hours, or when the team is back (with the hours) when nobody is in.
 */
import { nextStatus, type ConversationStatus } from '../domain/conversation';
import type { ConversationUpdatedPayload, DomainEvent } from '../domain/events';
import { queuePriority } from '../ai/escalation';
import { shortHash } from '../ids';
import type { ConversationDoc } from '../models';
import type { WaitingLine } from '../queues/waiting-line';
import type { CouncilInfo } from '../services';
import { describeHours, isOpen, nextOpening } from './office-hours';

export const DEFAULT_QUEUE = 'general';

/** What a caller on the phone hears; the queue's own announcements give their place. */
export function spokenHandoffNotice(council: CouncilInfo, now: Date): string {
  if (isOpen(now, council.officeHours, council.timezone)) return 'Thanks. Please hold and the next available person will answer.';
  return `Our team is away right now and back ${nextOpening(now, council.officeHours, council.timezone)}. Our hours are ${describeHours(council.officeHours)}. To get a call back when we open, press 1. To continue by text message, press 2.`;
}

export function handoffNotice(council: CouncilInfo, position: number, now: Date): string {
  if (isOpen(now, council.officeHours, council.timezone)) {
    return position === 1
      ? "Thanks. I've asked a person to help. You're next in the queue and they'll reply here as soon as they're free."
      : `Thanks. I've asked a person to help. You're number ${position} in the queue. They'll reply here as soon as they're free.`;
  }
  return `Thanks. Our team is away right now and back ${nextOpening(now, council.officeHours, council.timezone)}. A person will reply here then, and your conversation is saved. Hours: ${describeHours(council.officeHours)}.`;
}

export interface Escalation {
  patch: Partial<ConversationDoc>;
  notice: string;
  events: DomainEvent[];
}

/**
 * Decides an escalation of `conversation` for `reason`, joining the council's waiting line for
 * the resident's place; `seed` makes the handoff id deterministic. `spoken`: the resident is on a live call.
 */
export async function escalate(
  council: CouncilInfo,
  line: WaitingLine,
  conversation: ConversationDoc,
  reason: string,
  seed: string,
  now: Date,
  options: { spoken?: boolean; residentText?: string; urgent?: boolean; language?: string; keepPlace?: { since: Date; priority: number } } = {},
): Promise<Escalation> {
  const { spoken = false, residentText = '', urgent = false, keepPlace } = options;
  const status: ConversationStatus = nextStatus(conversation.status as ConversationStatus, 'escalate');
  const queue = DEFAULT_QUEUE;
  const priority = urgent ? 0 : Math.min(queuePriority([residentText], spoken), keepPlace?.priority ?? Infinity);
  // A resident moving from one channel's queue to another keeps the wait they have already done.
  const queuedAt = keepPlace && keepPlace.since < now ? keepPlace.since : now;
  const position = await line.join({ councilId: conversation.councilId, queue, conversationId: conversation._id, priority, queuedAt });
  const payload: ConversationUpdatedPayload = {
    conversationId: conversation._id,
    status,
    queue,
    queuePosition: position,
    handoffReason: reason,
    channel: conversation.channel,
  };
  return {
    // The flow stops, but what it had captured (dates, address, category…) stays for the agent.
    patch: {
      status,
      queue,
      handoffId: shortHash(seed, 12),
      handoffReason: reason,
      queuedAt,
      flow: null,
      ...(conversation.flow ? { capturedFlow: conversation.flow } : {}),
      priority,
      ...(options.language && options.language !== 'en' ? { language: options.language } : {}),
    },
    notice: spoken ? spokenHandoffNotice(council, now) : handoffNotice(council, position, now),
    events: [
      { type: 'conversation.queued', conversationId: conversation._id, councilId: conversation.councilId, queue, payload },
      { type: 'conversation.updated', conversationId: conversation._id, councilId: conversation.councilId, queue, payload },
    ],
  };
}

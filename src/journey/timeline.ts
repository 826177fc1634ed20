/**
 * The single customer view as a timeline: every channel, conversation, case and permit of one
 * person, in time order, with the outcome of each, and the journey events behind them.
 * Visible to an agent who may see at least one of the person's conversations (as `GET /contacts/{id}`).
 */
import { canSee, type AgentPrincipal } from '../conversations/agent-actions';
import { stayWords, type JourneyItem } from '../domain/workspace';
import { Case, Contact, Conversation, Identity, JourneyEventRecord, Permit, type CaseDoc, type ConversationDoc } from '../models';

/** One conversation, case or permit on the timeline (the console shows the same shape). */
export type TimelineItem = JourneyItem;

export async function contactJourney(agent: AgentPrincipal, contactId: string) {
  const contact = await Contact.findById(contactId).lean();
  if (!contact) return undefined;
  const conversations = await Conversation.find({ contactId }).sort({ createdAt: 1 }).limit(500).lean<ConversationDoc[]>();
  if (!conversations.some((c) => canSee(agent, c))) return undefined;
  const [identities, cases, permits] = await Promise.all([
    Identity.find({ contactId }).lean(),
    Case.find({ contactId }).limit(500).lean<CaseDoc[]>(),
    Permit.find({ contactId }).limit(500).lean(),
  ]);
  // A chat linked to a phone number later keeps its events under its conversation's id.
  const events = await JourneyEventRecord.find({ $or: [{ contactId }, { conversationId: { $in: conversations.map((c) => c._id) } }] })
    .sort({ at: 1, n: 1 })
    .limit(5000)
    .lean();

  const iso = (d: unknown) => new Date(d as string).toISOString();
  // What the assistant finished for each conversation (a permit, an answer, a report, a status).
  const finished = new Set(events.filter((e) => e.type === 'flow.completed' && e.flow !== 'welcome').map((e) => e.conversationId));
  const outcomeOf = (c: ConversationDoc) => {
    if (c.outcome) return c.outcome;
    if (finished.has(c._id)) return 'completed_by_assistant';
    return c.status === 'resolved' ? 'closed_unfinished' : c.status;
  };
  const items: TimelineItem[] = [
    ...conversations.map((c) => ({
      at: iso(c.createdAt),
      kind: 'conversation' as const,
      id: c._id,
      channel: c.channel,
      title: c.handoffReason ? `Conversation (${c.handoffReason})` : 'Conversation',
      outcome: outcomeOf(c),
      ...(c.resolvedAt ? { endedAt: iso(c.resolvedAt) } : {}),
    })),
    ...cases.map((c) => ({ at: iso(c.createdAt), kind: 'case' as const, id: c._id, channel: c.channel, title: `Report: ${c.category}`, outcome: c.status })),
    ...permits.map((p) => ({ at: iso(p.createdAt), kind: 'permit' as const, id: p._id, title: `Camping permit: ${p.campgroundId}, ${stayWords(p)}`, outcome: p.status })),
  ].sort((a, b) => a.at.localeCompare(b.at) || a.kind.localeCompare(b.kind));

  return {
    contactId,
    name: contact.name ?? null,
    identities: identities.map((i) => ({ channel: i.channel, address: i.channelUserId })),
    items,
    events: events.map((e) => ({
      id: e._id,
      type: e.type,
      at: iso(e.at),
      ...(e.conversationId ? { conversationId: e.conversationId } : {}),
      ...(e.channel ? { channel: e.channel } : {}),
      ...(e.flow ? { flow: e.flow } : {}),
      ...(e.step ? { step: e.step } : {}),
      ...(e.data ? { data: e.data } : {}),
    })),
  };
}

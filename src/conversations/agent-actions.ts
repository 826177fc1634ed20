/**
 * What agents do to conversations: claim, reply, note, transfer, reassign, resolve, return to
 * the bot. Claims are races that exactly one agent wins: the winner is whoever inserts the
 * claim record `<conversation>-<handoff>` first (an atomic unique insert on MongoDB and
 * FerretDB). Capacity works the same way: holding a conversation means holding one of the
 * agent's numbered slots (see AgentSlot), so nobody goes over their limit, even racing.
 * Status changes take the resident's turn lease, so they never interleave with a bot turn.
 */
import { nextStatus, type ConversationAction, type ConversationStatus, type ConversationView } from '../domain/conversation';
import { AuthError, ConflictError, NotFoundError, ValidationError } from '../errors';
import { ids, shortHash } from '../ids';
import { Agent, AgentSlot, Claim, Conversation, Identity, Message, insertOnce, type AgentDoc, type ConversationDoc, type MessageDoc } from '../models';
import { nextSeq } from './message-seq';
import { messagePayload } from './view';
import { rooms } from '../realtime/publisher';
import { findInbox } from './inboxes';
import { offerToAvailableAgent, settleOffer } from './offers';
import type { Services } from '../services';
import { sendReply } from './outbox';
import { conversationUpdate, conversationView } from './view';

export type AgentPrincipal = Pick<AgentDoc, '_id' | 'name' | 'role' | 'queues'> & { councils?: string[] | null };

/** The councils an agent serves; a record from before councils were data served the default one. */
export const councilsOf = (agent: { councils?: string[] | null }): string[] => (agent.councils?.length ? agent.councils : ['default']);

/** The councils an agent serves that this engine has (a record may name one since taken out of TENANTS_FILE). */
export const servedCouncils = (services: Services, agent: { councils?: string[] | null }): string[] => councilsOf(agent).filter((id) => services.councils.has(id));

/** Whether the agent serves this council: nothing of any other council is theirs to see, by any route. */
export const servesCouncil = (agent: AgentPrincipal, councilId: string | null | undefined): boolean => Boolean(councilId && councilsOf(agent).includes(councilId));

export { RESOLVE_OUTCOMES as resolveOutcomes, type ResolveOutcome } from '../domain/workspace';
import type { ResolveOutcome } from '../domain/workspace';

/** Asked after an agent resolves a messaging conversation; the answer is a number 1–5. */
export const SURVEY_QUESTION = 'How did we do today? Reply with a number from 1 (poor) to 5 (very good).';

/** Takes one of the agent's capacity slots for the conversation (or finds the one it holds). */
export async function takeSlot(agentId: string, conversationId: string): Promise<void> {
  if (await AgentSlot.exists({ agentId, conversationId })) return;
  const agent = await Agent.findById(agentId).lean();
  const capacity = agent?.capacity ?? 3;
  for (let n = 0; n < capacity; n++) {
    if (await insertOnce(AgentSlot.create({ _id: `${agentId}-${n}`, agentId, conversationId }))) return;
  }
  throw new ConflictError('at_capacity', `You already have ${capacity} conversations open, your limit. Resolve or transfer one first.`);
}

export async function releaseSlots(conversationId: string): Promise<void> {
  await AgentSlot.deleteMany({ conversationId });
}

/** Agents see conversations of their councils in their queues (or assigned to them); supervisors and admins all of their councils'. */
export function canSee(agent: AgentPrincipal, conversation: ConversationDoc): boolean {
  if (!servesCouncil(agent, conversation.councilId)) return false;
  if (agent.role === 'admin' || agent.role === 'supervisor') return true;
  if (conversation.assigneeId === agent._id) return true;
  return Boolean(conversation.queue && agent.queues?.includes(conversation.queue));
}

export async function loadVisible(agent: AgentPrincipal, conversationId: string): Promise<ConversationDoc> {
  const conversation = await Conversation.findById(conversationId).lean<ConversationDoc>();
  // Same answer for "missing" and "not yours", so ids cannot be probed.
  if (!conversation || !canSee(agent, conversation)) throw new NotFoundError('That conversation');
  return conversation;
}

/** The journey fields every agent action's event carries. */
function journeyOf(c: ConversationDoc): { councilId: string; contactId: string; conversationId: string; channel: string } {
  return { councilId: c.councilId, contactId: c.contactId, conversationId: c._id, channel: c.channel };
}

export class AgentActions {
  constructor(private readonly services: Services) {}

  /** Changes status under the resident's lease, re-reading the conversation inside it. */
  private async transition(
    agent: AgentPrincipal,
    conversationId: string,
    action: ConversationAction,
    patch: (c: ConversationDoc) => Record<string, unknown>,
    check?: (c: ConversationDoc) => void,
  ): Promise<ConversationDoc> {
    const first = await loadVisible(agent, conversationId);
    const updated = await this.services.lease.hold(
      first.identityId,
      async () => {
        const current = await loadVisible(agent, conversationId);
        check?.(current);
        const status = nextStatus(current.status as ConversationStatus, action);
        const after = (await Conversation.findOneAndUpdate({ _id: conversationId }, { $set: { status, ...patch(current) } }, { new: true }).lean<ConversationDoc>())!;
        await this.services.waitingLine.follow(current, after, { councilId: after.councilId, conversationId });
        return after;
      },
      5000,
    );
    const event = { conversationId, councilId: updated.councilId, ...(updated.queue ? { queue: updated.queue } : {}), payload: conversationUpdate(updated) };
    this.services.broadcaster.publish({ type: 'conversation.updated', ...event }, updated.identityId, { toResident: true });
    return updated;
  }

  async claim(agent: AgentPrincipal, conversationId: string): Promise<ConversationView> {
    const conversation = await loadVisible(agent, conversationId);
    if (conversation.status === 'assigned' && conversation.assigneeId !== agent._id) {
      this.services.metrics.claims.inc({ outcome: 'lost' });
      throw new ConflictError('already_claimed', 'Another agent has already claimed this conversation.');
    }
    if (conversation.status !== 'queued' || !conversation.handoffId) {
      throw new ConflictError('invalid_transition', `A ${conversation.status} conversation cannot be claimed.`);
    }
    const claimId = ids.claim(conversationId, conversation.handoffId);
    await takeSlot(agent._id, conversationId);
    if (!(await insertOnce(Claim.create({ _id: claimId, conversationId, agentId: agent._id })))) {
      // The same agent retrying a claim it already won (e.g. after a crash) may go on.
      const existing = await Claim.findById(claimId).lean();
      if (existing?.agentId !== agent._id) {
        await AgentSlot.deleteMany({ agentId: agent._id, conversationId });
        this.services.metrics.claims.inc({ outcome: 'lost' });
        throw new ConflictError('already_claimed', 'Another agent has already claimed this conversation.');
      }
    }
    const updated = await this.transition(agent, conversationId, 'claim', () => ({ assigneeId: agent._id, assigneeName: agent.name, assignedAt: new Date() }));
    this.services.metrics.claims.inc({ outcome: 'won' });
    // An open offer ends: accepted when it was this agent's, withdrawn from anyone else.
    // Off the claim's path: a missed settle only leaves an offer that times out harmlessly.
    void settleOffer(this.services, conversationId, agent._id).catch((error: Error) => this.services.logger.warn({ err: error.message }, 'offer.settle_failed'));
    const waitMs = updated.queuedAt ? Math.max(0, new Date(updated.assignedAt!).getTime() - new Date(updated.queuedAt).getTime()) : undefined;
    await this.services.journal.note('conversation.claimed', claimId, { ...journeyOf(updated), at: new Date(updated.assignedAt!), data: { agentId: agent._id, ...(waitMs !== undefined ? { waitMs } : {}) } });
    this.services.broadcaster.publish(
      { type: 'conversation.claimed', conversationId, councilId: updated.councilId, ...(updated.queue ? { queue: updated.queue } : {}), payload: conversationUpdate(updated) },
      updated.identityId,
      { toResident: false },
    );
    await sendReply(this.services, updated, { kind: 'system' }, { text: `${agent.name} from ${this.services.councils.council(updated.councilId).name} has joined the conversation.` });
    await this.connectCall(agent, updated);
    return conversationView(updated);
  }

  /** A phone conversation: put the agent on the line (the waiting call, or a call-back). */
  private async connectCall(agent: AgentPrincipal, conversation: ConversationDoc): Promise<void> {
    const adapter = this.services.channels.get(conversation.channel);
    if (!adapter.connectAgent) return;
    const [profile, identity, inbox] = await Promise.all([
      Agent.findById(agent._id).lean(),
      Identity.findById(conversation.identityId).lean(),
      findInbox(conversation.inboxId),
    ]);
    const call = (conversation.call ?? {}) as { sid?: string; live?: boolean };
    try {
      await adapter.connectAgent({
        conversationId: conversation._id,
        voice: this.services.councils.council(conversation.councilId).voice,
        ...(call.live && call.sid ? { liveCallId: call.sid } : {}),
        residentAddress: identity?.channelUserId ?? '',
        councilAddress: inbox?.address ?? '',
        agent: { name: agent.name, ...(profile?.phone ? { phone: profile.phone } : {}), ...(profile?.clientIdentity ? { clientIdentity: profile.clientIdentity } : {}) },
      });
    } catch (error) {
      // The claim stands; the agent is told why the call did not come through.
      this.services.logger.warn({ conversationId: conversation._id, err: (error as Error).message }, 'voice.connect_failed');
      throw new ConflictError('call_not_connected', `You have claimed this call, but it could not be put through: ${(error as Error).message}`);
    }
  }

  async reply(agent: AgentPrincipal, conversationId: string, text: string): Promise<{ messageId: string }> {
    const conversation = await loadVisible(agent, conversationId);
    if (conversation.status !== 'assigned' || conversation.assigneeId !== agent._id) {
      throw new ConflictError('not_assigned', 'Claim this conversation before replying.');
    }
    const { capabilities } = this.services.channels.get(conversation.channel);
    if (capabilities.delivery === 'response') {
      throw new ValidationError('This resident is on a phone call: talk to them on the call. To write to them, ask if they would like a text message.', 'phone_call');
    }
    const limit = capabilities.maxTextLength;
    if (text.length > limit) {
      throw new ValidationError(`Replies on ${conversation.channel} can be up to ${limit} characters; this one has ${text.length}. Please shorten it or send it in parts.`, 'message_too_long');
    }
    const message = await sendReply(this.services, conversation, { kind: 'agent', id: agent._id, name: agent.name }, { text });
    // The first reply of this handoff (later ones hit the same id and are dropped).
    const since = conversation.queuedAt ?? conversation.assignedAt;
    await this.services.journal.note('agent.first_reply', `${conversationId}-${conversation.handoffId ?? 'direct'}`, {
      ...journeyOf(conversation),
      at: new Date(message.createdAt),
      data: { agentId: agent._id, ...(since ? { waitMs: Math.max(0, new Date(message.createdAt).getTime() - new Date(since).getTime()) } : {}) },
    });
    return { messageId: message._id };
  }

  async resolve(agent: AgentPrincipal, conversationId: string, outcome: ResolveOutcome = 'resolved'): Promise<ConversationView> {
    const messaging = (c: ConversationDoc) => this.services.channels.get(c.channel).capabilities.delivery !== 'response';
    const updated = await this.transition(
      agent,
      conversationId,
      'resolve',
      (c) => ({ resolvedAt: new Date(), outcome, ...(messaging(c) ? { survey: { askedAt: new Date() } } : {}) }),
      (c) => this.assertOwnerOrSupervisor(agent, c),
    );
    await releaseSlots(conversationId);
    await this.services.journal.note('conversation.resolved', conversationId, { ...journeyOf(updated), at: new Date(updated.resolvedAt!), data: { outcome, by: 'agent', agentId: agent._id } });
    if (messaging(updated)) {
      // One message, so an SMS resident gets one text: the goodbye and the one-question survey.
      await sendReply(this.services, updated, { kind: 'system' }, { text: `This conversation is now closed. Thanks for contacting us. ${SURVEY_QUESTION}` });
    }
    return conversationView(updated);
  }

  /** An internal note: stored in the timeline, shown to agents only, never sent to the resident. */
  async note(agent: AgentPrincipal, conversationId: string, text: string): Promise<{ messageId: string }> {
    const conversation = await loadVisible(agent, conversationId);
    const now = new Date();
    const note = {
      _id: `note-${shortHash(`${conversationId}-${agent._id}-${now.getTime()}-${Math.random()}`, 20)}`,
      conversationId,
      identityId: conversation.identityId,
      seq: await nextSeq(this.services.redis, this.services.config.QUEUE_PREFIX, conversation.identityId),
      direction: 'outbound' as const,
      channel: conversation.channel,
      sender: { kind: 'agent' as const, id: agent._id, name: agent.name },
      text,
      internal: true,
      deliveryStatus: 'sent' as const,
      createdAt: now,
      updatedAt: now,
    } as MessageDoc;
    await Message.create(note);
    this.services.broadcaster.toAgents([rooms.conversation(conversationId)], 'message.created', messagePayload(note));
    return { messageId: note._id };
  }

  /** Hands the conversation straight to `targetId` (supervisors, or the agent holding it). */
  async reassign(agent: AgentPrincipal, conversationId: string, targetId: string): Promise<ConversationView> {
    const target = await Agent.findById(targetId).lean();
    if (!target) throw new NotFoundError('That agent');
    const current = await loadVisible(agent, conversationId);
    if (agent.role === 'agent' && current.assigneeId !== agent._id) throw new AuthError('Only a supervisor can reassign a conversation you do not hold.', 'forbidden', 403);
    await takeSlot(target._id, conversationId);
    try {
      const updated = await this.transition(agent, conversationId, 'reassign', () => ({
        assigneeId: target._id,
        assigneeName: target.name,
        assignedAt: new Date(),
        // A fresh handoff: nobody can claim it from the queue any more.
        handoffId: shortHash(`${conversationId}-reassign-${Date.now()}-${Math.random()}`, 12),
      }));
      await AgentSlot.deleteMany({ conversationId, agentId: { $ne: target._id } });
      this.services.broadcaster.publish({ type: 'conversation.claimed', conversationId, councilId: updated.councilId, ...(updated.queue ? { queue: updated.queue } : {}), payload: conversationUpdate(updated) }, updated.identityId, { toResident: false });
      this.services.broadcaster.toAgents([rooms.agent(target._id)], 'conversation.assigned', conversationUpdate(updated));
      await sendReply(this.services, updated, { kind: 'system' }, { text: `${target.name} from ${this.services.councils.council(updated.councilId).name} has joined the conversation.` });
      return conversationView(updated);
    } catch (error) {
      await AgentSlot.deleteMany({ agentId: target._id, conversationId });
      throw error;
    }
  }

  async returnToBot(agent: AgentPrincipal, conversationId: string): Promise<ConversationView> {
    const updated = await this.transition(
      agent,
      conversationId,
      'return_to_bot',
      () => ({ assigneeId: null, assigneeName: null, assignedAt: null, handoffId: null, flow: null }),
      (c) => this.assertOwnerOrSupervisor(agent, c),
    );
    await releaseSlots(conversationId);
    await sendReply(this.services, updated, { kind: 'system' }, { text: "You're back with the assistant. Type \"menu\" to see what it can help with, or \"agent\" for a person." });
    return conversationView(updated);
  }

  async transfer(agent: AgentPrincipal, conversationId: string, queue: string): Promise<ConversationView> {
    // The queue must be one of the conversation's own council (a shared service's councils each have theirs).
    const current = await loadVisible(agent, conversationId);
    if (!this.services.councils.council(current.councilId).queues.includes(queue)) throw new NotFoundError(`The queue "${queue}"`);
    const updated = await this.transition(
      agent,
      conversationId,
      'transfer',
      (c) => ({ queue, queuedAt: new Date(), handoffId: shortHash(`${c._id}-${Date.now()}-${Math.random()}`, 12), assigneeId: null, assigneeName: null, assignedAt: null }),
      (c) => this.assertOwnerOrSupervisor(agent, c),
    );
    await releaseSlots(conversationId);
    await this.services.journal.note('conversation.queued', `${conversationId}-${updated.handoffId}`, { ...journeyOf(updated), data: { queue, reason: `Transferred to ${queue}`, reasonKind: 'other', priority: updated.priority ?? 2 } });
    this.services.broadcaster.publish({ type: 'conversation.queued', conversationId, councilId: updated.councilId, queue, payload: conversationUpdate(updated) }, updated.identityId, { toResident: false });
    void offerToAvailableAgent(this.services, { conversationId, queue, channel: updated.channel, ...(updated.lastResidentText ? { preview: updated.lastResidentText } : {}) }).catch((error: Error) => this.services.logger.warn({ err: error.message }, 'offer.failed'));
    return conversationView(updated);
  }

  private assertOwnerOrSupervisor(agent: AgentPrincipal, c: ConversationDoc): void {
    if (c.status === 'assigned' && c.assigneeId !== agent._id && agent.role === 'agent') {
      throw new AuthError('Only the assigned agent or a supervisor can do that.', 'forbidden', 403);
    }
  }
}


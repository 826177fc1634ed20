/**
 * What agents do to conversations: claim, reply, transfer, resolve, return to the bot.
 * Claims are races that exactly one agent wins: the winner is whoever inserts the claim
 * record `<conversation>-<handoff>` first (an atomic unique insert on MongoDB and FerretDB).
 * Status changes take the resident's turn lease, so they never interleave with a bot turn.
 */
import { nextStatus, type ConversationAction, type ConversationStatus, type ConversationView } from '../domain/conversation';
import { AuthError, ConflictError, NotFoundError, ValidationError } from '../errors';
import { ids, shortHash } from '../ids';
import { Agent, Claim, Conversation, Identity, insertOnce, type AgentDoc, type ConversationDoc } from '../models';
import { findInbox } from './inboxes';
import type { Services } from '../services';
import { sendReply } from './outbox';
import { conversationUpdate, conversationView } from './view';

export type AgentPrincipal = Pick<AgentDoc, '_id' | 'name' | 'role' | 'queues'>;

/** Agents see conversations in their queues (or assigned to them); supervisors and admins see all. */
export function canSee(agent: AgentPrincipal, conversation: ConversationDoc): boolean {
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
        return (await Conversation.findOneAndUpdate({ _id: conversationId }, { $set: { status, ...patch(current) } }, { new: true }).lean<ConversationDoc>())!;
      },
      5000,
    );
    const event = { conversationId, ...(updated.queue ? { queue: updated.queue } : {}), payload: conversationUpdate(updated) };
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
    if (!(await insertOnce(Claim.create({ _id: claimId, conversationId, agentId: agent._id })))) {
      // The same agent retrying a claim it already won (e.g. after a crash) may go on.
      const existing = await Claim.findById(claimId).lean();
      if (existing?.agentId !== agent._id) {
        this.services.metrics.claims.inc({ outcome: 'lost' });
        throw new ConflictError('already_claimed', 'Another agent has already claimed this conversation.');
      }
    }
    const updated = await this.transition(agent, conversationId, 'claim', () => ({ assigneeId: agent._id, assigneeName: agent.name, assignedAt: new Date() }));
    this.services.metrics.claims.inc({ outcome: 'won' });
    this.services.broadcaster.publish(
      { type: 'conversation.claimed', conversationId, ...(updated.queue ? { queue: updated.queue } : {}), payload: conversationUpdate(updated) },
      updated.identityId,
      { toResident: false },
    );
    await sendReply(this.services, updated, { kind: 'system' }, { text: `${agent.name} from ${this.services.council.name} has joined the conversation.` });
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
        ...(call.live && call.sid ? { liveCallSid: call.sid } : {}),
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
    return { messageId: message._id };
  }

  async resolve(agent: AgentPrincipal, conversationId: string): Promise<ConversationView> {
    const updated = await this.transition(agent, conversationId, 'resolve', () => ({ resolvedAt: new Date() }), (c) => this.assertOwnerOrSupervisor(agent, c));
    await sendReply(this.services, updated, { kind: 'system' }, { text: 'This conversation is now closed. Thanks for contacting us. Message again any time.' });
    return conversationView(updated);
  }

  async returnToBot(agent: AgentPrincipal, conversationId: string): Promise<ConversationView> {
    const updated = await this.transition(
      agent,
      conversationId,
      'return_to_bot',
      () => ({ assigneeId: null, assigneeName: null, assignedAt: null, handoffId: null, flow: null }),
      (c) => this.assertOwnerOrSupervisor(agent, c),
    );
    await sendReply(this.services, updated, { kind: 'system' }, { text: "You're back with the assistant. Type \"menu\" to see what it can help with, or \"agent\" for a person." });
    return conversationView(updated);
  }

  async transfer(agent: AgentPrincipal, conversationId: string, queue: string): Promise<ConversationView> {
    if (!this.services.council.queues.includes(queue)) throw new NotFoundError(`The queue "${queue}"`);
    const updated = await this.transition(
      agent,
      conversationId,
      'transfer',
      (c) => ({ queue, queuedAt: new Date(), handoffId: shortHash(`${c._id}-${Date.now()}-${Math.random()}`, 12), assigneeId: null, assigneeName: null, assignedAt: null }),
      (c) => this.assertOwnerOrSupervisor(agent, c),
    );
    this.services.broadcaster.publish({ type: 'conversation.queued', conversationId, queue, payload: conversationUpdate(updated) }, updated.identityId, { toResident: false });
    return conversationView(updated);
  }

  private assertOwnerOrSupervisor(agent: AgentPrincipal, c: ConversationDoc): void {
    if (c.status === 'assigned' && c.assigneeId !== agent._id && agent.role === 'agent') {
      throw new AuthError('Only the assigned agent or a supervisor can do that.', 'forbidden', 403);
    }
  }
}


/**
 * The `/agents` Socket.IO namespace (CONTRACT.md §4). The handshake must carry a valid
 * bearer token; every command re-checks what the agent may see, so guessing a
 * conversation id gets nothing.
 */
import { sameOrigin } from '../http/origins';
import type { Server } from 'socket.io';
import { z } from 'zod';
import { authenticate } from '../agents/auth';
import { AgentActions, canSee, councilsOf, loadVisible, servedCouncils, resolveOutcomes, type AgentPrincipal } from '../conversations/agent-actions';
import { agentQueue, presenceOf, setPresence, type Presence } from '../conversations/queue-view';
import { conversationView, messagePayload } from '../conversations/view';
import { addressLabel, capturedDetails, councilLabel, listConversations, markRead, whoLabel } from '../conversations/workspace-view';
import { declineOffer } from '../conversations/offers';
import { LIST_VIEWS } from '../domain/workspace';
import { AuthError, NotFoundError, publicError } from '../errors';
import { Contact, Conversation, Identity, Message, type ConversationDoc, type MessageDoc } from '../models';
import type { Services } from '../services';
import { audit } from '../privacy/audit';
import { onCommand } from './socket-commands';
import { rooms } from './publisher';

const conversationId = z.string().min(1).max(100);

export function mountAgentsNamespace(io: Server, services: Services, actions: AgentActions, publicUrl: () => string): void {
  const namespace = io.of('/agents');

  namespace.use(async (socket, next) => {
    try {
      // CORS does not guard WebSocket upgrades: refuse browsers on other sites (no Origin = not a browser).
      const origin = socket.handshake.headers.origin;
      const ownOrigin = new URL(publicUrl()).origin;
      if (origin && !sameOrigin(origin, ownOrigin)) {
        throw new AuthError('This console only accepts connections from its own site.', 'forbidden_origin', 403);
      }
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      const { agent, expiresAt, sessionId } = await authenticate(typeof token === 'string' ? token : undefined);
      if (agent.mustChangePassword) throw new AuthError('Choose your own password first.', 'password_change_required', 403);
      socket.data.agent = { _id: agent._id, name: agent.name, role: agent.role, queues: agent.queues, councils: agent.councils ?? null } satisfies AgentPrincipal;
      socket.data.sessionId = sessionId;
      // The socket ends when the sign-in does.
      const timer = setTimeout(() => socket.disconnect(true), Math.max(0, expiresAt.getTime() - Date.now()));
      timer.unref();
      socket.once('disconnect', () => clearTimeout(timer));
      next();
    } catch (error) {
      next(Object.assign(new Error(publicError(error).message), { data: publicError(error) }));
    }
  });

  namespace.on('connection', (socket) => {
    const agent = socket.data.agent as AgentPrincipal;
    const supervising = agent.role !== 'agent';
    // Queue rooms are per council: an agent hears only of the councils they serve.
    const councils = servedCouncils(services, agent);
    const queueRooms = councils.flatMap((id) => (supervising ? services.councils.council(id).queues : (agent.queues ?? [])).map((q) => rooms.queue(id, q)));
    const supervisorRooms = councils.map(rooms.supervisors);
    void socket.join([rooms.agent(agent._id), rooms.session(socket.data.sessionId as string), ...queueRooms, ...(supervising ? supervisorRooms : [])]);
    const { logger } = services;
    const announcePresence = (presence: Presence) =>
      services.broadcaster.toAgents([...supervisorRooms, rooms.agent(agent._id)], 'agent.presence', { agentId: agent._id, name: agent.name, presence });
    // Connecting makes an offline agent available; "away" is kept across reconnections, and this
    // console is told which (so its status menu never shows "Available" to an agent who is away).
    void presenceOf(services).then(async (all) => {
      const kept = all[agent._id];
      if (!kept || kept === 'offline') {
        await setPresence(services, agent._id, 'available');
        announcePresence('available');
      } else {
        socket.emit('agent.presence', { agentId: agent._id, name: agent.name, presence: kept });
      }
    }).catch((error: Error) => logger.warn({ err: error.message }, 'presence.failed'));
    socket.on('disconnect', () => {
      void namespace.in(rooms.agent(agent._id)).fetchSockets().then(async (left) => {
        if (left.length > 0) return;
        await setPresence(services, agent._id, 'offline');
        announcePresence('offline');
      }).catch((error: Error) => logger.warn({ err: error.message }, 'presence.failed'));
    });

    /** Every change an agent makes to a resident's conversation is on the audit log. */
    const audited = async <T>(action: string, id: string, work: () => Promise<T>): Promise<T> => {
      const result = await work();
      const conversation = await Conversation.findById(id, { contactId: 1 }).lean();
      await audit(agent, action, conversation?.contactId, id);
      return result;
    };

    onCommand(socket, logger, 'agent.presence', z.object({ presence: z.enum(['available', 'away']) }), async ({ presence }) => {
      await setPresence(services, agent._id, presence);
      announcePresence(presence);
      return { presence };
    });
    onCommand(socket, logger, 'queue.list', z.object({}), () => agentQueue(agent));
    /** The workspace's lists: Waiting, Mine, All open, Resolved, filtered by queue and channel. */
    onCommand(
      socket,
      logger,
      'conversation.list',
      z.object({ view: z.enum(LIST_VIEWS).default('waiting'), queue: z.string().min(1).max(50).optional(), channel: z.string().min(1).max(20).optional(), councilId: z.string().min(1).max(40).optional() }),
      ({ view, queue, channel, councilId }) => listConversations(services, agent, view, { queue, channel, councilId }),
    );
    /** The agent has read the conversation up to `seq` (its unread count clears). */
    onCommand(socket, logger, 'conversation.read', z.object({ conversationId, seq: z.number().int().min(0) }), async ({ conversationId: id, seq }) => {
      await loadVisible(agent, id);
      await markRead(services, agent._id, id, seq);
      return { seq };
    });
    /** Accepts a timed offer: the conversation is claimed (the offer is settled by the claim). */
    onCommand(socket, logger, 'offer.accept', z.object({ conversationId }), async ({ conversationId: id }) => {
      const view = await audited('conversation.claim', id, () => actions.claim(agent, id));
      await socket.join(rooms.conversation(id));
      return view;
    });
    /** Declines a timed offer: recorded, and the conversation is offered to the next agent. */
    onCommand(socket, logger, 'offer.decline', z.object({ conversationId }), async ({ conversationId: id }) => {
      await loadVisible(agent, id);
      return { declined: await declineOffer(services, agent._id, id) };
    });
    /** Takes the conversation at the head of the agent's queues (priority, then longest wait). */
    onCommand(socket, logger, 'queue.next', z.object({}), async () => {
      const { waiting } = await agentQueue(agent);
      for (const next of waiting) {
        try {
          const view = await audited('conversation.claim', next.id, () => actions.claim(agent, next.id));
          await socket.join(rooms.conversation(next.id));
          return view;
        } catch (error) {
          if ((error as { code?: string }).code !== 'already_claimed') throw error;
        }
      }
      throw new NotFoundError('A waiting conversation');
    });
    onCommand(socket, logger, 'conversation.claim', z.object({ conversationId }), async ({ conversationId: id }) => {
      const view = await audited('conversation.claim', id, () => actions.claim(agent, id));
      await socket.join(rooms.conversation(id));
      return view;
    });
    onCommand(socket, logger, 'message.send', z.object({ conversationId, text: z.string().trim().min(1).max(4000) }), ({ conversationId: id, text }) =>
      audited('conversation.reply', id, () => actions.reply(agent, id, text)),
    );
    onCommand(socket, logger, 'conversation.note', z.object({ conversationId, text: z.string().trim().min(1).max(4000) }), ({ conversationId: id, text }) =>
      audited('conversation.note', id, () => actions.note(agent, id, text)),
    );
    onCommand(
      socket,
      logger,
      'conversation.transfer',
      z.object({ conversationId, queue: z.string().min(1).max(50).optional(), agentId: z.string().min(1).max(100).optional() }).refine((p) => Boolean(p.queue) !== Boolean(p.agentId), 'name either a queue or an agent'),
      ({ conversationId: id, queue, agentId }) => audited('conversation.transfer', id, () => (agentId ? actions.reassign(agent, id, agentId) : actions.transfer(agent, id, queue!))),
    );
    onCommand(socket, logger, 'conversation.resolve', z.object({ conversationId, outcome: z.enum(resolveOutcomes).optional() }), ({ conversationId: id, outcome }) =>
      audited('conversation.resolve', id, () => actions.resolve(agent, id, outcome)),
    );
    onCommand(socket, logger, 'conversation.return_to_bot', z.object({ conversationId }), ({ conversationId: id }) => audited('conversation.return_to_bot', id, () => actions.returnToBot(agent, id)));
    /** Opens a conversation: joins its room and returns it with its whole timeline and the person's other conversations. */
    onCommand(socket, logger, 'conversation.open', z.object({ conversationId }), async ({ conversationId: id }) => {
      const conversation = await loadVisible(agent, id);
      await socket.join(rooms.conversation(id));
      const [messages, identity, others, contact] = await Promise.all([
        Message.find({ conversationId: id }).sort({ seq: 1 }).limit(1000).lean<MessageDoc[]>(),
        Identity.findById(conversation.identityId).lean(),
        Conversation.find({ contactId: conversation.contactId, _id: { $ne: id } }).sort({ createdAt: -1 }).limit(20).lean<ConversationDoc[]>(),
        Contact.findById(conversation.contactId, { name: 1 }).lean(),
      ]);
      // A short summary for the agent taking over: the model's (redacted, cached) when configured,
      // else what the resident said last.
      // A call's steps (started, ended) are the phone's doing, not the resident's words.
      const residentSaid = messages.filter((m) => m.sender?.kind === 'contact' && m.text && (m.content as { kind?: string } | undefined)?.kind !== 'call').map((m) => m.text!);
      let summary = conversation.handoverSummary ?? undefined;
      if (!summary && services.llm && conversation.status !== 'bot' && residentSaid.length > 0) {
        summary = await services.llm.summarise(messages.filter((m) => !m.internal).slice(-20).map((m) => `${m.sender?.kind === 'contact' ? 'Resident' : 'Council'}: ${m.text ?? ''}`));
        if (summary) await Conversation.updateOne({ _id: id }, { $set: { handoverSummary: summary } });
      }
      await audit(agent, 'conversation.read', conversation.contactId, id);
      await markRead(services, agent._id, id, conversation.lastResidentSeq ?? 0);
      const flow = (conversation.flow ?? conversation.capturedFlow) as { id: string; slots?: Record<string, unknown> } | null | undefined;
      const council = councilLabel(services, agent, conversation.councilId);
      return {
        conversation: conversationView(conversation),
        who: whoLabel(services.channels, contact?.name, identity ?? undefined, conversation.channel),
        ...(council ? { councilName: council.name } : {}),
        captured: capturedDetails(services, conversation.councilId, flow),
        summary: summary ?? residentSaid.slice(-3).join(' / '),
        // The console labels a model's summary as generated, never as the resident's words.
        summarySource: summary ? 'generated' : 'resident',
        messages: messages.map((m) => ({ ...messagePayload(m), deliveryStatus: m.deliveryStatus, ...(m.deliveryError ? { deliveryError: m.deliveryError } : {}) })),
        resident: { channel: conversation.channel, address: identity ? addressLabel(services.channels, identity) : '', optedOut: Boolean(identity?.optedOut) },
        otherConversations: others.filter((c) => canSee(agent, c)).map((c) => ({ id: c._id, channel: c.channel, status: c.status, createdAt: c.createdAt, ...(c.lastResidentText ? { preview: c.lastResidentText } : {}) })),
      };
    });
    /** Typing indicator for the resident (webchat shows it). */
    onCommand(socket, logger, 'typing', z.object({ conversationId, typing: z.boolean() }), async ({ conversationId: id, typing }) => {
      const conversation = await loadVisible(agent, id);
      // Channels that deliver to the resident's open client (capability `delivery: 'realtime'`) show it.
      if (services.channels.all().some((c) => c.id === conversation.channel && c.capabilities.delivery === 'realtime')) services.broadcaster.toResident(conversation.identityId, 'agent.typing', { conversationId: id, typing, name: agent.name });
      return { typing };
    });
  });
}

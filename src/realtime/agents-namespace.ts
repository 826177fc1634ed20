/**
 * The `/agents` Socket.IO namespace (CONTRACT.md §4). The handshake must carry a valid
 * bearer token; every command re-checks what the agent may see, so guessing a
 * conversation id gets nothing.
 */
import type { Server } from 'socket.io';
import { z } from 'zod';
import { authenticate } from '../agents/auth';
import { AgentActions, loadVisible, type AgentPrincipal } from '../conversations/agent-actions';
import { conversationView, messagePayload } from '../conversations/view';
import { AuthError, publicError } from '../errors';
import { Message, type MessageDoc } from '../models';
import type { Services } from '../services';
import { onCommand } from './socket-commands';
import { rooms } from './publisher';

const conversationId = z.string().min(1).max(100);

export function mountAgentsNamespace(io: Server, services: Services, actions: AgentActions, publicUrl: string): void {
  const namespace = io.of('/agents');
  const ownOrigin = new URL(publicUrl).origin;

  namespace.use(async (socket, next) => {
    try {
      // CORS does not guard WebSocket upgrades: refuse browsers on other sites (no Origin = not a browser).
      const origin = socket.handshake.headers.origin;
      if (origin && origin !== ownOrigin && !isLoopbackOrigin(origin, ownOrigin)) {
        throw new AuthError('This console only accepts connections from its own site.', 'forbidden_origin', 403);
      }
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      const { agent, expiresAt } = await authenticate(typeof token === 'string' ? token : undefined);
      socket.data.agent = { _id: agent._id, name: agent.name, role: agent.role, queues: agent.queues } satisfies AgentPrincipal;
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
    const queues = agent.role === 'agent' ? (agent.queues ?? []) : services.council.queues;
    void socket.join([rooms.agent(agent._id), ...queues.map(rooms.queue)]);
    const { logger } = services;

    onCommand(socket, logger, 'conversation.claim', z.object({ conversationId }), async ({ conversationId: id }) => {
      const view = await actions.claim(agent, id);
      await socket.join(rooms.conversation(id));
      return view;
    });
    onCommand(socket, logger, 'message.send', z.object({ conversationId, text: z.string().trim().min(1).max(4000) }), ({ conversationId: id, text }) =>
      actions.reply(agent, id, text),
    );
    onCommand(socket, logger, 'conversation.transfer', z.object({ conversationId, queue: z.string().min(1).max(50) }), ({ conversationId: id, queue }) =>
      actions.transfer(agent, id, queue),
    );
    onCommand(socket, logger, 'conversation.resolve', z.object({ conversationId }), ({ conversationId: id }) => actions.resolve(agent, id));
    onCommand(socket, logger, 'conversation.return_to_bot', z.object({ conversationId }), ({ conversationId: id }) => actions.returnToBot(agent, id));
    /** Opens a conversation: joins its room and returns it with its whole timeline. */
    onCommand(socket, logger, 'conversation.open', z.object({ conversationId }), async ({ conversationId: id }) => {
      const conversation = await loadVisible(agent, id);
      await socket.join(rooms.conversation(id));
      const messages = await Message.find({ conversationId: id }).sort({ seq: 1 }).limit(1000).lean<MessageDoc[]>();
      return { conversation: conversationView(conversation), messages: messages.map(messagePayload) };
    });
  });
}

/** localhost and 127.0.0.1 name the same local engine in development. */
function isLoopbackOrigin(origin: string, ownOrigin: string): boolean {
  const normalise = (o: string) => o.replace('://localhost', '://127.0.0.1');
  return normalise(origin) === normalise(ownOrigin);
}

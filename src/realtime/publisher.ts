/**
 * Emits to Socket.IO rooms from any process. Web processes use their own server (which
 * forwards through the Redis adapter); worker processes use the Redis emitter, so a reply
 * decided in a worker reaches a socket held by any web node.
 */
import { Emitter } from '@socket.io/redis-emitter';
import type { Server } from 'socket.io';
import type { Redis } from '../redis';

export type Namespace = 'agents' | 'webchat';

export interface RealtimePublisher {
  emit(namespace: Namespace, rooms: string[], event: string, payload: unknown): void;
  /** Closes every socket in the rooms, on whichever node holds it (e.g. at sign-out). */
  disconnect(namespace: Namespace, rooms: string[]): void;
}

/** How often a web node asks Redis how many web nodes there are (the adapter's `serverCount`). */
const PEER_CHECK_MS = 1000;

/**
 * Emits through the node's own server. While this is the only web node (the adapter's
 * `serverCount()` is 1, checked every second), an emit stays local: no Redis publish that
 * nobody would read. Worker processes publish through the emitter, which is unaffected.
 */
export function serverPublisher(io: Server): RealtimePublisher & { close(): void } {
  let alone = false;
  const check = async () => {
    const adapter = io.of('/webchat').adapter as { serverCount?: () => Promise<number> };
    alone = adapter.serverCount ? (await adapter.serverCount()) <= 1 : true;
  };
  const failSafe = () => (alone = false);
  void check().catch(failSafe);
  const timer = setInterval(() => void check().catch(failSafe), PEER_CHECK_MS);
  timer.unref();
  return {
    emit(namespace, rooms, event, payload) {
      if (rooms.length === 0) return;
      const nsp = io.of(`/${namespace}`);
      (alone ? nsp.local : nsp).to(rooms).emit(event, payload);
    },
    close: () => clearInterval(timer),
    disconnect(namespace, rooms) {
      if (rooms.length > 0) io.of(`/${namespace}`).in(rooms).disconnectSockets(true);
    },
  };
}

/** The Redis channel prefix shared by the web nodes' adapter and the workers' emitter. */
export const socketChannelKey = (prefix: string) => `${prefix}-socket.io`;

export function emitterPublisher(redis: Redis, prefix: string): RealtimePublisher {
  const emitter = new Emitter(redis, { key: socketChannelKey(prefix) });
  return {
    emit(namespace, rooms, event, payload) {
      if (rooms.length > 0) emitter.of(`/${namespace}`).to(rooms).emit(event, payload);
    },
    disconnect(namespace, rooms) {
      if (rooms.length > 0) emitter.of(`/${namespace}`).in(rooms).disconnectSockets(true);
    },
  };
}

/** Room names, in one place. */
export const rooms = {
  conversation: (id: string) => `conversation-${id}`,
  /** A council's queue: two councils' "general" queues are different rooms. */
  queue: (councilId: string, name: string) => `queue-${councilId}-${name}`,
  agent: (id: string) => `agent-${id}`,
  resident: (identityId: string) => `resident-${identityId}`,
  session: (sessionId: string) => `session-${sessionId}`,
  supervisors: (councilId: string) => `supervisors-${councilId}`,
};

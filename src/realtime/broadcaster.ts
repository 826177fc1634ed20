/**
 * Fans domain events out to the rooms that should see them: agents watching the
 * conversation or its queue, and the resident's own realtime client (webchat).
 */
import type { DomainEvent } from '../domain/events';
import { rooms, type RealtimePublisher } from './publisher';

export class Broadcaster {
  constructor(private readonly publisher: RealtimePublisher) {}

  /** `identityId` routes resident-visible events to the resident's room. */
  publish(event: DomainEvent, identityId: string, options: { toResident: boolean }): void {
    const agentRooms = [rooms.conversation(event.conversationId)];
    if (event.queue && 'councilId' in event) agentRooms.push(rooms.queue(event.councilId, event.queue));
    this.publisher.emit('agents', agentRooms, event.type, event.payload);
    if (options.toResident && event.type !== 'conversation.queued' && event.type !== 'conversation.claimed') {
      this.publisher.emit('webchat', [rooms.resident(identityId)], event.type, event.payload);
    }
  }

  /** Agent-only events (notes, typing, presence) to agents' rooms. */
  toAgents(agentRooms: string[], event: string, payload: unknown): void {
    this.publisher.emit('agents', agentRooms, event, payload);
  }

  /** Events for the resident's own realtime client (e.g. an agent typing). */
  toResident(identityId: string, event: string, payload: unknown): void {
    this.publisher.emit('webchat', [rooms.resident(identityId)], event, payload);
  }

  /** A deactivated agent: every console socket of theirs closes at once, on every node. */
  endAgent(agentId: string): void {
    this.publisher.disconnect('agents', [rooms.agent(agentId)]);
  }

  /** Sign-out: that session's console sockets close at once, on every node. */
  endSession(sessionId: string): void {
    this.publisher.disconnect('agents', [rooms.session(sessionId)]);
  }
}

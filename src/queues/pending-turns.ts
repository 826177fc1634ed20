/**
 * Each resident's waiting inbound events, oldest first, as a Redis sorted set scored by
 * arrival. It orders the drain without a sorted database query (FerretDB's SQLite backend
 * scans for anything but `_id`). The durable record is `PendingInbound` in the database:
 * the sweeper puts anything Redis lost back here.
 */
import type { Redis } from '../redis';

export class PendingTurns {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(identityId: string): string {
    return `${this.prefix}:pending:${identityId}`;
  }

  async add(identityId: string, eventId: string, arrival: number): Promise<void> {
    await this.redis.zadd(this.key(identityId), arrival, eventId);
  }

  async has(identityId: string, eventId: string): Promise<boolean> {
    return (await this.redis.zscore(this.key(identityId), eventId)) !== null;
  }

  async oldest(identityId: string, count: number): Promise<string[]> {
    return this.redis.zrange(this.key(identityId), 0, count - 1);
  }

  async remove(identityId: string, eventId: string): Promise<void> {
    await this.redis.zrem(this.key(identityId), eventId);
  }

  /**
   * The turn is done: takes the event off the resident's set, in one round trip with the
   * durable-mark check. Returns whether a durable PendingInbound record must also be deleted.
   */
  async finish(identityId: string, eventId: string): Promise<boolean> {
    const results = await this.redis.pipeline().srem(`${this.prefix}:durable-pending`, eventId).zrem(this.key(identityId), eventId).exec();
    if (!results) throw new Error('pending.finish: no reply');
    for (const [error] of results) if (error) throw error;
    return results[0]![1] === 1;
  }

  /** Notes that `eventId` also has a durable PendingInbound record (put back by the sweeper). */
  async markDurable(eventId: string): Promise<void> {
    await this.redis.sadd(`${this.prefix}:durable-pending`, eventId);
  }

  /** True once: whether the turn must also delete a durable PendingInbound record. */
  async takeDurable(eventId: string): Promise<boolean> {
    return (await this.redis.srem(`${this.prefix}:durable-pending`, eventId)) === 1;
  }
}

/**
 * Who is waiting for a person, per council and queue: one Redis sorted set each, ordered as
 * agents take them (priority first, then who has waited longest). A resident's place is a
 * `ZCOUNT` of those ahead, so it costs the same with ten conversations stored or ten million;
 * counting queued conversations in the database scanned the whole collection on FerretDB.
 *
 * A conversation joins when it is queued and leaves when it stops waiting (claimed, resolved,
 * handed back, moved to another queue, erased). The line only tells residents their place; who
 * is offered what still comes from the conversations themselves.
 */
import type { Redis } from '../redis';

/** KEYS: line. ARGV: score, member. Joins (or moves) and returns how many are ahead. */
const JOIN = `
redis.call('zadd', KEYS[1], ARGV[1], ARGV[2])
return redis.call('zcount', KEYS[1], '-inf', '(' .. ARGV[1])`;

export interface WaitingEntry {
  councilId: string;
  queue: string;
  conversationId: string;
  /** 0 is the most urgent. */
  priority: number;
  queuedAt: Date;
}

export class WaitingLine {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(councilId: string, queue: string): string {
    return `${this.prefix}:waiting:${councilId}:${queue}`;
  }

  /** Priority bands far apart, then milliseconds of waiting: one number sorts both. */
  private static score(entry: WaitingEntry): number {
    return entry.priority * 1e13 + entry.queuedAt.getTime();
  }

  /** Joins the line (again, harmlessly, on a replayed turn) and returns the place: everyone ahead, plus one. */
  async join(entry: WaitingEntry): Promise<number> {
    const ahead = (await this.redis.eval(JOIN, 1, this.key(entry.councilId, entry.queue), WaitingLine.score(entry), entry.conversationId)) as number;
    return ahead + 1;
  }

  async leave(councilId: string, queue: string, conversationId: string): Promise<void> {
    await this.redis.zrem(this.key(councilId, queue), conversationId);
  }

  /** Keeps the line in step with one conversation's change of status or queue. */
  async follow(before: { status?: string | null; queue?: string | null }, after: { status?: string | null; queue?: string | null; priority?: number | null; queuedAt?: Date | string | null }, ids: { councilId: string; conversationId: string }): Promise<void> {
    const wasWaiting = before.status === 'queued' && before.queue;
    const isWaiting = after.status === 'queued' && after.queue;
    if (wasWaiting && (!isWaiting || before.queue !== after.queue)) await this.leave(ids.councilId, before.queue!, ids.conversationId);
    if (isWaiting && (!wasWaiting || before.queue !== after.queue)) {
      await this.join({ ...ids, queue: after.queue!, priority: after.priority ?? 2, queuedAt: new Date(after.queuedAt ?? Date.now()) });
    }
  }
}

/**
 * Inactivity deadlines: one Redis sorted set for the whole engine instead of a delayed BullMQ
 * job per message. A bot turn sets its conversation's deadline (`ZADD`: one member per
 * conversation, so a later message just moves it); worker processes take what is due every
 * second. Taking pushes the member's score forward by `CLAIM_MS` instead of removing it, so a
 * worker that dies while closing leaves it to fire again; it is removed only if its score is
 * still the claim's (a new message meanwhile set a new deadline, which stays).
 *
 * The close itself re-checks the conversation under the resident's turn lease: still with the
 * bot and quiet for the whole period, or nothing happens.
 */
import type { Redis } from '../redis';

const CLAIM_MS = 30_000;

/** KEYS: set. ARGV: now, limit, claimed score. Returns the due members with their claim score. */
const TAKE_DUE = `
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do redis.call('zadd', KEYS[1], ARGV[3], member) end
return due`;
/** KEYS: set. ARGV: member, claimed score. */
const DONE = `if tonumber(redis.call('zscore', KEYS[1], ARGV[1])) == tonumber(ARGV[2]) then return redis.call('zrem', KEYS[1], ARGV[1]) end return 0`;

export interface DueConversation { conversationId: string; identityId: string }

export class InactivityDeadlines {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private get key(): string {
    return `${this.prefix}:inactivity`;
  }

  /** Sets (or moves) the conversation's deadline. */
  async set(conversationId: string, identityId: string, at: number): Promise<void> {
    await this.redis.zadd(this.key, at, `${conversationId} ${identityId}`);
  }

  /** Takes up to `limit` due conversations; each must be `done()` once handled. */
  async takeDue(now: number, limit = 100): Promise<Array<DueConversation & { done(): Promise<void> }>> {
    const claim = now + CLAIM_MS;
    const members = (await this.redis.eval(TAKE_DUE, 1, this.key, now, limit, claim)) as string[];
    return members.map((member) => {
      const [conversationId = '', identityId = ''] = member.split(' ');
      return { conversationId, identityId, done: async () => void (await this.redis.eval(DONE, 1, this.key, member, String(claim))) };
    });
  }
}

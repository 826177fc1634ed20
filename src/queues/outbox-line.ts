/**
 * Each resident's replies leave one at a time, oldest first, across every outbound worker and
 * process. A reply joins its resident's line (a Redis sorted set scored by its `seq`) when it is
 * handed to the outbox, in the order the turns decided it. Whoever holds the resident's line
 * lease (`SET NX PX`, renewed while held, like the inbound turn lease) sends the head, and only
 * after the head has a final state does it move on: so a reply never overtakes an earlier one,
 * even when that one is in doubt after a crash. Lines of different residents run in parallel.
 *
 * Leaving the line and letting go of it are one script: the holder releases the lease only
 * when the line is empty, so a reply that joins while the holder works is always seen, by the
 * holder or by the next one to take the lease. A holder that dies stops renewing, and its lease
 * frees itself after `ttlMs`; the jobs of the replies still in line take it then.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from '../redis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/**
 * KEYS: lease, line, recent sids. ARGV: token, finished message id, its provider id or ''.
 * Returns the next message id, or false once the line is empty (lease released) or the lease
 * was lost (then another holder goes on).
 */
const FINISH_AND_NEXT = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return false end
redis.call('zrem', KEYS[2], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('lpush', KEYS[3], ARGV[3])
  redis.call('ltrim', KEYS[3], 0, 9)
  redis.call('pexpire', KEYS[3], 172800000)
end
local head = redis.call('zrange', KEYS[2], 0, 0)[1]
if head then return head end
redis.call('del', KEYS[1])
return false`;

/** A held line: the holder's token, and its renewal timer. */
export interface HeldLine { identityId: string; token: string; stop(): void; isHeld(): boolean }

export class OutboxLine {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly ttlMs: number) {}

  private keys(identityId: string): [lease: string, line: string, sids: string] {
    return [`${this.prefix}:outbox-lease:${identityId}`, `${this.prefix}:outbox-line:${identityId}`, `${this.prefix}:outbox-sids:${identityId}`];
  }

  /** Puts a reply in its resident's line (again is harmless). */
  async join(identityId: string, seq: number, messageId: string): Promise<void> {
    await this.redis.zadd(this.keys(identityId)[1], seq, messageId);
  }

  async has(identityId: string, messageId: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys(identityId)[1], messageId)) !== null;
  }

  async head(identityId: string): Promise<string | null> {
    return (await this.redis.zrange(this.keys(identityId)[1], 0, 0))[0] ?? null;
  }

  /** Provider ids of the resident's latest sent replies (so an in-doubt lookup does not claim one of them). */
  async recentProviderIds(identityId: string): Promise<string[]> {
    return this.redis.lrange(this.keys(identityId)[2], 0, -1);
  }

  /** Takes the resident's line lease, or returns null at once when someone holds it. */
  async tryTake(identityId: string): Promise<HeldLine | null> {
    const [lease] = this.keys(identityId);
    const token = randomUUID();
    if ((await this.redis.set(lease, token, 'PX', this.ttlMs, 'NX')) !== 'OK') return null;
    const timer = setInterval(() => {
      void this.redis.eval(RENEW, 1, lease, token, this.ttlMs).catch(() => undefined);
    }, Math.max(200, Math.floor(this.ttlMs / 3)));
    let held = true;
    return { identityId, token, stop: () => { held = false; clearInterval(timer); }, isHeld: () => held };
  }

  /** Marks the head done and returns the next head; null means the line is let go (empty, or the lease was lost). */
  async finishAndNext(held: HeldLine, messageId: string, providerMessageId?: string): Promise<string | null> {
    const next = (await this.redis.eval(FINISH_AND_NEXT, 3, ...this.keys(held.identityId), held.token, messageId, providerMessageId ?? '')) as string | null;
    if (!next) held.stop();
    return next;
  }

  /** Lets go without finishing (the head failed and will be retried, or there was nothing to do). */
  async release(held: HeldLine): Promise<void> {
    held.stop();
    await this.redis.eval(RELEASE, 1, this.keys(held.identityId)[0], held.token).catch(() => undefined);
  }
}

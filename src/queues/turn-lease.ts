/**
 * One turn at a time per resident, across every worker process: a Redis lease
 * (`SET NX PX`, renewed while held, released only by its holder). A holder that dies
 * simply stops renewing, and the lease frees itself after `ttlMs`.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from '../redis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export class TurnLease {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly ttlMs: number) {}

  private key(identityId: string): string {
    return `${this.prefix}:turn-lease:${identityId}`;
  }

  /** Takes the lease or returns null at once. */
  async tryAcquire(identityId: string): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.redis.set(this.key(identityId), token, 'PX', this.ttlMs, 'NX');
    return ok === 'OK' ? token : null;
  }

  async release(identityId: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(identityId), token);
  }

  /**
   * Runs `fn` holding the lease, waiting for it up to `waitMs`. Returns `{ acquired: false }`
   * when `stillNeeded()` turns false while waiting (another holder did the work).
   */
  async run<T>(
    identityId: string,
    fn: () => Promise<T>,
    options: { waitMs?: number; stillNeeded?: () => Promise<boolean> } = {},
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    const deadline = Date.now() + (options.waitMs ?? 60_000);
    let delay = 5;
    let token = await this.tryAcquire(identityId);
    while (!token) {
      if (options.stillNeeded && !(await options.stillNeeded())) return { acquired: false };
      if (Date.now() > deadline) throw new Error(`turn lease for ${identityId} not free after ${options.waitMs ?? 60_000} ms`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 100);
      token = await this.tryAcquire(identityId);
    }
    const held = token;
    const renew = setInterval(() => {
      void this.redis.eval(RENEW, 1, this.key(identityId), held, this.ttlMs).catch(() => undefined);
    }, Math.max(200, Math.floor(this.ttlMs / 3)));
    try {
      return { acquired: true, value: await fn() };
    } finally {
      clearInterval(renew);
      await this.release(identityId, held).catch(() => undefined);
    }
  }
}

/** Per-identity message sequence (atomic INCR): webchat clients resume with `sinceSeq`. */
export function nextSeq(redis: Redis, prefix: string, identityId: string): Promise<number> {
  return redis.incr(`${prefix}:seq:${identityId}`);
}

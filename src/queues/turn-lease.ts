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
  private async tryAcquire(identityId: string): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.redis.set(this.key(identityId), token, 'PX', this.ttlMs, 'NX');
    return ok === 'OK' ? token : null;
  }

  private async release(identityId: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(identityId), token);
  }

  /** Runs `fn` holding the lease, waiting up to `waitMs` for it to be free. */
  async hold<T>(identityId: string, fn: () => Promise<T>, waitMs = 60_000): Promise<T> {
    const token = (await this.acquire(identityId, waitMs))!;
    return this.runHeld(identityId, token, fn);
  }

  /**
   * Runs `fn` holding the lease, unless `stillNeeded()` turns false while waiting for it
   * (another holder did the work). Returns whether `fn` ran.
   */
  async holdUnlessDone(identityId: string, fn: () => Promise<void>, stillNeeded: () => Promise<boolean>): Promise<boolean> {
    const token = await this.acquire(identityId, 60_000, stillNeeded);
    if (!token) return false;
    await this.runHeld(identityId, token, fn);
    return true;
  }

  private async acquire(identityId: string, waitMs: number, stillNeeded?: () => Promise<boolean>): Promise<string | null> {
    const deadline = Date.now() + waitMs;
    let delay = 5;
    for (;;) {
      const token = await this.tryAcquire(identityId);
      if (token) return token;
      if (stillNeeded && !(await stillNeeded())) return null;
      if (Date.now() > deadline) throw new Error(`turn lease for ${identityId} not free after ${waitMs} ms`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 100);
    }
  }

  private async runHeld<T>(identityId: string, token: string, fn: () => Promise<T>): Promise<T> {
    const renew = setInterval(() => {
      void this.redis.eval(RENEW, 1, this.key(identityId), token, this.ttlMs).catch(() => undefined);
    }, Math.max(200, Math.floor(this.ttlMs / 3)));
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.release(identityId, token).catch(() => undefined);
    }
  }
}

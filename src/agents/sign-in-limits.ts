/**
 * Limits on guessing passwords, shared by every web process through Redis
 * (rate-limiter-flexible). Only failures count (each attempt is counted first and given back
 * when right), three ways: per account (guessing one
 * password), per client address (spraying many accounts from one place) and in all (a spray
 * from many places). A successful sign-in clears its account's count, so signing in often
 * never locks anyone out; and the client address is the connection's own unless TRUST_PROXY
 * says otherwise (src/http/client-address.ts), so a forged header neither escapes the limit
 * nor spends someone else's.
 */
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { RateLimitError } from '../errors';
import type { Redis } from '../redis';

export class SignInLimits {
  private readonly account: RateLimiterRedis;
  private readonly address: RateLimiterRedis;
  private readonly global: RateLimiterRedis;

  constructor(redis: Redis, config: Pick<Config, 'QUEUE_PREFIX' | 'LOGIN_MAX_FAILURES_PER_ACCOUNT' | 'LOGIN_MAX_FAILURES_PER_ADDRESS' | 'LOGIN_MAX_FAILURES_GLOBAL' | 'LOGIN_WINDOW_MINUTES'>) {
    const duration = Math.max(1, Math.round(config.LOGIN_WINDOW_MINUTES * 60));
    // Without Redis, each process counts in memory: sign-in neither hangs nor goes unlimited.
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${config.QUEUE_PREFIX}:login-failures:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration }),
      });
    this.account = limiter('account', config.LOGIN_MAX_FAILURES_PER_ACCOUNT);
    this.address = limiter('address', config.LOGIN_MAX_FAILURES_PER_ADDRESS);
    this.global = limiter('all', config.LOGIN_MAX_FAILURES_GLOBAL);
  }

  /**
   * Counts the attempt as a failure before the password is checked, and refuses it when any of
   * the three budgets is spent. Counting first is what makes it a limit: guesses sent in
   * parallel each take their point atomically in Redis, so no more than the budget ever reach the
   * password check. An attempt that turns out right (or only needs its second factor) gives the
   * points back.
   */
  async attempt(email: string, address: string): Promise<void> {
    // One budget after another, each point taken atomically; a refused attempt gives back the
    // points it took, so only attempts that reach the password check are counted.
    const taken: Array<[RateLimiterRedis, string]> = [];
    for (const [limiter, key] of [[this.account, email], [this.address, address], [this.global, 'all']] as const) {
      try {
        await limiter.consume(key);
        taken.push([limiter, key]);
      } catch (refusal) {
        await Promise.all(taken.map(([l, k]) => l.reward(k).catch(() => undefined)));
        // A RateLimiterRes when over budget; an Error when Redis and the in-memory insurance both failed.
        const wait = refusal instanceof Error ? 60_000 : (refusal as RateLimiterRes).msBeforeNext;
        const minutes = Math.max(1, Math.ceil(wait / 60_000));
        throw new RateLimitError(`Too many sign-in attempts. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`);
      }
    }
  }

  /** The password was right: this account starts afresh, and the address's and the engine's points come back. */
  async succeeded(email: string, address: string): Promise<void> {
    await Promise.all([this.account.delete(email), this.address.reward(address), this.global.reward('all')].map((p) => p.catch(() => undefined)));
  }

  /** The password was right but a second factor is still to come: not a failure, and not yet a sign-in. */
  async passwordAccepted(email: string, address: string): Promise<void> {
    await Promise.all([this.account.reward(email), this.address.reward(address), this.global.reward('all')].map((p) => p.catch(() => undefined)));
  }
}

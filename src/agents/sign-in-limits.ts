/**
 * Limits on guessing passwords, shared by every web process through Redis
 * (rate-limiter-flexible). Only failures count, three ways: per account (guessing one
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

  /** Refuses before the password is checked when any of the three budgets is spent. */
  async check(email: string, address: string): Promise<void> {
    const [account, byAddress, all] = await Promise.all([this.account.get(email), this.address.get(address), this.global.get('all')]);
    const spent = (res: RateLimiterRes | null, limiter: RateLimiterRedis) => res !== null && res.consumedPoints >= limiter.points;
    const blocked = [
      [account, this.account],
      [byAddress, this.address],
      [all, this.global],
    ].filter(([res, limiter]) => spent(res as RateLimiterRes | null, limiter as RateLimiterRedis)) as Array<[RateLimiterRes, RateLimiterRedis]>;
    if (blocked.length > 0) {
      const minutes = Math.max(1, Math.ceil(Math.max(...blocked.map(([res]) => res.msBeforeNext)) / 60_000));
      throw new RateLimitError(`Too many sign-in attempts. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`);
    }
  }

  async failed(email: string, address: string): Promise<void> {
    // Over-budget consumes reject; the count is what matters here, not the rejection.
    await Promise.all([this.account.consume(email), this.address.consume(address), this.global.consume('all')].map((p) => p.catch(() => undefined)));
  }

  async succeeded(email: string): Promise<void> {
    await this.account.delete(email);
  }
}

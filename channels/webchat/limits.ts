/**
 * Abuse limits for the public webchat, shared by every web process through Redis
 * (rate-limiter-flexible): new sessions and open connections per client address, handoffs per
 * session, and messages per session and per address. Client addresses are hashed in the keys
 * (they are personal data) and come from X-Forwarded-For only through TRUST_PROXY's proxies.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Config } from '../../src/config';
import { RateLimitError } from '../../src/errors';
import { clientAddressResolver } from '../../src/http/client-address';
import type { Redis } from '../../src/redis';

type LimitConfig = Pick<
  Config,
  'QUEUE_PREFIX' | 'TRUST_PROXY' | 'WEBCHAT_SESSIONS_PER_ADDRESS_HOUR' | 'WEBCHAT_CONNECTIONS_PER_ADDRESS' | 'WEBCHAT_HANDOFFS_PER_SESSION_HOUR' | 'WEBCHAT_MESSAGES_PER_SESSION_10S' | 'WEBCHAT_MESSAGES_PER_ADDRESS_MINUTE'
>;

const hashed = (address: string) => createHash('sha256').update(address).digest('hex').slice(0, 24);

export class WebchatLimits {
  private readonly sessions: RateLimiterRedis;
  private readonly connections: RateLimiterRedis;
  private readonly handoffs: RateLimiterRedis;
  private readonly sessionMessages: RateLimiterRedis;
  private readonly addressMessages: RateLimiterRedis;
  private readonly phoneRequests: RateLimiterRedis;
  readonly addressOf: (req: IncomingMessage) => string;

  constructor(redis: Redis, config: LimitConfig) {
    // While Redis is down each process limits on its own (in memory) rather than stalling the
    // chat or telling residents they are too quick: messages are still stored and answered later.
    const limiter = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${config.QUEUE_PREFIX}:webchat-limit:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration }),
      });
    this.sessions = limiter('sessions', config.WEBCHAT_SESSIONS_PER_ADDRESS_HOUR, 3600);
    // Open connections: taken on connect, given back on disconnect; the hour is a backstop for a crashed process.
    this.connections = limiter('connections', config.WEBCHAT_CONNECTIONS_PER_ADDRESS, 3600);
    this.handoffs = limiter('handoffs', config.WEBCHAT_HANDOFFS_PER_SESSION_HOUR, 3600);
    this.sessionMessages = limiter('session-messages', config.WEBCHAT_MESSAGES_PER_SESSION_10S, 10);
    this.addressMessages = limiter('address-messages', config.WEBCHAT_MESSAGES_PER_ADDRESS_MINUTE, 60);
    // A call-back or a text to a number the resident types: a few an hour, so the chat cannot be used to pester a number.
    this.phoneRequests = limiter('phone-requests', 3, 3600);
    const resolve = clientAddressResolver(config.TRUST_PROXY);
    this.addressOf = (req) => hashed(resolve(req));
  }

  /** A connection opens; returns what to call when it closes. */
  async connect(address: string): Promise<() => void> {
    await this.connections.consume(address).catch(async () => {
      // A refused connection holds no place: give back the point the attempt counted.
      await this.connections.reward(address).catch(() => undefined);
      throw new RateLimitError('There are too many chats open from your connection. Please close one and try again.');
    });
    return () => void this.connections.reward(address).catch(() => undefined);
  }

  async sessionStarted(address: string): Promise<void> {
    await this.sessions.consume(address).catch(() => {
      throw new RateLimitError('Too many new chats have been started from your connection. Please try again later, or call us.');
    });
  }

  async handoff(sessionKey: string): Promise<void> {
    await this.handoffs.consume(sessionKey).catch(() => {
      throw new RateLimitError('You have already asked for a person. Please wait: someone will reply here as soon as they can.');
    });
  }

  async phoneRequest(sessionKey: string): Promise<void> {
    await this.phoneRequests.consume(sessionKey).catch(() => {
      throw new RateLimitError('You have asked for a call or a text several times already. Please wait a while, or talk to a person here.');
    });
  }

  async message(sessionKey: string, address: string): Promise<void> {
    await Promise.all([this.sessionMessages.consume(sessionKey), this.addressMessages.consume(address)]).catch(() => {
      throw new RateLimitError('You are sending messages very quickly. Please wait a few seconds.');
    });
  }
}

/**
 * Abuse limits for the public webchat, shared by every web process through Redis
 * (rate-limiter-flexible): new sessions and open connections per client address, handoffs per
 * session, and messages per session and per address. Client addresses are hashed in the keys
 * (they are personal data) and come from X-Forwarded-For only through TRUST_PROXY's proxies.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ChannelHost, SharedLimiter } from '../../src/domain/channel-host';
import { RateLimitError } from '../../src/errors';

const hashed = (address: string) => createHash('sha256').update(address).digest('hex').slice(0, 24);

export class WebchatLimits {
  private readonly sessions: SharedLimiter;
  private readonly connections: SharedLimiter;
  private readonly handoffs: SharedLimiter;
  private readonly sessionMessages: SharedLimiter;
  private readonly addressMessages: SharedLimiter;
  private readonly phoneRequests: SharedLimiter;
  private readonly addressPhoneRequests: SharedLimiter;
  private readonly numberPhoneRequests: SharedLimiter;
  private readonly residentUploads: SharedLimiter;
  private readonly addressUploads: SharedLimiter;
  readonly addressOf: (req: IncomingMessage) => string;

  constructor(host: Pick<ChannelHost, 'settings' | 'sharedLimiter' | 'clientAddress'>) {
    const config = host.settings;
    // The host's limiters fall back to each process's memory while Redis is down rather than
    // stalling the chat or telling residents they are too quick: messages are still stored and answered later.
    const limiter = (name: string, points: number, duration: number) => host.sharedLimiter(`webchat-limit:${name}`, points, duration);
    this.sessions = limiter('sessions', config.WEBCHAT_SESSIONS_PER_ADDRESS_HOUR, 3600);
    // Open connections: taken on connect, given back on disconnect; the hour is a backstop for a crashed process.
    this.connections = limiter('connections', config.WEBCHAT_CONNECTIONS_PER_ADDRESS, 3600);
    this.handoffs = limiter('handoffs', config.WEBCHAT_HANDOFFS_PER_SESSION_HOUR, 3600);
    this.sessionMessages = limiter('session-messages', config.WEBCHAT_MESSAGES_PER_SESSION_10S, 10);
    this.addressMessages = limiter('address-messages', config.WEBCHAT_MESSAGES_PER_ADDRESS_MINUTE, 60);
    // A call-back or a text to a number the resident types: a few an hour, so the chat cannot be used to pester a number.
    this.phoneRequests = limiter('phone-requests', 3, 3600);
    // …and the same across throwaway sessions: per connection, and per number asked for.
    this.addressPhoneRequests = limiter('phone-requests-address', 6, 3600);
    this.numberPhoneRequests = limiter('phone-requests-number', 3, 3600);
    // Ten photos a minute per resident is plenty for a report and stops a flood; thirty per
    // connection stops one person opening sessions to get round it.
    this.residentUploads = host.sharedLimiter('webchat-upload-resident', 10, 60);
    this.addressUploads = host.sharedLimiter('webchat-upload-address', 30, 60);
    this.addressOf = (req) => hashed(host.clientAddress(req));
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

  /** `number` as typed: its last nine digits name it however it was written (0412…, +61 412…). */
  async phoneRequest(sessionKey: string, address: string, number: string): Promise<void> {
    const target = hashed(number.replace(/\D/g, '').slice(-9));
    await Promise.all([this.phoneRequests.consume(sessionKey), this.addressPhoneRequests.consume(address), this.numberPhoneRequests.consume(target)]).catch(() => {
      throw new RateLimitError('You have asked for a call or a text several times already. Please wait a while, or talk to a person here.');
    });
  }

  async photo(residentKey: string, address: string): Promise<void> {
    await Promise.all([this.residentUploads.consume(residentKey), this.addressUploads.consume(address)]).catch(() => {
      throw new RateLimitError('You are sending photos very quickly. Please wait a minute.');
    });
  }

  async message(sessionKey: string, address: string): Promise<void> {
    await Promise.all([this.sessionMessages.consume(sessionKey), this.addressMessages.consume(address)]).catch(() => {
      throw new RateLimitError('You are sending messages very quickly. Please wait a few seconds.');
    });
  }
}

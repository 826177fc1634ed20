/**
 * ioredis connections. BullMQ workers need `maxRetriesPerRequest: null` so a Redis restart
 * pauses them instead of failing jobs; ioredis reconnects by itself with backoff.
 */
import { Redis } from 'ioredis';
import type { Logger } from './logger';

export function createRedis(url: string, logger: Logger, name: string): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: `switchboard-${name}`,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  let wasReady = false;
  client.on('ready', () => {
    if (wasReady) logger.info({ connection: name }, 'redis.reconnected');
    wasReady = true;
  });
  client.on('error', (error) => logger.debug({ connection: name, err: error.message }, 'redis.error'));
  return client;
}
export type { Redis };

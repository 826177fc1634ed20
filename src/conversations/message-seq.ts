/**
 * Each resident's messages are numbered by one increasing sequence across all their
 * conversations (an atomic Redis INCR): webchat clients resume with `sinceSeq`, and
 * gaps are harmless.
 */
import type { Redis } from '../redis';

export function nextSeq(redis: Redis, prefix: string, identityId: string): Promise<number> {
  return redis.incr(`${prefix}:seq:${identityId}`);
}

/**
 * Deterministic ids: the same input always names the same record, so retries hit the same `_id`.
 * Domain vocabulary, shared by the core and the channels (a channel names its inbound events and
 * inboxes with these).
 */
import { createHash } from 'node:crypto';

export function shortHash(value: string, length = 20): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

export const ids = {
  inboundEvent: (channel: string, externalId: string) => `${channel}-${externalId}`,
  inbox: (channel: string, address: string) => `${channel}-${address}`,
  identity: (inboxId: string, channelUserId: string) => `${inboxId}-${channelUserId}`,
  contact: (identityId: string) => `contact-${shortHash(identityId)}`,
  conversation: (seed: string) => `conv-${shortHash(seed)}`,
  /** The n-th message a turn creates for an inbound event (0 is the resident's own message). */
  turnMessage: (eventId: string, index: number) => `m-${shortHash(`${eventId}#${index}`, 24)}`,
  /** The n-th attachment of an inbound event, as stored (MMS and social downloads, webchat uploads). */
  media: (inboundEventId: string, n: number) => `media-${inboundEventId}-${n}`,
  claim: (conversationId: string, handoffId: string) => `${conversationId}-${handoffId}`,
  /** A resident-facing reference (`CP-123456`, `RC-123456`) derived from the turn that made the record. */
  reference: (prefix: string, seed: string) => `${prefix}-${String(parseInt(shortHash(`${prefix}-${seed}`, 10), 16) % 1_000_000).padStart(6, '0')}`,
};

/** Queue names and job-id builders in one place. Job ids use `-`, never `:` (BullMQ forbids it). */
export const QUEUES = {
  inbound: 'inbound-messages',
  outbound: 'outbound-messages',
  timers: 'conversation-timers',
  media: 'media-downloads',
  geocode: 'place-addresses',
  journey: 'journey-events',
  webhooks: 'webhook-deliveries',
  campaignPlans: 'campaign-plans',
  campaignSends: 'campaign-sends',
} as const;

/** BullMQ job ids may not contain `:` and may not be integers; provider ids can hold anything. */
export function safeJobId(kind: string, id: string): string {
  return `${kind}-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

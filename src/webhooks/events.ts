/** The outbound webhook event types (CONTRACT.md §10) and the journey events each comes from. */
import type { JourneyEventType } from '../domain/journey';

export const WEBHOOK_EVENT_TYPES = ['case.created', 'case.updated', 'permit.issued', 'permit.cancelled', 'conversation.queued', 'conversation.resolved', 'survey.answered'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_TYPE_OF: Partial<Record<JourneyEventType, WebhookEventType>> = {
  'case.created': 'case.created',
  'case.status_changed': 'case.updated',
  'permit.issued': 'permit.issued',
  'permit.cancelled': 'permit.cancelled',
  'conversation.queued': 'conversation.queued',
  'conversation.resolved': 'conversation.resolved',
  'survey.answered': 'survey.answered',
};

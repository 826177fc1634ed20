/**
 * From a stored journey event to webhook deliveries: one per active endpoint subscribed to its
 * type, inserted once under `<endpointId>-<eventId>` and queued. Runs on the journey worker, so
 * no resident's turn ever waits for it (nor for any endpoint).
 */
import type { JourneyEvent } from '../domain/journey';
import { Case, Permit, WebhookDelivery, WebhookEndpoint, insertOnce, type CaseDoc } from '../models';
import type { Services } from '../services';
import { WEBHOOK_TYPE_OF, type WebhookEventType } from './events';

/** The body every delivery posts: `{ type, timestamp, data }` (Standard Webhooks). */
export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  data: Record<string, unknown>;
}

/** Returns how many deliveries were queued. One endpoint lookup for the whole batch (a turn's events). */
export async function dispatchWebhooks(services: Services, events: JourneyEvent[]): Promise<number> {
  const wanted = events.filter((e) => WEBHOOK_TYPE_OF[e.type]);
  if (wanted.length === 0) return 0;
  // A small collection (a council registers a handful of endpoints).
  const endpoints = await WebhookEndpoint.find({ councilId: { $in: [...new Set(wanted.map((e) => e.councilId))] }, active: true, events: { $in: wanted.map((e) => WEBHOOK_TYPE_OF[e.type]!) } }).lean();
  let queued = 0;
  for (const event of wanted) {
    const type = WEBHOOK_TYPE_OF[event.type]!;
    const theirs = endpoints.filter((endpoint) => endpoint.councilId === event.councilId && endpoint.events.includes(type));
    if (theirs.length === 0) continue;
    const payload: WebhookPayload = { type, timestamp: new Date(event.at).toISOString(), data: await payloadData(event) };
    for (const endpoint of theirs) {
      const deliveryId = `${endpoint._id}-${event.id}`;
      await insertOnce(WebhookDelivery.create({ _id: deliveryId, endpointId: endpoint._id, messageId: `msg_${event.id}`, type, payload, status: 'pending' }));
      await services.queues.addWebhook({ deliveryId });
      queued++;
    }
  }
  return queued;
}

/** What a back-office system needs about the event: the record itself for cases and permits. */
async function payloadData(event: JourneyEvent): Promise<Record<string, unknown>> {
  const base = { contactId: event.contactId, ...(event.conversationId ? { conversationId: event.conversationId } : {}), ...(event.channel ? { channel: event.channel } : {}) };
  const d = event.data ?? {};
  switch (event.type) {
    case 'case.created':
    case 'case.status_changed': {
      const found = d.reference ? await Case.findById(d.reference).lean<CaseDoc>() : null;
      return {
        ...base,
        reference: d.reference,
        status: d.status ?? found?.status,
        ...(found
          ? {
              kind: found.kind,
              category: found.category,
              description: found.description,
              location: { text: found.location?.text, street: found.location?.street, lat: found.location?.lat, lng: found.location?.lng },
              photoCount: found.photoCount,
              history: (found.history ?? []).map((h) => ({ status: h.status, at: h.at, ...(h.note ? { note: h.note } : {}) })),
              createdAt: found.createdAt,
            }
          : {}),
      };
    }
    case 'permit.issued':
    case 'permit.cancelled': {
      const permit = d.reference ? await Permit.findById(d.reference).lean() : null;
      return {
        ...base,
        reference: d.reference,
        ...(permit ? { campgroundId: permit.campgroundId, arrive: permit.arrive, nights: permit.nights, partySize: permit.partySize, feeCents: permit.feeCents, status: permit.status } : {}),
      };
    }
    case 'conversation.queued':
      return { ...base, queue: d.queue, priority: d.priority, reasonKind: d.reasonKind, reason: d.reason };
    case 'conversation.resolved':
      return { ...base, outcome: d.outcome, resolvedBy: d.by };
    case 'survey.answered':
      return { ...base, score: d.score };
    default:
      return base;
  }
}

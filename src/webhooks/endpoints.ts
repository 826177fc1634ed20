/** Registering back-office endpoints, listing their deliveries and replaying one (admins). */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError } from '../errors';
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint, type WebhookDeliveryDoc } from '../models';
import type { Services } from '../services';
import { WEBHOOK_EVENT_TYPES } from './events';

export const webhookEndpointSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length),
    description: z.string().trim().max(200).optional(),
  })
  .strict();

export async function registerEndpoint(councilId: string, input: z.infer<typeof webhookEndpointSchema>): Promise<{ id: string; secret: string; url: string; events: string[] }> {
  const id = `wh_${randomBytes(9).toString('base64url')}`;
  // Standard Webhooks secrets: `whsec_` and base64 of 24 random bytes.
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const events = [...new Set(input.events)];
  await WebhookEndpoint.create({ _id: id, councilId, url: input.url, events, secret, ...(input.description ? { description: input.description } : {}) });
  return { id, secret, url: input.url, events };
}

export async function listEndpoints(councilIds: string[]) {
  const endpoints = await WebhookEndpoint.find({ councilId: { $in: councilIds } }).sort({ createdAt: 1 }).lean();
  return endpoints.map((e) => ({ id: e._id, url: e.url, events: e.events, active: e.active, ...(e.description ? { description: e.description } : {}), createdAt: e.createdAt }));
}

async function endpointOf(councilIds: string[], id: string) {
  const endpoint = await WebhookEndpoint.findById(id).lean();
  if (!endpoint || !councilIds.includes(endpoint.councilId)) throw new NotFoundError('That webhook');
  return endpoint;
}

export async function removeEndpoint(councilIds: string[], id: string): Promise<void> {
  await endpointOf(councilIds, id);
  await WebhookEndpoint.updateOne({ _id: id }, { $set: { active: false } });
}

/** The latest deliveries of an endpoint with every attempt (newest delivery first). */
export async function deliveriesOf(councilIds: string[], id: string, limit = 100) {
  await endpointOf(councilIds, id);
  const deliveries = await WebhookDelivery.find({ endpointId: id }).sort({ createdAt: -1 }).limit(limit).lean<WebhookDeliveryDoc[]>();
  const attempts = deliveries.length ? await WebhookAttempt.find({ deliveryId: { $in: deliveries.map((d) => d._id) } }).sort({ at: 1 }).lean() : [];
  return deliveries.map((d) => ({
    id: d._id,
    webhookId: d.messageId,
    type: d.type,
    status: d.status,
    attemptCount: d.attemptCount ?? 0,
    ...(d.lastStatusCode ? { lastStatusCode: d.lastStatusCode } : {}),
    ...(d.lastError ? { lastError: d.lastError } : {}),
    createdAt: d.createdAt,
    ...(d.deliveredAt ? { deliveredAt: d.deliveredAt } : {}),
    payload: d.payload,
    attempts: attempts.filter((a) => a.deliveryId === d._id).map((a) => ({ at: a.at, ok: a.ok, ...(a.statusCode ? { statusCode: a.statusCode } : {}), ...(a.error ? { error: a.error } : {}), durationMs: a.durationMs })),
  }));
}

/** Sends a delivery again (same `webhook-id`, so a receiver that has it already can drop it). */
export async function replayDelivery(services: Services, councilIds: string[], id: string, deliveryId: string): Promise<void> {
  await endpointOf(councilIds, id);
  const delivery = await WebhookDelivery.findById(deliveryId).lean();
  if (!delivery || delivery.endpointId !== id) throw new NotFoundError('That delivery');
  await WebhookDelivery.updateOne({ _id: deliveryId }, { $set: { status: 'pending' } });
  await services.queues.addWebhook({ deliveryId, replay: Date.now() });
}

/**
 * One attempt of one webhook delivery: signed as Standard Webhooks says (the `standardwebhooks`
 * package: `webhook-id`, `webhook-timestamp`, `webhook-signature` over `id.timestamp.body`),
 * posted with a timeout, and logged as an attempt. Anything but 2xx throws, so the job retries
 * on the configured schedule (more than 24 hours by default); the id stays the same, so the
 * receiver can deduplicate.
 */
import { Webhook } from 'standardwebhooks';
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint, insertOnce, type WebhookDeliveryDoc } from '../models';
import type { Services } from '../services';

export class WebhookAttemptFailed extends Error {}

export async function attemptDelivery(services: Services, deliveryId: string, attemptKey: string, lastAttempt: boolean): Promise<void> {
  const delivery = await WebhookDelivery.findById(deliveryId).lean<WebhookDeliveryDoc>();
  if (!delivery || delivery.status === 'succeeded') return;
  const endpoint = await WebhookEndpoint.findById(delivery.endpointId).lean();
  if (!endpoint || !endpoint.active) {
    await WebhookDelivery.updateOne({ _id: deliveryId }, { $set: { status: 'failed', lastError: 'endpoint removed' } });
    return;
  }
  const body = JSON.stringify(delivery.payload);
  const now = new Date();
  const signature = new Webhook(endpoint.secret).sign(delivery.messageId, now, body);
  const started = Date.now();
  let statusCode: number | undefined;
  let error: string | undefined;
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Switchboard-Webhooks/1.0',
        'webhook-id': delivery.messageId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(services.config.WEBHOOK_TIMEOUT_MS),
    });
    statusCode = response.status;
    await response.body?.cancel().catch(() => undefined);
    if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
  } catch (caught) {
    error = (caught as Error).name === 'TimeoutError' ? `no answer within ${services.config.WEBHOOK_TIMEOUT_MS} ms` : (caught as Error).message;
  }
  const ok = !error;
  await insertOnce(WebhookAttempt.create({ _id: `${deliveryId}-${attemptKey}`, deliveryId, at: now, ok, durationMs: Date.now() - started, ...(statusCode ? { statusCode } : {}), ...(error ? { error } : {}) }));
  await WebhookDelivery.updateOne(
    { _id: deliveryId },
    {
      $inc: { attemptCount: 1 },
      $set: { status: ok ? 'succeeded' : lastAttempt ? 'failed' : 'failing', ...(statusCode ? { lastStatusCode: statusCode } : {}), ...(ok ? { deliveredAt: new Date() } : { lastError: error }) },
    },
  );
  services.metrics.webhooks.inc({ outcome: ok ? 'delivered' : lastAttempt ? 'failed' : 'retrying' });
  if (!ok) {
    services.logger.warn({ deliveryId, endpointId: endpoint._id, statusCode, err: error }, 'webhook.attempt_failed');
    throw new WebhookAttemptFailed(`webhook ${deliveryId}: ${error}`);
  }
  services.logger.info({ deliveryId, endpointId: endpoint._id }, 'webhook.delivered');
}

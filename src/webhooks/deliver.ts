/**
 * One attempt of one webhook delivery: signed as Standard Webhooks says (the `standardwebhooks`
 * package: `webhook-id`, `webhook-timestamp`, `webhook-signature` over `id.timestamp.body`),
 * posted with a timeout, and logged as an attempt. Anything but 2xx throws, so the job retries
 * on the configured schedule (more than 24 hours by default); the id stays the same, so the
 * receiver can deduplicate.
 *
 * Each endpoint has at most WEBHOOK_ENDPOINT_CONCURRENCY attempts in flight across the engine:
 * a dead endpoint that never answers holds only its own few slots, not the whole worker's
 * concurrency, so other councils' and other systems' deliveries go on. An attempt that finds its
 * endpoint's slots full waits (without counting as an attempt) and tries again.
 */
import { randomBytes } from 'node:crypto';
import { DelayedError, type Job } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint, insertOnce, type WebhookDeliveryDoc } from '../models';
import type { Services } from '../services';

export class WebhookAttemptFailed extends Error {}

/** KEYS: the endpoint's slots. ARGV: now, expiry, token, limit. A slot expires by itself if its holder dies. */
const TAKE_SLOT = `
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[2], ARGV[3])
redis.call('pexpire', KEYS[1], tonumber(ARGV[2]) - tonumber(ARGV[1]))
return 1`;

/** Runs one attempt in one of the endpoint's slots; with none free, puts the job back for later (BullMQ's DelayedError). */
async function inEndpointSlot(services: Services, endpointId: string, job: WebhookAttemptJob, attempt: () => Promise<void>): Promise<void> {
  const { redis, config } = services;
  const key = `${config.QUEUE_PREFIX}:webhook-slots:${endpointId}`;
  const slot = randomBytes(8).toString('hex');
  const now = Date.now();
  const taken = (await redis.eval(TAKE_SLOT, 1, key, now, now + config.WEBHOOK_TIMEOUT_MS * 2, slot, config.WEBHOOK_ENDPOINT_CONCURRENCY)) as number;
  if (!taken) {
    // About when a slot frees at the latest, spread so the waiting ones do not all come back at once.
    await job.job.moveToDelayed(now + config.WEBHOOK_TIMEOUT_MS / 2 + Math.random() * config.WEBHOOK_TIMEOUT_MS, job.token);
    throw new DelayedError();
  }
  try {
    await attempt();
  } finally {
    await redis.zrem(key, slot).catch(() => undefined);
  }
}

/** The queue's job running the attempt, so a full endpoint can put it back. */
export interface WebhookAttemptJob {
  job: Pick<Job, 'moveToDelayed'>;
  token: string | undefined;
}

export async function attemptDelivery(services: Services, deliveryId: string, attemptKey: string, lastAttempt: boolean, job: WebhookAttemptJob): Promise<void> {
  const delivery = await WebhookDelivery.findById(deliveryId).lean<WebhookDeliveryDoc>();
  if (!delivery || delivery.status === 'succeeded') return;
  const endpoint = await WebhookEndpoint.findById(delivery.endpointId).lean();
  if (!endpoint || !endpoint.active) {
    await WebhookDelivery.updateOne({ _id: deliveryId }, { $set: { status: 'failed', lastError: 'endpoint removed' } });
    return;
  }
  await inEndpointSlot(services, endpoint._id, job, async () => {
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
  });
  services.logger.info({ deliveryId, endpointId: endpoint._id }, 'webhook.delivered');
}

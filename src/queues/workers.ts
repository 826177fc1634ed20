/**
 * The worker role: one BullMQ worker per queue, plus the sweeper that re-enqueues stored
 * inbound events whose job was lost (Redis down at ingest, or a job that failed for good).
 */
import { offerTimedOut } from '../conversations/offers';
import { DelayedError, Worker, type Job } from 'bullmq';
import { ConversationRouter } from '../conversations/router';
import { nextStatus } from '../domain/conversation';
import { deliverInOrder } from '../conversations/outbox';
import { conversationUpdate } from '../conversations/view';
import { ids } from '../ids';
import { Conversation, Media, Message, PendingInbound, insertOnce, type ConversationDoc } from '../models';
import type { Services } from '../services';
import { readPosition, stripExif } from '../media/photo-location';
import { QUEUES, safeJobId } from './names';
import type { CampaignPlanJob, CampaignSendJob, GeocodeJob, InboundJob, MediaJob, OutboundJob, TimerJob, WebhookJob } from './queues';
import { fillAddress } from '../geo/place-addresses';
import { planCampaign, sendCampaignMessage } from '../campaigns/campaigns';
import { storeJourneyEvents, type JourneyJob } from '../journey/journal';
import { attemptDelivery } from '../webhooks/deliver';
import { journeyId } from '../journey/journal';
import { journeyStep } from '../flow-engine/form';
import { MAIN_FLOW_ID } from '../flow-engine/registry';
import type { FlowState } from '../domain/conversation';

export interface WorkerSet {
  /** Takes no new jobs and resolves when the jobs in flight have finished. */
  pause(): Promise<void>;
  /** `force`: without waiting for jobs in flight (they are retried by another worker). */
  close(force?: boolean): Promise<void>;
}

export function startWorkers(services: Services, router: ConversationRouter): WorkerSet {
  const { config, logger, redis } = services;
  const common = {
    connection: redis,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.JOB_LOCK_MS,
    stalledInterval: Math.max(1000, Math.floor(config.JOB_LOCK_MS / 2)),
    // A killed worker's job stalls; let it be retried a few times rather than failed at once.
    maxStalledCount: 5,
  };

  const workers = [
    new Worker<InboundJob>(QUEUES.inbound, (job) => router.handleInbound(job.data), common),
    new Worker<OutboundJob>(QUEUES.outbound, (job, token) => sendInOrder(services, job, token), common),
    new Worker<TimerJob>(QUEUES.timers, (job) => runTimer(services, job), { ...common, concurrency: 4 }),
    new Worker<MediaJob>(QUEUES.media, (job) => downloadMedia(services, job.data), { ...common, concurrency: 2 }),
    // Addresses for shared places: GEOCODER_PER_SECOND lookups at most across every worker process
    // (Nominatim's public server allows 1 a second), one at a time per process by default.
    new Worker<GeocodeJob>(
      QUEUES.geocode,
      (job) => fillAddress(services, job.data, job.attemptsMade + 1 >= (job.opts.attempts ?? 1)),
      { ...common, concurrency: Math.ceil(config.GEOCODER_PER_SECOND), limiter: perSecondLimiter(config.GEOCODER_PER_SECOND) },
    ),
    // Journey events and webhooks have their own workers: a slow or dead endpoint holds only these.
    // A job queued before an upgrade carries one event itself.
    new Worker<{ events: JourneyJob[] } | JourneyJob>(QUEUES.journey, (job) => storeJourneyEvents(services, 'events' in job.data ? job.data.events : [job.data]), { ...common, concurrency: 4 }),
    new Worker<WebhookJob>(
      QUEUES.webhooks,
      (job, token) => attemptDelivery(services, job.data.deliveryId, `${job.data.replay ?? 0}-${job.attemptsMade}`, job.attemptsMade + 1 >= (job.opts.attempts ?? 1), { job, token }),
      // Waiting on endpoints costs no CPU; each endpoint holds at most WEBHOOK_ENDPOINT_CONCURRENCY of these (src/webhooks/deliver.ts).
      { ...common, concurrency: config.WEBHOOK_CONCURRENCY, settings: { backoffStrategy: (attemptsMade: number) => services.queues.webhookBackoff(attemptsMade) } },
    ),
    new Worker<CampaignPlanJob>(QUEUES.campaignPlans, (job) => planCampaign(services, job.data.campaignId).then(() => undefined), { ...common, concurrency: 1 }),
    // The number's SMS throughput, across every worker process (BullMQ's limiter lives in Redis).
    new Worker<CampaignSendJob>(QUEUES.campaignSends, (job, token) => sendCampaignMessage(services, job, token), { ...common, concurrency: 4, limiter: perSecondLimiter(config.CAMPAIGN_SMS_PER_SECOND) }),
  ];
  for (const worker of workers) {
    worker.on('failed', (job: Job | undefined, error: Error) =>
      logger.warn({ queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'job.failed'),
    );
    worker.on('stalled', (jobId: string) => logger.warn({ queue: worker.name, jobId }, 'job.stalled'));
    worker.on('error', (error: Error) => logger.debug({ queue: worker.name, err: error.message }, 'worker.error'));
  }

  // Inactivity deadlines: every second (or faster for very short periods, as in tests).
  const inactivityMs = config.INACTIVITY_CLOSE_MINUTES * 60_000;
  let closing = false;
  const closer = setInterval(() => {
    if (closing) return;
    closing = true;
    closeInactive(services).catch((error: Error) => logger.warn({ err: error.message }, 'inactivity.failed')).finally(() => (closing = false));
  }, Math.max(100, Math.min(1000, Math.floor(inactivityMs / 4))));
  closer.unref();

  const sweeper = setInterval(() => {
    sweepPending(services).catch((error: Error) => logger.debug({ err: error.message }, 'sweep.failed'));
  }, config.SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    async pause() {
      await Promise.all(workers.map((w) => w.pause()));
    },
    async close(force = false) {
      clearInterval(sweeper);
      clearInterval(closer);
      await Promise.all(workers.map((w) => w.close(force)));
    },
  };
}

/** `perSecond` as BullMQ's limiter: whole jobs per second, or one every so many ms below 1/s. */
function perSecondLimiter(perSecond: number): { max: number; duration: number } {
  return perSecond >= 1 ? { max: Math.floor(perSecond), duration: 1000 } : { max: 1, duration: Math.round(1000 / perSecond) };
}

/**
 * Puts inbound events that were stored while Redis was unreachable (durable `PendingInbound`
 * records) back on the resident's pending set and the queue, unless their turn already ran.
 */
export async function sweepPending(services: Services): Promise<number> {
  const stale = await PendingInbound.find({}).sort({ arrival: 1 }).limit(500).lean();
  let requeued = 0;
  for (const pending of stale) {
    if (await Message.exists({ _id: ids.turnMessage(pending._id, 0) })) {
      await PendingInbound.deleteOne({ _id: pending._id });
      continue;
    }
    const job = await services.queues.inbound.getJob(safeJobId('in', pending._id));
    const state = job ? await job.getState() : 'missing';
    if (state === 'completed' || state === 'failed') await job!.remove();
    if (state === 'missing' || state === 'completed' || state === 'failed' || state === 'unknown') {
      await services.pending.markDurable(pending._id);
      await services.pending.add(pending.identityId, pending._id, pending.arrival);
      await services.queues.addInbound({ inboundEventId: pending._id, identityId: pending.identityId });
      requeued++;
    }
    // The resident's pending set and a live job now hold it; the turn deletes this record.
  }
  if (requeued > 0) services.logger.info({ requeued }, 'sweep.requeued');
  return requeued;
}

/**
 * One reply's job. Its resident's line is held by another worker, which sends this reply
 * too: the job steps aside (delayed, no attempt used) and looks again after a lease's length,
 * in case that worker died.
 */
async function sendInOrder(services: Services, job: Job<OutboundJob>, token?: string): Promise<void> {
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if ((await deliverInOrder(services, job.data, lastAttempt)) === 'done') return;
  await job.moveToDelayed(Date.now() + services.config.TURN_LEASE_MS, token);
  throw new DelayedError();
}

/** Closes the bot conversations whose inactivity deadline has passed (see inactivity.ts). */
export async function closeInactive(services: Services): Promise<number> {
  const due = await services.inactivity.takeDue(Date.now());
  const periodMs = services.config.INACTIVITY_CLOSE_MINUTES * 60_000;
  let closed = 0;
  await Promise.all(
    due.map(async (d) => {
      if (await closeIfQuiet(services, d.conversationId, d.identityId, (c) => Date.now() >= new Date(c.lastResidentAt ?? 0).getTime() + periodMs - 50)) closed++;
      await d.done();
    }),
  );
  return closed;
}

/** Timers do nothing when the conversation has moved on since they were set. */
async function runTimer(services: Services, job: Job<TimerJob>): Promise<void> {
  // Jobs left by an older version (before the deadline set): the same close, by sequence.
  const { conversationId, identityId, residentSeq } = job.data;
  if (job.data.kind === 'offer') {
    if (job.data.offerId) await offerTimedOut(services, conversationId, job.data.offerId);
    return;
  }
  await closeIfQuiet(services, conversationId, identityId, (c) => c.lastResidentSeq === residentSeq);
}

async function closeIfQuiet(services: Services, conversationId: string, identityId: string, quiet: (c: ConversationDoc) => boolean): Promise<boolean> {
  return services.lease.hold(identityId, async () => {
    const conversation = await Conversation.findById(conversationId).lean<ConversationDoc>();
    if (!conversation || conversation.status !== 'bot' || !quiet(conversation)) return false;
    const closed = { status: nextStatus('bot', 'resolve'), resolvedAt: new Date(), flow: null };
    await Conversation.updateOne({ _id: conversationId }, { $set: closed });
    // The resident and agents are told first; the journey record is bookkeeping.
    services.broadcaster.publish(
      { type: 'conversation.updated', conversationId, councilId: conversation.councilId, payload: conversationUpdate({ ...conversation, ...closed }) },
      identityId,
      { toResident: true },
    );
    const flow = conversation.flow as FlowState | null | undefined;
    const base = { councilId: conversation.councilId, contactId: conversation.contactId, conversationId, channel: conversation.channel, at: closed.resolvedAt };
    await services.journal.record([
      // The resident went quiet in the middle of a flow: where they stopped is the funnel's drop-off.
      ...(flow && flow.id !== MAIN_FLOW_ID ? [{ ...base, id: journeyId(`${conversationId}-${conversation.lastResidentSeq ?? 0}`, 'flow.abandoned'), type: 'flow.abandoned' as const, n: 0, flow: flow.id, step: journeyStep(flow), data: { why: 'left' as const } }] : []),
      { ...base, id: journeyId(conversationId, 'conversation.resolved'), type: 'conversation.resolved', n: 1, data: { outcome: 'inactive', by: 'inactivity' } },
    ]);
    services.logger.info({ conversationId }, 'conversation.closed_inactive');
    return true;
  });
}

/** Stores each attachment once (`media-<event>-<n>`), or why it was refused. */
async function downloadMedia(services: Services, job: MediaJob): Promise<void> {
  const adapter = services.channels.get(job.channel);
  for (const [n, url] of job.urls.entries()) {
    const _id = ids.media(job.inboundEventId, n);
    if (await Media.exists({ _id })) continue;
    const result = adapter.fetchMedia ? await adapter.fetchMedia(url) : { ok: false as const, reason: 'unsupported', detail: 'channel cannot fetch media' };
    let doc: Record<string, unknown>;
    if (result.ok) {
      const position = await readPosition(result.data);
      const data = stripExif(result.data, result.contentType);
      doc = { _id, inboundEventId: job.inboundEventId, sourceUrl: url, contentType: result.contentType, size: data.byteLength, data, ...(position ? { position } : {}) };
    } else {
      doc = { _id, inboundEventId: job.inboundEventId, sourceUrl: url, refused: `${result.reason}: ${result.detail}` };
    }
    if (!result.ok && result.reason === 'http_error') throw new Error(`media ${n}: ${result.detail}`); // retried with backoff
    await insertOnce(Media.create(doc));
    if (!result.ok) services.logger.warn({ inboundEventId: job.inboundEventId, reason: result.reason }, 'media.refused');
  }
}

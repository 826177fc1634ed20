/**
 * Producers for the engine's queues. Job ids are deterministic (derived from the stored
 * record's id), so adding the same job twice is a no-op while the first still exists; the
 * database's unique `_id`s stay the real guard against duplicates.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from '../redis';
import type { JourneyJob } from '../journey/journal';
import { shortHash } from '../ids';
import { QUEUES, safeJobId } from './names';

/**
 * The stored event travels in the job (without the provider's raw payload), so the turn needs no
 * read of it; the database record stays the durable copy (jobs put back by the sweeper have none).
 */
export interface CarriedEvent {
  channel: string;
  inboxId: string;
  channelUserId: string;
  externalId: string;
  /** ISO time (job data is JSON). */
  receivedAt: string;
  arrival: number;
  content: unknown;
  context?: unknown;
}
export interface InboundJob { inboundEventId: string; identityId: string; event?: CarriedEvent }
/** `identityId` names the resident's outbox line (older jobs without it look it up). */
export interface OutboundJob { messageId: string; identityId?: string }
export interface MediaJob { inboundEventId: string; channel: string; urls: string[] }
/** A shared place to put an address to: a resident's location message, or a report (src/geo/place-addresses.ts). */
export interface GeocodeJob { target: 'message' | 'case'; id: string }
/** One delivery of an event to one endpoint; `replay` names a replay asked for by an admin. */
export interface WebhookJob { deliveryId: string; replay?: number }
export interface CampaignPlanJob { campaignId: string }
export interface CampaignSendJob { campaignId: string; phone: string }
/** `inactivity` closes an idle bot conversation; `offer` ends a timed offer nobody answered (`residentSeq` is then the offer's number). */
export interface TimerJob { kind: 'inactivity' | 'offer'; conversationId: string; identityId: string; residentSeq: number; offerId?: string }

const keepLittle: JobsOptions = {
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export class Queues {
  readonly inbound: Queue<InboundJob>;
  readonly outbound: Queue<OutboundJob>;
  readonly timers: Queue<TimerJob>;
  readonly media: Queue<MediaJob>;
  readonly geocode: Queue<GeocodeJob>;
  readonly journey: Queue<{ events: JourneyJob[] }>;
  readonly webhooks: Queue<WebhookJob>;
  readonly campaignPlans: Queue<CampaignPlanJob>;
  readonly campaignSends: Queue<CampaignSendJob>;

  /** `webhookRetryDelaysMs`: the wait before each retry of a failing webhook delivery. */
  constructor(connection: Redis, readonly prefix: string, private readonly webhookRetryDelaysMs: number[] = [5000]) {
    // BullMQ keeps every failure's stack on the job unless told otherwise: a job failing for hours
    // grew a 16 MB stack list that each failure re-serialised, spinning a CPU (seen in CI).
    const options = { connection, prefix, defaultJobOptions: { stackTraceLimit: 5 } };
    this.inbound = new Queue(QUEUES.inbound, options);
    this.outbound = new Queue(QUEUES.outbound, options);
    this.timers = new Queue(QUEUES.timers, options);
    this.media = new Queue(QUEUES.media, options);
    this.geocode = new Queue(QUEUES.geocode, options);
    this.journey = new Queue(QUEUES.journey, options);
    this.webhooks = new Queue(QUEUES.webhooks, options);
    this.campaignPlans = new Queue(QUEUES.campaignPlans, options);
    this.campaignSends = new Queue(QUEUES.campaignSends, options);
  }

  /** Lists a campaign's recipients (once per campaign). */
  addCampaignPlan(job: CampaignPlanJob): Promise<unknown> {
    return this.campaignPlans.add('plan', job, { ...keepLittle, jobId: safeJobId('plan', job.campaignId), attempts: 5, backoff: { type: 'exponential', delay: 1000 } });
  }

  /** One campaign message per number; the worker's rate limit paces them. */
  async addCampaignSends(jobs: CampaignSendJob[]): Promise<void> {
    await this.campaignSends.addBulk(jobs.map((data) => ({ name: 'send', data, opts: { ...keepLittle, jobId: safeJobId('cs', `${data.campaignId}-${data.phone}`), attempts: 8, backoff: { type: 'exponential', delay: 2000 } } })));
  }

  /**
   * A turn's journey events, stored by a worker off the turn's path: one job for them all (a job
   * costs some thirty Redis commands), its id from their ids, so a replayed turn queues nothing new.
   */
  async addJourney(events: JourneyJob[]): Promise<void> {
    await this.journey.add('events', { events }, { ...keepLittle, jobId: safeJobId('j', events.length === 1 ? events[0]!.id : shortHash(events.map((e) => e.id).join(' '), 24)), attempts: 10, backoff: { type: 'exponential', delay: 500 } });
  }

  /**
   * A webhook delivery: tried now, then after each of the configured delays (the default
   * schedule covers more than 24 hours), until the endpoint answers 2xx.
   */
  addWebhook(job: WebhookJob): Promise<unknown> {
    return this.webhooks.add('deliver', job, {
      removeOnComplete: { age: 3600, count: 5000 },
      removeOnFail: { age: 7 * 24 * 3600 },
      jobId: safeJobId('wh', job.replay ? `${job.deliveryId}-replay-${job.replay}` : job.deliveryId),
      attempts: this.webhookRetryDelaysMs.length + 1,
      backoff: { type: 'webhook' },
    });
  }

  /** BullMQ's custom backoff for webhook deliveries: the configured delay before retry `attemptsMade`. */
  webhookBackoff(attemptsMade: number): number {
    const delays = this.webhookRetryDelaysMs;
    return delays[Math.min(attemptsMade, delays.length) - 1] ?? delays[delays.length - 1] ?? 5000;
  }

  /** Downloads a message's attachments off the webhook and turn paths. */
  addMedia(job: MediaJob): Promise<unknown> {
    return this.media.add('download', job, { ...keepLittle, jobId: safeJobId('media', job.inboundEventId), attempts: 5, backoff: { type: 'exponential', delay: 2000 } });
  }

  /**
   * An address for a shared place, looked up after the turn (once per record: the job id is the
   * record's). A geocoder that is down or slow is asked twice more, a few seconds apart.
   */
  addGeocode(job: GeocodeJob): Promise<unknown> {
    return this.geocode.add(job.target, job, { ...keepLittle, jobId: safeJobId(`geo-${job.target}`, job.id), attempts: 3, backoff: { type: 'exponential', delay: 2000 } });
  }

  /**
   * Turn and send jobs are removed once done: the database and the pending set are the guards
   * against a second turn or a second send, so a kept job only costs Redis work per message.
   */
  addInbound(job: InboundJob): Promise<unknown> {
    return this.inbound.add('turn', job, {
      ...keepLittle,
      removeOnComplete: true,
      jobId: safeJobId('in', job.inboundEventId),
      attempts: 20,
      backoff: { type: 'exponential', delay: 200 },
    });
  }

  /**
   * The event a queued turn carries, read from its job: a resident who writes again while their
   * turn runs has the newer event taken by the same drain, and one Redis read is cheaper than the
   * database's.
   */
  async carriedEvent(inboundEventId: string): Promise<CarriedEvent | undefined> {
    const job = await this.inbound.getJob(safeJobId('in', inboundEventId));
    return (job?.data as InboundJob | undefined)?.event;
  }

  addOutbound(job: OutboundJob): Promise<unknown> {
    return this.outbound.add('send', job, {
      ...keepLittle,
      removeOnComplete: true,
      jobId: safeJobId('out', job.messageId),
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
    });
  }

  /** A timer that fires later and does nothing if the conversation has moved on. */
  addTimer(job: TimerJob, delayMs: number): Promise<unknown> {
    return this.timers.add(job.kind, job, {
      ...keepLittle,
      delay: delayMs,
      jobId: safeJobId(`timer-${job.kind}`, job.offerId ?? `${job.conversationId}-${job.residentSeq}`),
      attempts: 3,
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.inbound.close(), this.outbound.close(), this.timers.close(), this.media.close(), this.geocode.close(), this.journey.close(), this.webhooks.close(), this.campaignPlans.close(), this.campaignSends.close()]);
  }
}

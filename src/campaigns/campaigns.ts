/**
 * Proactive, consented SMS campaigns (the Perth council's two-way texts about its community plan
 * are the model). A campaign names a topic, a message and its own document. Sending lists the
 * residents who opted in to the topic (consent.ts), skips anyone who texted STOP, and queues one
 * job per number under `<campaign>-<phone>` (never twice); the `campaign-sends` worker is rate
 * limited to CAMPAIGN_SMS_PER_SECOND and holds every job in quiet hours (council time) until they
 * end. Each text carries the sender and how to opt out, and opens a conversation whose replies are
 * answered from the campaign's document, or go to a person (router.ts).
 */
import { randomBytes } from 'node:crypto';
import { DelayedError, type Job } from 'bullmq';
import { z } from 'zod';
import { ensureIdentity, ensureOpenConversation } from '../conversations/identity';
import { localParts } from '../conversations/office-hours';
import { sendReply } from '../conversations/outbox';
import { NotFoundError, ConflictError } from '../errors';
import { ids } from '../ids';
import { KnowledgeBase } from '../knowledge';
import { Campaign, CampaignSend, Consent, Conversation, Identity, insertOnce, type CampaignDoc } from '../models';
import type { CampaignSendJob } from '../queues/queues';
import type { Services } from '../services';

export const campaignSchema = z
  .object({
    topic: z.string().regex(/^[a-z0-9-]{2,40}$/),
    name: z.string().trim().min(3).max(120),
    /** The text itself; the sender and "Reply STOP to opt out" are added. */
    message: z.string().trim().min(5).max(240),
    document: z.object({ title: z.string().trim().min(3).max(200), source: z.url(), body: z.string().min(20).max(50_000) }).strict(),
    quietHours: z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/).optional(),
  })
  .strict();

/** The text a resident receives: who it is from, the message, and how to stop. */
export function campaignText(councilName: string, message: string): string {
  return `${councilName}: ${message.replace(/\s+$/, '')} Reply STOP to opt out.`;
}

export async function createCampaign(services: Services, councilId: string, input: z.infer<typeof campaignSchema>, createdBy: string): Promise<CampaignDoc> {
  const doc = { _id: `camp_${randomBytes(8).toString('hex')}`, councilId, ...input, quietHours: input.quietHours ?? services.config.CAMPAIGN_QUIET_HOURS, status: 'draft', createdBy };
  await Campaign.create(doc);
  return (await Campaign.findById(doc._id).lean<CampaignDoc>())!;
}

export async function startCampaign(services: Services, councilIds: string[], campaignId: string): Promise<void> {
  const campaign = await Campaign.findById(campaignId).lean<CampaignDoc>();
  if (!campaign || !councilIds.includes(campaign.councilId)) throw new NotFoundError('That campaign');
  if (campaign.status !== 'draft') throw new ConflictError('already_started', 'This campaign has been sent already.');
  await Campaign.updateOne({ _id: campaignId }, { $set: { status: 'sending', startedAt: new Date() } });
  await services.queues.addCampaignPlan({ campaignId });
}

/** The `campaign-plans` job: one send job per consenting number, in batches. */
export async function planCampaign(services: Services, campaignId: string): Promise<number> {
  const campaign = await Campaign.findById(campaignId).lean<CampaignDoc>();
  if (!campaign) return 0;
  let queued = 0;
  let after = '';
  for (;;) {
    const batch = await Consent.find({ councilId: campaign.councilId, topic: campaign.topic, given: true, _id: { $gt: after } }).sort({ _id: 1 }).limit(500).lean();
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!._id;
    const jobs: CampaignSendJob[] = [];
    for (const consent of batch) {
      const sendId = `${campaignId}-${consent.phone}`;
      await insertOnce(CampaignSend.create({ _id: sendId, campaignId, phone: consent.phone, contactId: consent.contactId, status: 'queued' }));
      jobs.push({ campaignId, phone: consent.phone });
    }
    await services.queues.addCampaignSends(jobs);
    queued += jobs.length;
  }
  return queued;
}

/** Milliseconds until quiet hours end, or 0 when `now` is outside them (council time). */
export function quietFor(now: Date, quietHours: string, timezone: string): number {
  const [start, end] = quietHours.split('-').map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5))) as [number, number];
  const { minutes } = localParts(now, timezone);
  const quiet = start <= end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
  if (!quiet) return 0;
  const left = (end - minutes + 1440) % 1440 || 1440;
  return left * 60_000 - now.getSeconds() * 1000 - now.getMilliseconds();
}

/** The `campaign-sends` job: one text to one number, unless they stopped, withdrew, or it is quiet hours. */
export async function sendCampaignMessage(services: Services, job: Job<CampaignSendJob>, token?: string): Promise<void> {
  const { campaignId, phone } = job.data;
  const sendId = `${campaignId}-${phone}`;
  const [campaign, send] = await Promise.all([Campaign.findById(campaignId).lean<CampaignDoc>(), CampaignSend.findById(sendId).lean()]);
  if (!campaign || !send || send.status !== 'queued') return;
  const council = services.councils.council(campaign.councilId);
  const councilNumber = services.councils.smsNumber(council.id);
  // Campaigns go out on the channel that texts phone numbers (capability `phone: 'text'`).
  const texting = services.channels.byPhone('text')?.id;
  if (!councilNumber || !texting) return void (await CampaignSend.updateOne({ _id: sendId }, { $set: { status: 'skipped', reason: 'no_council_number' } }));
  const inboxId = ids.inbox(texting, councilNumber);
  const wait = quietFor(new Date(), campaign.quietHours, council.timezone);
  if (wait > 0) {
    // Quiet hours: the job waits, without using an attempt, until they end.
    await job.moveToDelayed(Date.now() + wait, token);
    throw new DelayedError();
  }
  const skip = (reason: string) => CampaignSend.updateOne({ _id: sendId }, { $set: { status: 'skipped', reason } });
  const identity = await Identity.findById(ids.identity(inboxId, phone)).lean();
  if (identity?.optedOut) return void (await skip('opted_out'));
  const consent = await Consent.findOne({ _id: `${send.contactId}-${campaign.topic}` }).lean();
  if (!consent?.given) return void (await skip('no_consent'));

  const resident = await ensureIdentity(council.id, { inboxId, channel: texting, channelUserId: phone });
  const conversation = await ensureOpenConversation(council.id, resident, `campaign-${sendId}`);
  await Conversation.updateOne({ _id: conversation._id }, { $set: { campaignId } });
  const message = await sendReply(services, { ...conversation, campaignId }, { kind: 'system', name: council.name }, { text: campaignText(council.name, campaign.message) });
  await CampaignSend.updateOne({ _id: sendId }, { $set: { status: 'sent', sentAt: new Date(), messageId: message._id } });
}

export async function campaignProgress(councilIds: string[], campaignId: string) {
  const campaign = await Campaign.findById(campaignId).lean<CampaignDoc>();
  if (!campaign || !councilIds.includes(campaign.councilId)) throw new NotFoundError('That campaign');
  const [queued = 0, sent = 0, skipped = 0] = await Promise.all(['queued', 'sent', 'skipped'].map((status) => CampaignSend.countDocuments({ campaignId, status })));
  const done = campaign.status === 'sending' && queued === 0 && sent + skipped > 0;
  return { id: campaign._id, name: campaign.name, topic: campaign.topic, status: done ? 'sent' : campaign.status, quietHours: campaign.quietHours, message: campaign.message, counts: { queued, sent, skipped } };
}

/** Each campaign's document as a small knowledge base (built once per process). */
const documents = new Map<string, KnowledgeBase>();
export function campaignKnowledge(campaign: CampaignDoc): KnowledgeBase {
  let kb = documents.get(campaign._id);
  if (!kb) {
    kb = new KnowledgeBase([{ id: campaign._id, title: campaign.document?.title ?? campaign.name, source: campaign.document?.source ?? 'https://example.invalid', reviewed: new Date(campaign.createdAt).toISOString().slice(0, 10), body: campaign.document?.body ?? '' }]);
    if (documents.size > 100) documents.delete(documents.keys().next().value!);
    documents.set(campaign._id, kb);
  }
  return kb;
}

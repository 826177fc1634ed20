/**
 * Proactive, consented SMS (issue 16 item 6) at the Twilio double, through the real queues,
 * outbox and `twilio` SDK: a campaign to 1,000 opted-in numbers sends 1,000 texts, each once,
 * none to numbers that texted STOP, withdrew, or opted in to another topic only, never faster
 * than CAMPAIGN_SMS_PER_SECOND, and nothing in quiet hours; each text names the sender and how
 * to opt out; replies are answered from the campaign's document or go to a person; STOP ends
 * every topic's consent.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { CampaignSend, Consent, Conversation } from '../src/models';
import { loginAgent, useTestEngine, waitUntil } from './helpers/engine';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'campaign-test-auth-token-01234567';
const ACCOUNT = `AC${'4'.repeat(32)}`;
const COUNCIL = '+61480000000';
const RATE = 40;
let double: TwilioDouble;
let admin: string;

beforeAll(async () => {
  double = await startTwilioDouble();
});
afterAll(async () => {
  await double.stop();
});
const engine = useTestEngine({ PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_ACCOUNT_SID: ACCOUNT, CAMPAIGN_SMS_PER_SECOND: String(RATE), WORKER_CONCURRENCY: '8', get TWILIO_API_URL() { return double.url; } });
beforeAll(async () => {
  admin = await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
});

const api = async (path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
  // A kept-alive connection the server has just closed is retried once (consents are upserts).
  const call = () => fetch(`${engine().url}/api/v1${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const res = await call().catch(call);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
async function sms(from: string, body: string): Promise<void> {
  const params = { To: COUNCIL, From: from, Body: body, MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT, NumMedia: '0', ApiVersion: '2010-04-01', SmsStatus: 'received' };
  const res = await fetch(`${engine().url}/webhooks/twilio/sms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, params) }, body: new URLSearchParams(params).toString() });
  expect(res.status).toBe(200);
}
/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}
const number = (n: number) => `+614${String(20_000_000 + n).padStart(8, '0')}`;
const sydneyMinutes = () => {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Australia/Sydney', hour: '2-digit', minute: '2-digit', hour12: false }).formatToParts(new Date());
  return (Number(parts.find((p) => p.type === 'hour')!.value) % 24) * 60 + Number(parts.find((p) => p.type === 'minute')!.value);
};
const hhmm = (minutes: number) => `${String(Math.floor(((minutes + 1440) % 1440) / 60)).padStart(2, '0')}:${String(((minutes % 60) + 60) % 60).padStart(2, '0')}`;
const DOCUMENT = {
  title: 'Riverbend community plan 2030',
  source: 'https://www.riverbend.example.gov.au/community-plan',
  body: [
    '## Community meetings',
    'Community meetings about the plan are held at the Riverbend Library on Tuesday 8 December at 6pm and Saturday 12 December at 10am. Everyone is welcome and no booking is needed.',
    '## Having your say',
    'You can comment on the draft plan online until 31 January, or by replying to this message. Every comment is read by the planning team.',
  ].join('\n'),
};

test('1,000 opted-in numbers get one text each, at the configured rate; opted-out numbers get none; quiet hours send nothing; replies are answered or go to a person', async () => {
  const optedIn = Array.from({ length: 1000 }, (_, i) => number(i));
  const stopped = Array.from({ length: 30 }, (_, i) => number(2000 + i));
  const withdrawn = Array.from({ length: 20 }, (_, i) => number(3000 + i));
  const otherTopic = Array.from({ length: 20 }, (_, i) => number(4000 + i));

  await inParallel([...optedIn, ...stopped, ...withdrawn], 8, async (phone) => {
    const res = await api('/consents', { phone, topic: 'community-plan', how: 'web_form', source: 'Have your say page' });
    expect(res.status).toBe(201);
  });
  await inParallel(withdrawn, 8, async (phone) => void expect((await api('/consents', { phone, topic: 'community-plan', given: false, how: 'phone' })).status).toBe(201));
  await inParallel(otherTopic, 8, async (phone) => void expect((await api('/consents', { phone, topic: 'bins', how: 'paper' })).status).toBe(201));
  for (const phone of stopped) await sms(phone, 'STOP');
  await waitUntil(async () => (await Consent.countDocuments({ withdrawnHow: 'sms_stop' })) === stopped.length || undefined, 30_000, 'STOP withdrawing consent');

  // Quiet hours now: the bins campaign sends nothing, and its texts wait for the quiet hours to end.
  const now = sydneyMinutes();
  const quiet = await api('/campaigns', { topic: 'bins', name: 'Bin day change', message: 'Your bin day moves to Thursday from next week.', document: DOCUMENT, quietHours: `${hhmm(now - 60)}-${hhmm(now + 60)}` });
  expect(quiet.status).toBe(201);
  expect((await api(`/campaigns/${String(quiet.body.id)}/send`, {})).status).toBe(202);
  await waitUntil(async () => (await engine().services.queues.campaignSends.getDelayedCount()) === otherTopic.length, 20_000, 'the quiet-hours texts held');
  const held = await engine().services.queues.campaignSends.getDelayed();
  for (const job of held) expect(job.timestamp + job.delay).toBeGreaterThan(Date.now() + 55 * 60_000);
  expect(double.sent.filter((m) => /bin day/i.test(m.Body))).toEqual([]);

  // Daytime: the community plan campaign goes to everyone who opted in, and nobody else.
  const plan = await api('/campaigns', { topic: 'community-plan', name: 'Community plan 2030', message: 'We would love your views on the draft community plan. Reply with any question.', document: DOCUMENT, quietHours: `${hhmm(now + 120)}-${hhmm(now + 180)}` });
  const started = Date.now();
  expect((await api(`/campaigns/${String(plan.body.id)}/send`, {})).status).toBe(202);
  const campaignTexts = () => double.sent.filter((m) => m.Body.includes('draft community plan'));
  // The pace is set by CAMPAIGN_SMS_PER_SECOND; on a loaded machine the pipeline itself can be slower still.
  await waitUntil(() => campaignTexts().length >= 1000 || undefined, 480_000, '1,000 campaign texts', 500);
  const elapsed = Date.now() - started;
  await new Promise((r) => setTimeout(r, 1500));
  const texts = campaignTexts();
  expect(texts).toHaveLength(1000);
  expect(new Set(texts.map((t) => t.To))).toEqual(new Set(optedIn));
  for (const t of texts) {
    expect(t.From).toBe(COUNCIL);
    expect(t.Body).toBe('Riverbend Council: We would love your views on the draft community plan. Reply with any question. Reply STOP to opt out.');
  }
  // The rate: the limiter starts at most RATE sends a second, so at least 1000 / RATE seconds in
  // all. Sends are recorded when Twilio answers, and a loaded machine bunches those answers (53 in
  // one second at RATE 40 in CI), so the bound is over five seconds with one second's slack.
  const sentAt = (await CampaignSend.find({ campaignId: plan.body.id, status: 'sent' }, { sentAt: 1 }).lean()).map((s) => new Date(s.sentAt!).getTime()).sort((a, b) => a - b);
  expect(sentAt).toHaveLength(1000);
  let busiest = 0;
  for (let i = 0, j = 0; i < sentAt.length; i++) {
    while (sentAt[i]! - sentAt[j]! >= 5000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  expect(busiest).toBeLessThanOrEqual(6 * RATE);
  expect(elapsed).toBeGreaterThanOrEqual((1000 / RATE - 1) * 1000);
  expect((await api(`/campaigns/${String(plan.body.id)}`)).body).toMatchObject({ status: 'sent', counts: { queued: 0, sent: 1000, skipped: 0 } });
  expect(double.sent.filter((m) => /bin day/i.test(m.Body))).toEqual([]);

  // Replies: a question the document answers, and one it does not (a person).
  const asker = optedIn[7]!;
  const before = double.sent.filter((m) => m.To === asker).length;
  await sms(asker, 'when are the community meetings?');
  const answer = await waitUntil(() => double.sent.filter((m) => m.To === asker)[before], 15_000, 'the answer');
  expect(answer.Body).toMatch(/Riverbend Library on Tuesday 8 December at 6pm/);
  expect(answer.Body).toContain('More: https://www.riverbend.example.gov.au/community-plan');
  const other = optedIn[8]!;
  await sms(other, 'my neighbour has built a fence over the boundary');
  const handed = await waitUntil(async () => Conversation.findOne({ campaignId: plan.body.id, status: 'queued' }).lean(), 15_000, 'a person asked for');
  expect(handed.handoffReason).toBe('Question about the campaign "Community plan 2030"');

  // STOP after the campaign ends consent to every topic, with when and how.
  await sms(asker, 'STOP');
  const contactId = (await Conversation.findOne({ campaignId: plan.body.id, lastResidentText: 'when are the community meetings?' }).lean())!.contactId;
  const consents = await waitUntil(async () => {
    const list = (await api(`/contacts/${contactId}/consents`)).body.consents as Array<{ topic: string; given: boolean; how: string; source: string; withdrawnHow: string | null }>;
    return list.every((c) => !c.given) ? list : undefined;
  }, 10_000, 'consent withdrawn');
  expect(consents).toEqual([expect.objectContaining({ topic: 'community-plan', given: false, how: 'web_form', source: 'Have your say page', withdrawnHow: 'sms_stop' })]);
}, 660_000);

/**
 * Replies leave in order per resident and are never lost or misreported, across two outbound
 * worker processes (ROLE=worker) and a `kill -9`. SMS goes through signed Twilio webhooks and the
 * real `twilio` SDK to the local Twilio double, which is the judge: the order it received each
 * number's texts in, and how many times it received each reply (by the message id our
 * StatusCallback URL carries). The engine under test serves HTTP and sockets only.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { ids } from '../src/ids';
import { Message, PendingInbound, type MessageDoc } from '../src/models';
import { sleep, spawnEngineProcess, startTestEngine, stopAndDrop, testEnv, waitForOutput, waitUntil, WebchatResident } from './helpers/engine';
import { startTwilioDouble, type SentSms, type TwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'test-auth-token-0123456789abcdef';
const ACCOUNT = `AC${'2'.repeat(32)}`;
const COUNCIL = '+61480000000';

type TestEngine = Awaited<ReturnType<typeof startTestEngine>>;
let engine: TestEngine;
let double: TwilioDouble;
let env: Record<string, string>;
const workers: ChildProcess[] = [];
const residents: WebchatResident[] = [];

function startWorker(): Promise<ChildProcess> {
  const { child } = spawnEngineProcess({ ...env, ROLE: 'worker', LOG_LEVEL: 'info', SEED_DEMO: 'false' });
  workers.push(child);
  return waitForOutput(child, 'worker.started', 120_000).then(() => child);
}
const running = () => workers.filter((c) => c.exitCode === null && c.signalCode === null);
async function killAll(signal: NodeJS.Signals): Promise<void> {
  await Promise.all(running().map((c) => new Promise((r) => { c.once('exit', r); c.kill(signal); })));
}

beforeAll(async () => {
  double = await startTwilioDouble();
  // Short leases and job locks so a killed worker's work is picked up within seconds.
  env = testEnv({
    PUBLIC_URL,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_API_URL: double.url,
    TURN_LEASE_MS: '2000',
    JOB_LOCK_MS: '3000',
    SWEEP_INTERVAL_MS: '1000',
    WORKER_CONCURRENCY: '8',
    // Fifty browsers on one address here are fifty residents, not one abuser.
    WEBCHAT_MESSAGES_PER_ADDRESS_MINUTE: '10000',
  });
  engine = await startTestEngine({ ...env, ROLE: 'web' });
  await Promise.all([startWorker(), startWorker()]);
}, 180_000);

afterAll(async () => {
  residents.forEach((r) => r.close());
  await killAll('SIGTERM');
  await stopAndDrop(engine);
  await double.stop();
}, 60_000);

/** One inbound SMS, signed as Twilio signs it; resolves to the stored event id. */
async function textIn(from: string, body: string): Promise<string> {
  const params: Record<string, string> = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT, From: from, To: COUNCIL, Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01' };
  const path = '/webhooks/twilio/sms';
  // Like Twilio, a webhook that was not acknowledged is delivered again (same MessageSid).
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${engine.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC_URL}${path}`, params) },
      body: new URLSearchParams(params).toString(),
    }).catch(() => undefined);
    if (res?.status === 200) return `sms-${params.MessageSid}`;
    webhookRetries++;
    if (attempt === 5) throw new Error(`webhook answered ${res?.status ?? 'nothing'} five times`);
    await sleep(500 * attempt);
  }
}
let webhookRetries = 0;

/** A webchat message, sent again with the same client id if the ack does not come (the engine dedups it). */
async function chat(resident: WebchatResident, text: string, clientMessageId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const ack = await resident.say(text, clientMessageId).catch(() => undefined);
    if (ack?.ok) return;
    if (attempt === 5) throw new Error(`message.send failed five times: ${JSON.stringify(ack)}`);
  }
}

const ourId = (sms: SentSms) => new URL(sms.StatusCallback ?? 'http://x/').searchParams.get('m') ?? '';
const numbers = (base: number, n: number) => Array.from({ length: n }, (_, i) => `+614${String(base + i).padStart(8, '0')}`);

/** Each resident texts `perResident` times, one after another; all residents at once. Returns event ids per number. */
async function converse(phones: string[], perResident: number): Promise<Map<string, string[]>> {
  const events = new Map<string, string[]>();
  await Promise.all(phones.map(async (phone) => {
    const mine: string[] = [];
    events.set(phone, mine);
    for (let i = 0; i < perResident; i++) {
      mine.push(await textIn(phone, 'hello'));
    }
  }));
  return events;
}

/** Waits until every event's turn is decided and every reply stored for them has a final state. */
async function settle(eventIds: string[], timeoutMs: number): Promise<MessageDoc[]> {
  return settleOnce(eventIds, timeoutMs).catch(async (error: Error) => {
    const statuses = await Message.aggregate<{ _id: string; n: number }>([{ $match: { direction: 'outbound' } }, { $group: { _id: '$deliveryStatus', n: { $sum: 1 } } }]);
    const decided = await Message.countDocuments({ _id: { $in: eventIds.map((e) => ids.turnMessage(e, 0)) } });
    const logs = workers.map((c) => (c as ChildProcess & { output: () => string }).output().slice(-2000)).join('\n---\n');
    throw new Error(`${error.message}: ${decided}/${eventIds.length} decided, replies ${JSON.stringify(statuses)}\n${logs}`);
  });
}
async function settleOnce(eventIds: string[], timeoutMs: number): Promise<MessageDoc[]> {
  await waitUntil(async () => (await Message.countDocuments({ _id: { $in: eventIds.map((e) => ids.turnMessage(e, 0)) } })) === eventIds.length, timeoutMs, `${eventIds.length} turns decided`, 1000);
  await waitUntil(async () => (await PendingInbound.countDocuments({})) === 0, timeoutMs, 'nothing pending', 500);
  const replyIds = eventIds.flatMap((e) => [1, 2, 3].map((n) => ids.turnMessage(e, n)));
  return waitUntil(async () => {
    const replies = await Message.find({ _id: { $in: replyIds } }).lean<MessageDoc[]>();
    return replies.every((r) => !['pending', 'sending'].includes(r.deliveryStatus)) ? replies : undefined;
  }, timeoutMs, 'every reply final', 1000);
}

/** Per number, how often the double received a text with a lower seq after a higher one. */
async function inversions(phones: string[]): Promise<number> {
  const received = double.sent.filter((s) => phones.includes(s.To));
  const seqs = new Map((await Message.find({ _id: { $in: received.map(ourId) } }, { seq: 1 }).lean()).map((m) => [m._id, m.seq]));
  let count = 0;
  for (const phone of phones) {
    const order = received.filter((s) => s.To === phone).map((s) => seqs.get(ourId(s)) ?? 0);
    for (let i = 1; i < order.length; i++) if (order[i]! < order[i - 1]!) count++;
  }
  return count;
}

test('50 residents × 10 texts: each number receives its replies in order from two worker processes', async () => {
  const phones = numbers(10_000, 50);
  const events = await converse(phones, 10);
  const replies = await settle([...events.values()].flat(), 90_000);
  expect(replies).toHaveLength(500);
  const inverted = await inversions(phones);
  console.log(`sms order: ${inverted} inversions in ${replies.length} replies (${webhookRetries} webhooks delivered again)`);
  expect(inverted).toBe(0);
  for (const phone of phones) expect(double.sent.filter((s) => s.To === phone)).toHaveLength(10);
}, 120_000);

test('50 webchat residents × 10 messages: each browser receives its replies in order', async () => {
  const sessions = await Promise.all(Array.from({ length: 50 }, async () => {
    const r = new WebchatResident(engine.url!);
    residents.push(r);
    await r.start();
    return r;
  }));
  await Promise.all(sessions.map(async (r) => {
    for (let i = 0; i < 10; i++) await chat(r, 'hello', `order-${i}`);
  }));
  await waitUntil(() => sessions.every((r) => new Set(r.replies().map((m) => m.id)).size >= 10), 90_000, '500 replies at the browsers');
  let inverted = 0;
  for (const r of sessions) {
    const seqs = r.replies().map((m) => m.seq);
    for (let i = 1; i < seqs.length; i++) if (seqs[i]! < seqs[i - 1]!) inverted++;
  }
  console.log(`webchat order: ${inverted} inversions in 500 replies`);
  expect(inverted).toBe(0);
}, 120_000);

test('kill -9 of a worker in the middle of 500 texts: each reply reaches Twilio exactly once and none is misreported', async () => {
  const phones = numbers(20_000, 50);
  const before = double.sent.length;
  const victim = running()[0]!;
  let killedAt = -1;
  // Kill once replies are flowing, with most of the 500 still to come (the webhooks may all be
  // acknowledged long before that: ingress is faster than turns).
  const killer = waitUntil(() => double.sent.length - before >= 100, 120_000, '100 replies sent', 50).then(() => {
    killedAt = double.sent.length - before;
    victim.kill('SIGKILL');
    return startWorker(); // a replacement, as an orchestrator would start
  });
  const events = await converse(phones, 10);
  await killer;
  expect(killedAt).toBeGreaterThan(0);
  expect(killedAt).toBeLessThan(400);
  const eventIds = [...events.values()].flat();
  const replies = await settle(eventIds, 90_000);
  // Let any stray resend land before counting.
  await sleep(1000);

  const received = new Map<string, SentSms[]>();
  for (const sms of double.sent.filter((s) => phones.includes(s.To))) received.set(ourId(sms), [...(received.get(ourId(sms)) ?? []), sms]);
  const lost = replies.filter((r) => !received.has(r._id));
  const doubled = [...received.values()].filter((list) => list.length > 1);
  const misreported = replies.filter((r) => received.has(r._id) && !['sent', 'delivered'].includes(r.deliveryStatus));
  const wrongSid = replies.filter((r) => received.has(r._id) && r.providerMessageId !== received.get(r._id)![0]!.sid);
  console.log(`kill -9 at ${killedAt}/500 received: ${lost.length} lost, ${doubled.length} doubled, ${misreported.length} misreported (${misreported.map((r) => `${r.deliveryStatus} ${r.deliveryError ?? ''}`).join('; ')}), inversions ${await inversions(phones)}`);
  expect(lost).toEqual([]);
  expect(doubled).toEqual([]);
  expect(misreported).toEqual([]);
  expect(wrongSid).toEqual([]);
  // Every one of the 500 texts got exactly one reply.
  for (const eventId of eventIds) expect(received.get(ids.turnMessage(eventId, 1))).toHaveLength(1);
  expect(await inversions(phones)).toBe(0);
}, 180_000);

test('a send in doubt when its worker died is asked about: one Twilio took is marked sent, one it never got is sent once', async () => {
  const [took, never] = numbers(30_000, 2) as [string, string];
  double.hang.set(took, 'after-create');
  double.hang.set(never, 'before-create');
  // Twilio's copy stays queued (no date_sent yet, as under a sender's rate limit): the lookup must still find it.
  double.holdQueued.add(took);
  const events = [await textIn(took, 'hello'), await textIn(never, 'hello')];
  await waitUntil(() => double.hanging.length >= 2, 60_000, 'both sends in flight at Twilio');
  const markedAt = Date.now();
  await killAll('SIGKILL');
  double.hang.clear();
  await startWorker();

  const [tookReply, neverReply] = await Promise.all(events.map((e) => waitUntil(async () => {
    const m = await Message.findById(ids.turnMessage(e, 1)).lean<MessageDoc>();
    return m && m.deliveryStatus !== 'pending' && m.deliveryStatus !== 'sending' ? m : undefined;
  }, 60_000, 'the reply resolved')));
  const atDouble = (phone: string) => double.sent.filter((s) => s.To === phone);
  // Twilio had it: recorded as sent under Twilio's own sid, and not sent again.
  expect(atDouble(took)).toHaveLength(1);
  expect(tookReply).toMatchObject({ deliveryStatus: 'sent', providerMessageId: atDouble(took)[0]!.sid });
  // Twilio never got it: sent now, exactly once.
  expect(atDouble(never)).toHaveLength(1);
  expect(neverReply).toMatchObject({ deliveryStatus: 'sent', providerMessageId: atDouble(never)[0]!.sid });
  // Both were resolved by asking Twilio for that number's messages, after the dead send could have ended.
  for (const phone of [took, never]) expect(double.listRequests.some((q) => q.To === phone && q.From === COUNCIL)).toBe(true);
  console.log(`in doubt: resolved ${((Date.now() - markedAt) / 1000).toFixed(1)} s after the kill`);
}, 120_000);

/**
 * Outbound webhooks (CONTRACT.md §10) end to end: a resident books, reports, asks for a person,
 * is answered and rates the service; an admin changes the report's status. A back-office
 * endpoint that fails each event twice receives every event exactly once acknowledged, signed
 * so that the `standardwebhooks` verifier accepts it; the deliveries show each attempt; a
 * replay sends the same webhook-id; a dead endpoint beside it slows no reply.
 */
import { Webhook } from 'standardwebhooks';
import type { Socket } from 'socket.io-client';
import { agentCommand, agentSocket, loginAgent, useTestEngine, waitUntil, type WebchatResident } from './helpers/engine';
import { futureDate, talkingResident } from './helpers/transcript';
import { startWebhookReceiver, type ReceivedWebhook } from './helpers/webhook-receiver';

// A dead endpoint holds each attempt for the whole 30 s timeout: long enough to see replies flow meanwhile.
const engine = useTestEngine({ WEBHOOK_RETRY_DELAYS_MS: '200,400,800', WEBHOOK_TIMEOUT_MS: '30000' });
const residents: WebchatResident[] = [];
const sockets: Socket[] = [];
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let dead: Awaited<ReturnType<typeof startWebhookReceiver>>;
let admin: string;

const api = async (path: string, init: RequestInit & { token?: string } = {}) => {
  const res = await fetch(`${engine().url}/api/v1${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${init.token ?? admin}` } });
  return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>) };
};

beforeAll(async () => {
  receiver = await startWebhookReceiver({ failFirst: 2 });
  dead = await startWebhookReceiver({ hang: true });
  admin = await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
});
afterAll(async () => {
  residents.forEach((r) => r.close());
  sockets.forEach((s) => s.close());
  await receiver.stop();
  await dead.stop();
});

test('admins register endpoints; bad URLs, unknown events and other roles are refused', async () => {
  expect((await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'ftp://example.org/x', events: ['case.created'] }) })).status).toBe(400);
  expect((await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'https://example.org/x', events: ['case.exploded'] }) })).status).toBe(400);
  const { createAgent } = await import('../src/agents/auth');
  await createAgent({ email: 'sup@council.example', name: 'Sam Supervisor', password: 'sup-password-12', role: 'supervisor', queues: ['general'] });
  const supervisor = await loginAgent(engine().url!, 'sup@council.example', 'sup-password-12');
  expect((await api('/webhooks', { method: 'POST', token: supervisor, body: JSON.stringify({ url: 'https://example.org/x', events: ['case.created'] }) })).status).toBe(403);
});

test('each event reaches a flaky endpoint exactly once acknowledged, signed, after two failures; a dead endpoint slows nothing', async () => {
  const all = ['case.created', 'case.updated', 'permit.issued', 'permit.cancelled', 'conversation.queued', 'conversation.resolved', 'survey.answered'];
  const created = await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: receiver.url, events: all, description: 'Back office' }) });
  expect(created.status).toBe(201);
  const { id, secret } = created.body as { id: string; secret: string };
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32,}$/);
  // A dead endpoint on the same events: it never answers, and nobody waits for it.
  expect((await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: dead.url, events: all }) })).status).toBe(201);

  const r = await talkingResident(engine().url!, residents);
  const started = Date.now();
  await r.say('hi');
  const arrive = futureDate(30);
  expect(await r.say(`book a campsite at Lookout Hill from ${arrive.spoken} for 2 nights`)).toMatch(/How many people/);
  expect(await r.say('2 people')).toMatch(/^Book Lookout Hill/);
  const permit = /permit number is (CP-\d{6})/.exec(await r.say('yes'))![1]!;
  expect(await r.say(`cancel permit ${permit}`)).toMatch(/Cancel/i);
  expect(await r.say('yes')).toMatch(/cancelled/i);
  await r.say('graffiti on the wall at 3 Bay Road');
  await r.say('skip');
  await r.say('tags all over the bus shelter');
  const reference = /report number is (RC-\d{6})/.exec(await r.say('yes'))![1]!;
  // The dead endpoint is holding deliveries (permit.issued, permit.cancelled, case.created) unanswered
  // while the resident already has every reply: nobody's reply waited for it.
  expect(dead.holding.count).toBeGreaterThan(0);

  expect((await api(`/cases/${reference}/status`, { method: 'POST', body: JSON.stringify({ status: 'scheduled' }) })).status).toBe(200);
  expect(await r.say('talk to a person')).toMatch(/asked a person/);
  const socket = await agentSocket(engine().url!, admin);
  sockets.push(socket);
  const conversationId = r.chat.conversationId!;
  expect((await agentCommand(socket, 'conversation.claim', { conversationId })).ok).toBe(true);
  expect((await agentCommand(socket, 'message.send', { conversationId, text: 'Hello, how can I help?' })).ok).toBe(true);
  expect((await agentCommand(socket, 'conversation.resolve', { conversationId, outcome: 'resolved' })).ok).toBe(true);
  await r.chat.waitForReply((m) => /How did we do/.test(m.text));
  expect(await r.say('5')).toMatch(/Thanks for your feedback/);

  const acknowledged = (type: string) => receiver.received.filter((w) => w.status === 200 && (JSON.parse(w.body) as { type: string }).type === type);
  await waitUntil(() => all.every((type) => acknowledged(type).length > 0), 30_000, 'every event acknowledged');

  const verifier = new Webhook(secret);
  const byId = new Map<string, ReceivedWebhook[]>();
  for (const w of receiver.received) byId.set(w.id, [...(byId.get(w.id) ?? []), w]);
  // Exactly once acknowledged per event, after exactly two failures, every attempt signed.
  for (const [webhookId, attempts] of byId) {
    expect(webhookId).toMatch(/^msg_/);
    expect(attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    for (const a of attempts) {
      const payload = verifier.verify(a.body, { 'webhook-id': a.id, 'webhook-timestamp': a.timestamp, 'webhook-signature': a.signature }) as { type: string; timestamp: string; data: Record<string, unknown> };
      expect(all).toContain(payload.type);
      expect(new Date(payload.timestamp).getTime()).toBeGreaterThan(started - 1000);
    }
  }
  // A tampered body or another secret is refused by the same verifier.
  const sample = acknowledged('case.created')[0]!;
  expect(() => verifier.verify(sample.body.replace('RC-', 'RX-'), { 'webhook-id': sample.id, 'webhook-timestamp': sample.timestamp, 'webhook-signature': sample.signature })).toThrow();
  expect(() => new Webhook(`whsec_${Buffer.from('another secret entirely!').toString('base64')}`).verify(sample.body, { 'webhook-id': sample.id, 'webhook-timestamp': sample.timestamp, 'webhook-signature': sample.signature })).toThrow();

  const types = [...byId.values()].map((attempts) => (JSON.parse(attempts[0]!.body) as { type: string }).type).sort();
  expect(types).toEqual(['case.created', 'case.updated', 'conversation.queued', 'conversation.resolved', 'permit.cancelled', 'permit.issued', 'survey.answered']);
  const payloadOf = (type: string) => (JSON.parse(acknowledged(type)[0]!.body) as { data: Record<string, unknown> }).data;
  expect(payloadOf('case.created')).toMatchObject({ reference, status: 'received', category: 'graffiti', channel: 'webchat' });
  expect(payloadOf('case.updated')).toMatchObject({ reference, status: 'scheduled' });
  expect(payloadOf('permit.issued')).toMatchObject({ reference: permit, campgroundId: 'lookout-hill', nights: 2, partySize: 2 });
  expect(payloadOf('permit.cancelled')).toMatchObject({ reference: permit, status: 'cancelled' });
  expect(payloadOf('conversation.queued')).toMatchObject({ conversationId, queue: 'general', reasonKind: 'asked' });
  expect(payloadOf('conversation.resolved')).toMatchObject({ conversationId, outcome: 'resolved', resolvedBy: 'agent' });
  expect(payloadOf('survey.answered')).toMatchObject({ conversationId, score: 5 });

  // The delivery log: each delivery with its three attempts, succeeded.
  const log = (await api(`/webhooks/${id}/deliveries`)).body as { deliveries: Array<{ id: string; webhookId: string; type: string; status: string; attemptCount: number; attempts: Array<{ ok: boolean; statusCode: number }> }> };
  expect(log.deliveries).toHaveLength(7);
  for (const d of log.deliveries) {
    expect(d).toMatchObject({ status: 'succeeded', attemptCount: 3 });
    expect(d.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
  }

  // Replay: the same webhook-id again (a receiver that has it can drop it).
  const one = log.deliveries.find((d) => d.type === 'case.created')!;
  expect((await api(`/webhooks/${id}/deliveries/${one.id}/replay`, { method: 'POST' })).status).toBe(202);
  await waitUntil(() => receiver.received.filter((w) => w.id === one.webhookId).length === 4, 10_000, 'the replay');
  expect(receiver.received.filter((w) => w.id === one.webhookId).at(-1)!.status).toBe(200);

  // The dead endpoint's deliveries are still being retried (or given up), never delivered.
  const endpoints = (await api('/webhooks')).body as { webhooks: Array<{ id: string; url: string }> };
  const deadId = endpoints.webhooks.find((w) => w.url === dead.url)!.id;
  const deadLog = (await api(`/webhooks/${deadId}/deliveries`)).body as { deliveries: Array<{ status: string; lastError?: string }> };
  expect(deadLog.deliveries.length).toBe(7);
  expect(deadLog.deliveries.every((d) => d.status !== 'succeeded')).toBe(true);
}, 90_000);

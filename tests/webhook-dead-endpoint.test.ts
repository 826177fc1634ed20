/**
 * A dead back-office endpoint (it takes every request and never answers) beside a healthy one on
 * the same events: the dead one holds no more than WEBHOOK_ENDPOINT_CONCURRENCY attempts across
 * the engine, so the healthy endpoint still gets each event at once instead of waiting behind the
 * dead one's timeouts for a free attempt.
 */
import type { WebchatResident } from './helpers/engine';
import { loginAgent, useTestEngine, waitUntil } from './helpers/engine';
import { talkingResident } from './helpers/transcript';
import { startWebhookReceiver } from './helpers/webhook-receiver';

// Six attempts at once in the worker, two per endpoint; a dead endpoint holds each for 20 s.
const engine = useTestEngine({ WEBHOOK_CONCURRENCY: '6', WEBHOOK_ENDPOINT_CONCURRENCY: '2', WEBHOOK_TIMEOUT_MS: '20000', WEBHOOK_RETRY_DELAYS_MS: '1000,1000' });
const residents: WebchatResident[] = [];
let healthy: Awaited<ReturnType<typeof startWebhookReceiver>>;
let dead: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  healthy = await startWebhookReceiver();
  dead = await startWebhookReceiver({ hang: true });
});
afterAll(async () => {
  residents.forEach((r) => r.close());
  await healthy.stop();
  await dead.stop();
});

test('a dead endpoint holds only its own attempts; the healthy one beside it gets every event within seconds', async () => {
  const admin = await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
  for (const url of [dead.url, healthy.url]) {
    const res = await fetch(`${engine().url}/api/v1/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ url, events: ['conversation.queued'] }) });
    expect(res.status).toBe(201);
  }
  let mostHeld = 0;
  const sampler = setInterval(() => (mostHeld = Math.max(mostHeld, dead.holding.count)), 20);
  try {
    const started = Date.now();
    const people = 10;
    for (let i = 0; i < people; i++) {
      const resident = await talkingResident(engine().url!, residents);
      expect(await resident.say('I want to talk to a person')).toMatch(/in the queue/);
    }
    await waitUntil(() => healthy.received.length >= people || undefined, 10_000, `${people} events at the healthy endpoint`);
    // Every event once, and well before the dead endpoint's first attempts could have timed out.
    expect(new Set(healthy.received.map((r) => r.id)).size).toBe(people);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(mostHeld).toBeGreaterThan(0);
    expect(mostHeld).toBeLessThanOrEqual(2);
  } finally {
    clearInterval(sampler);
  }
}, 60_000);

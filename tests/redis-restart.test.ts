/**
 * Redis restarted in the middle of a run: the engine (web and worker roles, one process)
 * recovers without being restarted itself, and messages sent around the outage are all
 * answered. This file runs its own Redis so the restart touches nothing else.
 */
import path from 'node:path';
import { startRedis, type RunningService } from '../tools/local-services';
import { Message, PendingInbound } from '../src/models';
import { startTestEngine, stopAndDrop, testEnv, waitUntil, WebchatResident } from './helpers/engine';

type TestEngine = Awaited<ReturnType<typeof startTestEngine>>;
let engine: TestEngine;
let redis: RunningService;
const dir = path.join(__dirname, '..', '.data', `redis-restart-${process.pid}`);

beforeAll(async () => {
  redis = await startRedis({ dir });
  engine = await startTestEngine(testEnv({ REDIS_URL: redis.url, SWEEP_INTERVAL_MS: '500' }));
}, 60_000);

afterAll(async () => {
  await stopAndDrop(engine);
  await redis.stop();
});

test('after Redis restarts, the same engine answers again: messages sent before, during and after', async () => {
  const resident = new WebchatResident(engine.url!);
  await resident.start();
  await resident.say('hello');
  await resident.waitForReply(() => true);

  await redis.stop();
  const ready = await fetch(`${engine.url}/readyz`);
  expect(ready.status).toBe(503);
  // Sent while Redis is down: stored in the database and acknowledged; queued once Redis is back.
  const during = await resident.say('hello during the outage');
  expect(during.ok).toBe(true);

  redis = await startRedis({ dir, port: redis.port });
  await waitUntil(async () => (await fetch(`${engine.url}/readyz`)).status === 200, 20_000, 'ready again');
  await resident.say('hello after the outage');

  await waitUntil(async () => (await Message.countDocuments({ conversationId: resident.conversationId, direction: 'inbound' })) === 3, 30_000, 'all three turns', 200);
  await waitUntil(async () => (await PendingInbound.countDocuments({})) === 0, 30_000, 'nothing pending');
  const outbound = await Message.find({ conversationId: resident.conversationId, direction: 'outbound' }).lean();
  expect(outbound).toHaveLength(3);
  await waitUntil(async () => (await Message.countDocuments({ conversationId: resident.conversationId, direction: 'outbound', deliveryStatus: 'sent' })) === 3, 20_000, 'three replies sent', 200);
  resident.close();
}, 90_000);

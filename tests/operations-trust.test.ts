/**
 * Operations that hold under attack and outage (issue 14, item 8 of the findings): a bad escape
 * answers 400, /metrics needs its token (and is served by worker processes too), and a
 * database outage answers provider webhooks 503, through a real TCP cut to FerretDB.
 */
import net from 'node:net';
import twilio from 'twilio';
import { randomBytes } from 'node:crypto';
import { loginAgent, spawnEngineProcess, startTestEngine, stopAndDrop, testEnv, waitForOutput } from './helpers/engine';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const TOKEN = 'ops-auth-token-0123456789abcdef';
const PUBLIC_URL = 'https://council.example';

/** A TCP relay in front of FerretDB that the test can cut and restore. */
function relay(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  return {
    async open(port = 0): Promise<number> {
      server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      return (server.address() as net.AddressInfo).port;
    },
    async cut(): Promise<void> {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

const base = testEnv({ METRICS_TOKEN, TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_URL });
const database = new URL(base.MONGODB_URI!);
const db = relay({ host: database.hostname, port: Number(database.port) });
let engine: Awaited<ReturnType<typeof startTestEngine>>;
let relayPort: number;

beforeAll(async () => {
  relayPort = await db.open();
  const through = new URL(base.MONGODB_URI!);
  through.port = String(relayPort);
  engine = await startTestEngine({ ...base, MONGODB_URI: through.toString() });
});
afterAll(async () => {
  await stopAndDrop(engine);
  await db.cut();
});

test('a path with a bad escape answers 400, not 500', async () => {
  const token = await loginAgent(engine.url!, 'admin@council.example', 'test-admin-password');
  for (const path of ['/api/v1/cases/%ff', '/api/v1/conversations/%E0%A4%A', '/open311/v2/requests/%ff.json']) {
    const res = await fetch(`${engine.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect([path, res.status]).toEqual([path, 400]);
    expect(await res.text()).not.toMatch(/URIError|stack/);
  }
});

test('/metrics needs the metrics token, and a worker process serves its own', async () => {
  expect((await fetch(`${engine.url}/metrics`)).status).toBe(401);
  expect((await fetch(`${engine.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
  const ok = await fetch(`${engine.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(ok.status).toBe(200);
  expect(await ok.text()).toContain('switchboard_inbound_events_total');

  const worker = spawnEngineProcess({ ...base, ROLE: 'worker', LOG_LEVEL: 'info', SEED_DEMO: 'false' });
  try {
    await waitForOutput(worker.child, '"operations.listening"', 60_000);
    const port = Number(/"port":(\d+)[^\n]*"operations.listening"/.exec((worker.child as unknown as { output: () => string }).output())![1]);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    const workerMetrics = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(workerMetrics.status).toBe(200);
    expect(await workerMetrics.text()).toContain('switchboard_turns_total');
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/queue`)).status).toBe(404);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
}, 90_000);

test('with the database unreachable, a signed Twilio webhook answers 503 (run last: it cuts the database)', async () => {
  await db.cut();
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: `AC${'0'.repeat(32)}`, From: '+61412555666', To: '+61480000000', Body: 'hello', NumMedia: '0' };
  const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, params);
  const started = Date.now();
  const res = await fetch(`${engine.url}/webhooks/twilio/sms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
  expect(res.status).toBe(503);
  // Inside Twilio's 15 s webhook timeout.
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(res.headers.get('retry-after')).toBe('5');
  expect(await res.json()).toEqual({ error: { code: 'service_unavailable', message: 'A service we depend on is not reachable. Please try again shortly.' } });
  // The database comes back for the clean-up.
  await db.open(relayPort);
}, 60_000);

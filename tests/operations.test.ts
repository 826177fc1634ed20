/** Health, readiness, metrics, security headers and configuration validation. */
import { parseConfig } from '../src/config';
import { useTestEngine, WebchatResident } from './helpers/engine';

const engine = useTestEngine();

test('/healthz, /readyz and /metrics answer', async () => {
  expect(await (await fetch(`${engine().url}/healthz`)).json()).toEqual({ status: 'ok' });
  const ready = await fetch(`${engine().url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ready', redis: true, database: true });

  const resident = new WebchatResident(engine().url!);
  await resident.start();
  await resident.say('hello');
  await resident.waitForReply(() => true);
  resident.close();
  const metrics = await (await fetch(`${engine().url}/metrics`)).text();
  expect(metrics).toMatch(/switchboard_inbound_events_total\{channel="webchat",outcome="stored"\} 1/);
  expect(metrics).toMatch(/switchboard_turns_total\{outcome="decided"\} 1/);
  expect(metrics).toMatch(/switchboard_outbound_messages_total\{channel="webchat",outcome="sent"\} 1/);
  // Without METRICS_TOKEN, a request a proxy on this machine forwards is not "on this machine".
  for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
    expect((await fetch(`${engine().url}/metrics`, { headers: { [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' } })).status).toBe(401);
  }
});

test('pages are served with a strict Content-Security-Policy', async () => {
  const page = await fetch(`${engine().url}/`);
  expect(page.status).toBe(200);
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(await page.text()).toContain('Talk to a person');
  expect((await fetch(`${engine().url}/no-such-page`)).status).toBe(404);
});

test('configuration problems are listed together', () => {
  expect(() => parseConfig({ REDIS_URL: 'http://x', MONGODB_URI: 'nope', PORT: 'eighty', TWILIO_PHONE_NUMBER: '0412 345 678' } as NodeJS.ProcessEnv)).toThrow(
    /REDIS_URL[\s\S]*MONGODB_URI[\s\S]*PORT|PORT[\s\S]*REDIS_URL/,
  );
  const config = parseConfig({ REDIS_URL: 'redis://localhost:6379', MONGODB_URI: 'mongodb://localhost/x' } as NodeJS.ProcessEnv);
  expect(config).toMatchObject({ PORT: 3000, ROLE: 'all', PUBLIC_URL: 'http://localhost:3000', TWILIO_PHONE_NUMBER: '+61480000000', TWILIO_API_URL: 'https://api.twilio.com' });
});

test('the REST API documents itself (OpenAPI 3.1), request bodies included', async () => {
  const res = await fetch(`${engine().url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown>; required?: string[] } } } } }>> };
  expect(doc.openapi).toBe('3.1.0');
  for (const path of ['/auth/login', '/conversations', '/conversations/{id}', '/conversations/{id}/messages', '/contacts/{id}', '/cases/{reference}']) expect(doc.paths[path]).toBeDefined();
  const login = doc.paths['/auth/login']!.post!.requestBody!.content['application/json'].schema;
  // `code`: the optional second factor (admins and supervisors who set one up).
  expect(Object.keys(login.properties).sort()).toEqual(['code', 'email', 'password']);
  expect(login.required?.sort()).toEqual(['email', 'password']);
});

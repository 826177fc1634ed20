/**
 * An optional TOTP second factor for admins and supervisors (issue 14, item 3): set up by
 * scanning a secret and confirming a code; afterwards sign-in needs a current code, a code works
 * once, wrong codes count against the sign-in limits, and turning it off needs a code too.
 */
import { generate } from 'otplib';
import { createAgent } from '../src/agents/auth';
import { Agent } from '../src/models';
import { useTestEngine } from './helpers/engine';

const engine = useTestEngine({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '5' });

async function signIn(body: Record<string, string>): Promise<{ status: number; body: { token?: string; error?: { code: string; message: string } } }> {
  const res = await fetch(`${engine().url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { token?: string; error?: { code: string; message: string } } };
}
const call = (token: string, path: string, method: string, body?: unknown) =>
  fetch(`${engine().url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
/** The code an authenticator app shows `steps` periods of 30 s from now. */
const codeAt = (secret: string, steps: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

test('a supervisor turns on a second factor; sign-in then needs a fresh code each time', async () => {
  await createAgent({ email: 'sam@council.example', name: 'Sam Supervisor', password: 'sam-password-12', role: 'supervisor' });
  const password = { email: 'sam@council.example', password: 'sam-password-12' };
  const first = await signIn(password);
  expect(first.status).toBe(200);
  const token = first.body.token!;

  const begun = await call(token, '/me/second-factor', 'POST');
  expect(begun.status).toBe(201);
  const { secret, otpauthUri } = (await begun.json()) as { secret: string; otpauthUri: string };
  expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/.+sam%40council\.example\?.*secret=/);
  // Not on until a code from it is confirmed.
  expect((await signIn(password)).status).toBe(200);
  expect((await call(token, '/me/second-factor/confirm', 'POST', { code: '000000' })).status).toBe(401);
  expect((await call(token, '/me/second-factor/confirm', 'POST', { code: await codeAt(secret, 0) })).status).toBe(204);
  // The secret is not stored as the app shows it.
  expect(JSON.stringify(await Agent.findOne({ email: 'sam@council.example' }).lean())).not.toContain(secret);

  const withoutCode = await signIn(password);
  expect(withoutCode).toMatchObject({ status: 401, body: { error: { code: 'second_factor_required', message: 'Enter the 6-digit code from your authenticator app.' } } });
  expect(withoutCode.body.token).toBeUndefined();
  expect((await signIn({ ...password, code: '123456' })).body.error?.code).toBe('invalid_code');
  // The confirming code cannot be used again; the next one can, once.
  expect((await signIn({ ...password, code: await codeAt(secret, 0) })).status).toBe(401);
  const next = await codeAt(secret, 1);
  const signedIn = await signIn({ ...password, code: next });
  expect(signedIn.status).toBe(200);
  expect((await signIn({ ...password, code: next })).status).toBe(401);
  // A code without the password is nothing.
  expect((await signIn({ email: password.email, password: 'wrong-password', code: next })).body.error?.code).toBe('invalid_credentials');

  // Turning it off needs a current code, not just a session.
  expect((await call(signedIn.body.token!, '/me/second-factor', 'DELETE', { code: '999999' })).status).toBe(401);
}, 60_000);

test('wrong codes count as failed sign-ins; agents have no second factor to set up', async () => {
  await createAgent({ email: 'ada@council.example', name: 'Ada Admin', password: 'ada-password-123', role: 'admin' });
  await createAgent({ email: 'al@council.example', name: 'Al Agent', password: 'al-password-1234', role: 'agent' });
  const password = { email: 'ada@council.example', password: 'ada-password-123' };
  const token = (await signIn(password)).body.token!;
  const { secret } = (await (await call(token, '/me/second-factor', 'POST')).json()) as { secret: string };
  expect((await call(token, '/me/second-factor/confirm', 'POST', { code: await codeAt(secret, -1) })).status).toBe(204);

  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await signIn({ ...password, code: String(100000 + i) })).status);
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);

  const agentToken = (await signIn({ email: 'al@council.example', password: 'al-password-1234' })).body.token!;
  const refused = await call(agentToken, '/me/second-factor', 'POST');
  expect(refused.status).toBe(403);
});

test('turned off with a current code, sign-in is by password again', async () => {
  await createAgent({ email: 'off@council.example', name: 'Off Supervisor', password: 'off-password-12', role: 'supervisor' });
  const password = { email: 'off@council.example', password: 'off-password-12' };
  const token = (await signIn(password)).body.token!;
  const { secret } = (await (await call(token, '/me/second-factor', 'POST')).json()) as { secret: string };
  expect((await call(token, '/me/second-factor/confirm', 'POST', { code: await codeAt(secret, -1) })).status).toBe(204);
  expect((await signIn(password)).status).toBe(401);
  expect((await call(token, '/me/second-factor', 'DELETE', { code: await codeAt(secret, 0) })).status).toBe(204);
  expect((await signIn(password)).status).toBe(200);
});

/**
 * Sign-in resists guessing and cannot be turned on its user (issue 14, item 3): failures are
 * limited per account, per client address and in all, through Redis; a forged
 * X-Forwarded-For is ignored unless TRUST_PROXY names the proxy; a success clears the count.
 */
import { createAgent } from '../src/agents/auth';
import { spawnEngineProcess, testEnv, useTestEngine, waitForOutput } from './helpers/engine';

const engine = useTestEngine({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_MAX_FAILURES_PER_ADDRESS: '40', LOGIN_MAX_FAILURES_GLOBAL: '1000' });

async function signIn(base: string, email: string, password: string, forwardedFor?: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ email, password }),
  });
  await res.arrayBuffer();
  return res.status;
}

test('signing in often never locks anyone out, and a success clears the account\'s failures', async () => {
  const url = engine().url!;
  await createAgent({ email: 'often@council.example', name: 'Often', password: 'often-password-1', role: 'agent' });
  const statuses: number[] = [];
  for (let i = 0; i < 15; i++) statuses.push(await signIn(url, 'often@council.example', 'often-password-1'));
  expect(statuses.every((s) => s === 200)).toBe(true);
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 4; i++) expect(await signIn(url, 'often@council.example', `wrong-${round}-${i}`)).toBe(401);
    expect(await signIn(url, 'often@council.example', 'often-password-1')).toBe(200);
  }
});

test('guesses at one account are limited even with a different X-Forwarded-For each time', async () => {
  const url = engine().url!;
  await createAgent({ email: 'target@council.example', name: 'Target', password: 'target-password-1', role: 'admin' });
  const statuses: number[] = [];
  for (let i = 0; i < 30; i++) statuses.push(await signIn(url, 'target@council.example', `guess-${i}`, `203.0.113.${i + 1}`));
  expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
  expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
  // Even the right password waits out the limit: the guesser does not learn it worked.
  expect(await signIn(url, 'target@council.example', 'target-password-1', '198.51.100.7')).toBe(429);
});

test('guesses sent all at once are limited too: no more than the budget reach the password check', async () => {
  const url = engine().url!;
  await createAgent({ email: 'parallel@council.example', name: 'Parallel', password: 'parallel-password-1', role: 'admin' });
  const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(url, 'parallel@council.example', `burst-${i}`, `203.0.113.${i + 101}`)));
  expect(statuses.filter((s) => s === 401)).toHaveLength(5);
  expect(statuses.filter((s) => s === 429)).toHaveLength(25);
});

test('spraying many accounts from one address is limited (the forged header does not change the address)', async () => {
  const url = engine().url!;
  const statuses: number[] = [];
  for (let i = 0; i < 35; i++) statuses.push(await signIn(url, `someone${i}@council.example`, 'Password1!', `192.0.2.${i + 1}`));
  // The tests above failed 8 + 5 + 5 times from this same address; its budget is 40 failures.
  expect(statuses.slice(0, 22).every((s) => s === 401)).toBe(true);
  expect(statuses.slice(22).every((s) => s === 429)).toBe(true);
});

test('with TRUST_PROXY set, each client address has its own budget and the global limit stops a spread-out spray', async () => {
  const env = testEnv({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_MAX_FAILURES_PER_ADDRESS: '8', LOGIN_MAX_FAILURES_GLOBAL: '12', TRUST_PROXY: 'loopback', ROLE: 'web', LOG_LEVEL: 'info' });
  const { child, exited } = spawnEngineProcess(env);
  try {
    await waitForOutput(child, '"web.listening"', 60_000);
    const output = (child as unknown as { output: () => string }).output();
    const port = Number(/"port":(\d+)/.exec(output)![1]);
    const base = `http://127.0.0.1:${port}`;
    // Twelve failures from twelve addresses on twelve accounts: each budget alone is untouched…
    const first: number[] = [];
    for (let i = 0; i < 12; i++) first.push(await signIn(base, `spray${i}@council.example`, 'Password1!', `198.51.100.${i + 1}`));
    expect(first.every((s) => s === 401)).toBe(true);
    // …but the global failure budget (12) is spent now.
    expect(await signIn(base, 'spray99@council.example', 'Password1!', '198.51.100.200')).toBe(429);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}, 90_000);

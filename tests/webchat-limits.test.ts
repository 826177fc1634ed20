/**
 * Webchat abuse limits shared across web processes through Redis (issue 14, item 5): new
 * sessions and open connections per client address, handoffs per session, messages per
 * session and per address. Two real web processes share one Redis and one FerretDB.
 */
import { io } from 'socket.io-client';
import { Identity } from '../src/models';
import { spawnEngineProcess, startTestEngine, stopAndDrop, testEnv, waitForOutput, WebchatResident } from './helpers/engine';

const limits = {
  WEBCHAT_SESSIONS_PER_ADDRESS_HOUR: '20',
  WEBCHAT_CONNECTIONS_PER_ADDRESS: '15',
  WEBCHAT_HANDOFFS_PER_SESSION_HOUR: '3',
  WEBCHAT_MESSAGES_PER_SESSION_10S: '30',
  WEBCHAT_MESSAGES_PER_ADDRESS_MINUTE: '40',
};
const env = testEnv(limits);
let engine: Awaited<ReturnType<typeof startTestEngine>>;
let second: ReturnType<typeof spawnEngineProcess>;
let secondUrl: string;

beforeAll(async () => {
  engine = await startTestEngine(env);
  // Another web process on the same Redis and database, as behind a load balancer.
  second = spawnEngineProcess({ ...env, ROLE: 'web', LOG_LEVEL: 'info', SEED_DEMO: 'false' });
  await waitForOutput(second.child, '"web.listening"', 60_000);
  secondUrl = `http://127.0.0.1:${/"port":(\d+)/.exec((second.child as unknown as { output: () => string }).output())![1]}`;
}, 90_000);
afterAll(async () => {
  second.child.kill('SIGTERM');
  await second.exited;
  await stopAndDrop(engine);
});

test('messages per address are limited across both web processes, however many throwaway sessions send them', async () => {
  const chats = [...Array.from({ length: 5 }, () => new WebchatResident(engine.url!)), ...Array.from({ length: 5 }, () => new WebchatResident(secondUrl))];
  try {
    for (const chat of chats) await chat.start();
    const acks = await Promise.all(chats.map(async (chat) => {
      const results: boolean[] = [];
      for (let i = 0; i < 30; i++) results.push((await chat.say(`message ${i}`)).ok);
      return results;
    }));
    expect(acks.flat().filter(Boolean)).toHaveLength(40);
    const refused = await chats[0]!.say('one more');
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  } finally {
    chats.forEach((c) => c.close());
  }
});

test('a session can ask for a person a few times, not endlessly', async () => {
  const chat = new WebchatResident(engine.url!);
  try {
    await chat.start();
    const acks = [];
    for (let i = 0; i < 20; i++) acks.push(await chat.emit('handoff.request', {}));
    expect(acks.filter((a) => a.ok)).toHaveLength(3);
    expect(acks.at(-1)).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  } finally {
    chat.close();
  }
});

test('"Call me instead" cannot be used to pester a number: a few an hour per session, per connection and per number, however many sessions ask', async () => {
  const sessions = [new WebchatResident(engine.url!), new WebchatResident(secondUrl), new WebchatResident(engine.url!)];
  const ask = async (chat: WebchatResident, number: string) => ((a) => (a.ok ? 'ok' : a.error.code))(await chat.emit('continue.phone', { mode: 'call', number }));
  try {
    for (const chat of sessions) await chat.start();
    const [a, b, c] = sessions as [WebchatResident, WebchatResident, WebchatResident];
    // One session, one number (written three ways): three call-backs, then the session's limit.
    expect([await ask(a, '0412 345 671'), await ask(a, '+61412345671'), await ask(a, '61 412 345 671'), await ask(a, '0412 345 672')]).toEqual(['ok', 'ok', 'ok', 'rate_limited']);
    // A fresh session on the other web process: that number has had its three.
    expect(await ask(b, '0412345671')).toBe('rate_limited');
    expect([await ask(b, '0412 345 673')]).toEqual(['ok']);
    // The connection has now asked six times: a third session gets no more.
    expect(await ask(c, '0412 345 674')).toBe('rate_limited');
  } finally {
    sessions.forEach((s) => s.close());
  }
});

test('new sessions per address are limited across both processes (resuming one is not a new session)', async () => {
  const before = await Identity.countDocuments({ channel: 'webchat' });
  const here = new WebchatResident(engine.url!);
  const there = new WebchatResident(secondUrl);
  try {
    const results: boolean[] = [];
    let token: string | undefined;
    for (let i = 0; i < 30; i++) {
      const ack = await (i % 2 ? there : here).emit<{ sessionToken: string }>('session.start', {});
      if (ack.ok) token ??= ack.data.sessionToken;
      results.push(ack.ok);
    }
    // 14 sessions were started by the tests above; the address may start 20 an hour.
    expect(results.filter(Boolean)).toHaveLength(6);
    expect(await Identity.countDocuments({ channel: 'webchat' })).toBe(before + 6);
    const resumed = await there.emit<{ sessionToken: string }>('session.start', { sessionToken: token });
    expect(resumed).toMatchObject({ ok: true, data: { sessionToken: token } });
  } finally {
    here.close();
    there.close();
  }
});

test('open connections per address are limited; closing one frees a place', async () => {
  const connect = (url: string) => {
    const socket = io(`${url}/webchat`, { transports: ['websocket'], forceNew: true, reconnection: false });
    return new Promise<{ socket: typeof socket; ok: boolean }>((resolve) => {
      socket.once('connect', () => resolve({ socket, ok: true }));
      socket.once('connect_error', () => resolve({ socket, ok: false }));
    });
  };
  const opened = [];
  for (let i = 0; i < 40; i++) opened.push(await connect(i % 2 ? secondUrl : engine.url!));
  try {
    expect(opened.filter((o) => o.ok)).toHaveLength(15);
    opened.find((o) => o.ok)!.socket.close();
    await new Promise((r) => setTimeout(r, 300));
    const again = await connect(engine.url!);
    opened.push(again);
    expect(again.ok).toBe(true);
  } finally {
    opened.forEach((o) => o.socket.close());
  }
});

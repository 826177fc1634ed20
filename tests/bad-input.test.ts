/**
 * Bad input gets a clear error and changes nothing; the process stays up.
 */
import { io } from 'socket.io-client';
import { InboundEvent, Message } from '../src/models';
import { agentCommand, agentSocket, loginAgent, useTestEngine, WebchatResident } from './helpers/engine';

const engine = useTestEngine();

test('malformed webchat payloads get an error ack naming the problem, and store nothing', async () => {
  const resident = new WebchatResident(engine().url!);
  // Before a session exists.
  expect(await resident.emit('message.send', { clientMessageId: 'a1', text: 'hi' })).toMatchObject({ ok: false, error: { code: 'no_session' } });
  await resident.start();

  const cases: Array<[unknown, string]> = [
    [undefined, 'invalid_payload'],
    ['just a string', 'invalid_payload'],
    [42, 'invalid_payload'],
    [[1, 2, 3], 'invalid_payload'],
    [{ text: 'no id' }, 'invalid_payload'],
    [{ clientMessageId: 'bad:id', text: 'hi' }, 'invalid_payload'],
    [{ clientMessageId: 'x'.repeat(65), text: 'hi' }, 'invalid_payload'],
    [{ clientMessageId: 'ok1' }, 'invalid_payload'],
    [{ clientMessageId: 'ok2', text: { $gt: '' } }, 'invalid_payload'],
    [{ clientMessageId: 'ok3', location: { lat: 91, lng: 0 } }, 'invalid_payload'],
    [{ clientMessageId: 'ok4', text: '   ' }, 'empty_message'],
    [{ clientMessageId: 'ok5', text: 'x'.repeat(2001) }, 'message_too_long'],
  ];
  for (const [payload, code] of cases) {
    const ack = await resident.emit('message.send', payload);
    expect(ack).toMatchObject({ ok: false, error: { code } });
    if (!ack.ok) expect(ack.error.message.length).toBeGreaterThan(5);
  }
  expect(await resident.emit('session.start', { sessionToken: '../../etc/passwd' })).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  // An event sent without an ack callback must not crash anything either.
  resident.socket.emit('message.send', { nonsense: true });

  await new Promise((r) => setTimeout(r, 500));
  expect(await InboundEvent.countDocuments({})).toBe(0);
  expect(await Message.countDocuments({})).toBe(0);

  // The same socket and the process still work.
  expect((await resident.say('hello')).ok).toBe(true);
  await resident.waitForReply(() => true);
  resident.close();
});

test('a payload larger than the socket limit closes that connection only; the engine stays up', async () => {
  const resident = new WebchatResident(engine().url!);
  await resident.start();
  const closed = new Promise<string>((resolve) => resident.socket.once('disconnect', resolve));
  resident.socket.emit('message.send', { clientMessageId: 'huge', text: 'x'.repeat(200_000) });
  expect(await closed).toBeTruthy();
  expect((await fetch(`${engine().url}/healthz`)).status).toBe(200);
  const other = new WebchatResident(engine().url!);
  await other.start();
  expect((await other.say('hello')).ok).toBe(true);
  other.close();
});

test('agent sockets: no token or a bad token is refused; bad commands get error acks', async () => {
  const noToken = io(`${engine().url}/agents`, { transports: ['websocket'], forceNew: true, reconnection: false });
  const refusal = await new Promise<Error>((resolve) => noToken.once('connect_error', resolve));
  expect(refusal.message).toMatch(/sign in/i);
  noToken.close();
  await expect(agentSocket(engine().url!, 'not-a-real-token')).rejects.toThrow();

  const foreign = io(`${engine().url}/agents`, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { origin: 'https://evil.example' }, auth: { token: 'x' } });
  const foreignError = await new Promise<Error>((resolve) => foreign.once('connect_error', resolve));
  expect(foreignError.message).toMatch(/own site/);
  foreign.close();

  const agent = await agentSocket(engine().url!, await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password'));
  expect(await agentCommand(agent, 'conversation.claim', {})).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  expect(await agentCommand(agent, 'conversation.claim', { conversationId: 'conv-does-not-exist' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  expect(await agentCommand(agent, 'message.send', { conversationId: 'x', text: '' })).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  agent.close();
});

test('REST: bad logins and bodies get clear JSON errors; login is rate limited', async () => {
  const post = (body: string) => fetch(`${engine().url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const malformed = await post('{not json');
  expect(malformed.status).toBe(400);
  expect(await malformed.json()).toMatchObject({ error: { code: 'invalid_payload' } });
  const missing = await post(JSON.stringify({ email: 'a@b.c' }));
  expect(missing.status).toBe(400);
  expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/password/);
  const statuses: number[] = [];
  // Five failures per account in the window (LOGIN_MAX_FAILURES_PER_ACCOUNT), then a clear 429.
  for (let i = 0; i < 7; i++) statuses.push((await post(JSON.stringify({ email: 'someone@council.example', password: `guess-${i}` }))).status);
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  expect((await fetch(`${engine().url}/api/v1/conversations`)).status).toBe(401);

  // A bad query string is the caller's mistake: a 400 that names it, not a server error.
  const token = await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
  const badQuery = await fetch(`${engine().url}/api/v1/conversations?status=sleeping`, { headers: { authorization: `Bearer ${token}` } });
  expect(badQuery.status).toBe(400);
  expect(await badQuery.json()).toMatchObject({ error: { code: 'invalid_payload', message: expect.stringContaining('status') } });
});

/**
 * The workspace's REST routes and socket commands over the real engine (Redis and FerretDB):
 * who may see and change what (404 for what an agent may not see, 403 for roles), search,
 * permits cancelled by an agent (places freed, resident told, audited with who), agents'
 * administration, the lists with unread counts, and the wallboard.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { createAgent } from '../src/agents/auth';
import { AuditEntry } from '../src/privacy/audit';
import { Conversation, Identity, Permit, PermitNight } from '../src/models';
import { agentCommand, agentSocket, loginAgent, startTestEngine, stopAndDrop, testEnv, waitUntil } from './helpers/engine';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const TOKEN = 'workspace-api-auth-token-01234567';
const COUNCIL = '+61480000000';
let engine: Awaited<ReturnType<typeof startTestEngine>>;
let double: TwilioDouble;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  double = await startTwilioDouble();
  engine = await startTestEngine(testEnv({ TWILIO_AUTH_TOKEN: TOKEN, TWILIO_API_URL: double.url }));
  await createAgent({ email: 'gen@council.example', name: 'Gen Agent', password: 'gen-password-1', role: 'agent', queues: ['general'] });
  await createAgent({ email: 'roads@council.example', name: 'Road Agent', password: 'roads-password-1', role: 'agent', queues: ['roads'] });
  tokens.gen = await loginAgent(engine.url!, 'gen@council.example', 'gen-password-1');
  tokens.roads = await loginAgent(engine.url!, 'roads@council.example', 'roads-password-1');
  tokens.admin = await loginAgent(engine.url!, 'admin@council.example', 'test-admin-password');
}, 120_000);
afterAll(async () => {
  await stopAndDrop(engine);
  await double.stop();
});

const call = async (who: string, path: string, options: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(`${engine.url}/api/v1${path}`, { method: options.method ?? 'GET', headers: { authorization: `Bearer ${tokens[who]}`, ...(options.body ? { 'content-type': 'application/json' } : {}) }, ...(options.body ? { body: JSON.stringify(options.body) } : {}) });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
};

async function smsFrom(from: string, body: string): Promise<void> {
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: engine.config.TWILIO_ACCOUNT_SID, From: from, To: COUNCIL, Body: body, NumMedia: '0' };
  await fetch(`${engine.url}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${engine.config.PUBLIC_URL}/webhooks/twilio/sms`, params) },
    body: new URLSearchParams(params).toString(),
  });
}
const queued = (from: string) => waitUntil(async () => (await Conversation.findOne({ identityId: `sms-${COUNCIL}-${from}`, status: 'queued' }).lean()) ?? undefined, 15_000, 'queued');

test('search finds by phone, name, reference and text, only within what the agent may see', async () => {
  const from = '+61412800001';
  await smsFrom(from, 'talk to a person about the kerbside collection calendar');
  const conversation = await queued(from);
  expect((await call('gen', `/contacts/${conversation.contactId}`, { method: 'PATCH', body: { name: 'Morgan Quill' } })).status).toBe(200);
  const report = await engine.services.councils.default.cases.create({ category: 'missed-bin', description: 'Bin not emptied', location: { text: '4 Elm Street' }, photoCount: 0 }, { contactId: conversation.contactId, identityId: conversation.identityId, channel: 'sms', conversationId: conversation._id, address: from }, `api-${conversation._id}`);

  for (const q of ['0412 800 001', 'Morgan', report.reference.toLowerCase(), 'kerbside collection']) {
    const found = await call('gen', `/search?q=${encodeURIComponent(q)}`);
    expect(found.status).toBe(200);
    expect(found.body.conversations.map((c: { id: string }) => c.id)).toContain(conversation._id);
  }
  // The roads agent may not see a general conversation: nothing found, and the person is a 404.
  const hidden = await call('roads', `/search?q=${encodeURIComponent('Morgan')}`);
  expect(hidden.body).toEqual({ conversations: [], contacts: [] });
  expect((await call('roads', `/contacts/${conversation.contactId}`, { method: 'PATCH', body: { name: 'x' } })).status).toBe(404);
  expect((await call('gen', '/search?q=a')).status).toBe(400);
  // Reading search results is on the audit trail.
  expect(await AuditEntry.exists({ contactId: conversation.contactId, action: 'search.result' })).toBeTruthy();
  // The person shows consent, reports and the name.
  const person = await call('gen', `/contacts/${conversation.contactId}`);
  expect(person.body).toMatchObject({ name: 'Morgan Quill', identities: [{ channel: 'sms', address: from, optedOut: false }], cases: [{ reference: report.reference, status: 'received' }] });
});

test('an agent cancels a resident\'s permit: places freed, the resident told by SMS, recorded with who; other queues get 404', async () => {
  const from = '+61412800002';
  await smsFrom(from, 'talk to a person about my camping booking');
  const conversation = await queued(from);
  const campground = engine.services.councils.default.permits.list()[0]!;
  const arrive = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  const booked = await engine.services.councils.default.permits.book({ campgroundId: campground.id, arrive, nights: 2, partySize: 2 }, { contactId: conversation.contactId, identityId: conversation.identityId, channel: 'sms', conversationId: conversation._id, address: from }, `api-permit-${conversation._id}`);
  if (!booked.ok) throw new Error('not booked');
  const reference = booked.reference;
  expect((await call('roads', `/permits/${reference}/cancel`, { method: 'POST', body: {} })).status).toBe(404);
  const person = await call('gen', `/contacts/${conversation.contactId}`);
  expect(person.body.permits).toEqual([expect.objectContaining({ reference, status: 'booked' })]);
  const cancelled = await call('gen', `/permits/${reference}/cancel`, { method: 'POST', body: {} });
  expect(cancelled).toMatchObject({ status: 200, body: { reference, status: 'cancelled', history: [expect.objectContaining({ status: 'cancelled', by: 'Gen Agent' })] } });
  expect((await Permit.findById(reference).lean())!.status).toBe('cancelled');
  expect(await PermitNight.countDocuments({ permitId: reference })).toBe(0);
  await waitUntil(() => double.sent.find((m) => m.To === from && m.Body === `Riverbend Council: your camping permit ${reference} has been cancelled.`), 15_000, 'the cancellation SMS');
  const entry = await AuditEntry.findOne({ action: 'permit.cancel', target: reference }).lean();
  expect(entry).toMatchObject({ contactId: conversation.contactId, actorRole: 'agent' });
  expect((await call('gen', `/permits/${reference}/cancel`, { method: 'POST', body: {} })).body.error.code).toBe('unchanged');
});

test('admins create, rename and deactivate agents; others may not; the contract\'s POST /agents shape', async () => {
  const created = await call('admin', '/agents', { method: 'POST', body: { email: 'New.Agent@council.example', name: 'Nia from Rates', password: 'nia-password-1', role: 'agent', councils: [engine.services.councils.default.council.id], queues: ['general'] } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ id: expect.any(String), email: 'new.agent@council.example', name: 'Nia from Rates', active: true });
  expect((await call('admin', '/agents', { method: 'POST', body: { email: 'new.agent@council.example', name: 'Again', password: 'nia-password-1', role: 'agent' } })).status).toBe(409);
  expect((await call('admin', '/agents', { method: 'POST', body: { email: 'x@council.example', name: 'X', password: 'short', role: 'agent' } })).status).toBe(400);
  expect((await call('admin', '/agents', { method: 'POST', body: { email: 'y@council.example', name: 'Y', password: 'long-enough-1', role: 'agent', queues: ['nope'] } })).status).toBe(404);
  expect((await call('gen', '/agents', { method: 'POST', body: { email: 'z@council.example', name: 'Z', password: 'long-enough-1', role: 'agent' } })).status).toBe(403);
  expect((await call('gen', '/agents')).status).toBe(403);
  const listed = await call('admin', '/agents');
  expect(listed.body.agents.map((a: { name: string }) => a.name)).toContain('Nia from Rates');

  const niaToken = await loginAgent(engine.url!, 'new.agent@council.example', 'nia-password-1');
  const socket = await agentSocket(engine.url!, niaToken);
  const renamed = await call('admin', `/agents/${created.body.id}`, { method: 'PATCH', body: { name: 'Nia Rates', capacity: 5 } });
  expect(renamed.body).toMatchObject({ name: 'Nia Rates', capacity: 5 });
  const closed = new Promise((resolve) => socket.once('disconnect', resolve));
  expect((await call('admin', `/agents/${created.body.id}`, { method: 'PATCH', body: { active: false } })).body.active).toBe(false);
  await closed;
  expect((await fetch(`${engine.url}/api/v1/me`, { headers: { authorization: `Bearer ${niaToken}` } })).status).toBe(401);
  const me = (await call('admin', '/me')).body;
  expect((await call('admin', `/agents/${me.id}`, { method: 'PATCH', body: { active: false } })).status).toBe(403);
});

test('a temporary password: nothing but choosing one\'s own until it is done; an admin\'s reset signs the agent out', async () => {
  const created = await call('admin', '/agents', { method: 'POST', body: { email: 'temp.agent@council.example', name: 'Tami', password: 'tami-temporary-1', role: 'agent', temporary: true } });
  expect(created.status).toBe(201);
  const as = (token: string) => (route: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${engine.url}/api/v1${route}`, { method: init.method ?? (init.body ? 'POST' : 'GET'), headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) }, ...(init.body ? { body: JSON.stringify(init.body) } : {}) });
  const first = await loginAgent(engine.url!, 'temp.agent@council.example', 'tami-temporary-1');
  const tami = as(first);
  expect(await (await tami('/me')).json()).toMatchObject({ name: 'Tami', mustChangePassword: true });
  const refused = await tami('/conversations');
  expect(refused.status).toBe(403);
  expect(await refused.json()).toMatchObject({ error: { code: 'password_change_required' } });
  await expect(agentSocket(engine.url!, first)).rejects.toThrow('Choose your own password first.');

  expect((await tami('/me/password', { body: { currentPassword: 'not-the-password', newPassword: 'tami-chose-this-1' } })).status).toBe(401);
  expect((await tami('/me/password', { body: { currentPassword: 'tami-temporary-1', newPassword: 'short' } })).status).toBe(400);
  expect((await tami('/me/password', { body: { currentPassword: 'tami-temporary-1', newPassword: 'tami-temporary-1' } })).status).toBe(400);
  expect((await tami('/me/password', { body: { currentPassword: 'tami-temporary-1', newPassword: 'tami-chose-this-1' } })).status).toBe(204);
  expect(await (await tami('/me')).json()).toMatchObject({ mustChangePassword: false });
  expect((await tami('/conversations')).status).toBe(200);
  (await agentSocket(engine.url!, first)).close();
  expect((await fetch(`${engine.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'temp.agent@council.example', password: 'tami-temporary-1' }) })).status).toBe(401);

  // An admin resets it: Tami's sign-ins end, and the new temporary one asks for her own again.
  expect((await call('admin', `/agents/${created.body.id}`, { method: 'PATCH', body: { password: 'tami-reset-0001' } })).status).toBe(200);
  expect((await tami('/me')).status).toBe(401);
  const afterReset = as(await loginAgent(engine.url!, 'temp.agent@council.example', 'tami-reset-0001'));
  expect(await (await afterReset('/me')).json()).toMatchObject({ mustChangePassword: true });
  // Only admins reset; an admin changes their own with the current one, not by a reset.
  expect((await call('gen', `/agents/${created.body.id}`, { method: 'PATCH', body: { password: 'gen-tries-this-1' } })).status).toBe(403);
  const me = (await call('admin', '/me')).body;
  expect((await call('admin', `/agents/${me.id}`, { method: 'PATCH', body: { password: 'admin-reset-self-1' } })).status).toBe(403);
  // An agent created through the contract's POST /agents (no `temporary`) signs in and works at once.
  expect(await (await as(await loginAgent(engine.url!, 'gen@council.example', 'gen-password-1'))('/me')).json()).toMatchObject({ mustChangePassword: false });
});

test('the lists count unread messages and clear them when read; the wallboard answers supervisors only', async () => {
  const from = '+61412800003';
  await smsFrom(from, 'talk to a person about an unread test');
  const conversation = await queued(from);
  await smsFrom(from, 'second message');
  await waitUntil(async () => ((await Conversation.findById(conversation._id).lean())!.lastResidentSeq ?? 0) >= 2 || undefined, 10_000, 'second');
  const token = await loginAgent(engine.url!, 'gen@council.example', 'gen-password-1');
  const socket = await agentSocket(engine.url!, token);
  const list = async () => agentCommand<{ items: Array<{ id: string; unread: number; who: string; need: string }>; counts: Record<string, number> }>(socket, 'conversation.list', { view: 'waiting' });
  const before = await list();
  expect(before.ok && before.data.items.find((i) => i.id === conversation._id)).toMatchObject({ unread: 2, who: from, need: expect.stringContaining('Resident asked for a person') });
  expect((await agentCommand(socket, 'conversation.open', { conversationId: conversation._id })).ok).toBe(true);
  const after = await list();
  expect(after.ok && after.data.items.find((i) => i.id === conversation._id)?.unread).toBe(0);
  expect((await agentCommand(socket, 'conversation.list', { view: 'everything' })).ok).toBe(false);
  const roadsSocket = await agentSocket(engine.url!, tokens.roads!);
  const theirs = await agentCommand<{ items: Array<{ id: string }> }>(roadsSocket, 'conversation.list', { view: 'open' });
  expect(theirs.ok && theirs.data.items.find((i) => i.id === conversation._id)).toBeUndefined();
  expect(await agentCommand(roadsSocket, 'conversation.read', { conversationId: conversation._id, seq: 1 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  expect((await call('gen', '/supervisor/wallboard')).status).toBe(403);
  const board = await call('admin', '/supervisor/wallboard');
  expect(board.status).toBe(200);
  expect(board.body.queues.find((q: { queue: string }) => q.queue === 'general').waiting).toBeGreaterThanOrEqual(1);
  expect(board.body.history.length).toBeGreaterThanOrEqual(16);
  expect(board.body.today.byPeople).toBeGreaterThanOrEqual(1);
  socket.close();
  roadsSocket.close();
});

test('admins edit canned responses; agents read them and may not change them', async () => {
  const before = await call('gen', '/canned-responses');
  expect(before.body.cannedResponses.map((c: { title: string }) => c.title)).toContain('Greeting');
  expect((await call('gen', '/canned-responses', { method: 'POST', body: { title: 'Bins', text: 'Bins go out on Tuesday night.' } })).status).toBe(403);
  const saved = await call('admin', '/canned-responses', { method: 'POST', body: { title: 'Bins', text: 'Bins go out on Tuesday night.' } });
  expect(saved).toMatchObject({ status: 201, body: { id: 'canned-bins', title: 'Bins' } });
  expect((await call('admin', '/canned-responses/canned-greeting', { method: 'DELETE' })).status).toBe(204);
  const after = (await call('gen', '/canned-responses')).body.cannedResponses.map((c: { title: string }) => c.title);
  expect(after).toContain('Bins');
  expect(after).toContain('Looking into it');
  expect(after).not.toContain('Greeting');
  expect((await call('admin', '/canned-responses/canned-nothing', { method: 'DELETE' })).status).toBe(404);
});

test('an agent adds a neighbour as a follower of a report: texted once, then told of each change; repeats, STOP and bad numbers refused; other queues get 404; audited', async () => {
  const from = '+61412800004';
  const neighbour = '+61412800005';
  const stopped = '+61412800006';
  await smsFrom(from, 'talk to a person about the bin outside number 9 not being emptied');
  const conversation = await queued(from);
  const report = await engine.services.councils.default.cases.create({ category: 'missed-bin', description: 'Bin not emptied', location: { text: '9 Elm Street' }, photoCount: 0 }, { contactId: conversation.contactId, identityId: conversation.identityId, channel: 'sms', conversationId: conversation._id, address: from }, `api-follow-${conversation._id}`);
  const reference = report.reference;

  expect((await call('roads', `/cases/${reference}/followers`, { method: 'POST', body: { phone: '0412 800 005' } })).status).toBe(404);
  const added = await call('gen', `/cases/${reference}/followers`, { method: 'POST', body: { phone: '0412 800 005' } });
  expect(added).toMatchObject({ status: 201, body: { reference, followers: [{ id: expect.any(String), label: neighbour }] } });
  await waitUntil(() => double.sent.find((m) => m.To === neighbour && m.Body === `Riverbend Council: you asked for updates on report ${reference} (missed bin, now received). We'll text you when it changes.`), 15_000, 'the follower\'s first text');
  expect((await call('gen', `/cases/${reference}/followers`, { method: 'POST', body: { phone: '+61 412 800 005' } })).body.error.code).toBe('unchanged');
  expect((await call('gen', `/cases/${reference}/followers`, { method: 'POST', body: { phone: '0412 800 004' } })).body.error.code).toBe('unchanged'); // the reporter
  expect((await call('gen', `/cases/${reference}/followers`, { method: 'POST', body: { phone: '12345 not a number' } })).status).toBe(400);
  await smsFrom(stopped, 'STOP');
  await waitUntil(async () => (await Identity.findOne({ channelUserId: stopped, optedOut: true }).lean()) ?? undefined, 15_000, 'STOP recorded');
  expect((await call('gen', `/cases/${reference}/followers`, { method: 'POST', body: { phone: stopped } })).body.error.code).toBe('opted_out');
  expect(double.sent.filter((m) => m.To === neighbour)).toHaveLength(1);

  // The person pane shows the follower; a status change texts the reporter and the follower, each in their own words.
  expect((await call('gen', `/contacts/${conversation.contactId}`)).body.cases).toEqual([expect.objectContaining({ reference, followers: [expect.objectContaining({ label: neighbour })] })]);
  expect((await call('gen', `/cases/${reference}/status`, { method: 'POST', body: { status: 'fixed' } })).status).toBe(200);
  await waitUntil(() => double.sent.find((m) => m.To === from && m.Body === `Riverbend Council: your report ${reference} is now fixed.`), 15_000, 'the reporter told');
  await waitUntil(() => double.sent.find((m) => m.To === neighbour && m.Body === `Riverbend Council: report ${reference} is now fixed.`), 15_000, 'the follower told');

  const followerId = added.body.followers[0].id as string;
  expect(await AuditEntry.exists({ action: 'case.follower.add', target: reference, actorRole: 'agent' })).toBeTruthy();
  expect((await call('gen', `/cases/${reference}/followers/${conversation.identityId}`, { method: 'DELETE' })).body.error.code).toBe('reporter');
  expect((await call('gen', `/cases/${reference}/followers/${followerId}`, { method: 'DELETE' })).body.followers).toEqual([]);
  expect((await call('gen', `/cases/${reference}/followers/${followerId}`, { method: 'DELETE' })).status).toBe(404);
  expect(await AuditEntry.exists({ action: 'case.follower.remove', target: reference })).toBeTruthy();
  expect((await call('gen', `/cases/${reference}/status`, { method: 'POST', body: { status: 'closed' } })).status).toBe(200);
  await waitUntil(() => double.sent.find((m) => m.To === from && m.Body.includes('is now closed')), 15_000, 'the reporter told of closing');
  expect(double.sent.filter((m) => m.To === neighbour)).toHaveLength(2);
});

test('the console learns the channels from the server: ids, words and capabilities, in the registry\'s order', async () => {
  const { status, body } = await call('gen', '/channels');
  expect(status).toBe(200);
  expect(body.channels).toEqual([
    { id: 'webchat', label: 'Website chat', shortLabel: 'Webchat', capabilities: expect.objectContaining({ delivery: 'realtime', sessionAddress: true }) },
    { id: 'sms', label: 'SMS', shortLabel: 'SMS', capabilities: expect.objectContaining({ delivery: 'push', phone: 'text' }) },
    { id: 'voice', label: 'Phone', shortLabel: 'Phone', capabilities: expect.objectContaining({ delivery: 'response', phone: 'call' }) },
    { id: 'social', label: 'Facebook or Instagram', shortLabel: 'Social media', capabilities: expect.objectContaining({ delivery: 'push', choices: 'native' }) },
  ]);
  expect((await fetch(`${engine.url}/api/v1/channels`)).status).toBe(401);
});

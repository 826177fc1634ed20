/**
 * Access by role and queue (issue 14, item 4), through the real REST API, sockets, Redis and
 * FerretDB: an agent of another queue cannot read or change a case or a conversation, a note
 * texted to the resident needs a supervisor or an admin, and every such read and change is on
 * the audit log.
 */
import { createAgent } from '../src/agents/auth';
import { Case, Message } from '../src/models';
import { AuditEntry } from '../src/privacy/audit';
import { agentCommand, agentSocket, loginAgent, useTestEngine, waitUntil, WebchatResident } from './helpers/engine';

const engine = useTestEngine();
const chats: WebchatResident[] = [];
afterAll(() => chats.forEach((c) => c.close()));

async function report(): Promise<{ reference: string; chat: WebchatResident }> {
  const chat = new WebchatResident(engine().url!);
  chats.push(chat);
  await chat.start();
  const say = async (text: string) => {
    const before = chat.received.length;
    await chat.say(text);
    return (await waitUntil(() => chat.received.slice(before).find((m) => m.sender.kind !== 'contact'), 15_000, 'reply')).text;
  };
  await say('hi');
  await say('pothole outside 14 Wattle Avenue, I am Priya Natarajan, mobile 0412 555 666');
  await say('skip');
  const reference = /report number is (RC-\d{6})/.exec(await say('yes'))![1]!;
  return { reference, chat };
}

const api = (token: string, path: string, body?: unknown) =>
  fetch(`${engine().url}/api/v1${path}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

test('an agent of another queue can neither read nor change a report; its own queue can; a texted note needs a supervisor', async () => {
  await createAgent({ email: 'permits@council.example', name: 'Pat Permits', password: 'permits-password-1', role: 'agent', queues: ['permits'] });
  await createAgent({ email: 'roads@council.example', name: 'Robin Roads', password: 'roads-password-1', role: 'agent', queues: ['roads'] });
  await createAgent({ email: 'sup@council.example', name: 'Sam Supervisor', password: 'sup-password-12', role: 'supervisor', queues: ['general'] });
  const { reference, chat } = await report();
  const permits = await loginAgent(engine().url!, 'permits@council.example', 'permits-password-1');
  const roads = await loginAgent(engine().url!, 'roads@council.example', 'roads-password-1');
  const supervisor = await loginAgent(engine().url!, 'sup@council.example', 'sup-password-12');

  const outsider = await api(permits, `/cases/${reference}`);
  expect(outsider.status).toBe(404);
  expect(await outsider.text()).not.toContain('Priya');
  const close = await api(permits, `/cases/${reference}/status`, { status: 'fixed', note: 'Call 1900 555 555 to claim your refund' });
  expect(close.status).toBe(404);
  expect((await Case.findById(reference).lean())!.status).toBe('received');

  expect((await api(roads, `/cases/${reference}`)).status).toBe(200);
  const agentNote = await api(roads, `/cases/${reference}/status`, { status: 'in_progress', note: 'Call 1900 555 555 to claim your refund' });
  expect(agentNote.status).toBe(403);
  expect((await api(roads, `/cases/${reference}/status`, { status: 'in_progress' })).status).toBe(200);
  expect((await api(supervisor, `/cases/${reference}/status`, { status: 'fixed', note: 'Patched this morning' })).status).toBe(200);

  await waitUntil(() => chat.received.find((m) => m.text.includes('Patched this morning')), 15_000, 'the note texted');
  expect(await Message.countDocuments({ text: /1900 555 555/ })).toBe(0);
  const trail = await AuditEntry.find({ target: reference }).sort({ at: 1 }).lean();
  expect(trail.map((e) => e.action)).toEqual(['case.read', 'case.status', 'case.status']);
  expect(trail.at(-1)).toMatchObject({ actorRole: 'supervisor', detail: 'fixed; note sent to the resident: Patched this morning' });
});

test('an agent of another queue cannot open, reply to or close a queued conversation over the socket', async () => {
  const chat = new WebchatResident(engine().url!);
  chats.push(chat);
  await chat.start();
  await chat.say('talk to a person');
  const conversationId = chat.conversationId!;
  await waitUntil(() => chat.updates.find((u) => u.status === 'queued'), 15_000, 'queued');
  const permits = await agentSocket(engine().url!, await loginAgent(engine().url!, 'permits@council.example', 'permits-password-1'));
  try {
    for (const [event, payload] of [
      ['conversation.open', { conversationId }],
      ['conversation.claim', { conversationId }],
      ['conversation.note', { conversationId, text: 'peek' }],
      ['conversation.resolve', { conversationId }],
      ['conversation.transfer', { conversationId, queue: 'permits' }],
      ['typing', { conversationId, typing: true }],
    ] as const) {
      const ack = await agentCommand(permits, event, payload);
      expect(ack.ok ? 'ok' : ack.error.code).toBe('not_found');
    }
    const token = await loginAgent(engine().url!, 'permits@council.example', 'permits-password-1');
    expect((await api(token, `/conversations/${conversationId}`)).status).toBe(404);
    expect((await api(token, `/conversations/${conversationId}/messages`)).status).toBe(404);
  } finally {
    permits.close();
  }
  const admin = await agentSocket(engine().url!, await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password'));
  try {
    expect((await agentCommand(admin, 'conversation.open', { conversationId })).ok).toBe(true);
    expect((await agentCommand(admin, 'conversation.claim', { conversationId })).ok).toBe(true);
  } finally {
    admin.close();
  }
  expect((await AuditEntry.find({ target: conversationId }).lean()).map((e) => e.action).sort()).toEqual(['conversation.claim', 'conversation.read']);
});

/**
 * The console's rules over the real `/agents` and `/webchat` sockets: capacity is never
 * exceeded even when claims race, the queue is taken in a fair and explicit order, notes
 * never reach residents, typing shows both ways on webchat, presence and load reach
 * supervisors, and only supervisors reassign other agents' conversations.
 */
import type { Socket } from 'socket.io-client';
import { createAgent } from '../src/agents/auth';
import { Agent, Conversation } from '../src/models';
import { agentCommand, agentSocket, loginAgent, sleep, useTestEngine, waitUntil, WebchatResident } from './helpers/engine';

const engine = useTestEngine();
const sockets: Socket[] = [];
const residents: WebchatResident[] = [];
afterAll(() => {
  sockets.forEach((s) => s.close());
  residents.forEach((r) => r.close());
});

async function agent(email: string, options: { role?: 'agent' | 'supervisor'; capacity?: number } = {}): Promise<{ socket: Socket; token: string; id: string }> {
  const created = await createAgent({ email, name: email.split('@')[0]!, password: 'agent-password-1', role: options.role ?? 'agent', queues: ['general'] });
  if (options.capacity) await Agent.updateOne({ _id: created._id }, { $set: { capacity: options.capacity } });
  const token = await loginAgent(engine().url!, email, 'agent-password-1');
  const socket = await agentSocket(engine().url!, token);
  sockets.push(socket);
  return { socket, token, id: created._id };
}

async function queuedResident(words = 'talk to a person'): Promise<{ resident: WebchatResident; conversationId: string }> {
  const resident = new WebchatResident(engine().url!);
  residents.push(resident);
  const { conversationId } = await resident.start();
  await resident.say(words);
  await waitUntil(async () => (await Conversation.findById(conversationId).lean())?.status === 'queued' || undefined, 10_000, 'queued');
  return { resident, conversationId };
}

test('an agent with capacity 2 racing for 4 conversations gets exactly 2; resolving one frees a place', async () => {
  const { socket } = await agent('cap@council.example', { capacity: 2 });
  const conversations = await Promise.all([1, 2, 3, 4].map(() => queuedResident()));
  const results = await Promise.all(conversations.map((c) => agentCommand(socket, 'conversation.claim', { conversationId: c.conversationId })));
  expect(results.filter((r) => r.ok)).toHaveLength(2);
  for (const refused of results.filter((r) => !r.ok)) expect(refused).toMatchObject({ ok: false, error: { code: 'at_capacity' } });
  const won = conversations.filter((_, i) => results[i]!.ok);
  const lost = conversations.filter((_, i) => !results[i]!.ok);
  expect(await Conversation.countDocuments({ _id: { $in: lost.map((c) => c.conversationId) }, status: 'queued' })).toBe(2);

  expect((await agentCommand(socket, 'conversation.resolve', { conversationId: won[0]!.conversationId, outcome: 'resolved' })).ok).toBe(true);
  expect((await agentCommand(socket, 'conversation.claim', { conversationId: lost[0]!.conversationId })).ok).toBe(true);
  expect((await agentCommand(socket, 'conversation.claim', { conversationId: lost[1]!.conversationId })).ok).toBe(false);
});

test('the queue is taken in order: safeguarding first, then the oldest', async () => {
  const { socket } = await agent('order@council.example', { capacity: 10 });
  const before = await agentCommand<{ waiting: Array<{ id: string }> }>(socket, 'queue.list', {});
  // Clear anything earlier tests left waiting, so this test sees only its own residents.
  for (const item of before.ok ? before.data.waiting : []) await agentCommand(socket, 'conversation.claim', { conversationId: item.id });
  const older = await queuedResident('talk to a person about my rates');
  await sleep(20);
  const newer = await queuedResident('talk to a person about parking');
  await sleep(20);
  const urgent = await queuedResident("talk to a person, I'm not safe at home, domestic violence");
  const list = await agentCommand<{ waiting: Array<{ id: string; priority: number }> }>(socket, 'queue.list', {});
  expect(list.ok && list.data.waiting.map((w) => w.id)).toEqual([urgent.conversationId, older.conversationId, newer.conversationId]);
  expect(list.ok && list.data.waiting[0]!.priority).toBe(0);
  const next = await agentCommand<{ id: string }>(socket, 'queue.next', {});
  expect(next.ok && next.data.id).toBe(urgent.conversationId);
});

test('internal notes reach agents only: never the resident, not even on resume', async () => {
  const { socket } = await agent('notes@council.example');
  const { resident, conversationId } = await queuedResident();
  expect((await agentCommand(socket, 'conversation.claim', { conversationId })).ok).toBe(true);
  const note = await agentCommand<{ messageId: string }>(socket, 'conversation.note', { conversationId, text: 'Resident sounds upset; check rates history' });
  expect(note.ok).toBe(true);
  await agentCommand(socket, 'message.send', { conversationId, text: 'Hello from the council' });
  await resident.waitForReply((m) => m.text === 'Hello from the council');
  expect(resident.received.find((m) => m.text.includes('check rates history'))).toBeUndefined();
  const resumed = new WebchatResident(engine().url!);
  residents.push(resumed);
  const again = await resumed.start({ sessionToken: resident.sessionToken, sinceSeq: 0 });
  expect(again.messages.map((m) => m.text)).toContain('Hello from the council');
  expect(again.messages.find((m) => m.text.includes('check rates history'))).toBeUndefined();
  const opened = await agentCommand<{ messages: Array<{ text: string; internal?: boolean }> }>(socket, 'conversation.open', { conversationId });
  expect(opened.ok && opened.data.messages.find((m) => m.internal)?.text).toBe('Resident sounds upset; check rates history');
});

test('typing shows both ways on webchat', async () => {
  const { socket } = await agent('typing@council.example');
  const { resident, conversationId } = await queuedResident();
  await agentCommand(socket, 'conversation.claim', { conversationId });
  const seenByAgent: Array<Record<string, unknown>> = [];
  socket.on('typing', (e: Record<string, unknown>) => seenByAgent.push(e));
  const seenByResident: Array<Record<string, unknown>> = [];
  resident.socket.on('agent.typing', (e: Record<string, unknown>) => seenByResident.push(e));
  resident.socket.emit('typing', { typing: true });
  await agentCommand(socket, 'typing', { conversationId, typing: true });
  await waitUntil(() => seenByAgent.find((e) => e.conversationId === conversationId && e.who === 'resident' && e.typing === true), 5000, 'agent sees typing');
  await waitUntil(() => seenByResident.find((e) => e.typing === true && e.name === 'typing'), 5000, 'resident sees typing');
});

test('supervisors see presence and load, and reassign; an agent cannot reassign what they do not hold', async () => {
  const supervisor = await agent('super@council.example', { role: 'supervisor' });
  const worker = await agent('worker@council.example');
  const other = await agent('other@council.example');
  await agentCommand(worker.socket, 'agent.presence', { presence: 'away' });
  const overview = async () => (await fetch(`${engine().url}/api/v1/supervisor/overview`, { headers: { authorization: `Bearer ${supervisor.token}` } })).json() as Promise<{ agents: Array<{ id: string; presence: string; load: number }>; queues: Array<{ queue: string; waiting: number }> }>;
  await waitUntil(async () => (await overview()).agents.find((a) => a.id === worker.id)?.presence === 'away' || undefined, 5000, 'away');
  expect((await fetch(`${engine().url}/api/v1/supervisor/overview`, { headers: { authorization: `Bearer ${worker.token}` } })).status).toBe(403);

  const { conversationId } = await queuedResident();
  expect((await agentCommand(other.socket, 'conversation.claim', { conversationId })).ok).toBe(true);
  const refused = await agentCommand(worker.socket, 'conversation.transfer', { conversationId, agentId: worker.id });
  expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  const moved = await agentCommand(supervisor.socket, 'conversation.transfer', { conversationId, agentId: worker.id });
  expect(moved).toMatchObject({ ok: true, data: { status: 'assigned', assignee: { id: worker.id } } });
  const after = await overview();
  expect(after.agents.find((a) => a.id === worker.id)?.load).toBe(1);
  expect(after.agents.find((a) => a.id === other.id)?.load).toBe(0);

  other.socket.close();
  await waitUntil(async () => (await overview()).agents.find((a) => a.id === other.id)?.presence === 'offline' || undefined, 5000, 'offline');
});

test('a newly queued conversation is offered to one available agent with room, never to one away or full', async () => {
  const away = await agent('offer-away@council.example');
  const full = await agent('offer-full@council.example', { capacity: 1 });
  const free = await agent('offer-free@council.example', { capacity: 5 });
  await agentCommand(away.socket, 'agent.presence', { presence: 'away' });
  // Everyone else in this file is set away, so the choice is between these three.
  for (const other of await Agent.find({ email: { $nin: ['offer-away@council.example', 'offer-full@council.example', 'offer-free@council.example'] } }).lean()) {
    await engine().services.redis.hset(`${engine().config.QUEUE_PREFIX}:presence`, other._id, 'away');
  }
  const filler = await queuedResident();
  expect((await agentCommand(full.socket, 'conversation.claim', { conversationId: filler.conversationId })).ok).toBe(true);
  const offers = new Map<string, Array<Record<string, unknown>>>();
  for (const [name, a] of [['away', away], ['full', full], ['free', free]] as const) {
    offers.set(name, []);
    a.socket.on('conversation.offered', (o: Record<string, unknown>) => offers.get(name)!.push(o));
  }
  const { conversationId } = await queuedResident('talk to a person about my rates');
  await waitUntil(() => offers.get('free')!.find((o) => o.conversationId === conversationId), 5000, 'the offer');
  await sleep(300);
  expect(offers.get('away')).toEqual([]);
  expect(offers.get('full')).toEqual([]);
  expect(offers.get('free')![0]).toMatchObject({ conversationId, queue: 'general', channel: 'webchat', preview: 'talk to a person about my rates' });
});

/**
 * Exactly one winner: ten agents claim the same queued conversation at the same moment,
 * a hundred times over. The claim is an insert on a unique key, so this holds on FerretDB
 * (whose updates are not atomic) as on MongoDB.
 */
import type { Socket } from 'socket.io-client';
import { createAgent } from '../src/agents/auth';
import { Conversation } from '../src/models';
import { agentCommand, agentSocket, loginAgent, startTestEngine, stopAndDrop, testEnv, waitUntil, WebchatResident } from './helpers/engine';

type TestEngine = Awaited<ReturnType<typeof startTestEngine>>;
let engine: TestEngine;
const agents: Socket[] = [];

beforeAll(async () => {
  engine = await startTestEngine(testEnv());
  for (let i = 0; i < 10; i++) {
    await createAgent({ email: `agent${i}@council.example`, name: `Agent ${i}`, password: 'agent-password', role: 'agent', queues: ['general'] });
    agents.push(await agentSocket(engine.url!, await loginAgent(engine.url!, `agent${i}@council.example`, 'agent-password')));
  }
}, 60_000);

afterAll(async () => {
  agents.forEach((a) => a.close());
  await stopAndDrop(engine);
});

test('ten agents claiming one conversation at once: exactly one wins, a hundred times in a row', async () => {
  const resident = new WebchatResident(engine.url!);
  const { conversationId } = await resident.start();
  const ack = await resident.emit<{ status: string }>('handoff.request', {});
  expect(ack).toMatchObject({ ok: true, data: { status: 'queued' } });

  const winners: number[] = [];
  for (let round = 0; round < 100; round++) {
    const results = await Promise.all(agents.map((a) => agentCommand<{ status: string }>(a, 'conversation.claim', { conversationId })));
    const won = results.flatMap((r, i) => (r.ok ? [i] : []));
    const lost = results.filter((r) => !r.ok);
    expect(won).toHaveLength(1);
    for (const loss of lost) expect(loss).toMatchObject({ ok: false, error: { code: 'already_claimed' } });
    const stored = await Conversation.findById(conversationId).lean();
    expect(stored).toMatchObject({ status: 'assigned', assigneeName: `Agent ${won[0]}` });
    winners.push(won[0]!);
    // The winner puts it back in the queue for the next round (a new handoff, a new race).
    const back = await agentCommand(agents[won[0]!]!, 'conversation.transfer', { conversationId, queue: 'general' });
    expect(back).toMatchObject({ ok: true, data: { status: 'queued' } });
  }
  expect(winners).toHaveLength(100);
  // The race is real: more than one agent won over the hundred rounds.
  expect(new Set(winners).size).toBeGreaterThan(1);
  resident.close();
}, 120_000);

test('an agent cannot claim or read a conversation outside their queues by guessing its id', async () => {
  await createAgent({ email: 'roads@council.example', name: 'Roads Officer', password: 'agent-password', role: 'agent', queues: ['roads'] });
  const token = await loginAgent(engine.url!, 'roads@council.example', 'agent-password');
  const roads = await agentSocket(engine.url!, token);
  const resident = new WebchatResident(engine.url!);
  const { conversationId } = await resident.start();
  await resident.emit('handoff.request', {});
  await waitUntil(async () => (await Conversation.findById(conversationId).lean())?.status === 'queued');

  expect(await agentCommand(roads, 'conversation.claim', { conversationId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  expect(await agentCommand(roads, 'conversation.open', { conversationId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  const rest = await fetch(`${engine.url}/api/v1/conversations/${conversationId}/messages`, { headers: { authorization: `Bearer ${token}` } });
  expect(rest.status).toBe(404);
  roads.close();
  resident.close();
});

/**
 * A webchat conversation end to end through real Redis, FerretDB, BullMQ and Socket.IO:
 * greeting → "agent" → queued → an agent claims and replies → the resident sees it → resolve.
 */
import { Case, Conversation, Message } from '../src/models';
import { agentCommand, agentSocket, loginAgent, startTestEngine, stopAndDrop, testEnv, WebchatResident, waitUntil } from './helpers/engine';

type TestEngine = Awaited<ReturnType<typeof startTestEngine>>;
let engine: TestEngine;
let url: string;
const residents: WebchatResident[] = [];

beforeAll(async () => {
  engine = await startTestEngine(testEnv());
  url = engine.url!;
});
afterAll(async () => {
  residents.forEach((r) => r.close());
  await stopAndDrop(engine);
});

function resident(): WebchatResident {
  const r = new WebchatResident(url);
  residents.push(r);
  return r;
}

test('hello gets the menu; "agent" queues; an agent claims, replies and resolves', async () => {
  const alice = resident();
  const session = await alice.start();
  expect(session.sessionToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  expect(session.status).toBe('bot');

  expect((await alice.say('hello')).ok).toBe(true);
  const menu = await alice.waitForReply((m) => m.text.includes('What can I help with'));
  expect(menu.sender.kind).toBe('bot');
  expect(menu.choices?.map((c) => c.label)).toContain('Talk to a person');

  const token = await loginAgent(url, 'admin@council.example', 'test-admin-password');
  const agent = await agentSocket(url, token);
  const queuedEvents: Array<{ conversationId: string; status: string }> = [];
  agent.on('conversation.queued', (e) => queuedEvents.push(e));

  await alice.say('agent');
  const notice = await alice.waitForReply((m) => m.text.includes('queue'));
  expect(notice.text).toMatch(/You're next in the queue|number \d+ in the queue/);
  await waitUntil(() => alice.updates.find((u) => u.status === 'queued'), 10_000, 'queued update');
  const queued = await waitUntil(() => queuedEvents[0], 10_000, 'conversation.queued for agents');
  expect(queued.conversationId).toBe(session.conversationId);
  expect((await Conversation.findById(session.conversationId).lean())?.status).toBe('queued');

  const claim = await agentCommand<{ status: string; assignee: { name: string } }>(agent, 'conversation.claim', { conversationId: session.conversationId });
  expect(claim).toMatchObject({ ok: true, data: { status: 'assigned', assignee: { name: 'Administrator' } } });
  await alice.waitForReply((m) => m.sender.kind === 'system' && m.text.includes('Administrator'));
  await waitUntil(() => alice.updates.find((u) => u.status === 'assigned' && u.agentName === 'Administrator'), 10_000, 'assigned update');

  // Residents' messages now go to the agent, not the bot.
  const agentSaw: Array<{ text: string; sender: { kind: string } }> = [];
  agent.on('message.created', (m) => agentSaw.push(m));
  await alice.say('My bin was not collected on Elm St');
  await waitUntil(() => agentSaw.find((m) => m.sender.kind === 'contact' && m.text.includes('Elm St')), 10_000, 'agent sees resident message');

  const reply = await agentCommand<{ messageId: string }>(agent, 'message.send', { conversationId: session.conversationId, text: "Sorry about that, I've booked a collection for tomorrow." });
  expect(reply.ok).toBe(true);
  const seen = await alice.waitForReply((m) => m.sender.kind === 'agent');
  expect(seen).toMatchObject({ text: "Sorry about that, I've booked a collection for tomorrow.", sender: { kind: 'agent', name: 'Administrator' } });

  const resolved = await agentCommand(agent, 'conversation.resolve', { conversationId: session.conversationId });
  expect(resolved).toMatchObject({ ok: true, data: { status: 'resolved' } });
  await alice.waitForReply((m) => m.text.includes('now closed'));
  // No bot reply was made while a person owned the conversation.
  const botAfterClaim = await Message.countDocuments({ conversationId: session.conversationId, 'sender.kind': 'bot', text: /didn't understand/ });
  expect(botAfterClaim).toBe(0);
  agent.close();
});

test('the same clientMessageId sent twice is stored and answered once', async () => {
  const bob = resident();
  await bob.start();
  const [first, second] = await Promise.all([bob.say('hello', 'same-id-1'), bob.say('hello', 'same-id-1')]);
  expect(first.ok && second.ok).toBe(true);
  if (first.ok && second.ok) expect(first.data.messageId).toBe(second.data.messageId);
  await bob.waitForReply((m) => m.text.includes('What can I help with'));
  await bob.say('hello', 'same-id-1'); // and once more, after it was processed
  await new Promise((r) => setTimeout(r, 1500));
  const stored = await Message.find({ conversationId: bob.conversationId }).lean();
  expect(stored.filter((m) => m.direction === 'inbound')).toHaveLength(1);
  expect(stored.filter((m) => m.direction === 'outbound')).toHaveLength(1);
  expect(new Set(bob.replies().map((m) => m.id)).size).toBe(1);
});

test('the "Talk to a person" button queues the conversation and says so in its ack', async () => {
  const carol = resident();
  await carol.start();
  const ack = await carol.emit<{ status: string }>('handoff.request', {});
  expect(ack).toMatchObject({ ok: true, data: { status: 'queued' } });
  await carol.waitForReply((m) => /in the queue/.test(m.text));
});

test('after a reconnect, session.start with sinceSeq replays every missed message', async () => {
  const dave = resident();
  const first = await dave.start();
  await dave.say('hello');
  const menu = await dave.waitForReply(() => true);
  dave.close();

  // While Dave is away, an agent answers (via the queue) and the bot speaks.
  const token = await loginAgent(url, 'admin@council.example', 'test-admin-password');
  const agent = await agentSocket(url, token);
  const away = resident();
  await away.start({ sessionToken: first.sessionToken });
  await away.emit('handoff.request', {});
  away.close();
  await agentCommand(agent, 'conversation.claim', { conversationId: first.conversationId });
  await agentCommand(agent, 'message.send', { conversationId: first.conversationId, text: 'Are you still there?' });
  await waitUntil(async () => (await Message.countDocuments({ conversationId: first.conversationId, 'sender.kind': 'agent', deliveryStatus: 'sent' })) === 1, 10_000, 'agent reply sent');

  const back = resident();
  const resumed = await back.start({ sessionToken: first.sessionToken, sinceSeq: menu.seq });
  expect(resumed.conversationId).toBe(first.conversationId);
  expect(resumed.status).toBe('assigned');
  const texts = resumed.messages.map((m) => m.text);
  expect(resumed.messages.every((m) => m.seq > menu.seq)).toBe(true);
  expect(texts).toEqual(expect.arrayContaining(['Asked to talk to a person', 'Are you still there?']));
  expect(texts.some((t) => t.includes('has joined'))).toBe(true);
  const seqs = resumed.messages.map((m) => m.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  agent.close();
});

test('an unknown session token starts a fresh session instead of failing', async () => {
  const eve = resident();
  const session = await eve.start({ sessionToken: 'x'.repeat(40) });
  expect(session.sessionToken).not.toBe('x'.repeat(40));
  expect(session.messages).toEqual([]);
});

test('return to bot: the assistant answers again, and the resident is told', async () => {
  const frank = resident();
  const { conversationId } = await frank.start();
  await frank.emit('handoff.request', {});
  const agent = await agentSocket(url, await loginAgent(url, 'admin@council.example', 'test-admin-password'));
  expect(await agentCommand(agent, 'conversation.claim', { conversationId })).toMatchObject({ ok: true });
  // Only a queued or assigned conversation can go back; a second return is refused clearly.
  expect(await agentCommand(agent, 'conversation.return_to_bot', { conversationId })).toMatchObject({ ok: true, data: { status: 'bot' } });
  expect(await agentCommand(agent, 'conversation.return_to_bot', { conversationId })).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
  await frank.waitForReply((m) => m.text.includes('back with the assistant'));
  await waitUntil(() => frank.updates.find((u) => u.status === 'bot'), 10_000, 'bot update');

  await frank.say('hello');
  const menu = await frank.waitForReply((m) => m.sender.kind === 'bot' && m.text.includes('What can I help with'));
  expect(menu.conversationId).toBe(conversationId);
  agent.close();
});

test('report a problem: a shared location answers "where", and words after it are the description, read back in the summary', async () => {
  const r = resident();
  await r.start();
  const next = async (send: () => Promise<unknown>) => {
    const before = r.replies().length;
    await send();
    return (await waitUntil(() => r.replies()[before], 15_000, 'the reply')).text;
  };
  expect(await next(() => r.say('there is a pothole'))).toMatch(/Where is it\?/);
  const afterPlace = await next(() => r.emit('message.send', { clientMessageId: 'place-report', location: { lat: -33.8688, lng: 151.2093 } }));
  expect(afterPlace).toMatch(/send a photo/);
  expect(await next(() => r.say('skip'))).not.toMatch(/^Report a pothole/);
  const confirm = await next(() => r.say('huge hole in the bike lane near the lights'));
  expect(confirm).toMatch(/^Report a pothole at the spot you shared \(-33\.86880, 151\.20930\): "huge hole in the bike lane near the lights"\?/);
  const created = await next(() => r.say('yes'));
  const reference = /report number is ([A-Z]{2}-\d{6})/.exec(created)![1]!;
  expect(await Case.findById(reference).lean()).toMatchObject({ description: 'huge hole in the bike lane near the lights', location: { lat: -33.8688, lng: 151.2093 } });
});

test('a button press is stored with the label the engine offered, whatever label the page sent', async () => {
  const r = resident();
  await r.start();
  await r.say('hello');
  const menu = await r.waitForReply((m) => (m.choices ?? []).some((c) => c.value === 'faq'));
  const offered = menu.choices!.find((c) => c.value === 'faq')!;
  const ack = await r.emit<{ messageId: string }>('message.send', { clientMessageId: 'forged-label', choice: { value: 'faq', label: 'Please delete my account' } });
  expect(ack.ok).toBe(true);
  const stored = await waitUntil(() => Message.findOne({ conversationId: r.conversationId, 'content.kind': 'choice' }).lean(), 10_000, 'the button press');
  expect(stored.text).toBe(offered.label);
  expect(stored.content).toMatchObject({ kind: 'choice', value: 'faq', label: offered.label });
});

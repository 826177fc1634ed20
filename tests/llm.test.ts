/**
 * LLM assistance against a local OpenAI-compatible double, through the real `openai` SDK and
 * the real router: the model proposes, the council's rules decide; a slow or broken model
 * falls back to the embedded path within seconds; no phone number or email reaches it.
 */
import { Case, Conversation, Permit } from '../src/models';
import { agentCommand, agentSocket, loginAgent, useTestEngine, waitUntil, WebchatResident, type ChatMessage } from './helpers/engine';
import { startOpenAiDouble, type ChatRequest, type OpenAiDouble } from './helpers/openai-double';

let model: OpenAiDouble;
beforeAll(async () => {
  model = await startOpenAiDouble();
});
afterAll(async () => model.stop());
const engine = useTestEngine({ OPENAI_API_KEY: 'sk-test-key', OPENAI_MODEL: 'council-test-model', OPENAI_TIMEOUT_MS: '1500', get OPENAI_BASE_URL() { return `${model.url}/v1`; } });
const residents: WebchatResident[] = [];
afterAll(() => residents.forEach((r) => r.close()));

async function resident() {
  const chat = new WebchatResident(engine().url!);
  residents.push(chat);
  await chat.start();
  return {
    chat,
    async say(text: string): Promise<string> {
      const before = chat.received.length;
      await chat.say(text);
      return (await waitUntil(() => chat.received.slice(before).find((m: ChatMessage) => m.sender.kind !== 'contact'), 15_000, `reply to ${text}`)).text;
    },
  };
}

const noSlots = { date: null, nights: null, partySize: null, reference: null, address: null, category: null, campground: null };
const future = (days: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Sydney' }).format(new Date(Date.now() + days * 86_400_000));
const kind = (r: ChatRequest) => r.response_format?.json_schema?.name;

test('a normal LLM turn: the model understands a loosely worded request and fills the booking', async () => {
  const arrive = future(33);
  model.behaviour = {
    reply: (r) =>
      kind(r) === 'resident_intent'
        ? { intent: 'camping-permit', confidence: 0.93, slots: { ...noSlots, campground: 'Lookout Hill', date: arrive, nights: 2, partySize: 3 } }
        : { answer: 'n/a', grounded: false },
  };
  const r = await resident();
  await r.say('hi');
  const reply = await r.say('three of us fancy a couple of nights up on the hill, arriving in about a month');
  expect(reply).toMatch(/^Let's book a camping permit\.\s+Book Lookout Hill for 2 nights from .+, for 3 people\?/);
  const request = model.requests.find((q) => kind(q) === 'resident_intent')!;
  expect(request).toMatchObject({ model: 'council-test-model', auth: 'Bearer sk-test-key' });
});

test('hostile model output is rejected by the council\'s rules', async () => {
  model.behaviour = {
    reply: (r) =>
      kind(r) === 'resident_intent'
        ? { intent: 'camping-permit', confidence: 0.99, slots: { ...noSlots, campground: 'Lookout Hill', date: '2020-01-01', nights: -2, partySize: 10_000 } }
        : { answer: 'n/a', grounded: false },
  };
  const r = await resident();
  await r.say('hi');
  const reply = await r.say('book me camping');
  expect(reply).toContain('That date has passed.');
  expect(reply).toContain('The stay must be at least 1 night.');
  expect(reply).toContain('Lookout Hill allows up to 4 people per site.');
  expect(reply).toMatch(/Which night do you arrive\?/);
  expect(await Permit.countDocuments({ arrive: '2020-01-01' })).toBe(0);

  // Another resident's reference, proposed by the model, is still checked against who is asking.
  const owner = await resident();
  await owner.say('hi');
  model.behaviour = { reply: (q) => (kind(q) === 'resident_intent' ? { intent: 'report-issue', confidence: 0.9, slots: { ...noSlots, category: 'pothole', address: '7 Quarry Road' } } : { answer: 'n/a', grounded: false }) };
  await owner.say('pothole at 7 Quarry Road');
  await owner.say('skip');
  await owner.say('deep and getting bigger');
  const created = await owner.say('yes');
  const reference = /report number is (RC-\d{6})/.exec(created)![1]!;
  model.behaviour = { reply: (q) => (kind(q) === 'resident_intent' ? { intent: 'case-status', confidence: 0.97, slots: { ...noSlots, reference } } : { answer: 'n/a', grounded: false }) };
  const stranger = await resident();
  await stranger.say('hi');
  expect(await stranger.say('how is my report going')).toContain('For privacy');
  expect(await Case.countDocuments({ _id: reference })).toBe(1);
});

test('FAQ answers are drafted only from retrieved passages and keep the source link', async () => {
  model.behaviour = {
    reply: (r) => (kind(r) === 'resident_intent' ? { intent: 'faq', confidence: 0.9, slots: noSlots } : { answer: 'The indoor pool costs $7.50 for adults and $5.20 for children.', grounded: true }),
  };
  const r = await resident();
  await r.say('hi');
  const reply = await r.say('how much to swim at the aquatic centre');
  expect(reply).toContain('The indoor pool costs $7.50 for adults');
  expect(reply).toContain('Source: https://www.riverbend.example.gov.au/recreation/pools');
  const draft = [...model.requests].reverse().find((q) => kind(q) === 'faq_answer')!;
  expect(draft.messages[1]!.content).toContain('Adult entry is $7.50');
});

test('no raw phone number or email is ever sent to the model', async () => {
  model.behaviour = { reply: (r) => (kind(r) === 'resident_intent' ? { intent: 'out_of_scope', confidence: 0.9, slots: noSlots } : { answer: 'n/a', grounded: false }) };
  const r = await resident();
  await r.say('hi');
  // ("call me on …" would be a request for a person, answered before any model is asked.)
  await r.say("I'm Sam Jones, my mobile is 0412 345 678 or +61 412 345 679, and my email is sam.jones@example.com, a question about my rates");
  const sent = JSON.stringify(model.requests);
  for (const secret of ['0412 345 678', '412345678', '+61 412 345 679', '412 345 679', 'sam.jones@example.com', 'Sam Jones']) expect(sent).not.toContain(secret);
  expect(sent).toContain('[PHONE_1]');
  expect(sent).toContain('[EMAIL_1]');
  expect(sent).toContain('[NAME_1]');
});

test('agents taking over get the model\'s handover summary, written from a redacted transcript', async () => {
  model.behaviour = {
    reply: (r) =>
      kind(r) === 'handover_summary'
        ? { summary: 'Resident reports a broken street light on Bay Road and wants a person.' }
        : kind(r) === 'resident_intent'
          ? { intent: 'out_of_scope', confidence: 0.9, slots: noSlots }
          : { answer: 'n/a', grounded: false },
  };
  const r = await resident();
  await r.say('hi');
  await r.say('talk to a person: the light on Bay Road is broken, call me on 0412 555 666');
  const token = await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
  const socket = await agentSocket(engine().url!, token);
  try {
    const conversationId = r.chat.conversationId!;
    await waitUntil(async () => (await Conversation.findById(conversationId).lean())?.status === 'queued' || undefined, 10_000, 'queued');
    const opened = await agentCommand<{ summary: string }>(socket, 'conversation.open', { conversationId });
    expect(opened.ok && opened.data.summary).toBe('Resident reports a broken street light on Bay Road and wants a person.');
    const asked = model.requests.filter((q) => kind(q) === 'handover_summary');
    expect(asked).toHaveLength(1);
    expect(asked[0]!.messages[1]!.content).toContain('[PHONE_1]');
    expect(asked[0]!.messages[1]!.content).not.toContain('555 666');
  } finally {
    socket.close();
  }
});

test('the model timing out, or down, leaves the embedded path to answer within seconds (run last: it opens the circuit breaker)', async () => {
  model.behaviour = { delayMs: 4000, reply: () => ({ intent: 'faq', confidence: 1, slots: noSlots }) };
  const slow = await resident();
  await slow.say('hi');
  let started = Date.now();
  let reply = await slow.say('I want to book a campsite');
  expect(reply).toMatch(/Which campground/);
  expect(Date.now() - started).toBeLessThan(5000);

  model.behaviour = { status: 500 };
  const down = await resident();
  await down.say('hi');
  started = Date.now();
  reply = await down.say('what time does the library open on saturday');
  expect(reply).toContain('weekends 10am to 4pm');
  expect(Date.now() - started).toBeLessThan(5000);
});

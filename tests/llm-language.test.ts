/**
 * Understanding with a model configured (issue 10), against the OpenAI-compatible double through
 * the real `openai` SDK: the model proposes intent, slots and language; the same rules decide
 * first (a resident at risk never waits for a model); replies go back in the resident's language.
 */
import { Conversation } from '../src/models';
import { useTestEngine, waitUntil, WebchatResident, type ChatMessage } from './helpers/engine';
import { startOpenAiDouble, type ChatRequest, type OpenAiDouble } from './helpers/openai-double';

let model: OpenAiDouble;
beforeAll(async () => {
  model = await startOpenAiDouble();
});
afterAll(async () => model.stop());
const engine = useTestEngine({ OPENAI_API_KEY: 'sk-test-key', OPENAI_TIMEOUT_MS: '1500', get OPENAI_BASE_URL() { return `${model.url}/v1`; } });
const residents: WebchatResident[] = [];
afterAll(() => residents.forEach((r) => r.close()));

const noSlots = { date: null, nights: null, partySize: null, reference: null, address: null, category: null, campground: null };
const kind = (r: ChatRequest) => r.response_format?.json_schema?.name;
const userText = (r: ChatRequest) => r.messages.find((m) => m.role === 'user')?.content ?? '';

async function resident() {
  const chat = new WebchatResident(engine().url!);
  residents.push(chat);
  await chat.start();
  return {
    chat,
    async say(text: string): Promise<ChatMessage> {
      const before = chat.received.length;
      await chat.say(text);
      return waitUntil(() => chat.received.slice(before).find((m) => m.sender.kind !== 'contact'), 15_000, `reply to ${text}`);
    },
  };
}

test('a Spanish question: the model reads intent and language, and the reply comes back in Spanish', async () => {
  model.behaviour = {
    reply: (r) => {
      if (kind(r) === 'resident_intent') return { intent: 'faq', confidence: 0.9, language: 'es', slots: noSlots };
      if (kind(r) === 'council_reply_translation') return { texts: (JSON.parse(userText(r)) as string[]).map((t) => `[es] ${t}`) };
      return { answer: 'n/a', grounded: false };
    },
  };
  const r = await resident();
  const reply = await r.say('¿Qué día pasa el camión de la basura por mi calle?');
  expect(reply.text).toMatch(/^\[es\] /);
  const asked = model.requests.find((q) => kind(q) === 'resident_intent')!;
  expect(asked.messages[0]!.content).toMatch(/person .*safeguarding|safeguarding/);
  expect(model.requests.find((q) => kind(q) === 'council_reply_translation')!.messages[0]!.content).toContain('"es"');
  await waitUntil(async () => (await Conversation.findById(r.chat.conversationId).lean())?.language === 'es', 10_000, 'language stored');
});

test('the model can hand over too: a person request it recognises is queued', async () => {
  model.behaviour = { reply: (r) => (kind(r) === 'resident_intent' ? { intent: 'person', confidence: 0.95, language: 'en', slots: noSlots } : { texts: [] }) };
  const r = await resident();
  const reply = await r.say('honestly mate I reckon I need to have a proper yarn with one of youse about this');
  expect(reply.text).toMatch(/asked a person to help/);
});

test('a resident at risk gets the crisis lines from the rules, without waiting for the model', async () => {
  model.behaviour = { delayMs: 5000, reply: () => ({ intent: 'faq', confidence: 0.9, language: 'en', slots: noSlots }) };
  const before = model.requests.length;
  const r = await resident();
  const started = Date.now();
  const reply = await r.say("I've decided tonight is the night I end my life");
  expect(reply.text).toMatch(/000/);
  expect(Date.now() - started).toBeLessThan(4000);
  expect(model.requests.slice(before).filter((q) => userText(q).includes('end my life'))).toHaveLength(0);
});

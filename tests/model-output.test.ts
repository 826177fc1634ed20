/**
 * Model output is checked, not trusted (issue 14, items 2 and 7): through the real `openai` SDK
 * against a local OpenAI-compatible double, and the real router, Redis and FerretDB.
 */
import { Conversation } from '../src/models';
import { agentCommand, agentSocket, loginAgent, useTestEngine, waitUntil, WebchatResident, type ChatMessage } from './helpers/engine';
import { startOpenAiDouble, type ChatRequest, type OpenAiDouble } from './helpers/openai-double';

let model: OpenAiDouble;
beforeAll(async () => {
  model = await startOpenAiDouble();
});
afterAll(async () => model.stop());
const TIMEOUT_MS = 800;
const engine = useTestEngine({ OPENAI_API_KEY: 'sk-test-key', OPENAI_TIMEOUT_MS: String(TIMEOUT_MS), get OPENAI_BASE_URL() { return `${model.url}/v1`; } });
const residents: WebchatResident[] = [];
afterAll(() => residents.forEach((r) => r.close()));

const noSlots = { date: null, nights: null, partySize: null, reference: null, address: null, category: null, campground: null };
const kind = (r: ChatRequest) => r.response_format?.json_schema?.name;

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

const faqWith = (answer: string) => ({ reply: (r: ChatRequest) => (kind(r) === 'resident_intent' ? { intent: 'faq', confidence: 0.9, slots: noSlots } : { answer, grounded: true }) });

test('a hostile draft (phishing link, a stranger\'s phone and email, markup) never reaches the resident: the passage does', async () => {
  const hostile = [
    'Adult entry is $7.50. Pay at http://riverbend-refunds.example.com/pay now!',
    'Call our pool line on 1900 555 555 for prices.',
    'Email bookings@pool-offers.example.net for the $7.50 rate.',
    'Entry is $7.50 <img src=x onerror=alert(1)> see [this](http://evil.example.org).',
    'Entry is now $2.00 for adults.',
    // Numbers that appear only inside the passage's own ($7.50, $19), and days or months it never names.
    'Adult entry is $50.',
    'Entry is $75 for a family.',
    'The pool closes for winter on 19 June.',
    'Entry is free on Sundays.',
  ];
  for (const answer of hostile) {
    model.behaviour = faqWith(answer);
    const r = await resident();
    await r.say('hi');
    const reply = await r.say('how much to swim at the aquatic centre');
    expect(reply).toContain('Adult entry is $7.50, child and concession $5.20');
    expect(reply).toContain('More: https://www.riverbend.example.gov.au/recreation/pools');
    for (const bad of ['riverend-refunds', 'riverbend-refunds', '1900', 'pool-offers', '<img', 'evil.example', '$2.00', '$50', '$75', 'June', 'Sunday']) expect(reply).not.toContain(bad);
  }
});

test('a grounded draft is used with its markup stripped and its length capped', async () => {
  model.behaviour = faqWith('**Adult entry is $7.50** and children pay $5.20. <b>Family</b> tickets are $19.');
  const r = await resident();
  await r.say('hi');
  const reply = await r.say('how much to swim at the aquatic centre');
  expect(reply).toMatch(/^Adult entry is \$7\.50 and children pay \$5\.20\. Family tickets are \$19\. Source: https:\/\/www\.riverbend\.example\.gov\.au\/recreation\/pools\b/);

  model.behaviour = faqWith(`${'Adult entry is $7.50. '.repeat(30)}`);
  const long = await resident();
  await long.say('hi');
  const capped = await long.say('how much to swim at the aquatic centre');
  expect(capped.replace(/ Source: .*$/s, '').length).toBeLessThanOrEqual(240);
  expect(capped).toMatch(/^Adult entry is \$7\.50\./);
  expect(capped).toContain('Source: https://www.riverbend.example.gov.au/recreation/pools');
});

test('a generated summary is labelled as generated; one naming a number the resident never sent is not shown', async () => {
  const token = await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
  const socket = await agentSocket(engine().url!, token);
  try {
    for (const [summary, expected] of [
      ['Resident reports a broken light on Bay Road and asked for a person.', 'generated'],
      ['Resident wants a call back on 0499 111 222 about a light.', 'resident'],
    ] as const) {
      model.behaviour = { reply: (r) => (kind(r) === 'handover_summary' ? { summary } : { intent: 'out_of_scope', confidence: 0.9, slots: noSlots }) };
      const r = await resident();
      await r.say('hi');
      await r.say('talk to a person: the light on Bay Road is broken');
      const conversationId = r.chat.conversationId!;
      await waitUntil(async () => (await Conversation.findById(conversationId).lean())?.status === 'queued' || undefined, 10_000, 'queued');
      const opened = await agentCommand<{ summary: string; summarySource: string }>(socket, 'conversation.open', { conversationId });
      if (!opened.ok) throw new Error(opened.error.code);
      expect(opened.data.summarySource).toBe(expected);
      if (expected === 'generated') expect(opened.data.summary).toBe(summary);
      else expect(opened.data.summary).not.toContain('0499');
    }
  } finally {
    socket.close();
  }
});

test('timeouts open the breaker: ten slow model calls in a row, and after the first few replies come at once (run last)', async () => {
  model.behaviour = { delayMs: 5000, reply: () => ({ intent: 'faq', confidence: 1, slots: noSlots }) };
  const durations: number[] = [];
  const asked = model.requests.length;
  for (let i = 0; i < 10; i++) {
    const r = await resident();
    const started = Date.now();
    const reply = await r.say('I want to book a campsite');
    durations.push(Date.now() - started);
    expect(reply).toMatch(/Which campground/);
  }
  console.log(`turn durations with a 5 s model: ${durations.join(', ')} ms`);
  // One model call per turn here, each cut at the timeout; once open, the breaker answers at once.
  for (const d of durations) expect(d).toBeLessThan(TIMEOUT_MS + 1500);
  // After three timeouts the breaker is open: the model is not even asked for the other seven.
  expect(model.requests.length - asked).toBe(3);
});

/**
 * Residents understood the first time (issue 10), as transcripts through the real router on
 * Redis and FerretDB with the embedded understanding only: a person in any phrasing and at any
 * step, safeguarding before anything else, greetings around requests, reports versus questions,
 * other organisations' services, honest knowledge answers and other languages. Webchat here;
 * SMS and voice in tests/understanding-channels.test.ts.
 */
import { Conversation } from '../src/models';
import { useTestEngine, waitUntil, WebchatResident, type ChatMessage } from './helpers/engine';

const engine = useTestEngine();
const residents: WebchatResident[] = [];
afterAll(() => residents.forEach((r) => r.close()));

/** A new webchat resident; `say` waits for the first reply to each message and returns every reply text so far. */
async function resident() {
  const chat = new WebchatResident(engine().url!);
  residents.push(chat);
  await chat.start();
  return {
    chat,
    async say(text: string): Promise<ChatMessage> {
      const before = chat.received.length;
      const ack = await chat.say(text);
      if (!ack.ok) throw new Error(ack.error.message);
      return waitUntil(() => chat.received.slice(before).find((m) => m.sender.kind !== 'contact'), 15_000, `a reply to "${text}"`);
    },
    conversation: () => Conversation.findById(chat.conversationId).lean(),
    /** Waits for the turn's effects (status, flow) to land on the conversation. */
    until: (probe: (c: Record<string, unknown>) => boolean, what: string) =>
      waitUntil(async () => {
        const c = await Conversation.findById(chat.conversationId).lean<Record<string, unknown>>();
        return c && probe(c) ? c : undefined;
      }, 10_000, what),
  };
}

const flowOf = (c: Record<string, unknown>) => (c.flow as { id?: string } | null)?.id;

test.each([
  'could you connect me with one of your staff',
  "I'd like to speak to somebody real",
  'get me a human, this is useless',
  'would someone from the council ring me?',
  "you're going round in circles",
  'not a robot please',
])('a person in a sentence, on the first message: "%s"', async (text) => {
  const r = await resident();
  const reply = await r.say(text);
  expect(reply.text).toMatch(/asked a person to help/);
  await r.until((c) => c.status === 'queued', 'queued');
});

test('a person at any step: mid-booking, and with a topic the agent sees', async () => {
  const r = await resident();
  await r.say('I want to book a campsite at River Flats');
  await r.until((c) => flowOf(c) === 'camping-permit', 'in the booking');
  const reply = await r.say("honestly I'd rather talk this through with a staff member");
  expect(reply.text).toMatch(/asked a person to help/);
  await r.until((c) => c.status === 'queued', 'queued from the flow');

  const other = await resident();
  await other.say('agent please, my green bin is broken');
  const queued = await other.until((c) => c.status === 'queued', 'queued with its topic');
  expect(queued.handoffReason).toContain('my green bin is broken');
  expect(queued.flow ?? null).toBeNull();
});

test('"Can I pay in person?" is a question about rates, not a request for a person', async () => {
  const r = await resident();
  const reply = await r.say('can I pay my rates in person?');
  expect(reply.text).not.toMatch(/asked a person/);
  expect((await r.conversation())!.status).toBe('bot');
});

test.each([
  ['I just want to end it all, there is no point anymore', /Lifeline is there 24\/7 on 13 11 14/],
  ['my husband hits me and I am scared to go home', /1800RESPECT/],
  ["haven't seen the old man next door for days and his mail is piling up", /Police Assistance Line on 131 444/],
  ['there is a man with a knife at the bus stop on Main St', /000/],
  ['we got evicted today and have nowhere to sleep tonight with the kids', /Link2home/],
  // Said in passing, inside council business.
  ['about the dog rego, sorry, my partner keeps my tablets and says I only get them if I behave', /1800RESPECT/],
  ['can someone check on the lady at number 4, heard her calling for help through the wall and now nothing', /Police Assistance Line on 131 444/],
  ['landlord kicked us out this arvo, where do we go tonight', /Link2home/],
  ['a man at the skate park is waving a hammer at the kids', /000/],
  ["I've sorted out my affairs and said my goodbyes, I won't be a burden much longer", /Lifeline is there 24\/7 on 13 11 14/],
  ["been couch surfing for a month and tonight there's no roof over our heads", /Link2home/],
])('safeguarding first: "%s" gets the crisis line, then a person at the top of the queue', async (text, line) => {
  const r = await resident();
  const first = await r.say(text);
  expect(first.text).toMatch(/^If you or anyone else is in danger now, call 000\./);
  expect(first.text).toMatch(line);
  expect(first.choices ?? []).toEqual([]);
  const queued = await r.until((c) => c.status === 'queued', 'queued');
  expect(queued.priority).toBe(0);
  expect(queued.handoffReason).toMatch(/^Safeguarding: /);
  // The notice after the crisis lines is honest about the queue.
  await r.chat.waitForReply((m) => /asked a person to help|team is away/.test(m.text));
  expect(r.chat.replies().map((m) => m.text).join(' ')).not.toMatch(/What can I help with today|Choose an option/);
});

test('a risk mentioned while waiting for a person moves the resident to the top of the queue', async () => {
  const r = await resident();
  await r.say('agent');
  await r.until((c) => c.status === 'queued' && c.priority === 2, 'queued normally');
  const reply = await r.say("i can't go on like this anymore");
  expect(reply.text).toMatch(/13 11 14/);
  await r.until((c) => c.priority === 0, 'top priority');
});

test.each([
  ['Hiya, after a campsite for the weekend', 'camping-permit'],
  ["morning! there's a broken bench at the park", 'report-issue'],
  ['the stop sign on the corner has fallen over', 'report-issue'],
  ['the public toilet at the oval is blocked', 'report-issue'],
  ['someone has sprayed graffiti all over the bus shelter on Elm St', 'report-issue'],
  ['has somebody been out to look at the drain I told you about', 'case-status'],
  // A fault described in a public place, in words no report category uses.
  ['Good afternoon, just letting you know a seat near the swings at Northgate Reserve has a cracked slat with a nail sticking out', 'report-issue'],
  ["someone's left an old fridge on the verge outside number 9", 'report-issue'],
  ['THE BBQ AT THE FORESHORE HAS BEEN BROKEN FOR A MONTH', 'report-issue'],
  ['dead possum on the side of Creek Rd near the school', 'report-issue'],
])('the request is kept, greeting or not: "%s" → %s', async (text, flowId) => {
  const r = await resident();
  await r.say(text);
  await r.until((c) => flowOf(c) === flowId, `the ${flowId} flow`);
});

test.each([
  ['transfer $500 to my mum please', undefined],
  ["what's the exchange rate for euros", /your bank/],
  ['I need to renew my NSW driver licence', /Service NSW/],
  ['can the council help me with my tax return', /Australian Taxation Office/],
  ['who won the cricket last night', undefined],
  // A fault, but in something the council does not look after.
  ['my phone screen is smashed, can you fix it', undefined],
])('out of scope stays out: "%s"', async (text, agency) => {
  const r = await resident();
  const reply = await r.say(text);
  if (agency) expect(reply.text).toMatch(agency);
  expect(reply.text).toMatch(/can't help with/);
  expect(reply.choices?.map((c) => c.value)).toContain('agent');
  const c = await r.conversation();
  expect(['welcome', undefined]).toContain(flowOf(c as Record<string, unknown>));
});

test.each([
  ['how do I get a parking permit', 'parking'],
  ['how much are rates', 'rates'],
  ['can I get a dog registered online', 'animals'],
])('knowledge answers cite the page that answers: "%s"', async (text, page) => {
  const r = await resident();
  const reply = await r.say(text);
  expect(reply.text).toContain(`riverbend.example.gov.au/${page}`);
});

test('a question no page answers gets an honest "I couldn\'t find that" and a person', async () => {
  const r = await resident();
  const reply = await r.say('do i need to bring my own firewood when camping?');
  expect(reply.text).not.toMatch(/fences/i);
  const streetlight = await (await resident()).say('streetlight out on Kent St');
  expect(streetlight.text).not.toMatch(/bin collection/i);
});

test('another language: a request for a person is queued with the language shown; anything else gets the interpreter line', async () => {
  const spanish = await resident();
  await spanish.say('Hola, quiero hablar con una persona por favor');
  const queued = await spanish.until((c) => c.status === 'queued', 'queued');
  expect(queued.language).toBe('es');
  expect(queued.handoffReason).toMatch(/Spanish/);

  for (const [text, language] of [['Tôi cần hỏi về lịch thu gom rác', 'vi'], ['我家门口的垃圾没有人收', 'zh'], ['أريد أن أعرف موعد جمع القمامة', 'ar']] as const) {
    const r = await resident();
    const reply = await r.say(text);
    expect(reply.text).toMatch(/TIS National on 131 450/);
    expect(reply.choices?.map((c) => c.value)).toEqual(['agent']);
    await r.until((c) => c.language === language, `language ${language}`);
  }
});

/**
 * Conversations that never trap a resident (issue 11, text channels; issue 10 item 7), as
 * transcripts through the real router on Redis and FerretDB: SMS through signed Twilio
 * webhooks and the twilio SDK against its double, webchat over its socket, and Messenger
 * through signed Meta webhooks and the Graph double.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { smsBilling } from '../channels/sms/render';
import { Case, Conversation, Message, Permit } from '../src/models';
import { botMessagesAsSms } from './helpers/bot-messages';
import { useTestEngine, waitUntil, WebchatResident, type ChatMessage } from './helpers/engine';
import { startGraphDouble, type GraphDouble } from './helpers/graph-double';
import { metaJson, metaSignature } from './helpers/meta';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'dialogue-auth-token-0123456789abcd';
const ACCOUNT = `AC${'2'.repeat(32)}`;
const COUNCIL = '+61480000000';
const META_SECRET = 'meta-secret-for-dialogue';
const PAGE = '104200000000009';
let twilioDouble: TwilioDouble;
let graph: GraphDouble;

beforeAll(async () => {
  twilioDouble = await startTwilioDouble();
  graph = await startGraphDouble();
});
afterAll(async () => {
  residents.forEach((r) => r.close?.());
  await twilioDouble.stop();
  await graph.stop();
});
const engine = useTestEngine({
  PUBLIC_URL,
  TWILIO_AUTH_TOKEN: TOKEN,
  TWILIO_ACCOUNT_SID: ACCOUNT,
  get TWILIO_API_URL() { return twilioDouble.url; },
  META_APP_SECRET: META_SECRET,
  META_PAGE_ID: PAGE,
  META_PAGE_ACCESS_TOKEN: 'EAAG-dialogue',
  get META_GRAPH_URL() { return graph.url; },
});

/** A resident on one channel: `say` sends a message and returns the bot's reply as that channel shows it. */
interface Resident {
  channel: 'sms' | 'webchat' | 'social';
  say(text: string): Promise<string>;
  conversation(): Promise<{ _id: string; status: string; flow?: { id: string; slots: Record<string, unknown> } | null }>;
  close?(): void;
}
const residents: Resident[] = [];

let smsCounter = 0;
function smsResident(): Resident {
  const from = `+6141${String(3_000_000 + Math.floor(Math.random() * 900_000) * 10 + (++smsCounter % 10))}`;
  const received = () => twilioDouble.sent.filter((m) => m.To === from);
  const r: Resident = {
    channel: 'sms',
    async say(text) {
      const before = received().length;
      const params: Record<string, string> = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT, From: from, To: COUNCIL, Body: text, NumMedia: '0', ApiVersion: '2010-04-01', SmsStatus: 'received' };
      const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, params);
      const res = await fetch(`${engine().url}/webhooks/twilio/sms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
      expect(res.status).toBe(200);
      const reply = await waitUntil(() => received()[before], 15_000, `an SMS reply to "${text}"`);
      return reply.Body;
    },
    conversation: async () => (await Conversation.findOne({ identityId: `sms-${COUNCIL}-${from}` }).sort({ createdAt: -1 }).lean()) as never,
  };
  residents.push(r);
  return r;
}

async function webchatResident(): Promise<Resident> {
  const chat = new WebchatResident(engine().url!);
  await chat.start();
  const r: Resident = {
    channel: 'webchat',
    async say(text) {
      const before = chat.received.length;
      const ack = await chat.say(text);
      if (!ack.ok) throw new Error(ack.error.message);
      const reply = await waitUntil(() => chat.received.slice(before).find((m: ChatMessage) => m.sender.kind !== 'contact'), 15_000, `a reply to "${text}"`);
      return reply.text;
    },
    conversation: async () => (await Conversation.findById(chat.conversationId).lean()) as never,
    close: () => chat.close(),
  };
  residents.push(r);
  return r;
}

function messengerResident(): Resident {
  const psid = String(7_100_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)));
  const sent = () => graph.sent.filter((s) => s.recipient.id === psid);
  const r: Resident = {
    channel: 'social',
    async say(text) {
      const before = sent().length;
      const raw = metaJson({ object: 'page', entry: [{ id: PAGE, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid: `m_${randomBytes(12).toString('hex')}`, text } }] }] });
      const res = await fetch(`${engine().url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(raw, META_SECRET) }, body: raw });
      expect(res.status).toBe(200);
      const reply = await waitUntil(() => sent()[before], 15_000, `a Messenger reply to "${text}"`);
      const quick = (reply.message.quick_replies ?? []) as Array<{ title: string }>;
      return [reply.message.text, ...quick.map((q) => `[${q.title}]`)].join('\n');
    },
    conversation: async () => (await Conversation.findOne({ identityId: `social-${PAGE}-fb-${psid}` }).sort({ createdAt: -1 }).lean()) as never,
  };
  residents.push(r);
  return r;
}

/** A date some days ahead in the council's calendar, written as a resident would. */
function futureDate(daysAhead: number): { iso: string; spoken: string; day: string } {
  const date = new Date(Date.now() + daysAhead * 86_400_000);
  const iso = new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Sydney' }).format(date);
  const spoken = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Australia/Sydney' }).format(date);
  const day = new Intl.DateTimeFormat('en-AU', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
  return { iso, spoken, day };
}
const statusOf = async (r: Resident) => (await r.conversation()).status;
const slotsOf = async (r: Resident) => (await r.conversation()).flow?.slots ?? {};

describe('choices answer the way they are offered', () => {
  test('SMS: "Reply 1 or 2" at a booking confirmation, answered 1', async () => {
    const r = smsResident();
    const arrive = futureDate(60);
    const confirm = await r.say(`book Bayside Reserve from ${arrive.spoken} for 2 nights for 2 people`);
    expect(confirm).toMatch(/Book Bayside Reserve for 2 nights from .+, for 2 people\?.*\n1 Yes\n2 No\nReply 1 or 2\.$/s);
    const booked = await r.say('1');
    const reference = /permit number is (CP-\d{6})/.exec(booked)?.[1];
    expect(await Permit.findById(reference).lean()).toMatchObject({ campgroundId: 'bayside-reserve', arrive: arrive.iso, nights: 2, partySize: 2, status: 'booked' });
  });

  test('SMS: a report confirmation answered 2 asks what to change, in report terms; then 1 sends it', async () => {
    const r = smsResident();
    await r.say('hello');
    let reply = await r.say('the street light is out on the corner of King St and George St');
    expect(reply).toMatch(/send a photo/);
    reply = await r.say('skip');
    expect(reply).toMatch(/what is the problem\?/);
    reply = await r.say("it's been out for a week and the corner is pitch black");
    expect(reply).toMatch(/^Report a street light fault at the corner of King St and George St: "it's been out for a week and the corner is pitch black"\?\n1 Yes\n2 No\nReply 1 or 2\.$/);
    reply = await r.say('2');
    expect(reply).toBe('OK. What should I change: the kind of problem, the place or the description? Or say "start again".');
    expect(reply).not.toMatch(/nights/);
    reply = await r.say('its at the corner of King St and Elm St');
    expect(reply).toMatch(/^Changed the place to the corner of King St and Elm St\.\nReport a street light fault at the corner of King St and Elm St/);
    reply = await r.say('1');
    const reference = /report number is (RC-\d{6})/.exec(reply)![1]!;
    expect(await Case.findById(reference).lean()).toMatchObject({ category: 'street-light', location: { text: 'the corner of King St and Elm St' }, description: "it's been out for a week and the corner is pitch black" });
  });

  test('webchat: labels in any case and with typos; "yep" and "nah" answer yes/no questions', async () => {
    const r = await webchatResident();
    await r.say('hi');
    let reply = await r.say('camping please');
    expect(reply).toMatch(/Which campground/);
    reply = await r.say('BAYSDIE');
    expect(reply).toMatch(/Which night do you arrive/);
    expect(await slotsOf(r)).toMatchObject({ campground: 'bayside-reserve' });
    await r.say(futureDate(61).spoken);
    await r.say('2');
    reply = await r.say('2 adults');
    expect(reply).toMatch(/^Book Bayside Reserve for 2 nights/);
    reply = await r.say('nah');
    expect(reply).toMatch(/^OK\. What should I change\? For example "3 nights"/);
    reply = await r.say('actually 3 nights');
    expect(reply).toMatch(new RegExp(`^Changed to 3 nights from ${futureDate(61).day}\\.\\nBook Bayside Reserve for 3 nights`));
    reply = await r.say('yep');
    expect(reply).toMatch(/^Booked\. Your permit number is CP-\d{6}/);
  });

  test('Messenger: a typed number picks from the menu', async () => {
    const r = messengerResident();
    const menu = await r.say('hello');
    expect(menu).toContain('[Report a problem]');
    const reply = await r.say('3');
    expect(reply).toMatch(/What kind of problem is it\?/);
  });
});

describe('a person on offer: two misses offer one, yes queues, no carries on, a third miss queues', () => {
  test('SMS: "yes" to "Would you like to talk to a person?" queues the resident', async () => {
    const r = smsResident();
    await r.say('hello');
    await r.say('camping');
    let reply = await r.say('purple monkey dishwasher');
    expect(reply).toMatch(/^Sorry, I didn't catch that\.\nWhich campground/);
    expect(reply).toMatch(/\n1 River Flats\n2 Lookout Hill\n3 Bayside Reserve\nReply 1, 2 or 3\.$/);
    reply = await r.say('zebra crossing lollipop');
    expect(reply).toMatch(/Would you like to talk to a person\?\n1 Yes, a person please\n2 No, carry on\nReply 1 or 2\.$/);
    reply = await r.say('yes');
    expect(reply).toMatch(/asked a person to help/);
    expect(await statusOf(r)).toBe('queued');
  });

  test('webchat: "no" carries on with the same question; SMS: a third miss queues without asking again', async () => {
    const chat = await webchatResident();
    await chat.say('hi');
    await chat.say('camping');
    await chat.say('purple monkey dishwasher');
    let reply = await chat.say('zebra crossing lollipop');
    expect(reply).toMatch(/Would you like to talk to a person\?$/);
    reply = await chat.say('no');
    expect(reply).toBe("OK, let's carry on.\nWhich campground would you like?");
    reply = await chat.say('river flats');
    expect(reply).toMatch(/Which night do you arrive/);
    expect(await statusOf(chat)).toBe('bot');

    const sms = smsResident();
    await sms.say('hello');
    await sms.say('what is the meaning of life');
    reply = await sms.say('tell me a joke');
    expect(reply).toMatch(/Would you like to talk to a person\?/);
    reply = await sms.say('who won the cricket');
    expect(reply).toMatch(/^Sorry, I'm still not getting it\. I'll pass you to a person\.\nThanks\. I've asked a person to help/);
    expect(await statusOf(sms)).toBe('queued');
  });

  test('Messenger: two misses offer a person with buttons; a third queues', async () => {
    const r = messengerResident();
    await r.say('hello');
    await r.say('what is the meaning of life');
    let reply = await r.say('tell me a joke');
    expect(reply).toMatch(/Would you like to talk to a person\?\n\[Yes, a person please\]\n\[No, carry on\]$/);
    reply = await r.say('who won the cricket');
    expect(reply).toMatch(/^Sorry, I'm still not getting it\. I'll pass you to a person\.\nThanks\. I've asked a person to help/);
    expect(await statusOf(r)).toBe('queued');
  });
});

describe('corrections only when meant', () => {
  test('webchat: unrelated text never moves a booking; a report at the confirmation is another request; "just me and my partner" is 2', async () => {
    const r = await webchatResident();
    const arrive = futureDate(62);
    await r.say('hi');
    let reply = await r.say(`I'd like to book Bayside Reserve from ${arrive.spoken} for 2 nights`);
    expect(reply).toMatch(/How many people/);
    reply = await r.say('just me and my partner');
    expect(reply).toMatch(new RegExp(`^Book Bayside Reserve for 2 nights from ${arrive.day}, for 2 people\\?`));
    reply = await r.say('its about 1m wide and a car already blew a tyre');
    expect(reply).not.toMatch(/changed/i);
    expect(await slotsOf(r)).toMatchObject({ arrive: arrive.iso, nights: 2, partySize: 2 });
    reply = await r.say('report a pothole at 5 Bank St');
    expect(reply).toBe('That sounds like a new request: report a problem. Do that now? Your camping booking is kept for after.');
    expect(await slotsOf(r)).toMatchObject({ arrive: arrive.iso, nights: 2, partySize: 2 });
    reply = await r.say('no');
    expect(reply).toMatch(/^OK, let's carry on\.\nBook Bayside Reserve for 2 nights/);
    reply = await r.say('yes');
    const reference = /permit number is (CP-\d{6})/.exec(reply)![1]!;
    expect(await Permit.findById(reference).lean()).toMatchObject({ arrive: arrive.iso, nights: 2, partySize: 2 });
  });

  test('webchat: "status" and "I need a residential parking permit" are not places', async () => {
    const r = await webchatResident();
    await r.say('hi');
    let reply = await r.say('report a pothole');
    expect(reply).toMatch(/Where is it\?/);
    reply = await r.say('status');
    expect(reply).not.toMatch(/If you can, send a photo now|Report a pothole at|where it is\?/);
    expect((await slotsOf(r)).location).toBeUndefined();
    reply = await r.say('I need a residential parking permit');
    expect(reply).not.toMatch(/If you can, send a photo now|Report a pothole at|where it is\?/);
    expect(reply).toMatch(/Where is it\?/);
    expect((await slotsOf(r)).location).toBeUndefined();
    // A landmark is a place.
    reply = await r.say('behind the old church hall');
    expect(reply).toMatch(/^If you can, send a photo now/);
    expect((await slotsOf(r)).location).toMatchObject({ text: 'behind the old church hall' });
  });

  test('webchat: a place that does not look like one is confirmed before it is kept', async () => {
    const r = await webchatResident();
    await r.say('hi');
    await r.say('report graffiti');
    let reply = await r.say("down the back of Jacko's paddock");
    expect(reply).toBe('Is "down the back of Jacko\'s paddock" where it is?');
    reply = await r.say('no');
    expect(reply).toMatch(/^OK\.\nWhere is it\?/);
    reply = await r.say("down the back of Jacko's paddock by the gate");
    reply = await r.say('yes');
    expect(reply).toMatch(/send a photo/);
    expect((await slotsOf(r)).location).toMatchObject({ text: "down the back of Jacko's paddock by the gate" });
  });
});

describe('topic changes mid-flow', () => {
  test('webchat: a pothole during a booking asks to switch; the report is made, then the booking resumes', async () => {
    const r = await webchatResident();
    const arrive = futureDate(63);
    await r.say('hi');
    let reply = await r.say(`I'd like to book Bayside Reserve from ${arrive.spoken} for 2 nights`);
    expect(reply).toMatch(/How many people/);
    reply = await r.say('there is a massive pothole on my street');
    expect(reply).toBe('That sounds like a new request: report a problem. Do that now? Your camping booking is kept for after.');
    reply = await r.say('yes');
    expect(reply).toMatch(/Where is it\?/);
    expect(await slotsOf(r)).toMatchObject({ category: 'pothole' });
    await r.say('14 Smith Street');
    await r.say('skip');
    reply = await r.say('deep enough to lose a wheel in');
    expect(reply).toBe('Report a pothole at 14 Smith Street: "deep enough to lose a wheel in"?');
    reply = await r.say('yes');
    expect(reply).toMatch(/^Thanks\. Your report number is RC-\d{6}\..*\nBack to your camping booking: How many people, including children\?$/s);
    reply = await r.say('me n 3 mates');
    expect(reply).toMatch(new RegExp(`^Book Bayside Reserve for 2 nights from ${arrive.day}, for 4 people\\?`));
  });

  test('SMS: "any update on my pothole report?" is a status check, not a new report, after the report and in the middle of a booking', async () => {
    const r = smsResident();
    await r.say('pothole outside 22 Banksia Road');
    await r.say('skip');
    await r.say('about a metre wide and deep');
    const created = await r.say('yes');
    const reference = /report number is (RC-\d{6})/.exec(created)![1]!;
    const reply = await r.say('any update on my pothole report?');
    expect(reply).toBe(`${reference}, pothole at 22 Banksia Road: received on ${new Intl.DateTimeFormat('en-AU', { day: 'numeric', month: 'long' }).format(new Date())}.`);
    expect(await Case.countDocuments({ category: 'pothole', 'location.text': '22 Banksia Road' })).toBe(1);

    // In the middle of a booking, the same question is a topic change too, and the booking is kept.
    await r.say('camping at bayside reserve please');
    const asked = await r.say(`from ${futureDate(64).spoken} for 2 nights`);
    expect(asked).toBe('How many people, including children?');
    expect(await r.say(`any update on ${reference}?`)).toBe('That sounds like a new request: check a report. Do that now? Your camping booking is kept for after.\n1 Yes, do that now\n2 No, carry on\nReply 1 or 2.');
    expect(await r.say('yes')).toMatch(new RegExp(`^${reference}, pothole at 22 Banksia Road: received on \\d+ \\w+\\.\\nBack to your camping booking: How many people, including children\\?$`));
    expect(await r.say('2 people')).toMatch(new RegExp(`^Book Bayside Reserve for 2 nights from ${futureDate(64).day}, for 2 people\\?`));
  });

  test('SMS: a question mid-flow is answered and the flow resumes, in at most 2 SMS segments', async () => {
    const r = smsResident();
    await r.say('hello');
    await r.say('camping');
    const reply = await r.say('are campfires allowed?');
    expect(reply).toMatch(/fire pits/);
    expect(reply).toMatch(/Back to your camping booking: Which campground would you like\?\n1 River Flats/);
    expect(smsBilling(reply).segments).toBeLessThanOrEqual(2);
  });
});

describe('the report flow', () => {
  test('SMS: a request without a description is asked for one; words sent instead of a photo are the description', async () => {
    const r = smsResident();
    let reply = await r.say('I want to report a pothole at 14 Wattle Street');
    expect(reply).toMatch(/send a photo/);
    reply = await r.say('its about 1m wide and a car already blew a tyre');
    expect(reply).toMatch(/^If you can, send a photo now\. Or say skip\./);
    reply = await r.say('skip');
    expect(reply).toMatch(/^Report a pothole at 14 Wattle Street: "its about 1m wide and a car already blew a tyre"\?/);
    reply = await r.say('yes');
    const reference = /report number is (RC-\d{6})/.exec(reply)![1]!;
    expect(await Case.findById(reference).lean()).toMatchObject({ description: 'its about 1m wide and a car already blew a tyre', location: { text: '14 Wattle Street' } });
  });
});

describe('exits and carrier words', () => {
  test('SMS: "never mind" and "start again" leave a flow; nothing suggests a carrier opt-out word', async () => {
    const r = smsResident();
    await r.say('hello');
    await r.say('camping');
    // (HELP alone is a carrier keyword on SMS, answered by the carrier rules.)
    let reply = await r.say('what do I do?');
    expect(reply).toContain('To stop, say "never mind".');
    reply = await r.say('never mind');
    expect(reply).toMatch(/^OK, I've stopped that\./);
    await r.say('report a pothole');
    reply = await r.say('start again');
    expect(reply).toMatch(/^OK, I've stopped that\./);
    expect((await r.conversation()).flow).toMatchObject({ id: 'welcome' });
  });
});

describe('cancelling a permit', () => {
  test('webchat: a stranger is told at once and not queued unasked; the booker cancels with the words the booking suggested', async () => {
    const booker = await webchatResident();
    const booked = await booker.say(`book River Flats from ${futureDate(64).spoken} for 1 night for 2 people`).then(() => booker.say('yes'));
    const reference = /permit number is (CP-\d{6})/.exec(booked)![1]!;
    expect(booked).toContain(`If plans change, send "can't make it ${reference}".`);

    const stranger = await webchatResident();
    await stranger.say('hi');
    let reply = await stranger.say(`cancel permit ${reference}`);
    expect(reply).toBe('For privacy, a permit can only be cancelled from the phone or chat that booked it. Would you like to talk to a person?');
    expect(await statusOf(stranger)).toBe('bot');
    reply = await stranger.say('no thanks');
    expect(reply).toBe('OK. What else can I help with?');
    expect(await statusOf(stranger)).toBe('bot');
    expect((await Permit.findById(reference).lean())!.status).toBe('booked');

    reply = await booker.say(`can't make it ${reference}`);
    expect(reply).toBe(`Cancel camping permit ${reference}? This frees the place for someone else.`);
    reply = await booker.say('1');
    expect(reply).toBe(`Permit ${reference} is cancelled. You won't be charged.`);
  });
});

describe('copy', () => {
  test('webchat: "thanks, bye" gets a friendly goodbye', async () => {
    const r = await webchatResident();
    await r.say('hi');
    expect(await r.say('thanks, bye')).toBe('Thanks for contacting us. Message again any time.');
    expect(await statusOf(r)).toBe('bot');
  });
});

describe('one request, every detail (issue 10 item 7)', () => {
  test('webchat: "can I book bayside reserve from next friday for 2 nights, there are 4 of us" keeps all four details', async () => {
    const r = await webchatResident();
    const reply = await r.say('can I book bayside reserve from next friday for 2 nights, there are 4 of us');
    expect(reply).toMatch(/Book Bayside Reserve for 2 nights from Friday \d+ \w+, for 4 people\? The fee is \$64\.00/);
    const slots = await slotsOf(r);
    expect(slots).toMatchObject({ campground: 'bayside-reserve', nights: 2, partySize: 4 });
    expect(new Date(`${String(slots.arrive)}T00:00:00Z`).getUTCDay()).toBe(5);
  });

  test.each([
    ['me and the missus and 2 kids', 4],
    ['me n 3 mates', 4],
    ['just me and my partner', 2],
  ])('SMS: "%s" is a party of %i', async (words, people) => {
    const r = smsResident();
    const reply = await r.say(`camping at Bayside Reserve from ${futureDate(65).spoken} for 1 night`);
    expect(reply).toMatch(/How many people/);
    expect(await r.say(words)).toMatch(new RegExp(`^Book Bayside Reserve for 1 night from .+, for ${people} people\\?`));
  });
});

/** The same resident journeys on every text channel: the router and flows must not care which one it is. */
const onEveryTextChannel: Array<[string, () => Promise<Resident>]> = [
  ['SMS', async () => smsResident()],
  ['webchat', webchatResident],
  ['Messenger', async () => messengerResident()],
];
describe.each(onEveryTextChannel)('on %s', (_name, newResident) => {
  test('a typed number picks from the menu: "5" is a person', async () => {
    const r = await newResident();
    await r.say('hello');
    expect(await r.say('5')).toMatch(/asked a person to help/);
    expect(await statusOf(r)).toBe('queued');
  });

  test('two misses offer a person and "yes" queues', async () => {
    const r = await newResident();
    await r.say('hello');
    await r.say('purple monkey dishwasher');
    expect(await r.say('flibbertigibbet wobble')).toContain('Would you like to talk to a person?');
    expect(await r.say('yes')).toMatch(/asked a person to help/);
    expect(await statusOf(r)).toBe('queued');
  });

  test('words about something else never move a booking, and a new request mid-booking asks to switch', async () => {
    const r = await newResident();
    const arrive = futureDate(70);
    await r.say('hi');
    expect(await r.say(`I'd like to book Bayside Reserve from ${arrive.spoken} for 2 nights`)).toMatch(/How many people/);
    const before = await slotsOf(r);
    expect(await r.say('there is a massive pothole on my street')).toMatch(/^That sounds like a new request: report a problem\. Do that now\? Your camping booking is kept for after\./);
    expect(await slotsOf(r)).toMatchObject({ campground: before.campground, arrive: before.arrive, nights: before.nights });
    expect(await r.say('no')).toMatch(/How many people/);
    expect(await slotsOf(r)).toMatchObject({ campground: before.campground, arrive: before.arrive, nights: before.nights });
  });

  test('"never mind" leaves a flow with nothing booked, and no reply suggests a carrier opt-out word', async () => {
    const r = await newResident();
    await r.say('hello');
    const asked = await r.say('camping');
    expect(asked).not.toMatch(/\b(STOP|CANCEL|END|QUIT|UNSUBSCRIBE|STOPALL)\b/);
    expect(await r.say('never mind')).toMatch(/^OK, I've stopped that\. Nothing was booked or sent\./);
    expect((await r.conversation()).flow?.id ?? 'welcome').toBe('welcome');
  });
});

test('no bot message in these transcripts suggests a carrier opt-out word, or has the old copy slips', async () => {
  const said = await botMessagesAsSms();
  const suggestsOptOut = /\b(say|send|text|reply|type)\s+"?(stop|cancel|end|quit|unsubscribe|stopall)\b"?(?!\s+to opt out)/i;
  expect(said.filter((m) => suggestsOptOut.test(m.sms)).map((m) => m.sms)).toEqual([]);
  expect(said.length).toBeGreaterThan(50);
  expect(said.filter((m) => /\.\.(?!\.)|It is now received/.test(m.sms)).map((m) => m.sms)).toEqual([]);
  // Every button fits Messenger's 20-character quick reply whole (campground names are the council's own).
  const labels = (await Message.find({ direction: 'outbound', 'choices.0': { $exists: true } }, { choices: 1 }).lean()).flatMap((m) => (m.choices ?? []).map((c) => c.label));
  expect(labels.length).toBeGreaterThan(20);
  expect([...new Set(labels.filter((l) => (l ?? '').length > 20))]).toEqual([]);
});

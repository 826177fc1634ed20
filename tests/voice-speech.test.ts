/**
 * What a caller hears, walked through Twilio-signed webhooks on real Redis and FerretDB: a short
 * grammatical menu in the council's locale, nothing a caller cannot do, references read out and
 * offered by SMS (sent through the real SDK to the Twilio double, with consent recorded), case
 * updates by SMS only with that consent and never marked sent to a phone call, goodbye on
 * silence after a booking, and hold music between queue announcements.
 */
import { Case, Conversation, Message } from '../src/models';
import { loginAgent, sleep, useTestEngine, waitUntil } from './helpers/engine';
import { TwilioCall, type TwimlPage } from './helpers/twilio-caller';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'voice-speech-token-0123456789abcd';
const ACCOUNT = `AC${'6'.repeat(32)}`;
const COUNCIL = '+61480000000';
let double: TwilioDouble;
let token: string;
beforeAll(async () => {
  double = await startTwilioDouble();
});
afterAll(async () => double.stop());
const engine = useTestEngine({ PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_ACCOUNT_SID: ACCOUNT, get TWILIO_API_URL() { return double.url; } });
beforeAll(async () => {
  token = await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
});

const call = (from: string) => new TwilioCall({ engineUrl: engine().url!, publicUrl: PUBLIC_URL, token: TOKEN, from, to: COUNCIL, accountSid: ACCOUNT });
const words = (spoken: string) => spoken.split(/\s+/).filter(Boolean).length;
/** Nothing a caller cannot do, and nothing written only for a screen. */
function expectSpeakable(page: TwimlPage): void {
  const spoken = page.spoken();
  expect(spoken).not.toMatch(/https?:|More:|\bsend (a )?photo|share your location|message you here|\bsend "|\btype\b|Reply \d/i);
  expect(spoken).not.toMatch(/For [a-z]+ a [a-z]+, press/); // "For report a problem, press 3"
}

async function bookCamping(caller: TwilioCall): Promise<TwimlPage[]> {
  const pages = [await caller.dial(), await caller.press('1'), await caller.speak('River Flats'), await caller.speak('next friday'), await caller.speak('2 nights'), await caller.speak('2 people'), await caller.speak('yes')];
  pages.forEach(expectSpeakable);
  return pages;
}

test('the main menu is one sentence and the options, under 26 words, in an Australian voice and recogniser', async () => {
  const greeting = await call('+61412500001').dial();
  const spoken = greeting.spoken();
  expect(spoken).toBe('Welcome to Riverbend Council. Press 1 for camping, 2 for questions, 3 to report a problem, 4 to check a report, or 0 for a person.');
  expect(words(spoken)).toBeLessThanOrEqual(26);
  expect(greeting.find('Gather')!.attrs.language).toBe('en-AU');
  expect(greeting.find('Say')!.attrs).toEqual({ language: 'en-AU', voice: 'Polly.Olivia-Neural' });
});

test('a booking by phone: the permit number read out twice, a text offered and sent on 1 with consent noted, silence then goodbye', async () => {
  const from = '+61412500002';
  const caller = call(from);
  const pages = await bookCamping(caller);
  const booked = pages.at(-1)!.spoken();
  expect(booked).toMatch(/^Booked\. Your permit number is C P( \d){6}: River Flats, 2 nights from \w+day \d+ \w+\. That's C P( \d){6}\./);
  expect(booked).toContain('Would you like a text to this mobile with your permit number? Press 1 or say yes for a text, or press 2 for no.');
  expect(booked).not.toMatch(/cancel/i);

  const sent = await caller.press('1');
  expect(sent.spoken()).toBe("Done. We've texted it to your mobile. Is there anything else I can help with? Just say it, or press 0 for a person.");
  const permit = `CP-${/C P((?: \d){6})/.exec(booked)![1]!.replace(/\D/g, '')}`;
  const sms = await waitUntil(() => double.sent.find((m) => m.To === from), 10_000, 'the SMS with the permit');
  expect(sms).toMatchObject({ From: COUNCIL, Body: `Riverbend Council: your camping permit number is ${permit}. Keep this text and quote the number if you contact us about it.` });
  const voice = (await Conversation.findOne({ 'call.sid': caller.callSid }).lean())!;
  expect(await Message.findOne({ conversationId: voice._id, internal: true }).lean()).toMatchObject({ text: `The caller agreed to a text of permit ${permit} on ${from}; it was texted.` });

  // Twilio retrying the same answer sends nothing twice.
  await caller.post(caller.pages.at(-2)!.find('Gather')!.attrs.action!, { Digits: '1' });
  await sleep(300);
  expect(double.sent.filter((m) => m.To === from)).toHaveLength(1);

  // Silence now is the end of the call, not "Sorry, I didn't understand that" and the whole menu.
  const bye = await caller.silence();
  expect(bye.spoken()).toBe('Thanks for calling Riverbend Council. Goodbye.');
  expect(bye.find('Hangup')).toBeDefined();
});

test('a report by phone skips the photo question; with consent its updates reach the caller by SMS, without it nothing is marked sent', async () => {
  const report = async (from: string, street: string, agree: boolean): Promise<string> => {
    const caller = call(from);
    await caller.dial();
    const where = await caller.press('3');
    expectSpeakable(where);
    expect(where.spoken()).toContain('What kind of problem is it?');
    const category = await caller.press('1'); // pothole
    expectSpeakable(category);
    expect(category.spoken()).toContain('Where is it? Give the street address or nearest corner.');
    const next = await caller.speak(`${from.slice(-2)} ${street}`);
    expectSpeakable(next);
    let page = next;
    if (/what is the problem/i.test(page.spoken())) page = await caller.speak('it is very deep and wide');
    expect(page.spoken()).toContain(`Report a pothole at ${from.slice(-2)} ${street}: "it is very deep and wide"?`);
    const made = await caller.press('1');
    expectSpeakable(made);
    expect(made.spoken()).toMatch(/Your report number is R C( \d){6}\. Would you like a text to this mobile with your report number, and texts when it changes\?/);
    const reference = `RC-${/R C((?: \d){6})/.exec(made.spoken())![1]!.replace(/\D/g, '')}`;
    await caller.press(agree ? '1' : '2');
    await caller.status('completed', 9);
    return reference;
  };
  const agreed = await report('+61412500031', 'Bank Street', true);
  const declined = await report('+61412500042', 'Elm Road', false);
  const first = await waitUntil(() => double.sent.find((m) => m.To === '+61412500031'), 10_000, 'the reference by SMS');
  expect(first.Body).toBe(`Riverbend Council: your report number is ${agreed}. We'll text you here when its status changes.`);
  expect((await Case.findById(agreed).lean())!.followers).toContain(`sms-${COUNCIL}-+61412500031`);

  for (const reference of [agreed, declined]) {
    const res = await fetch(`${engine().url!}/api/v1/cases/${reference}/status`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'scheduled', note: 'A crew will fill it on Monday' }) });
    expect(res.status).toBe(200);
  }
  const update = await waitUntil(() => double.sent.find((m) => m.To === '+61412500031' && m.Body.includes('scheduled')), 10_000, 'the update by SMS');
  expect(update.Body).toBe(`Riverbend Council: your report ${agreed} is now scheduled for repair. A crew will fill it on Monday.`);
  await sleep(500);
  expect(double.sent.filter((m) => m.To === '+61412500042')).toHaveLength(0);
  // No message about either update is stored as sent on a phone conversation.
  expect(await Message.countDocuments({ channel: 'voice', text: /is now scheduled/ })).toBe(0);
  const delivered = await waitUntil(() => Message.findOne({ channel: 'sms', to: '+61412500031', text: /is now scheduled/, deliveryStatus: 'sent' }).lean(), 10_000, 'the SMS marked sent');
  expect(delivered.providerMessageId).toBe(update.sid);
});

test('a knowledge answer on the phone has no links and no "More:"', async () => {
  const caller = call('+61412500005');
  await caller.dial();
  const answer = await caller.speak('when is my bin collection day');
  expectSpeakable(answer);
  expect(answer.spoken()).toMatch(/collected/);
  expect(answer.spoken()).toMatch(/\?( Just say it, or press 0 for a person\.)?$/);
});

test('hold: the place in the queue, the options, then music (the engine\'s own clip, 30 to 50 seconds), never a silent pause', async () => {
  const caller = call('+61412500006');
  await caller.dial();
  await caller.press('0');
  const hold = await caller.hold(2, 90);
  expect(hold.spoken()).toMatch(/^You're number 2 in the queue\. The expected wait is about 2 minutes\. To get a call back/);
  expect(hold.find('Pause')).toBeUndefined();
  const play = hold.verbs.at(-1)!;
  expect(play.name).toBe('Play');
  expect(play.text).toBe(`${PUBLIC_URL}/webhooks/twilio/voice/hold-music.wav`);
  const audio = await fetch(play.text.replace(PUBLIC_URL, engine().url!));
  expect(audio.headers.get('content-type')).toBe('audio/wav');
  const wav = Buffer.from(await audio.arrayBuffer());
  expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
  const seconds = wav.readUInt32LE(40) / wav.readUInt32LE(28);
  expect(seconds).toBeGreaterThanOrEqual(30);
  expect(seconds).toBeLessThanOrEqual(50);
});

/**
 * The four flows residents came for, as transcripts through the real router (webchat on
 * Redis and FerretDB), with the embedded NLU only: corrections, digressions, cancel,
 * out-of-scope and escalation; plus fifty concurrent bookings for the last five places.
 */
import { Case, Conversation, Permit, PermitNight } from '../src/models';
import { stayDates } from '../src/permits/repository';
import { sleep, useTestEngine, type WebchatResident } from './helpers/engine';
import { futureDate, talkingResident } from './helpers/transcript';

const engine = useTestEngine();
const residents: WebchatResident[] = [];
afterAll(() => residents.forEach((r) => r.close()));

/** A resident whose every message waits for the bot's answer to it. */
const resident = () => talkingResident(engine().url!, residents);

test('camping-permit: booking with a correction, a question on the way, and a confirmation', async () => {
  const r = await resident();
  const arrive = futureDate(25);
  let reply = await r.say('hi');
  expect(reply).toContain('What can I help with today?');
  reply = await r.say(`I'd like to book a campsite at Lookout Hill from ${arrive.spoken} for 2 nights`);
  expect(reply).toMatch(/How many people/);
  // A question in the middle: answered from the knowledge base, then back to the booking.
  reply = await r.say('are campfires allowed?');
  expect(reply).toMatch(/fire pits/);
  expect(reply).toMatch(/Back to your camping booking: How many people/);
  reply = await r.say('4 people');
  expect(reply).toMatch(/^Book Lookout Hill for 2 nights from .+, for 4 people\? The fee is \$36\.00/);
  reply = await r.say('actually 3 nights');
  expect(reply).toMatch(/^Changed to 3 nights from \w+day \d+ \w+\./);
  expect(reply).toMatch(/Book Lookout Hill for 3 nights .+ The fee is \$54\.00/);
  reply = await r.say('yes');
  const reference = /permit number is (CP-\d{6})/.exec(reply)?.[1];
  expect(reference).toBeDefined();
  const permit = await Permit.findById(reference).lean();
  expect(permit).toMatchObject({ campgroundId: 'lookout-hill', arrive: arrive.iso, nights: 3, partySize: 4, feeCents: 5400, status: 'booked' });
  expect(await PermitNight.countDocuments({ permitId: reference })).toBe(3);

  // Cancelling it frees the places.
  reply = await r.say(`cancel permit ${reference}`);
  expect(reply).toContain(`Cancel camping permit ${reference}?`);
  reply = await r.say('yes');
  expect(reply).toContain(`Permit ${reference} is cancelled`);
  expect(await PermitNight.countDocuments({ permitId: reference })).toBe(0);
});

test('camping-permit: the council\'s rules are enforced and the resident can cancel', async () => {
  const r = await resident();
  await r.say('hello');
  let reply = await r.say('camping permit please');
  expect(reply).toMatch(/Which campground/);
  reply = await r.say('Lookout Hill');
  expect(reply).toMatch(/Which night do you arrive/);
  reply = await r.say('1 January 2020');
  expect(reply).toContain('That date has passed.');
  reply = await r.say(futureDate(30).spoken);
  expect(reply).toMatch(/How many nights/);
  reply = await r.say('9');
  expect(reply).toContain('Lookout Hill allows up to 3 nights');
  reply = await r.say('2');
  expect(reply).toMatch(/How many people/);
  reply = await r.say('cancel');
  expect(reply).toContain("I've stopped that");
  expect(await Permit.countDocuments({ contactId: (await Conversation.findById(r.chat.conversationId).lean())!.contactId })).toBe(0);
});

test('fifty concurrent bookings for the last five places: exactly five permits', async () => {
  const { permits } = engine().services.councils.default;
  const arrive = futureDate(40).iso;
  // Lookout Hill has 5 places a night: take none, so the last five are all there are.
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      permits.book({ campgroundId: 'lookout-hill', arrive, nights: 2, partySize: 2 }, { contactId: `contact-${i}`, identityId: `identity-${i}`, conversationId: `c-${i}`, channel: 'webchat', address: `a-${i}` }, `race-${arrive}-${i}`),
    ),
  );
  const booked = results.filter((r) => r.ok);
  expect(booked).toHaveLength(5);
  for (const date of stayDates(arrive, 2)) expect(await PermitNight.countDocuments({ campgroundId: 'lookout-hill', date })).toBe(5);
  expect(await Permit.countDocuments({ arrive, campgroundId: 'lookout-hill', status: 'booked' })).toBe(5);
});

test('camping-permit: a full campground offers the others', async () => {
  const { permits } = engine().services.councils.default;
  const arrive = futureDate(50);
  for (let i = 0; i < 5; i++) await permits.book({ campgroundId: 'lookout-hill', arrive: arrive.iso, nights: 1, partySize: 2 }, { contactId: `f-${i}`, identityId: `f-${i}`, conversationId: `f-${i}`, channel: 'webchat', address: `f-${i}` }, `fill-${arrive.iso}-${i}`);
  const r = await resident();
  await r.say('hi');
  const reply = await r.say(`book Lookout Hill on ${arrive.spoken} for 1 night for 2 people`);
  expect(reply).toContain('Sorry, Lookout Hill is full on');
  expect(reply).toMatch(/There are places at River Flats and Bayside Reserve on those dates/);
});

test('faq: answered from the council\'s pages with the source link; nothing grounded → says so and offers a person', async () => {
  const r = await resident();
  await r.say('hi');
  let reply = await r.say('what time does the library open on saturday?');
  expect(reply).toContain('weekends 10am to 4pm');
  expect(reply).toContain('https://www.riverbend.example.gov.au/libraries');
  reply = await r.say('how much does the tip cost for a trailer');
  expect(reply).toContain('$60');
  reply = await r.say('what is the weather going to be tomorrow');
  expect(reply).toBe("Sorry, I can't help with that here. Choose an option, or talk to a person.");
});

test('report-issue: category, place and description; a nearby open report is offered instead of a duplicate', async () => {
  const first = await resident();
  await first.say('hi');
  let reply = await first.say('there is a huge pothole outside 12 Smith Street');
  expect(reply).toMatch(/send a photo/i);
  reply = await first.say('skip');
  expect(reply).toMatch(/what is the problem\?/);
  reply = await first.say('about a metre wide, right in the wheel track');
  expect(reply).toBe('Report a pothole at 12 Smith Street: "about a metre wide, right in the wheel track"?');
  reply = await first.say('yes');
  const reference = /report number is (RC-\d{6})/.exec(reply)?.[1];
  expect(reference).toBeDefined();
  expect(await Case.findById(reference).lean()).toMatchObject({ category: 'pothole', status: 'received', location: { text: '12 Smith Street', street: 'smith st' }, description: 'about a metre wide, right in the wheel track' });

  const second = await resident();
  await second.say('hello');
  reply = await second.say('pothole on smith st near number 20');
  expect(reply).toMatch(/send a photo/i);
  reply = await second.say('skip');
  reply = await second.say('deep and full of water');
  expect(reply).toContain(`already reported: reference ${reference}`);
  reply = await second.say('yes');
  expect(reply).toContain(`We'll message you here when report ${reference} changes`);
  expect(await Case.countDocuments({ category: 'pothole' })).toBe(1);

  // case-status: the reporter may see it; the follower too; a stranger may not.
  reply = await first.say(`status ${reference}`);
  expect(reply).toMatch(new RegExp(`^${reference}, pothole at 12 Smith Street: received on \\d+ \\w+\\.$`));
  const stranger = await resident();
  await stranger.say('hi');
  reply = await stranger.say(`any update on ${reference}?`);
  expect(reply).toContain('For privacy');
});

test('a status change is told to the reporter and followers on the channel they used', async () => {
  const r = await resident();
  await r.say('hi');
  await r.say('graffiti on the wall at 3 Bay Road');
  await r.say('skip');
  await r.say('tags all over the bus shelter wall');
  const reply = await r.say('yes');
  const reference = /report number is (RC-\d{6})/.exec(reply)![1]!;
  const token = await (await fetch(`${engine().url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@council.example', password: 'test-admin-password' }) })).json() as { token: string };
  const res = await fetch(`${engine().url}/api/v1/cases/${reference}/status`, { method: 'POST', headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'fixed', note: 'Removed by the graffiti team.' }) });
  expect(res.status).toBe(200);
  const notice = await r.chat.waitForReply((m) => m.text.includes(`${reference} is now fixed`));
  expect(notice.text).toBe(`Riverbend Council: your report ${reference} is now fixed. Removed by the graffiti team.`);
  const shown = await (await fetch(`${engine().url}/api/v1/cases/${reference}`, { headers: { authorization: `Bearer ${token.token}` } })).json() as { status: string; history: Array<{ status: string; note?: string }> };
  expect(shown.status).toBe('fixed');
  expect(shown.history.map((h) => h.status)).toEqual(['received', 'fixed']);
});

test('out of scope twice offers a person; "agent" mid-flow escalates', async () => {
  const r = await resident();
  await r.say('hi');
  let reply = await r.say('tell me a joke');
  expect(reply).toMatch(/can't help with that here/);
  reply = await r.say('who won the football');
  expect(reply).toMatch(/Would you like to talk to a person\?/);
  await r.say('report a problem');
  reply = await r.say('actually I want to talk to a person');
  expect(reply).toMatch(/asked a person to help/);
  await sleep(100);
  expect((await Conversation.findById(r.chat.conversationId).lean())!.status).toBe('queued');
});

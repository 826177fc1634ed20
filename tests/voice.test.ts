/**
 * The phone channel end to end, walked the way Twilio walks it: every TwiML's `action`,
 * `<Redirect>`, `waitUrl` and Enqueue `action` followed with signed requests, through the real
 * router and flows on Redis and FerretDB, and the agent's accept reaching a local double of
 * Twilio's REST API through the real SDK.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import twilio from 'twilio';
import { Conversation, InboundEvent, Message } from '../src/models';
import { agentCommand, agentSocket, loginAgent, sleep, useTestEngine, waitUntil } from './helpers/engine';
import { TwilioCall } from './helpers/twilio-caller';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'voice-test-auth-token-0123456789';
const ACCOUNT = `AC${'2'.repeat(32)}`;
const COUNCIL = '+61480000000';
const AGENT_PHONE = '+61299990000';
let double: TwilioDouble;
let token: string;
let agent: Socket;

beforeAll(async () => {
  double = await startTwilioDouble();
});
afterAll(async () => {
  agent?.close();
  await double.stop();
});
const HOLD_MUSIC_URL = 'https://media.council.example/hold/waltz.mp3';
const engine = useTestEngine({ PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_ACCOUNT_SID: ACCOUNT, HOLD_MUSIC_URL, get TWILIO_API_URL() { return double.url; } });

beforeAll(async () => {
  token = await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
  const res = await fetch(`${engine().url!}/api/v1/agents/me`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ phone: AGENT_PHONE }) });
  expect(res.status).toBe(200);
  agent = await agentSocket(engine().url!, token);
});

const call = (from: string) => new TwilioCall({ engineUrl: engine().url!, publicUrl: PUBLIC_URL, token: TOKEN, from, to: COUNCIL, accountSid: ACCOUNT });
/** The call's conversation once it has `status` (the turn's effects land just after its answer). */
const conversationOf = (callSid: string, status?: string) =>
  waitUntil(() => Conversation.findOne({ 'call.sid': callSid, ...(status ? { status } : {}) }).lean(), 10_000, `the call conversation${status ? ` (${status})` : ''}`);

test('IVR walk: greeting → menu → 0 → queued with announcements → the agent accepts → the double connects the caller', async () => {
  const queued: Array<Record<string, unknown>> = [];
  agent.on('conversation.queued', (e: Record<string, unknown>) => queued.push(e));
  const caller = call('+61412300001');

  const greeting = await caller.dial();
  const gather = greeting.find('Gather')!;
  expect(gather.attrs).toMatchObject({ input: 'dtmf speech', numDigits: '1', language: 'en-AU' });
  expect(gather.attrs.action).toMatch(/^https:\/\/council\.example\/webhooks\/twilio\/voice\/gather\?n=2/);
  expect(greeting.spoken()).toMatch(/^Welcome to Riverbend Council\. Press 1 for /);
  expect(greeting.spoken()).toContain('or 0 for a person.');
  expect(greeting.spoken()).not.toMatch(/type your|Reply \d/);

  // Something the menu does not know, said out loud: the bot says so and asks again.
  const unclear = await caller.speak('tell me a joke');
  expect(unclear.spoken()).toContain("Sorry, I can't help with that here.");
  expect(unclear.find('Gather')).toBeDefined();

  const hold = await caller.press('0');
  expect(hold.spoken()).toContain('Please hold');
  const enqueue = caller.enqueue();
  expect(enqueue.text).toBe('switchboard-general');
  expect(enqueue.attrs.waitUrl).toBe(`${PUBLIC_URL}/webhooks/twilio/voice/wait`);

  const announcement = await caller.hold(3, 150);
  expect(announcement.spoken()).toContain("You're number 3 in the queue.");
  // The council's hold music between announcements, never a long silence.
  expect(announcement.find('Play')!.text).toBe(HOLD_MUSIC_URL);
  expect(announcement.find('Pause')).toBeUndefined();
  expect(announcement.spoken()).toContain('The expected wait is about 3 minutes.');
  expect(announcement.spoken()).toContain('To get a call back and keep your place, press 1.');
  expect(announcement.find('Gather')!.attrs.action).toBe(`${PUBLIC_URL}/webhooks/twilio/voice/wait-choice`);

  // Agents see the waiting caller like any escalated conversation, with the transcript so far.
  const conversation = await conversationOf(caller.callSid, 'queued');
  expect(conversation).toMatchObject({ channel: 'voice', queue: 'general' });
  await waitUntil(() => queued.find((e) => e.conversationId === conversation._id), 5000, 'conversation.queued');
  const timeline = await fetch(`${engine().url!}/api/v1/conversations/${conversation._id}/messages`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<{ messages: Array<{ text: string; sender: { kind: string } }> }>);
  expect(timeline.messages.filter((m) => m.sender.kind === 'contact').map((m) => m.text)).toEqual(['Call started', 'tell me a joke', 'Asked to talk to a person']);

  const claim = await agentCommand(agent, 'conversation.claim', { conversationId: conversation._id });
  expect(claim.ok).toBe(true);
  const update = await waitUntil(() => double.calls.find((c) => c.callSid === caller.callSid), 5000, 'the call update');
  expect(update.kind).toBe('update');
  expect(update.auth).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`);
  expect(update.Twiml).toContain(`<Dial callerId="${COUNCIL}"><Number>${AGENT_PHONE}</Number></Dial>`);

  // Twilio reports the redirect out of the queue, then the end of the call.
  expect((await caller.leaveQueue(enqueue, 'bridged')).find('Hangup')).toBeDefined();
  expect((await caller.status('completed', 3)).status).toBe(204);
  const ended = await waitUntil(async () => {
    const c = await Conversation.findById(conversation._id).lean();
    return c?.call?.live === false ? c : undefined;
  }, 5000, 'the call to end');
  expect(ended.status).toBe('assigned'); // the agent wraps up and resolves
});

test('no input twice, or nothing understood twice, offers a person; saying "person" queues the caller', async () => {
  const caller = call('+61412300002');
  await caller.dial();
  const first = await caller.silence();
  expect(first.spoken()).toContain("Sorry, I didn't understand that.");
  const second = await caller.silence();
  expect(second.spoken()).toContain('Would you like to talk to a person?');
  expect(second.spoken()).toContain('or 0 for a person.');
  const queued = await caller.speak('can I talk to a person please');
  expect(queued.find('Enqueue')).toBeDefined();
  expect(await conversationOf(caller.callSid, 'queued')).toMatchObject({ handoffReason: 'Resident asked for a person' });
});

test('a third miss in a row puts the caller through to the queue, as on every text channel', async () => {
  const caller = call('+61412300012');
  await caller.dial();
  expect((await caller.speak('purple monkey dishwasher')).spoken()).toContain("Sorry, I can't help with that here.");
  expect((await caller.silence()).spoken()).toContain('Would you like to talk to a person?');
  const third = await caller.speak('the thing with the stuff');
  expect(third.find('Enqueue')).toBeDefined();
  expect(third.spoken()).not.toContain('Would you like to talk to a person?');
  expect(await conversationOf(caller.callSid, 'queued')).toMatchObject({ channel: 'voice' });
});

test('a hang-up while queued is recorded as abandoned, once, whatever order the callbacks come in', async () => {
  const caller = call('+61412300003');
  await caller.dial();
  await caller.press('0');
  const enqueue = caller.enqueue();
  const conversation = await conversationOf(caller.callSid, 'queued');
  const updates: Array<Record<string, unknown>> = [];
  agent.on('conversation.updated', (e: Record<string, unknown>) => updates.push(e));

  await caller.leaveQueue(enqueue, 'hangup');
  await Promise.all([caller.status('completed', 4), caller.status('completed', 4)]);
  await caller.status('ringing', 1); // late and out of order: ignored
  const closed = await waitUntil(async () => {
    const c = await Conversation.findById(conversation._id).lean();
    return c?.status === 'resolved' ? c : undefined;
  }, 5000, 'abandoned');
  expect(closed.outcome).toBe('abandoned');
  await waitUntil(() => updates.find((u) => u.conversationId === conversation._id && u.outcome === 'abandoned'), 5000, 'agents told');
  expect(await InboundEvent.countDocuments({ _id: `voice-${caller.callSid}-ended` })).toBe(1);
  expect(await Message.countDocuments({ conversationId: conversation._id, text: 'Call ended' })).toBe(1);
});

test('a caller on hold can ask for a call-back that keeps their place; accepting it calls the agent, then the caller', async () => {
  const caller = call('+61412300004');
  await caller.dial();
  await caller.press('0');
  const enqueue = caller.enqueue();
  await caller.hold(1, 0);
  const choice = await caller.press('1');
  expect(choice.spoken()).toContain("We'll call you back on this number");
  expect(choice.find('Leave')).toBeDefined();
  expect((await caller.leaveQueue(enqueue, 'leave')).find('Hangup')).toBeDefined();
  await caller.status('completed', 3);

  const conversation = await conversationOf(caller.callSid, 'queued');
  await waitUntil(async () => (await Conversation.findById(conversation._id).lean())?.call?.live === false || undefined, 5000, 'call ended');
  const waiting = (await Conversation.findById(conversation._id).lean())!;
  expect(waiting).toMatchObject({ status: 'queued', callbackRequested: true, queuedAt: conversation.queuedAt });

  expect((await agentCommand(agent, 'conversation.claim', { conversationId: conversation._id })).ok).toBe(true);
  const created = await waitUntil(() => double.calls.find((c) => c.kind === 'create' && c.Twiml?.includes('+61412300004')), 5000, 'the call-back');
  expect(created).toMatchObject({ To: AGENT_PHONE, From: COUNCIL });
  expect(created.Twiml).toContain(`<Dial callerId="${COUNCIL}"><Number>+61412300004</Number></Dial>`);
});

test('a queue that cannot hold the caller keeps their place as a call-back, and says so', async () => {
  const caller = call('+61412300014');
  await caller.dial();
  await caller.press('0');
  const enqueue = caller.enqueue();
  const conversation = await conversationOf(caller.callSid, 'queued');
  const exit = await caller.leaveQueue(enqueue, 'queue-full');
  expect(exit.spoken()).toBe("Sorry, we can't hold your call right now. We've kept your place and will call you back on this number. Goodbye.");
  expect(exit.find('Hangup')).toBeDefined();
  const kept = await waitUntil(async () => (await Conversation.findById(conversation._id).lean<{ callbackRequested?: boolean; status: string; queuedAt?: Date }>()) ?? undefined, 5000, 'the call-back kept');
  await waitUntil(async () => (await Conversation.findById(conversation._id).lean<{ callbackRequested?: boolean }>())?.callbackRequested || undefined, 5000, 'the call-back marked');
  expect(kept).toMatchObject({ status: 'queued', queuedAt: conversation.queuedAt });
  // Twilio retries the same request: still one call-back step.
  await caller.leaveQueue(enqueue, 'queue-full');
  expect(await InboundEvent.countDocuments({ externalId: `${caller.callSid}-callback` })).toBe(1);
});

test('"text me instead": the call ends and the same person is queued on SMS, with a text sent to their number', async () => {
  const from = '+61412300005';
  const caller = call(from);
  await caller.dial();
  await caller.speak('I want to speak to someone');
  await caller.hold(2, 30);
  const choice = await caller.press('2');
  expect(choice.spoken()).toContain("We'll send you a text message now");
  expect(choice.find('Leave')).toBeDefined();

  const sms = await waitUntil(() => double.sent.find((m) => m.To === from), 10_000, 'the SMS');
  expect(sms.From).toBe(COUNCIL);
  expect(sms.Body).toMatch(/asked a person to help/);
  const voice = await waitUntil(async () => {
    const c = await Conversation.findOne({ 'call.sid': caller.callSid }).lean();
    return c?.status === 'resolved' ? c : undefined;
  }, 5000, 'voice closed');
  expect(voice.outcome).toBe('moved_to_sms');
  const text = await Conversation.findOne({ channel: 'sms', contactId: voice.contactId }).lean();
  expect(text).toMatchObject({ status: 'queued', handoffReason: 'Caller chose to continue by text instead of waiting on the phone' });
});

test('a resident who texted earlier and then calls is one contact with one history', async () => {
  const from = '+61412300006';
  const smsParams = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT, From: '0412 300 006', To: COUNCIL, Body: 'hello', NumMedia: '0' };
  const res = await fetch(`${engine().url!}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, smsParams) },
    body: new URLSearchParams(smsParams).toString(),
  });
  expect(res.status).toBe(200);
  const texted = await waitUntil(() => Conversation.findOne({ channel: 'sms', identityId: `sms-${COUNCIL}-${from}` }).lean(), 10_000, 'the SMS conversation');

  const caller = call(from);
  await caller.dial();
  const called = await conversationOf(caller.callSid);
  expect(called.contactId).toBe(texted.contactId);
  const contact = await fetch(`${engine().url!}/api/v1/contacts/${called.contactId}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<{ identities: Array<{ channel: string }>; conversations: Array<{ channel: string }> }>);
  expect(contact.identities.map((i) => i.channel).sort()).toEqual(['sms', 'voice']);
  expect(contact.conversations.map((c) => c.channel).sort()).toEqual(['sms', 'voice']);
});

test('a repeated step is one turn; forged voice requests get 403 and store nothing', async () => {
  const caller = call('+61412300007');
  await caller.dial();
  const action = caller.current!.find('Gather')!.attrs.action!;
  const [a, b] = await Promise.all([caller.post(action, { Digits: '5' }), caller.post(action, { Digits: '5' })]);
  expect([a.status, b.status]).toEqual([200, 200]);
  expect(await a.text()).toBe(await b.text());
  const conversation = await conversationOf(caller.callSid);
  expect(await Message.countDocuments({ conversationId: conversation._id, direction: 'inbound', text: 'Pressed 5' })).toBe(1);

  const before = await InboundEvent.countDocuments({});
  const other = call('+61412300008');
  const forged = await fetch(`${engine().url!}/webhooks/twilio/voice`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature('wrong-token', `${PUBLIC_URL}/webhooks/twilio/voice`, { CallSid: other.callSid, From: '+61412300008', To: COUNCIL }) },
    body: new URLSearchParams({ CallSid: other.callSid, From: '+61412300008', To: COUNCIL }).toString(),
  });
  expect(forged.status).toBe(403);
  const unsigned = await fetch(`${engine().url!}/webhooks/twilio/voice/status`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `CallSid=${caller.callSid}&CallStatus=completed&From=%2B61412300007&To=${encodeURIComponent(COUNCIL)}` });
  expect(unsigned.status).toBe(403);
  await sleep(300);
  expect(await InboundEvent.countDocuments({})).toBe(before);
  expect((await Conversation.findById(conversation._id).lean())!.status).toBe('bot');
});

test('an agent cannot type to a caller on the phone: the console is told why', async () => {
  const caller = call('+61412300009');
  await caller.dial();
  await caller.press('0');
  const conversation = await conversationOf(caller.callSid, 'queued');
  expect((await agentCommand(agent, 'conversation.claim', { conversationId: conversation._id })).ok).toBe(true);
  const reply = await agentCommand(agent, 'message.send', { conversationId: conversation._id, text: 'hello' });
  expect(reply).toMatchObject({ ok: false, error: { code: 'phone_call' } });
});

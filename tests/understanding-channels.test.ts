/**
 * Issue 10's cases on SMS and on the phone: signed Twilio webhooks through the real router on
 * Redis and FerretDB, replies through the real SDK to the Twilio double. A person in a sentence
 * is queued; a resident at risk hears or reads the crisis lines first and is queued at the top.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { Conversation } from '../src/models';
import { useTestEngine, waitUntil } from './helpers/engine';
import { TwilioCall } from './helpers/twilio-caller';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'understanding-test-token-0123456789';
const ACCOUNT = `AC${'3'.repeat(32)}`;
const COUNCIL = '+61480000000';
let double: TwilioDouble;
beforeAll(async () => {
  double = await startTwilioDouble();
});
afterAll(async () => double.stop());
const engine = useTestEngine({ PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_ACCOUNT_SID: ACCOUNT, get TWILIO_API_URL() { return double.url; } });

async function text(from: string, body: string): Promise<void> {
  const params = { AccountSid: ACCOUNT, ApiVersion: '2010-04-01', MessageSid: `SM${randomBytes(16).toString('hex')}`, From: from, To: COUNCIL, Body: body, NumMedia: '0', SmsStatus: 'received' };
  const res = await fetch(`${engine().url}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, params) },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
}
const textsTo = (to: string, count: number) => waitUntil(() => (double.sent.filter((m) => m.To === to).length >= count ? double.sent.filter((m) => m.To === to) : undefined), 15_000, `${count} texts to ${to}`);
const conversationOf = (status: string, probe: Record<string, unknown>) => waitUntil(() => Conversation.findOne({ status, ...probe }).lean(), 10_000, `a ${status} conversation`);

test('SMS: a person in a sentence is queued on the first text', async () => {
  const from = '+61412555001';
  await text(from, 'hi there, could I please speak with someone from the council about my rates notice');
  const [reply] = await textsTo(from, 1);
  expect(reply!.Body).toMatch(/asked a person to help/);
  const queued = await conversationOf('queued', { channel: 'sms' });
  expect(queued.handoffReason).toContain('rates notice');
});

test('SMS: a resident at risk gets the crisis lines first, then the queue notice, at the top priority', async () => {
  const from = '+61412555002';
  await text(from, 'my partner threatened me again tonight and i dont feel safe at home');
  const [crisis, notice] = await textsTo(from, 2);
  expect(crisis!.Body).toMatch(/^If you or anyone else is in danger now, call 000\. 1800RESPECT/);
  expect(notice!.Body).toMatch(/asked a person to help/);
  const urgent = await waitUntil(() => Conversation.findOne({ channel: 'sms', priority: 0 }).lean(), 10_000, 'urgent conversation');
  expect(urgent.status).toBe('queued');
  expect(urgent.handoffReason).toBe('Safeguarding: family or domestic violence');
});

const call = (from: string) => new TwilioCall({ engineUrl: engine().url!, publicUrl: PUBLIC_URL, token: TOKEN, from, to: COUNCIL, accountSid: ACCOUNT });

test('phone: a caller at risk hears triple zero and the crisis line, and is queued at the top', async () => {
  const caller = call('+61412555003');
  await caller.dial();
  const page = await caller.speak("i don't want to be alive anymore");
  expect(page.spoken()).toMatch(/hang up and call triple zero\. Lifeline is there 24\/7 on 13 11 14/);
  expect(caller.enqueue()).toBeDefined();
  const urgent = await waitUntil(() => Conversation.findOne({ 'call.sid': caller.callSid, priority: 0 }).lean(), 10_000, 'urgent call');
  expect(urgent.status).toBe('queued');
});

test('phone: "could you put me through to one of your staff" reaches the queue', async () => {
  const caller = call('+61412555004');
  await caller.dial();
  await caller.speak('could you put me through to one of your staff please');
  expect(caller.enqueue()).toBeDefined();
});

/**
 * A call when nobody is in: the caller is told honestly when the team is back and the hours,
 * and offered a call-back or a text instead of a queue nobody is answering.
 */
import { Conversation } from '../src/models';
import { useTestEngine, waitUntil } from './helpers/engine';
import { TwilioCall } from './helpers/twilio-caller';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'after-hours-token-0123456789abcd';
const ACCOUNT = `AC${'4'.repeat(32)}`;
let double: TwilioDouble;
beforeAll(async () => {
  double = await startTwilioDouble();
});
afterAll(async () => double.stop());
// An empty window: the team is never in.
// Another council's locale and voice, from config.
const engine = useTestEngine({ PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_ACCOUNT_SID: ACCOUNT, OFFICE_HOURS: 'Mon-Fri 09:00-09:00', VOICE_LANGUAGE: 'en-NZ', VOICE_NAME: 'Polly.Aria-Neural', get TWILIO_API_URL() { return double.url; } });

const call = (from: string) => new TwilioCall({ engineUrl: engine().url!, publicUrl: PUBLIC_URL, token: TOKEN, from, to: '+61480000000', accountSid: ACCOUNT });

test('out of hours, 0 gives the hours and a call-back or SMS option instead of a queue', async () => {
  const caller = call('+61412400001');
  const greeting = await caller.dial();
  expect(greeting.find('Gather')!.attrs.language).toBe('en-NZ');
  expect(greeting.find('Say')!.attrs).toEqual({ language: 'en-NZ', voice: 'Polly.Aria-Neural' });
  const closed = await caller.press('0');
  expect(closed.find('Enqueue')).toBeUndefined();
  expect(closed.spoken()).toMatch(/Our team is away right now and back (today|tomorrow|on \w+day) at 9am\. Our hours are Monday to Friday, 9am to 9am\./);
  expect(closed.find('Gather')!.attrs.action).toBe(`${PUBLIC_URL}/webhooks/twilio/voice/after-hours`);
  const choice = await caller.press('1');
  expect(choice.spoken()).toContain("We'll call you back on this number");
  expect(choice.find('Hangup')).toBeDefined();
  await caller.status('completed', 3);
  const conversation = await waitUntil(async () => {
    const c = await Conversation.findOne({ 'call.sid': caller.callSid }).lean();
    return c?.call?.live === false ? c : undefined;
  }, 5000, 'call ended');
  // A call-back request is not an abandoned call: it waits in the queue for the morning.
  expect(conversation).toMatchObject({ status: 'queued', callbackRequested: true });
});

test('out of hours, hanging up without a choice is recorded as abandoned', async () => {
  const caller = call('+61412400002');
  await caller.dial();
  await caller.press('0');
  await caller.status('completed', 3);
  const conversation = await waitUntil(async () => {
    const c = await Conversation.findOne({ 'call.sid': caller.callSid }).lean();
    return c?.status === 'resolved' ? c : undefined;
  }, 5000, 'abandoned');
  expect(conversation.outcome).toBe('abandoned');
});

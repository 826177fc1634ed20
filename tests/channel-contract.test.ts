/**
 * The channel-adapter contract every Twilio channel passes (SMS and voice): a genuine signed
 * request shaped like Twilio's documented payload is accepted and normalised; every forged
 * variant is refused with 403 and stores nothing; choices degrade to what the channel can
 * show; provider statuses map onto ours without ever going backwards.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { renderSms } from '../channels/sms/render';
import { speakable } from '../channels/voice/render';
import type { Choice, InboundContent } from '../src/domain/messages';
import { Conversation, InboundEvent, Message } from '../src/models';
import { useTestEngine, waitUntil } from './helpers/engine';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'contract-auth-token-0123456789ab';
const ACCOUNT = `AC${'3'.repeat(32)}`;
const COUNCIL = '+61480000000';
let double: TwilioDouble;
beforeAll(async () => {
  double = await startTwilioDouble();
});
afterAll(async () => double.stop());
const engine = useTestEngine({ PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_ACCOUNT_SID: ACCOUNT, get TWILIO_API_URL() { return double.url; } });

const hex = () => randomBytes(16).toString('hex');
const MENU: Choice[] = [
  { value: 'bins', label: 'Bins and recycling' },
  { value: 'report-issue', label: 'Report a problem' },
  { value: 'agent', label: 'Talk to a person' },
];

interface ContractCase {
  channel: 'sms' | 'voice';
  path: string;
  /** A payload with the fields Twilio's documentation shows, from `from`. */
  fixture(from: string): Record<string, string>;
  externalId(params: Record<string, string>): string;
  normalised(params: Record<string, string>): InboundContent;
  choicesRendered: string;
  /** Drives provider status callbacks out of order and returns the stored outcome. */
  statusMapping(post: Post, from: string): Promise<unknown>;
  statusExpected: unknown;
}
type Post = (path: string, params: Record<string, string>) => Promise<Response>;

const cases: ContractCase[] = [
  {
    channel: 'sms',
    path: '/webhooks/twilio/sms',
    fixture: (from) => {
      const sid = `SM${hex()}`;
      return { ToCountry: 'AU', ToState: 'NSW', SmsMessageSid: sid, NumMedia: '0', ToCity: '', FromZip: '', SmsSid: sid, FromState: 'NSW', SmsStatus: 'received', FromCity: '', Body: 'Hello from the docs', FromCountry: 'AU', To: COUNCIL, ToZip: '', NumSegments: '1', MessageSid: sid, AccountSid: ACCOUNT, From: from, ApiVersion: '2010-04-01' };
    },
    externalId: (p) => p.MessageSid!,
    normalised: () => ({ kind: 'text', text: 'Hello from the docs' }),
    choicesRendered: 'Choose one\n1 Bins and recycling\n2 Report a problem\n3 Talk to a person\nReply 1, 2 or 3.',
    async statusMapping(post, from) {
      const sms = await waitUntil(() => double.sent.find((m) => m.To === from), 15_000, 'the reply SMS');
      const callback = sms.StatusCallback!.slice(PUBLIC_URL.length);
      const messageId = new URL(sms.StatusCallback!).searchParams.get('m')!;
      await waitUntil(async () => (await Message.findById(messageId).lean())?.providerMessageId === sms.sid || undefined, 5000, 'provider id');
      for (const status of ['delivered', 'sent', 'queued']) {
        expect((await post(callback, { MessageSid: sms.sid, MessageStatus: status, AccountSid: ACCOUNT, To: from, From: COUNCIL, ApiVersion: '2010-04-01' })).status).toBe(204);
      }
      const stored = await Message.findById(messageId).lean();
      return { deliveryStatus: stored?.deliveryStatus, providerStatus: stored?.providerStatus };
    },
    statusExpected: { deliveryStatus: 'delivered', providerStatus: 'delivered' },
  },
  {
    channel: 'voice',
    path: '/webhooks/twilio/voice',
    fixture: (from) => ({ AccountSid: ACCOUNT, ApiVersion: '2010-04-01', CallSid: `CA${hex()}`, CallStatus: 'ringing', Called: COUNCIL, CalledCity: '', CalledCountry: 'AU', CalledState: '', CalledZip: '', Caller: from, CallerCity: 'SYDNEY', CallerCountry: 'AU', CallerState: 'NSW', CallerZip: '', Direction: 'inbound', From: from, FromCity: 'SYDNEY', FromCountry: 'AU', FromState: 'NSW', FromZip: '', To: COUNCIL, ToCity: '', ToCountry: 'AU', ToState: '', ToZip: '' }),
    externalId: (p) => `${p.CallSid}-start`,
    normalised: (p) => ({ kind: 'call', event: 'started', callSid: p.CallSid! }),
    choicesRendered: 'Choose one For bins and recycling, press 1. For report a problem, press 2. To talk to a person, press 0.',
    async statusMapping(post, from) {
      const conversation = await waitUntil(() => Conversation.findOne({ identityId: `voice-${COUNCIL}-${from}` }).lean(), 10_000, 'the call');
      const callSid = (conversation.call as { sid: string }).sid;
      const base = { AccountSid: ACCOUNT, CallSid: callSid, From: from, To: COUNCIL, ApiVersion: '2010-04-01', Direction: 'inbound' };
      // Completed arrives before an earlier "in-progress": the call still ends, once.
      for (const [CallStatus, SequenceNumber] of [['completed', '2'], ['in-progress', '1'], ['completed', '2']] as const) {
        expect((await post('/webhooks/twilio/voice/status', { ...base, CallStatus, SequenceNumber })).status).toBe(204);
      }
      const ended = await waitUntil(async () => {
        const c = await Conversation.findById(conversation._id).lean();
        return c?.status === 'resolved' ? c : undefined;
      }, 5000, 'call ended');
      return { status: ended.status, outcome: ended.outcome, live: ended.call?.live, endEvents: await InboundEvent.countDocuments({ _id: `voice-${callSid}-ended` }) };
    },
    statusExpected: { status: 'resolved', outcome: 'completed_by_bot', live: false, endEvents: 1 },
  },
];

/** POSTs form parameters signed as Twilio signs them (HMAC-SHA1 over URL + sorted params). */
function signedPost(sign: { token?: string; url?: string; header?: string | null; signedParams?: Record<string, string> } = {}): Post {
  return (path, params) => {
    const signature = sign.header === undefined ? twilio.getExpectedTwilioSignature(sign.token ?? TOKEN, sign.url ?? `${PUBLIC_URL}${path}`, sign.signedParams ?? params) : sign.header;
    return fetch(`${engine().url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
      body: new URLSearchParams(params).toString(),
    });
  };
}

describe.each(cases)('$channel adapter', (c) => {
  test('a genuine signed payload from the documentation is accepted and normalised', async () => {
    const from = `+614123${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    const params = c.fixture(from);
    const res = await signedPost()(c.path, params);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/xml/);
    const event = await InboundEvent.findById(`${c.channel}-${c.externalId(params)}`).lean();
    expect(event).toMatchObject({ channel: c.channel, channelUserId: from, inboxId: `${c.channel}-${COUNCIL}`, content: c.normalised(params) });
    // Every parameter is kept, unknown ones included.
    expect(event!.raw).toEqual(params);
  });

  test('forged variants get 403 and store nothing', async () => {
    const genuine = c.fixture('+61412399999');
    const signedAsGenuine = { signedParams: genuine };
    const before = await InboundEvent.countDocuments({});
    const attempts: Array<[string, Promise<Response>]> = [
      ['wrong token', signedPost({ token: 'not-the-auth-token' })(c.path, genuine)],
      ['changed parameter', signedPost(signedAsGenuine)(c.path, { ...genuine, From: '+61499999999' })],
      ['added parameter', signedPost(signedAsGenuine)(c.path, { ...genuine, Injected: 'yes' })],
      ['removed parameter', signedPost(signedAsGenuine)(c.path, Object.fromEntries(Object.entries(genuine).filter(([k]) => k !== 'ApiVersion')))],
      ['wrong scheme', signedPost({ url: `http://council.example${c.path}` })(c.path, genuine)],
      ['wrong URL', signedPost({ url: `${PUBLIC_URL}/webhooks/twilio/elsewhere` })(c.path, genuine)],
      ['missing header', signedPost({ header: null })(c.path, genuine)],
      ['garbage header', signedPost({ header: 'bm90IGEgc2lnbmF0dXJl' })(c.path, genuine)],
    ];
    for (const [what, attempt] of attempts) {
      const res = await attempt;
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    }
    expect(await InboundEvent.countDocuments({})).toBe(before);
  });

  test('choices degrade to what the channel can show', () => {
    const adapter = engine().services.channels.get(c.channel);
    const content = { text: 'Choose one', choices: MENU };
    const rendered = adapter.capabilities.choices === 'spoken' ? speakable(content) : renderSms(content);
    expect(rendered).toBe(c.choicesRendered);
  });

  test('provider statuses map onto ours and never go backwards', async () => {
    const from = `+614124${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    expect((await signedPost()(c.path, c.fixture(from))).status).toBe(200);
    expect(await c.statusMapping(signedPost(), from)).toEqual(c.statusExpected);
  });
});

/**
 * The channel-adapter contract every provider channel passes (SMS, voice, social): a genuine
 * signed request shaped like the provider's documented payload is accepted and normalised;
 * every forged variant is refused with 403 and stores nothing; choices degrade to what the
 * channel can show; provider statuses map onto ours without ever going backwards.
 */
import { createHmac, randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { renderMessage } from '../channels/social/adapter';
import { renderSms } from '../channels/sms/render';
import { speakable } from '../channels/voice/render';
import { startGraphDouble, type GraphDouble } from './helpers/graph-double';
import { metaJson, metaSignature } from './helpers/meta';
import type { Choice, InboundContent } from '../src/domain/messages';
import { Conversation, InboundEvent, Message } from '../src/models';
import { useTestEngine, waitUntil } from './helpers/engine';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'contract-auth-token-0123456789ab';
const ACCOUNT = `AC${'3'.repeat(32)}`;
const COUNCIL = '+61480000000';
const META_SECRET = 'contract-meta-app-secret';
const PAGE = '104200000000009';
let double: TwilioDouble;
let graph: GraphDouble;
beforeAll(async () => {
  double = await startTwilioDouble();
  graph = await startGraphDouble();
});
afterAll(async () => {
  await double.stop();
  await graph.stop();
});
const engine = useTestEngine({
  PUBLIC_URL,
  TWILIO_AUTH_TOKEN: TOKEN,
  TWILIO_ACCOUNT_SID: ACCOUNT,
  META_APP_SECRET: META_SECRET,
  META_PAGE_ID: PAGE,
  get TWILIO_API_URL() { return double.url; },
  get META_GRAPH_URL() { return graph.url; },
});

const hex = () => randomBytes(16).toString('hex');
const MENU: Choice[] = [
  { value: 'bins', label: 'Bins and recycling' },
  { value: 'report-issue', label: 'Report a problem' },
  { value: 'agent', label: 'Talk to a person' },
];

interface ContractCase {
  channel: 'sms' | 'voice' | 'social';
  /** A payload with the fields the provider's documentation shows, from `from`. */
  fixture(from: string): Record<string, string>;
  /** Posts the payload signed as the provider signs it. */
  deliver(params: Record<string, string>): Promise<Response>;
  /** The same payload with its signature broken in every way the provider's scheme can be. */
  forgeries(params: Record<string, string>): Array<[string, Promise<Response>]>;
  externalId(params: Record<string, string>): string;
  channelUserId(from: string): string;
  inboxAddress: string;
  normalised(params: Record<string, string>): InboundContent;
  choicesRendered: unknown;
  render(content: { text: string; choices: Choice[] }): unknown;
  /** Drives provider status callbacks out of order and returns the stored outcome. */
  statusMapping(post: Post, from: string): Promise<unknown>;
  statusExpected: unknown;
}
type Post = (path: string, params: Record<string, string>) => Promise<Response>;

/** Twilio's scheme: HMAC-SHA1 over the full URL and the sorted POST parameters. */
function twilioForgeries(path: string, genuine: Record<string, string>): Array<[string, Promise<Response>]> {
  const signedAsGenuine = { signedParams: genuine };
  return [
    ['wrong token', signedPost({ token: 'not-the-auth-token' })(path, genuine)],
    ['changed parameter', signedPost(signedAsGenuine)(path, { ...genuine, From: '+61499999999' })],
    ['added parameter', signedPost(signedAsGenuine)(path, { ...genuine, Injected: 'yes' })],
    ['removed parameter', signedPost(signedAsGenuine)(path, Object.fromEntries(Object.entries(genuine).filter(([k]) => k !== 'ApiVersion')))],
    ['wrong scheme', signedPost({ url: `http://council.example${path}` })(path, genuine)],
    ['wrong URL', signedPost({ url: `${PUBLIC_URL}/webhooks/twilio/elsewhere` })(path, genuine)],
    ['missing header', signedPost({ header: null })(path, genuine)],
    ['garbage header', signedPost({ header: 'bm90IGEgc2lnbmF0dXJl' })(path, genuine)],
  ];
}

const metaSign = (raw: string, secret = META_SECRET) => metaSignature(raw, secret);
const metaBody = (p: Record<string, string>) =>
  metaJson({ object: 'page', entry: [{ id: PAGE, time: Number(p.time), messaging: [{ sender: { id: p.sender }, recipient: { id: PAGE }, timestamp: Number(p.time), message: { mid: p.mid, text: p.text } }] }] });
function metaPost(raw: string, signature: string | null): Promise<Response> {
  return fetch(`${engine().url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) }, body: raw });
}

const cases: ContractCase[] = [
  {
    channel: 'sms',
    deliver: (p) => signedPost()('/webhooks/twilio/sms', p),
    forgeries: (p) => twilioForgeries('/webhooks/twilio/sms', p),
    channelUserId: (from) => from,
    inboxAddress: COUNCIL,
    render: renderSms,
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
    deliver: (p) => signedPost()('/webhooks/twilio/voice', p),
    forgeries: (p) => twilioForgeries('/webhooks/twilio/voice', p),
    channelUserId: (from) => from,
    inboxAddress: COUNCIL,
    render: speakable,
    fixture: (from) => ({ AccountSid: ACCOUNT, ApiVersion: '2010-04-01', CallSid: `CA${hex()}`, CallStatus: 'ringing', Called: COUNCIL, CalledCity: '', CalledCountry: 'AU', CalledState: '', CalledZip: '', Caller: from, CallerCity: 'SYDNEY', CallerCountry: 'AU', CallerState: 'NSW', CallerZip: '', Direction: 'inbound', From: from, FromCity: 'SYDNEY', FromCountry: 'AU', FromState: 'NSW', FromZip: '', To: COUNCIL, ToCity: '', ToCountry: 'AU', ToState: '', ToZip: '' }),
    externalId: (p) => `${p.CallSid}-start`,
    normalised: (p) => ({ kind: 'call', event: 'started', callSid: p.CallSid! }),
    choicesRendered: 'Choose one Press 1 for bins and recycling, 2 to report a problem, or 0 for a person.',
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
  {
    channel: 'social',
    fixture: (from) => ({ sender: from.replace(/\D/g, ''), mid: `m_${hex()}`, text: 'Hello from the docs, ça va?', time: String(Date.now()) }),
    deliver: (p) => metaPost(metaBody(p), metaSign(metaBody(p))),
    forgeries: (p) => {
      const raw = metaBody(p);
      return [
        ['wrong secret', metaPost(raw, metaSign(raw, 'not-the-app-secret'))],
        ['changed body', metaPost(raw.replace('Hello', 'Hallo'), metaSign(raw))],
        ['added field', metaPost(raw.replace(/}$/, ',"injected":true}'), metaSign(raw))],
        ['re-serialised (unescaped) body', metaPost(JSON.stringify(JSON.parse(raw)), metaSign(raw))],
        ['legacy SHA-1 header only', metaPost(raw, `sha1=${createHmac('sha1', META_SECRET).update(raw).digest('hex')}`)],
        ['missing header', metaPost(raw, null)],
        ['garbage header', metaPost(raw, 'sha256=not-hex')],
      ];
    },
    externalId: (p) => p.mid!,
    channelUserId: (from) => `fb-${from.replace(/\D/g, '')}`,
    inboxAddress: PAGE,
    normalised: () => ({ kind: 'text', text: 'Hello from the docs, ça va?' }),
    render: (content) => renderMessage('fb-123', content),
    choicesRendered: {
      text: 'Choose one',
      quick_replies: [
        { content_type: 'text', title: 'Bins and recycling', payload: 'bins' },
        { content_type: 'text', title: 'Report a problem', payload: 'report-issue' },
        { content_type: 'text', title: 'Talk to a person', payload: 'agent' },
      ],
    },
    async statusMapping(_post, from) {
      // The Send API's answer is the status: the message id Meta returns is recorded as sent.
      const psid = from.replace(/\D/g, '');
      const sent = await waitUntil(() => graph.sent.find((m) => m.recipient.id === psid), 15_000, 'the reply');
      const stored = await waitUntil(async () => {
        const m = await Message.findOne({ providerMessageId: sent.messageId }).lean();
        return m?.deliveryStatus === 'sent' ? m : undefined;
      }, 5000, 'recorded as sent');
      return { deliveryStatus: stored.deliveryStatus, quickReplies: sent.message.quick_replies?.map((q) => q.payload) };
    },
    statusExpected: { deliveryStatus: 'sent', quickReplies: ['camping-permit', 'faq', 'report-issue', 'case-status', 'agent'] },
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
    const res = await c.deliver(params);
    expect(res.status).toBe(200);
    const event = await InboundEvent.findById(`${c.channel}-${c.externalId(params)}`).lean();
    expect(event).toMatchObject({ channel: c.channel, channelUserId: c.channelUserId(from), inboxId: `${c.channel}-${c.inboxAddress}`, content: c.normalised(params) });
  });

  test('forged variants get 403 and store nothing', async () => {
    const genuine = c.fixture('+61412399999');
    const before = await InboundEvent.countDocuments({});
    for (const [what, attempt] of c.forgeries(genuine)) {
      const res = await attempt;
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    }
    expect(await InboundEvent.countDocuments({})).toBe(before);
    // The positive control: the genuine request, correctly signed, is accepted.
    expect((await c.deliver(genuine)).status).toBe(200);
  });

  test('choices degrade to what the channel can show', () => {
    expect(c.render({ text: 'Choose one', choices: MENU })).toEqual(c.choicesRendered);
  });

  test('provider statuses map onto ours and never go backwards', async () => {
    const from = `+614124${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    expect((await c.deliver(c.fixture(from))).status).toBe(200);
    expect(await c.statusMapping(signedPost(), from)).toEqual(c.statusExpected);
  });
});

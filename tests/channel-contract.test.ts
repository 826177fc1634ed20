/**
 * The channel-adapter contract all four channels pass (SMS, voice, social and webchat): a genuine
 * request shaped like the channel's documented payload is accepted and normalised into the stored
 * inbound event and message; every forged variant is refused and stores nothing; choices degrade
 * to what the channel can show; delivery statuses map onto ours without ever going backwards.
 * The provider channels are signed webhooks (a forgery gets 403). Webchat is the `/webchat` socket
 * (CONTRACT.md §3) and its photo upload: bad input is refused with its documented error code, a
 * repeated clientMessageId is stored and answered once, choices are native buttons, and replies are
 * stored as sent when emitted, a chat that was away getting them on resume. The council comes from
 * a TENANTS_FILE so that an unknown widget key is refused (a lone default council answers any key).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import twilio from 'twilio';
import { renderMessage } from '../channels/social/adapter';
import { renderSms } from '../channels/sms/render';
import { speakable } from '../channels/voice/render';
import { startGraphDouble, type GraphDouble } from './helpers/graph-double';
import { metaJson, metaSignature } from './helpers/meta';
import type { Choice, InboundContent } from '../src/domain/messages';
import { Conversation, Identity, InboundEvent, Media, Message } from '../src/models';
import { useTestEngine, waitUntil, WebchatResident, type AckResult } from './helpers/engine';
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
const WIDGET = 'riverbend-web';
const COUNCIL_SITE = 'https://www.riverbend.example.gov.au';
// One council, as the environment would build it, but named in a file: its Twilio and Meta credentials are the variables above.
const tenantsDir = mkdtempSync(path.join(tmpdir(), 'contract-tenants-'));
const TENANTS_FILE = path.join(tenantsDir, 'tenants.json');
writeFileSync(TENANTS_FILE, JSON.stringify({ councils: [{ id: 'riverbend', name: 'Riverbend Council', officeHours: 'Mon-Sun 00:00-24:00', twilio: { phoneNumbers: [COUNCIL] }, meta: { pageId: PAGE }, webchat: { widgetKeys: [WIDGET], allowedOrigins: [COUNCIL_SITE] } }] }));
afterAll(() => rmSync(tenantsDir, { recursive: true, force: true }));
const engine = useTestEngine({
  PUBLIC_URL,
  TENANTS_FILE,
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
    normalised: (p) => ({ kind: 'call', event: 'started', callId: p.CallSid! }),
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

/** The greeting menu (CONTRACT.md §8's flows and a person), as the webchat shows it. */
const GREETING_MENU: Choice[] = [
  { value: 'camping-permit', label: 'Camping permits' },
  { value: 'faq', label: 'Ask a question' },
  { value: 'report-issue', label: 'Report a problem' },
  { value: 'case-status', label: 'Check a report' },
  { value: 'agent', label: 'Talk to a person' },
];
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4890000000049454e44ae426082', 'hex');

function acked<T>(ack: AckResult<T>): T {
  if (!ack.ok) throw new Error(`refused: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}
/** `message.send`'s ack data (CONTRACT.md §3; the engine also says whether it was a repeat). */
type Sent = { messageId: string; duplicate: boolean };
const sent = (ack: AckResult<{ messageId: string }>) => acked(ack as AckResult<Sent>);

describe('webchat adapter', () => {
  const chats: WebchatResident[] = [];
  afterAll(() => chats.forEach((c) => c.close()));
  const chat = () => {
    const c = new WebchatResident(engine().url!);
    chats.push(c);
    return c;
  };
  /** A photo from the chat page (same origin as PUBLIC_URL), as webchat.js sends it. */
  const upload = (headers: Record<string, string>, body: Buffer = PNG) =>
    fetch(`${engine().url}/webchat/upload`, { method: 'POST', headers: { 'content-type': 'image/png', origin: PUBLIC_URL, 'x-widget-key': WIDGET, ...headers }, body: new Uint8Array(body) });
  const capabilities = () => engine().services.channels.get('webchat').capabilities;

  test('a genuine session and message are acknowledged, stored once as the normalised text and answered', async () => {
    const resident = chat();
    const session = await resident.start({ widgetKey: WIDGET });
    const hash = resident.sessionHash();
    const identityId = `webchat-${WIDGET}-${hash}`;
    // The widget key names the council and its inbox; the resident is known by a hash of the token.
    expect(await Identity.findById(identityId).lean()).toMatchObject({ channel: 'webchat', inboxId: `webchat-${WIDGET}`, channelUserId: hash });
    expect(await Conversation.findById(session.conversationId).lean()).toMatchObject({ channel: 'webchat', councilId: 'riverbend', inboxId: `webchat-${WIDGET}`, identityId, status: 'bot' });

    const { messageId, duplicate } = sent(await resident.say('  Hello from the docs, ça va?  ', 'docs-1'));
    expect(duplicate).toBe(false);
    const event = await InboundEvent.findById(`webchat-${hash}-docs-1`).lean();
    expect(event).toMatchObject({ channel: 'webchat', channelUserId: hash, inboxId: `webchat-${WIDGET}`, identityId, content: { kind: 'text', text: 'Hello from the docs, ça va?' } });
    const message = await waitUntil(() => Message.findById(messageId).lean(), 10_000, 'the stored message');
    expect(message).toMatchObject({ direction: 'inbound', channel: 'webchat', identityId, conversationId: session.conversationId, sender: { kind: 'contact' }, text: 'Hello from the docs, ça va?', deliveryStatus: 'received' });
    const reply = await resident.waitForReply((m) => m.sender.kind === 'bot');
    expect(reply.conversationId).toBe(session.conversationId);
    expect(reply.seq).toBeGreaterThan(message.seq);
    expect(await InboundEvent.countDocuments({ identityId })).toBe(1);
  });

  test('a chat is started from the chat page or the council\'s own site, never from another website', async () => {
    const from = (origin: string) => {
      const c = new WebchatResident(engine().url!, { origin });
      chats.push(c);
      return c.emit('session.start', { widgetKey: WIDGET });
    };
    const before = await Identity.countDocuments({ channel: 'webchat' });
    expect(await from('https://phish.example')).toMatchObject({ ok: false, error: { code: 'forbidden_origin' } });
    expect(await from('http://www.riverbend.example.gov.au')).toMatchObject({ ok: false, error: { code: 'forbidden_origin' } });
    expect(await Identity.countDocuments({ channel: 'webchat' })).toBe(before);
    expect(await from(COUNCIL_SITE)).toMatchObject({ ok: true });
    expect(await from(PUBLIC_URL)).toMatchObject({ ok: true });
  });

  test('forged and bad input is refused with its error and stores nothing', async () => {
    const resident = chat();
    const session = await resident.start({ widgetKey: WIDGET });
    const token = session.sessionToken;
    const footprint = async () => ({
      events: await InboundEvent.countDocuments({ channel: 'webchat' }),
      identities: await Identity.countDocuments({ channel: 'webchat' }),
      conversations: await Conversation.countDocuments({ channel: 'webchat' }),
      messages: await Message.countDocuments({ conversationId: session.conversationId }),
      media: await Media.countDocuments({}),
    });
    const before = await footprint();
    const ackCode = async (ack: Promise<AckResult>) => ((a) => (a.ok ? 'accepted' : a.error.code))(await ack);
    const httpCode = async (res: Promise<Response>) => {
      const r = await res;
      return `${r.status} ${((await r.json()) as { error?: { code?: string } }).error?.code}`;
    };
    const send = (payload: unknown) => ackCode(resident.emit('message.send', payload));
    const attempts: Array<[string, Promise<string>, string]> = [
      ['unknown widget key', ackCode(chat().emit('session.start', { widgetKey: 'no-such-council' })), 'unknown_widget'],
      ['malformed widget key', ackCode(chat().emit('session.start', { widgetKey: '../riverbend-web' })), 'invalid_payload'],
      ['malformed session token', ackCode(chat().emit('session.start', { widgetKey: WIDGET, sessionToken: 'not a token' })), 'invalid_payload'],
      ['message before session.start', ackCode(chat().emit('message.send', { clientMessageId: 'forged-1', text: 'hello' })), 'no_session'],
      ["message carrying another session's token", ackCode(chat().emit('message.send', { clientMessageId: 'forged-1', text: 'hello', sessionToken: token })), 'no_session'],
      ['malformed clientMessageId', send({ clientMessageId: 'has spaces', text: 'hello' }), 'invalid_payload'],
      ['no clientMessageId', send({ text: 'hello' }), 'invalid_payload'],
      ['text that is not a string', send({ clientMessageId: 'forged-1', text: 42 }), 'invalid_payload'],
      ['nothing to say', send({ clientMessageId: 'forged-1' }), 'invalid_payload'],
      ['location off the globe', send({ clientMessageId: 'forged-1', location: { lat: 91, lng: 0 } }), 'invalid_payload'],
      ['oversized text', send({ clientMessageId: 'forged-1', text: 'x'.repeat(2001) }), 'message_too_long'],
      ['blank text', send({ clientMessageId: 'forged-1', text: ' \n ' }), 'empty_message'],
      ['photo with a forged session token', httpCode(upload({ 'x-session-token': randomBytes(24).toString('base64url'), 'x-client-message-id': 'forged-1' })), '401 no_session'],
      ['photo without a session token', httpCode(upload({ 'x-client-message-id': 'forged-1' })), '400 invalid_payload'],
      ['photo from another site', httpCode(upload({ origin: 'https://evil.example', 'x-session-token': token, 'x-client-message-id': 'forged-1' })), '403 cross_origin'],
      ['photo that is not an image', httpCode(upload({ 'x-session-token': token, 'x-client-message-id': 'forged-1' }, Buffer.from('<svg onload=alert(1)>'))), '400 not_an_image'],
    ];
    for (const [what, attempt, expected] of attempts) {
      expect({ what, refused: await attempt }).toEqual({ what, refused: expected });
    }
    expect(await footprint()).toEqual(before);
    // The positive control: in the same session, the id no refusal used up is accepted, and so is a photo.
    expect(await resident.say('hello', 'forged-1')).toMatchObject({ ok: true, data: { duplicate: false } });
    expect((await upload({ 'x-session-token': token, 'x-client-message-id': 'photo-1' })).status).toBe(201);
    expect(await InboundEvent.findById(`webchat-${resident.sessionHash()}-photo-1`).lean()).toMatchObject({ channel: 'webchat', content: { kind: 'media', contentTypes: ['image/png'] } });
  });

  test('the same clientMessageId sent twice is stored and answered once', async () => {
    const resident = chat();
    const session = await resident.start({ widgetKey: WIDGET });
    const both = (await Promise.all([resident.say('hello', 'twice-1'), resident.say('hello', 'twice-1')])).map(sent);
    expect(both.map((a) => a.duplicate).sort()).toEqual([false, true]);
    expect(both[1]!.messageId).toBe(both[0]!.messageId);
    await resident.waitForReply((m) => m.sender.kind === 'bot');
    // Again once it was answered: the same message, not a new turn.
    expect(sent(await resident.say('hello', 'twice-1'))).toEqual({ messageId: both[0]!.messageId, duplicate: true });
    // One resident's turns run in order, so anything the repeats caused would come before this answer.
    acked(await resident.emit('message.send', { clientMessageId: 'after-1', choice: 'faq' }));
    await resident.waitForReply((m) => m.text.startsWith('What would you like to know?'));
    const stored = await Message.find({ conversationId: session.conversationId }).sort({ seq: 1 }).lean();
    expect(stored.map((m) => [m.direction, m.text])).toEqual([
      ['inbound', 'hello'],
      ['outbound', expect.stringContaining('What can I help with today?')],
      ['inbound', expect.any(String)],
      ['outbound', expect.stringContaining('What would you like to know?')],
    ]);
    expect(resident.replies().map((m) => m.id)).toEqual(stored.filter((m) => m.direction === 'outbound').map((m) => m._id));
    expect(await InboundEvent.countDocuments({ identityId: `webchat-${WIDGET}-${resident.sessionHash()}` })).toBe(2);
  });

  test('photos are limited to ten a minute per resident, counted in Redis so every web process shares the count', async () => {
    const resident = chat();
    const { sessionToken } = await resident.start({ widgetKey: WIDGET });
    const statuses: number[] = [];
    for (let n = 0; n < 10; n++) statuses.push((await upload({ 'x-session-token': sessionToken, 'x-client-message-id': `burst-${n}` })).status);
    expect(statuses).toEqual(Array(10).fill(201));
    const refused = await upload({ 'x-session-token': sessionToken, 'x-client-message-id': 'burst-11' });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited', message: 'You are sending photos very quickly. Please wait a minute.' } });
    const { redis, config } = engine().services;
    expect(await redis.keys(`${config.QUEUE_PREFIX}:webchat-upload-resident*`)).not.toHaveLength(0);
    expect(await InboundEvent.findById(`webchat-${resident.sessionHash()}-burst-11`).lean()).toBeNull();
  });

  test('choices arrive as native buttons, and a button press is stored as that choice', async () => {
    expect(capabilities().choices).toBe('native');
    const resident = chat();
    await resident.start({ widgetKey: WIDGET });
    acked(await resident.say('hello'));
    const menu = await resident.waitForReply((m) => m.sender.kind === 'bot');
    // Structured choices, and a text that does not number them ("Reply 1, 2 or 3" is SMS's).
    expect({ text: menu.text, choices: menu.choices }).toEqual({
      text: "Hi, I'm the Riverbend Council assistant. What can I help with today?\nChoose an option, or type your question.",
      choices: GREETING_MENU,
    });
    expect((await Message.findById(menu.id).lean())?.choices).toEqual(GREETING_MENU);

    acked(await resident.emit('message.send', { clientMessageId: 'press-1', choice: { value: 'faq', label: 'Ask a question' } }));
    expect(await InboundEvent.findById(`webchat-${resident.sessionHash()}-press-1`).lean()).toMatchObject({ content: { kind: 'choice', value: 'faq', label: 'Ask a question' } });
    const answer = await resident.waitForReply((m) => m.seq > menu.seq);
    expect(answer.text).toMatch(/^What would you like to know\?/);
  });

  test('replies are stored as sent when emitted, and a chat that was away gets them on resume', async () => {
    expect(capabilities().delivery).toBe('realtime');
    const away = chat();
    const session = await away.start({ widgetKey: WIDGET });
    const { messageId } = acked(await away.say('hello', 'away-1'));
    away.close(); // gone before the reply is emitted
    const own = await waitUntil(() => Message.findById(messageId).lean(), 10_000, 'the stored message');
    const replies = await waitUntil(async () => {
      const found = await Message.find({ conversationId: session.conversationId, direction: 'outbound' }).sort({ seq: 1 }).lean();
      return found.length ? found : undefined;
    }, 10_000, 'the reply');
    // No provider to report on it: sent (emitted to the resident's room) is where a webchat reply stays.
    expect(replies.map((r) => ({ status: r.deliveryStatus, to: r.to, from: r.from }))).toEqual([{ status: 'sent', to: away.sessionHash(), from: WIDGET }]);

    const back = chat();
    const resumed = await back.start({ widgetKey: WIDGET, sessionToken: session.sessionToken, sinceSeq: own.seq });
    expect(resumed.conversationId).toBe(session.conversationId);
    expect(resumed.messages.map((m) => ({ id: m.id, text: m.text, choices: m.choices }))).toEqual(replies.map((r) => ({ id: r._id, text: r.text, choices: r.choices })));

    acked(await back.say('hello', 'back-1'));
    const live = await back.waitForReply((m) => m.seq > replies.at(-1)!.seq);
    const stored = await Message.findById(live.id).lean();
    expect(stored).toMatchObject({ deliveryStatus: 'sent', seq: live.seq, text: live.text });
    // A live bot reply names the flow that produced it, as the replay and the REST timeline do (CONTRACT.md §3).
    expect(stored!.flow?.id).toEqual(expect.any(String));
    expect(live.flow).toEqual({ id: stored!.flow!.id, ...(stored!.flow!.step ? { step: stored!.flow!.step } : {}) });
    expect(resumed.messages.at(-1)!.flow).toEqual(expect.objectContaining({ id: expect.any(String) }));
  });

  test("the chat can be framed by the council's listed sites only", async () => {
    const res = await fetch(`${engine().url}/webchat/embed?council=${WIDGET}`);
    expect(res.status).toBe(200);
    expect(/frame-ancestors ([^;]*)/.exec(res.headers.get('content-security-policy') ?? '')?.[1]).toBe(`'self' ${COUNCIL_SITE}`);
  });
});

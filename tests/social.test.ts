/**
 * Facebook Messenger, Instagram and Page comments end to end: webhooks signed as Meta signs
 * them (HMAC-SHA256 of the raw bytes, non-ASCII escaped), the real router and flows on Redis
 * and FerretDB, and replies through the engine's own HTTP client to a local Graph API double.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import twilio from 'twilio';
import { Contact, Conversation, Identity, InboundEvent, Message } from '../src/models';
import { agentCommand, agentSocket, loginAgent, sleep, useTestEngine, waitUntil } from './helpers/engine';
import { startGraphDouble, type GraphDouble } from './helpers/graph-double';
import { metaJson, metaSignature } from './helpers/meta';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const SECRET = 'meta-app-secret-for-tests';
const VERIFY = 'verify-token-for-tests';
const PAGE = '104200000000001';
const INSTAGRAM = '178400000000002';
const PAGE_TOKEN = 'EAAG-page-token';
let graph: GraphDouble;
let twilioDouble: TwilioDouble;
let token: string;
let agent: Socket;

beforeAll(async () => {
  graph = await startGraphDouble();
  twilioDouble = await startTwilioDouble();
});
afterAll(async () => {
  agent?.close();
  await graph.stop();
  await twilioDouble.stop();
});
const engine = useTestEngine({
  META_APP_SECRET: SECRET,
  META_VERIFY_TOKEN: VERIFY,
  META_PAGE_ID: PAGE,
  META_INSTAGRAM_ID: INSTAGRAM,
  META_PAGE_ACCESS_TOKEN: PAGE_TOKEN,
  PUBLIC_URL: 'https://council.example',
  get META_GRAPH_URL() { return graph.url; },
  get TWILIO_API_URL() { return twilioDouble.url; },
});
beforeAll(async () => {
  token = await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
  agent = await agentSocket(engine().url!, token);
});

const sign = (raw: string, secret = SECRET) => metaSignature(raw, secret);

function post(raw: string, signature: string | null = sign(raw)): Promise<Response> {
  return fetch(`${engine().url}/webhooks/meta`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
    body: raw,
  });
}

const psid = () => String(7_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)));
const mid = () => `m_${randomBytes(18).toString('base64url')}`;
function messaging(sender: string, message: Record<string, unknown>, recipient = PAGE) {
  return { sender: { id: sender }, recipient: { id: recipient }, timestamp: Date.now(), message: { mid: mid(), ...message } };
}
const pageEvent = (...items: unknown[]) => ({ object: 'page', entry: [{ id: PAGE, time: Date.now(), messaging: items }] });
const sentTo = (id: string) => graph.sent.filter((s) => s.recipient.id === id);

test('the verification handshake echoes the challenge byte for byte; a wrong token gets 403', async () => {
  const challenge = '1158201444:ŧest-chällenge';
  const ok = await fetch(`${engine().url}/webhooks/meta?${new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY, 'hub.challenge': challenge })}`);
  expect(ok.status).toBe(200);
  expect(Buffer.from(await ok.arrayBuffer()).equals(Buffer.from(challenge))).toBe(true);
  const wrong = await fetch(`${engine().url}/webhooks/meta?${new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': challenge })}`);
  expect(wrong.status).toBe(403);
  const mode = await fetch(`${engine().url}/webhooks/meta?${new URLSearchParams({ 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY, 'hub.challenge': challenge })}`);
  expect(mode.status).toBe(403);
});

test('a signed Messenger message with non-ASCII text gets its reply through the Send API, with quick replies', async () => {
  const resident = psid();
  const raw = metaJson(pageEvent(messaging(resident, { text: 'Bonjour ça va? محمد 🚮' })));
  expect(raw).toContain('\\u00e7');
  const res = await post(raw);
  expect(res.status).toBe(200);
  const [reply] = await waitUntil(() => (sentTo(resident).length ? sentTo(resident) : undefined), 15_000, 'reply');
  expect(reply).toMatchObject({ version: 'v21.0', pageId: PAGE, auth: `Bearer ${PAGE_TOKEN}`, messaging_type: 'RESPONSE' });
  // A message the engine cannot read gets the interpreter line and a person (issue 10).
  expect(reply!.message.text).toContain('TIS National on 131 450');
  expect(reply!.message.quick_replies).toContainEqual({ content_type: 'text', title: 'Talk to a person', payload: 'agent' });
  const stored = await Message.findOne({ identityId: `social-${PAGE}-fb-${resident}`, direction: 'inbound' }).lean();
  expect(stored!.text).toBe('Bonjour ça va? محمد 🚮');
  await waitUntil(async () => (await Message.findOne({ providerMessageId: reply!.messageId }).lean())?.deliveryStatus === 'sent' || undefined, 5000, 'stored as sent');
});

test('a redelivered batch (twice at once, then again) is processed once', async () => {
  const resident = psid();
  const raw = metaJson(pageEvent(messaging(resident, { text: 'hello' })));
  const statuses = await Promise.all([post(raw), post(raw)]);
  await waitUntil(() => sentTo(resident).length === 1 || undefined, 15_000, 'reply');
  statuses.push(await post(raw));
  expect(statuses.map((s) => s.status)).toEqual([200, 200, 200]);
  await sleep(1000);
  expect(sentTo(resident)).toHaveLength(1);
});

test('a batch of entries is processed item by item, in order; ids with ":" are fine', async () => {
  const resident = psid();
  const base = Date.now();
  const item = (text: string, offset: number, id: string) => ({ sender: { id: resident }, recipient: { id: PAGE }, timestamp: base + offset, message: { mid: id, text } });
  const body = {
    object: 'page',
    entry: [
      { id: PAGE, time: base, messaging: [item('hello', 0, `mid.${base}:ed81099e15d3f4f233`), item('menu', 10, `mid.${base + 1}:aa01`)] },
      { id: PAGE, time: base, messaging: [item('agent', 20, `mid.${base + 2}:bb02`)] },
    ],
  };
  expect((await post(metaJson(body))).status).toBe(200);
  const conversation = await waitUntil(() => Conversation.findOne({ identityId: `social-${PAGE}-fb-${resident}`, status: 'queued' }).lean(), 15_000, 'queued');
  const inbound = await Message.find({ conversationId: conversation._id, direction: 'inbound' }).sort({ seq: 1 }).lean();
  expect(inbound.map((m) => m.text)).toEqual(['hello', 'menu', 'agent']);
  expect(await InboundEvent.countDocuments({ _id: `social-mid.${base}:ed81099e15d3f4f233` })).toBe(1);
});

test('forged deliveries get 403 and store nothing', async () => {
  const raw = metaJson(pageEvent(messaging(psid(), { text: 'forged' })));
  const before = await InboundEvent.countDocuments({});
  const attempts = [
    post(raw, sign(raw, 'not-the-secret')),
    post(raw.replace('forged', 'FORGED'), sign(raw)),
    post(raw.replace('}]}]}', '},{"x":1}]}]}'), sign(raw)),
    post(raw, null),
    post(raw, `sha1=${createHmac('sha1', SECRET).update(raw).digest('hex')}`),
    post(raw, 'sha256=zz'),
  ];
  for (const res of await Promise.all(attempts)) {
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_signature' } });
  }
  expect(await InboundEvent.countDocuments({})).toBe(before);
  // Signed but not Meta's shape: a clear 400, nothing stored.
  const bad = await post(JSON.stringify({ object: 'page', entry: 'nope' }));
  expect(bad.status).toBe(400);
  expect(await InboundEvent.countDocuments({})).toBe(before);
});

test('a comment on the council\'s post becomes a conversation answered by one private reply; agents see the comment and its post', async () => {
  const commentId = `${PAGE}_${Date.now()}`;
  const body = {
    object: 'page',
    entry: [{ id: PAGE, time: Date.now(), changes: [{ field: 'feed', value: { item: 'comment', verb: 'add', comment_id: commentId, post_id: `${PAGE}_9001`, parent_id: `${PAGE}_9001`, message: "Bins weren't collected on Elm St", from: { id: '5550001', name: 'Sam Resident' }, created_time: Math.floor(Date.now() / 1000), post: { permalink_url: 'https://www.facebook.com/riverbend/posts/9001' } } }] }],
  };
  const raw = metaJson(body);
  expect((await post(raw)).status).toBe(200);
  expect((await post(raw)).status).toBe(200);
  const reply = await waitUntil(() => graph.sent.find((s) => s.recipient.comment_id === commentId), 15_000, 'private reply');
  expect(reply.message.text).toMatch(/^Thanks for your comment on our page\./);
  expect(reply.message.text).toContain('Reply here');
  await sleep(800);
  expect(graph.sent.filter((s) => s.recipient.comment_id === commentId)).toHaveLength(1);
  const conversation = await Conversation.findOne({ identityId: `social-${PAGE}-comment-${commentId}` }).lean();
  const timeline = await fetch(`${engine().url}/api/v1/conversations/${conversation!._id}/messages`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<{ messages: Array<{ text: string; context?: Record<string, string> }> }>);
  expect(timeline.messages[0]).toMatchObject({ text: "Bins weren't collected on Elm St", context: { kind: 'comment', commentId, postId: `${PAGE}_9001`, postUrl: 'https://www.facebook.com/riverbend/posts/9001', authorName: 'Sam Resident' } });
  // The council's own comments are not conversations.
  const own = { object: 'page', entry: [{ id: PAGE, time: Date.now(), changes: [{ field: 'feed', value: { item: 'comment', verb: 'add', comment_id: `${PAGE}_own`, message: 'Thanks all', from: { id: PAGE, name: 'Riverbend Council' } } }] }] };
  expect((await post(metaJson(own))).status).toBe(200);
  expect(await InboundEvent.countDocuments({ _id: `social-comment-${PAGE}_own` })).toBe(0);
});

test('quick reply to a person; the agent\'s reply reaches Messenger; after 24 h only a person may reply (HUMAN_AGENT), after 7 days nothing', async () => {
  const resident = psid();
  await post(metaJson(pageEvent(messaging(resident, { text: 'hi' }))));
  await waitUntil(() => sentTo(resident).length === 1 || undefined, 15_000, 'menu');
  await post(metaJson(pageEvent(messaging(resident, { text: 'Talk to a person', quick_reply: { payload: 'agent' } }))));
  const conversation = await waitUntil(() => Conversation.findOne({ identityId: `social-${PAGE}-fb-${resident}`, status: 'queued' }).lean(), 15_000, 'queued');
  expect((await agentCommand(agent, 'conversation.claim', { conversationId: conversation._id })).ok).toBe(true);
  expect((await agentCommand(agent, 'message.send', { conversationId: conversation._id, text: 'Hi, I can help with that.' })).ok).toBe(true);
  const agentReply = await waitUntil(() => sentTo(resident).find((s) => s.message.text === 'Hi, I can help with that.'), 10_000, 'agent reply');
  expect(agentReply.messaging_type).toBe('RESPONSE');

  await Conversation.updateOne({ _id: conversation._id }, { $set: { lastResidentAt: new Date(Date.now() - 2 * 86_400_000) } });
  await agentCommand(agent, 'message.send', { conversationId: conversation._id, text: 'Following up two days later.' });
  const tagged = await waitUntil(() => sentTo(resident).find((s) => s.message.text === 'Following up two days later.'), 10_000, 'tagged reply');
  expect(tagged).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });

  await Conversation.updateOne({ _id: conversation._id }, { $set: { lastResidentAt: new Date(Date.now() - 8 * 86_400_000) } });
  const late = await agentCommand<{ messageId: string }>(agent, 'message.send', { conversationId: conversation._id, text: 'A week later.' });
  expect(late.ok).toBe(true);
  const failed = await waitUntil(async () => {
    const m = await Message.findById(late.ok ? late.data.messageId : '').lean();
    return m?.deliveryStatus === 'failed' ? m : undefined;
  }, 10_000, 'recorded as not sent');
  expect(failed.deliveryError).toMatch(/^outside_messaging_window: Meta allows replies for 7 days/);
  expect(sentTo(resident).find((s) => s.message.text === 'A week later.')).toBeUndefined();
});

test('Instagram messages and postbacks use the same router; a temporary Graph error is retried and sent once', async () => {
  const resident = psid();
  graph.failNext.count = 1;
  const body = { object: 'instagram', entry: [{ id: INSTAGRAM, time: Date.now(), messaging: [messaging(resident, { text: 'hello' }, INSTAGRAM)] }] };
  expect((await post(metaJson(body))).status).toBe(200);
  await waitUntil(() => sentTo(resident).length === 1 || undefined, 15_000, 'reply after a retry');
  const postback = { object: 'instagram', entry: [{ id: INSTAGRAM, time: Date.now(), messaging: [{ sender: { id: resident }, recipient: { id: INSTAGRAM }, timestamp: Date.now(), postback: { mid: mid(), title: 'Talk to a person', payload: 'agent' } }] }] };
  expect((await post(metaJson(postback))).status).toBe(200);
  await waitUntil(() => Conversation.findOne({ identityId: `social-${PAGE}-ig-${resident}`, status: 'queued' }).lean(), 15_000, 'queued from the postback');
  await sleep(1500);
  expect(sentTo(resident).filter((s) => s.message.text?.includes('What can I help with today?'))).toHaveLength(1);
});

test('a social resident joins their phone contact only with the code texted to that number', async () => {
  const resident = psid();
  const phone = '+61412500001';
  // The same person texted the council before.
  const sms = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: 'AC00000000000000000000000000000000', From: phone, To: '+61480000000', Body: 'hello', NumMedia: '0' };
  await fetch(`${engine().url}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature('local-development-token', 'https://council.example/webhooks/twilio/sms', sms) },
    body: new URLSearchParams(sms).toString(),
  });
  const phoneIdentity = await waitUntil(() => Identity.findById(`sms-+61480000000-${phone}`).lean(), 10_000, 'sms identity');

  await post(metaJson(pageEvent(messaging(resident, { text: 'hi' }))));
  await post(metaJson(pageEvent(messaging(resident, { text: 'my number is 0412 500 001' }))));
  const code = await waitUntil(() => twilioDouble.sent.find((m) => m.To === phone && /code is \d{6}/.test(m.Body)), 15_000, 'code SMS');
  const digits = /code is (\d{6})/.exec(code.Body)![1]!;
  await waitUntil(() => sentTo(resident).find((s) => s.message.text?.includes('ending 001')), 10_000, 'asked for the code');

  const wrong = digits === '000000' ? '111111' : '000000';
  await post(metaJson(pageEvent(messaging(resident, { text: wrong }))));
  await waitUntil(() => sentTo(resident).find((s) => s.message.text?.includes("doesn't match")), 10_000, 'wrong code refused');
  expect((await Identity.findById(`social-${PAGE}-fb-${resident}`).lean())!.contactId).not.toBe(phoneIdentity.contactId);

  await post(metaJson(pageEvent(messaging(resident, { text: digits }))));
  await waitUntil(() => sentTo(resident).find((s) => s.message.text?.includes('now linked')), 10_000, 'linked');
  expect((await Identity.findById(`social-${PAGE}-fb-${resident}`).lean())!.contactId).toBe(phoneIdentity.contactId);
  const contact = await fetch(`${engine().url}/api/v1/contacts/${phoneIdentity.contactId}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<{ identities: Array<{ channel: string }>; conversations: Array<{ channel: string }> }>);
  expect(contact.identities.map((i) => i.channel).sort()).toEqual(['sms', 'social']);
  expect(contact.conversations.map((c) => c.channel)).toContain('social');
  expect(await Contact.countDocuments({ _id: phoneIdentity.contactId })).toBe(1);
});

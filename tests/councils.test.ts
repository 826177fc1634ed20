/**
 * Two councils on one engine (issue 13, CONTRACT.md §9): a TENANTS_FILE names Riverbend (the
 * demo content) and Lakeside (its own pages and campgrounds, its own Twilio account, Page and
 * widget key). Residents of each are answered in their council's name with its content, on SMS,
 * webchat and Messenger; an agent of one council finds nothing of the other by any route.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import twilio from 'twilio';
import { smsBilling } from '../channels/sms/render';
import { createAgent } from '../src/agents/auth';
import { Case, Conversation, InboundEvent, Media, Message, Permit } from '../src/models';
import { retentionPass } from '../src/privacy/retention';
import { agentCommand, agentSocket, loginAgent, useTestEngine, waitUntil, WebchatResident } from './helpers/engine';
import { startGraphDouble, type GraphDouble } from './helpers/graph-double';
import { metaJson, metaSignature } from './helpers/meta';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';
import { futureDate } from './helpers/transcript';
import { TwilioCall } from './helpers/twilio-caller';

const PUBLIC_URL = 'https://council.example';
const RIVERBEND = { number: '+61480000000', account: `AC${'1'.repeat(32)}`, token: 'riverbend-twilio-token-0001', page: '100000000000001', appSecret: 'riverbend-meta-secret', pageToken: 'EAAG-riverbend', widget: 'riverbend-web', open311: 'riverbend-open311-key' };
const LAKESIDE = { number: '+61480000002', account: `AC${'2'.repeat(32)}`, token: 'lakeside-twilio-token-0002', page: '100000000000002', appSecret: 'lakeside-meta-secret', pageToken: 'EAAG-lakeside', widget: 'lakeside-web', open311: 'lakeside-open311-key' };

const LAKESIDE_HOLD_MUSIC = 'https://media.lakeside.example.gov.au/hold/harbour.mp3';
const dir = path.resolve(__dirname, '..', '.data', `councils-test-${process.pid}`);
const tenantsFile = path.join(dir, 'tenants.json');
mkdirSync(dir, { recursive: true });
writeFileSync(
  tenantsFile,
  JSON.stringify({
    councils: [
      { id: 'riverbend', name: 'Riverbend Council', timezone: 'Australia/Sydney', officeHours: 'Mon-Sun 00:00-24:00', twilio: { phoneNumbers: [RIVERBEND.number], accountSid: RIVERBEND.account, authToken: RIVERBEND.token }, meta: { pageId: RIVERBEND.page, appSecret: RIVERBEND.appSecret, pageAccessToken: RIVERBEND.pageToken, verifyToken: 'riverbend-verify' }, webchat: { widgetKeys: [RIVERBEND.widget] }, open311: { apiKeys: [RIVERBEND.open311] } },
      { id: 'lakeside', name: 'Lakeside Shire Council', timezone: 'Australia/Perth', officeHours: 'Mon-Sun 00:00-24:00', referencePrefix: 'LS', twilio: { phoneNumbers: [LAKESIDE.number], accountSid: LAKESIDE.account, authToken: LAKESIDE.token }, meta: { pageId: LAKESIDE.page, appSecret: LAKESIDE.appSecret, pageAccessToken: LAKESIDE.pageToken, verifyToken: 'lakeside-verify' }, webchat: { widgetKeys: [LAKESIDE.widget] }, open311: { apiKeys: [LAKESIDE.open311] }, voice: { name: 'Polly.Nicole', holdMusicUrl: LAKESIDE_HOLD_MUSIC }, flows: ['camping-permit', 'cancel-permit', 'faq', 'report-issue'], reportCategories: ['pothole', 'street-light', 'footpath', 'dumped-rubbish', 'fallen-tree'], content: path.resolve(__dirname, '..', 'councils', 'lakeside') },
    ],
  }),
);

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
const engine = useTestEngine({ PUBLIC_URL, TENANTS_FILE: tenantsFile, get TWILIO_API_URL() { return double.url; }, get META_GRAPH_URL() { return graph.url; } });
const url = () => engine().url!;

type Council = typeof RIVERBEND;
// +61 41x: always a valid Australian mobile (search reads only valid numbers as numbers).
const phone = () => `+6141${String(1_000_000 + Math.floor(Math.random() * 8_999_999))}`;

async function sms(council: Council, from: string, body: string, extra: Record<string, string> = {}, token = council.token): Promise<Response> {
  const params = { To: council.number, From: from, Body: body, MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: council.account, NumMedia: '0', ...extra };
  const target = `${PUBLIC_URL}/webhooks/twilio/sms`;
  return fetch(`${url()}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(token, target, params) },
    body: new URLSearchParams(params).toString(),
  });
}
const textsTo = (to: string) => double.sent.filter((m) => m.To === to);
async function nextText(to: string, after: number): Promise<string> {
  const text = await waitUntil(() => textsTo(to)[after], 20_000, `text ${after + 1} to ${to}`);
  return text.Body;
}
/** Texts the council and returns its reply (the resident's next text). */
async function ask(council: Council, from: string, body: string): Promise<string> {
  const before = textsTo(from).length;
  expect((await sms(council, from, body)).status).toBe(200);
  return nextText(from, before);
}

async function api(token: string, route: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`${url()}/api/v1${route}`, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
}

test('an SMS to each number is answered in that council\'s name, from its own number and Twilio account, with its campgrounds and pages', async () => {
  const [r, l] = [phone(), phone()];
  expect(await ask(RIVERBEND, r, 'HELP')).toMatch(/^Riverbend Council: /);
  expect(await ask(LAKESIDE, l, 'HELP')).toMatch(/^Lakeside Shire Council: /);
  const lakesideTexts = textsTo(l);
  expect(lakesideTexts.every((t) => t.From === LAKESIDE.number && t.auth === `Basic ${Buffer.from(`${LAKESIDE.account}:${LAKESIDE.token}`).toString('base64')}`)).toBe(true);
  expect(textsTo(r).every((t) => t.From === RIVERBEND.number && t.auth === `Basic ${Buffer.from(`${RIVERBEND.account}:${RIVERBEND.token}`).toString('base64')}`)).toBe(true);

  // Each council's flows: Lakeside has switched case status off, so its menu does not offer it.
  const lakesideMenu = await ask(LAKESIDE, phone(), 'hi');
  const riverbendMenu = await ask(RIVERBEND, phone(), 'hi');
  expect(riverbendMenu).toMatch(/Check a report/);
  expect(lakesideMenu).toMatch(/Camping permits/);
  expect(lakesideMenu).not.toMatch(/Check a report/);

  // Each council's report categories: Lakeside takes no graffiti reports.
  const lakesideKinds = await ask(LAKESIDE, phone(), 'I want to report a problem');
  expect(lakesideKinds).toMatch(/Pothole/);
  expect(lakesideKinds).not.toMatch(/Graffiti|Missed bin/);
  expect(await ask(RIVERBEND, phone(), 'I want to report a problem')).toMatch(/Graffiti/);

  // Each council's campgrounds.
  const lakesideCamping = await ask(LAKESIDE, l, 'I want to book a campsite');
  expect(lakesideCamping).toMatch(/Jetty Point/);
  expect(lakesideCamping).not.toMatch(/River Flats|Lookout Hill|Bayside Reserve/);
  const riverbendCamping = await ask(RIVERBEND, r, 'I want to book a campsite');
  expect(riverbendCamping).toMatch(/River Flats/);
  expect(riverbendCamping).not.toMatch(/Jetty Point|Paperbark/);

  // Each council's knowledge pages: Lakeside's tip hours, not Riverbend's.
  const [r2, l2] = [phone(), phone()];
  const lakesideBins = await ask(LAKESIDE, l2, 'when is the tip open?');
  expect(lakesideBins).toMatch(/Quarry Road/);
  expect(lakesideBins).toContain('lakeside.example.gov.au');
  const riverbendBins = await ask(RIVERBEND, r2, 'when is the tip open?');
  expect(riverbendBins).toContain('riverbend.example.gov.au');
  expect(riverbendBins).not.toMatch(/lakeside/i);
});

test('a webhook signed with one council\'s token for the other council\'s number is refused', async () => {
  const res = await sms(LAKESIDE, phone(), 'hello', {}, RIVERBEND.token);
  expect(res.status).toBe(403);
});

test('a webchat opened with each widget key talks for that council; an unknown key is refused', async () => {
  const lakeside = new WebchatResident(url());
  const riverbend = new WebchatResident(url());
  const stranger = new WebchatResident(url());
  try {
    await lakeside.start({ widgetKey: LAKESIDE.widget });
    await riverbend.start({ widgetKey: RIVERBEND.widget });
    await lakeside.say('can I book a campsite for the weekend');
    await riverbend.say('can I book a campsite for the weekend');
    const l = await lakeside.waitForReply((m) => Boolean(m.choices?.length));
    const r = await riverbend.waitForReply((m) => Boolean(m.choices?.length));
    expect(l.choices!.map((c) => c.label)).toEqual(expect.arrayContaining(['Jetty Point', 'Paperbark Flat']));
    expect(r.choices!.map((c) => c.label)).toEqual(expect.arrayContaining(['River Flats']));
    expect(l.choices!.map((c) => c.label)).not.toContain('River Flats');
    const refused = await stranger.emit('session.start', { widgetKey: 'no-such-widget' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unknown_widget' } });
  } finally {
    for (const c of [lakeside, riverbend, stranger]) c.close();
  }
});

test('Meta events for each Page are answered as that Page; a body signed by one app for the other\'s Page is not taken', async () => {
  const event = (page: string, sender: string, text: string) => metaJson({ object: 'page', entry: [{ id: page, time: Date.now(), messaging: [{ sender: { id: sender }, recipient: { id: page }, timestamp: Date.now(), message: { mid: `m_${randomBytes(12).toString('hex')}`, text } }] }] });
  const post = (raw: string, secret: string) => fetch(`${url()}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(raw, secret) }, body: raw });
  const [a, b, c] = ['7100000000000001', '7100000000000002', '7100000000000003'];
  expect((await post(event(LAKESIDE.page, a, 'I want to book a campsite'), LAKESIDE.appSecret)).status).toBe(200);
  expect((await post(event(RIVERBEND.page, b, 'I want to book a campsite'), RIVERBEND.appSecret)).status).toBe(200);
  const toA = await waitUntil(() => graph.sent.find((s) => s.recipient.id === a), 20_000, 'Lakeside reply');
  const toB = await waitUntil(() => graph.sent.find((s) => s.recipient.id === b), 20_000, 'Riverbend reply');
  expect(toA).toMatchObject({ pageId: LAKESIDE.page, auth: `Bearer ${LAKESIDE.pageToken}` });
  expect(toB).toMatchObject({ pageId: RIVERBEND.page, auth: `Bearer ${RIVERBEND.pageToken}` });
  expect(JSON.stringify(toA.message)).toContain('Jetty Point');
  expect(JSON.stringify(toB.message)).toContain('River Flats');
  // Signed with Riverbend's app secret, naming Lakeside's Page: acknowledged, but nothing is taken.
  expect((await post(event(LAKESIDE.page, c, 'hello'), RIVERBEND.appSecret)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 1500));
  expect(graph.sent.filter((s) => s.recipient.id === c)).toEqual([]);
  expect(await Conversation.countDocuments({ identityId: { $regex: c } })).toBe(0);
});

describe('isolation: an agent of one council finds nothing of the other', () => {
  const resident = phone();
  let lakesideConversation: string;
  let lakesideContact: string;
  let report: string;
  let permit: string;
  let mediaId: string;
  let riverbendAdmin: string;
  let riverbendSupervisor: string;
  let lakesideAgent: string;
  let sockets: Socket[] = [];

  beforeAll(async () => {
    try {
      await setUp();
    } catch (error) {
      // What the resident was told, so a failed set-up says where the conversation went.
      console.log(textsTo(resident).map((t) => t.Body).join('\n---\n'));
      throw error;
    }
  });
  async function setUp(): Promise<void> {
    await createAgent({ email: 'rb-admin@council.example', name: 'Rita Riverbend', password: 'riverbend-admin-1', role: 'admin', councils: ['riverbend'] });
    await createAgent({ email: 'rb-sup@council.example', name: 'Sol Riverbend', password: 'riverbend-super-1', role: 'supervisor', councils: ['riverbend'], queues: ['general', 'roads', 'permits'] });
    await createAgent({ email: 'ls-agent@council.example', name: 'Lee Lakeside', password: 'lakeside-agent-12', role: 'agent', councils: ['lakeside'], queues: ['general', 'roads', 'permits'] });
    riverbendAdmin = await loginAgent(url(), 'rb-admin@council.example', 'riverbend-admin-1');
    riverbendSupervisor = await loginAgent(url(), 'rb-sup@council.example', 'riverbend-super-1');
    lakesideAgent = await loginAgent(url(), 'ls-agent@council.example', 'lakeside-agent-12');

    // A Lakeside resident books a permit, reports a pothole with a photo, and asks for a person.
    const arrive = futureDate(30);
    await ask(LAKESIDE, resident, `book jetty point from ${arrive.spoken} for 2 nights, 2 people`);
    await ask(LAKESIDE, resident, 'yes');
    permit = await waitUntil(async () => (await Permit.findOne({ councilId: 'lakeside' }).lean())?._id, 20_000, 'the Lakeside permit');
    const photoUrl = `https://api.twilio.com/2010-04-01/Accounts/${LAKESIDE.account}/Messages/MM9/Media/ME9`;
    double.media.set(`/2010-04-01/Accounts/${LAKESIDE.account}/Messages/MM9/Media/ME9`, { contentType: 'image/png', data: Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex') });
    const before = textsTo(resident).length;
    expect((await sms(LAKESIDE, resident, 'there is a big pothole outside 12 Jetty Road', { NumMedia: '1', MediaUrl0: photoUrl, MediaContentType0: 'image/png' })).status).toBe(200);
    await nextText(resident, before);
    mediaId = await waitUntil(async () => (await Media.findOne({ sourceUrl: photoUrl, data: { $exists: true } }).lean())?._id, 20_000, 'the photo stored');
    for (let i = 0; i < 4 && !(await Case.exists({ councilId: 'lakeside', kind: 'report' })); i++) await ask(LAKESIDE, resident, i === 0 ? 'yes' : 'yes please');
    report = await waitUntil(async () => (await Case.findOne({ councilId: 'lakeside', kind: 'report' }).lean())?._id, 20_000, 'the Lakeside report');
    expect(report).toMatch(/^LS-/);
    await ask(LAKESIDE, resident, 'agent');
    const conversation = await waitUntil(async () => Conversation.findOne({ councilId: 'lakeside', status: 'queued' }).lean(), 20_000, 'the Lakeside conversation queued');
    lakesideConversation = conversation._id;
    lakesideContact = conversation.contactId;
  }
  afterAll(() => {
    for (const s of sockets) s.close();
    sockets = [];
  });

  test('every REST route answers 404 for the other council\'s ids, and the right council\'s agent is served', async () => {
    const routes = [
      `/conversations/${lakesideConversation}`,
      `/conversations/${lakesideConversation}/messages`,
      `/contacts/${lakesideContact}`,
      `/contacts/${lakesideContact}/journey`,
      `/contacts/${lakesideContact}/consents`,
      `/cases/${report}`,
      `/cases/${permit}`,
      `/media/${mediaId}`,
    ];
    for (const route of routes) {
      for (const token of [riverbendAdmin, riverbendSupervisor]) expect([route, (await api(token, route)).status]).toEqual([route, 404]);
      expect([route, (await api(lakesideAgent, route)).status]).not.toEqual([route, 404]);
    }
    for (const route of [`/contacts/${lakesideContact}/export`, `/audit?contactId=${lakesideContact}`]) expect([route, (await api(riverbendAdmin, route)).status]).toEqual([route, 404]);
    expect((await api(riverbendAdmin, `/cases/${report}/status`, { body: { status: 'closed' } })).status).toBe(404);
    expect((await api(riverbendAdmin, `/permits/${permit}/cancel`, { body: {} })).status).toBe(404);
    expect((await api(riverbendAdmin, `/contacts/${lakesideContact}`, { method: 'DELETE' })).status).toBe(404);
    expect((await api(riverbendAdmin, '/analytics/summary?councilId=lakeside')).status).toBe(404);
    expect((await api(riverbendAdmin, '/councils/lakeside')).status).toBe(404);
    expect(await Permit.findById(permit).lean()).toMatchObject({ status: 'booked' });
    // The Lakeside agent sees the conversation, with its council named.
    expect(await (await api(lakesideAgent, `/conversations/${lakesideConversation}`)).json()).toMatchObject({ id: lakesideConversation, councilId: 'lakeside', status: 'queued' });
    expect(await (await api(lakesideAgent, `/cases/${report}`)).json()).toMatchObject({ reference: report, councilId: 'lakeside' });
  });

  test('lists, search, the supervisor view and the wallboard never show the other council\'s conversations', async () => {
    const listed = (await (await api(riverbendAdmin, '/conversations')).json()) as { conversations: Array<{ id: string; councilId: string }> };
    expect(listed.conversations.map((c) => c.id)).not.toContain(lakesideConversation);
    expect(listed.conversations.every((c) => c.councilId === 'riverbend')).toBe(true);
    const queue = (await (await api(riverbendSupervisor, '/queue')).json()) as { waiting: Array<{ id: string }> };
    expect(queue.waiting.map((c) => c.id)).not.toContain(lakesideConversation);
    expect(((await (await api(lakesideAgent, '/queue')).json()) as { waiting: Array<{ id: string }> }).waiting.map((c) => c.id)).toContain(lakesideConversation);
    for (const q of [resident, report, 'pothole outside 12 Jetty Road']) {
      const found = (await (await api(riverbendAdmin, `/search?q=${encodeURIComponent(q)}`)).json()) as { conversations: unknown[]; contacts: unknown[] };
      expect([q, found.conversations.length, found.contacts.length]).toEqual([q, 0, 0]);
    }
    const theirs = (await (await api(lakesideAgent, `/search?q=${encodeURIComponent(resident)}`)).json()) as { contacts: Array<{ id: string }> };
    expect(theirs.contacts.map((c) => c.id)).toContain(lakesideContact);
    const overview = (await (await api(riverbendSupervisor, '/supervisor/overview')).json()) as { queues: Array<{ waiting: number }>; agents: Array<{ name: string }> };
    expect(overview.queues.reduce((n, q) => n + q.waiting, 0)).toBe(await Conversation.countDocuments({ councilId: 'riverbend', status: 'queued' }));
    expect(overview.agents.map((a) => a.name)).not.toContain('Lee Lakeside');
    const board = (await (await api(riverbendSupervisor, '/supervisor/wallboard')).json()) as { queues: Array<{ waiting: number }> };
    expect(board.queues.reduce((n, q) => n + q.waiting, 0)).toBe(await Conversation.countDocuments({ councilId: 'riverbend', status: 'queued' }));
    const agents = (await (await api(riverbendAdmin, '/agents')).json()) as { agents: Array<{ name: string }> };
    expect(agents.agents.map((a) => a.name)).not.toContain('Lee Lakeside');
  });

  test('socket commands answer not found, and queue events of the other council never arrive', async () => {
    const supervisor = await agentSocket(url(), riverbendSupervisor);
    sockets.push(supervisor);
    const heard: string[] = [];
    supervisor.onAny((_event: string, payload: { conversationId?: string }) => payload?.conversationId && heard.push(payload.conversationId));
    for (const [command, payload] of [
      ['conversation.open', { conversationId: lakesideConversation }],
      ['conversation.claim', { conversationId: lakesideConversation }],
      ['message.send', { conversationId: lakesideConversation, text: 'hello from the wrong council' }],
      ['conversation.resolve', { conversationId: lakesideConversation }],
      ['conversation.transfer', { conversationId: lakesideConversation, queue: 'roads' }],
    ] as const) {
      expect([command, await agentCommand(supervisor, command, payload)]).toEqual([command, { ok: false, error: expect.objectContaining({ code: 'not_found' }) }]);
    }
    // Another Lakeside resident asks for a person: the Riverbend supervisor hears nothing of it.
    const other = phone();
    await ask(LAKESIDE, other, 'can I talk to a real person please');
    await waitUntil(async () => (await Conversation.countDocuments({ councilId: 'lakeside', status: 'queued' })) >= 2 || undefined, 20_000, 'second Lakeside queued');
    await new Promise((r) => setTimeout(r, 1000));
    const lakesideIds = (await Conversation.find({ councilId: 'lakeside' }, { _id: 1 }).lean()).map((c) => c._id);
    expect(heard.filter((id) => lakesideIds.includes(id))).toEqual([]);
    // An admin of both councils sees whose each conversation is, on the card and in the thread.
    const both = await agentSocket(url(), await loginAgent(url(), 'admin@council.example', 'test-admin-password'));
    sockets.push(both);
    expect(await agentCommand(both, 'conversation.open', { conversationId: lakesideConversation })).toMatchObject({ ok: true, data: { councilName: 'Lakeside Shire Council' } });
    const waiting = await agentCommand<{ items: Array<{ id: string; council?: { name: string } }> }>(both, 'conversation.list', { view: 'waiting' });
    expect(waiting.ok && waiting.data.items.find((i) => i.id === lakesideConversation)?.council).toEqual({ id: 'lakeside', name: 'Lakeside Shire Council' });
    // The Lakeside agent claims it and replies over the resident's own number.
    const agent = await agentSocket(url(), lakesideAgent);
    sockets.push(agent);
    const claimed = await agentCommand(agent, 'conversation.claim', { conversationId: lakesideConversation });
    if (!claimed.ok) console.log(JSON.stringify(await Conversation.findById(lakesideConversation).lean()));
    expect(claimed).toEqual({ ok: true, data: expect.anything() });
    const before = textsTo(resident).length;
    expect(await agentCommand(agent, 'message.send', { conversationId: lakesideConversation, text: 'Hi, Lee from the shire here.' })).toMatchObject({ ok: true });
    const texts = await waitUntil(() => (textsTo(resident).length > before + 1 || textsTo(resident).some((t, i) => i >= before && t.Body.includes('Lee from the shire')) ? textsTo(resident).slice(before) : undefined), 20_000, 'the agent reply');
    expect(texts.find((t) => t.Body.includes('Lee from the shire'))).toMatchObject({ From: LAKESIDE.number });
    expect(texts.map((t) => t.Body).join('\n')).toContain('Lee Lakeside from Lakeside Shire Council has joined');
  });
});

test('a knowledge page added to Lakeside through the admin API answers Lakeside\'s next question, and never Riverbend\'s', async () => {
  const admin = await loginAgent(url(), 'admin@council.example', 'test-admin-password');
  const page = {
    title: 'Jetty fishing rules',
    source: 'https://www.lakeside.example.gov.au/recreation/jetty-fishing',
    body: '## Fishing from the jetty\nFishing from the Lakeside jetty is allowed from sunrise to sunset. Crabbing nets must be lifted every 30 minutes, and the jetty closes to anglers during the Saturday ferry service.',
    questions: ['can I fish from the jetty', 'when can I go fishing on the jetty', 'are crab nets allowed on the jetty'],
  };
  const saved = await api(admin, '/councils/lakeside/knowledge/jetty-fishing', { method: 'PUT', body: page });
  expect(saved.status).toBe(200);
  const lakeside = await ask(LAKESIDE, phone(), 'can I fish from the jetty?');
  expect(lakeside).toContain('sunrise to sunset');
  expect(lakeside).toContain('jetty-fishing');
  // A first message answered from a long page: the greeting gives way so the answer fits two texts.
  expect(smsBilling(lakeside).segments).toBeLessThanOrEqual(2);
  expect(lakeside).not.toContain("I'm the Lakeside Shire Council assistant");
  const riverbend = await ask(RIVERBEND, phone(), 'can I fish from the jetty?');
  expect(riverbend).not.toContain('sunrise to sunset');
  // The page is listed for Lakeside only; Riverbend's admin API knows nothing of it.
  const listed = (await (await api(admin, '/councils/lakeside/knowledge')).json()) as { pages: Array<{ id: string }> };
  expect(listed.pages.map((p) => p.id)).toContain('jetty-fishing');
  const other = (await (await api(admin, '/councils/riverbend/knowledge')).json()) as { pages: Array<{ id: string }> };
  expect(other.pages.map((p) => p.id)).not.toContain('jetty-fishing');
  // Office hours changed without a deploy; secrets are write-only.
  const patched = await api(admin, '/councils/lakeside', { method: 'PATCH', body: { officeHours: 'Mon-Sat 07:30-18:00', secrets: { metaVerifyToken: 'a-new-verify-token' } } });
  expect(patched.status).toBe(200);
  const view = (await patched.json()) as Record<string, unknown>;
  expect(view).toMatchObject({ officeHours: 'Mon-Sat 07:30-18:00', meta: { verifyTokenSet: true } });
  expect(JSON.stringify(view)).not.toContain('a-new-verify-token');
  expect(JSON.stringify(view)).not.toContain(LAKESIDE.token);
  const handshake = await fetch(`${url()}/webhooks/meta?${new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': 'a-new-verify-token', 'hub.challenge': '42' })}`);
  expect(await handshake.text()).toBe('42');
});

test('Open311 per council: jurisdiction_id picks the council, and each key works only for its own', async () => {
  const open311 = (route: string, init?: RequestInit) => fetch(`${url()}/open311/v2${route}`, init);
  const create = (jurisdiction: string, key: string) =>
    open311('/requests.json', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ jurisdiction_id: jurisdiction, api_key: key, service_code: 'pothole', address_string: '3 Shore Street', description: 'A pothole by the boat ramp' }).toString() });
  expect((await create('lakeside', RIVERBEND.open311)).status).toBe(403);
  const made = await create('lakeside', LAKESIDE.open311);
  expect(made.status).toBe(201);
  const reference = ((await made.json()) as Array<{ service_request_id: string }>)[0]!.service_request_id;
  expect(reference).toMatch(/^LS-/);
  const lakesideList = (await (await open311('/requests.json?jurisdiction_id=lakeside')).json()) as Array<{ service_request_id: string; agency_responsible: string }>;
  expect(lakesideList.map((r) => r.service_request_id)).toContain(reference);
  expect(lakesideList.every((r) => r.agency_responsible === 'Lakeside Shire Council')).toBe(true);
  const riverbendList = (await (await open311('/requests.json?jurisdiction_id=riverbend')).json()) as Array<{ service_request_id: string }>;
  expect(riverbendList.map((r) => r.service_request_id)).not.toContain(reference);
  expect((await open311(`/requests/${reference}.json?jurisdiction_id=riverbend`)).status).toBe(404);
  expect((await open311('/requests.json?jurisdiction_id=nowhere')).status).toBe(404);
  const services = (jurisdiction: string) => open311(`/services.json?jurisdiction_id=${jurisdiction}`).then((r) => r.json() as Promise<Array<{ service_code: string }>>);
  expect((await services('lakeside')).map((s) => s.service_code)).not.toContain('graffiti');
  expect((await services('riverbend')).map((s) => s.service_code)).toContain('graffiti');
});

test('a resident\'s place in the queue counts only their own council\'s waiters, and moves up when someone ahead is claimed', async () => {
  const placeIn = (reply: string) => (/next in the queue/.test(reply) ? 1 : Number(/number (\d+) in the queue/.exec(reply)?.[1] ?? NaN));
  const waiting = (councilId: string) => Conversation.countDocuments({ councilId, status: 'queued', queue: 'general' });
  // Open at any hour, so the reply is the queue notice whatever the time in Lakeside (an earlier test changes its hours).
  const admin = await loginAgent(url(), 'admin@council.example', 'test-admin-password');
  expect((await api(admin, '/councils/lakeside', { method: 'PATCH', body: { officeHours: 'Mon-Sun 00:00-24:00' } })).status).toBe(200);
  const [riverbendBefore, lakesideBefore] = [await waiting('riverbend'), await waiting('lakeside')];
  const [first, second, third, lakesider] = [phone(), phone(), phone(), phone()];
  expect(placeIn(await ask(RIVERBEND, first, 'can I talk to a person please'))).toBe(riverbendBefore + 1);
  expect(placeIn(await ask(LAKESIDE, lakesider, 'can I talk to a person please'))).toBe(lakesideBefore + 1);
  expect(placeIn(await ask(RIVERBEND, second, 'can I talk to a person please'))).toBe(riverbendBefore + 2);

  await createAgent({ email: 'rb-queue@council.example', name: 'Quinn Riverbend', password: 'riverbend-queue-1', role: 'agent', councils: ['riverbend'], queues: ['general'] });
  const socket = await agentSocket(url(), await loginAgent(url(), 'rb-queue@council.example', 'riverbend-queue-1'));
  try {
    const claimed = await waitUntil(async () => Conversation.findOne({ councilId: 'riverbend', status: 'queued', identityId: `sms-${RIVERBEND.number}-${first}` }).lean(), 10_000, 'the first resident queued');
    expect((await agentCommand(socket, 'conversation.claim', { conversationId: claimed._id })).ok).toBe(true);
    // The first resident has left the line: the next to ask is behind the second only.
    expect(placeIn(await ask(RIVERBEND, third, 'can I talk to a person please'))).toBe(riverbendBefore + 2);
  } finally {
    socket.close();
  }
});

test('each council\'s callers hear its own voice, language and hold music; a locale changed through the admin API is heard on the next call', async () => {
  const call = (council: Council) => new TwilioCall({ engineUrl: url(), publicUrl: PUBLIC_URL, token: council.token, from: phone(), to: council.number, accountSid: council.account });
  const voiceOf = (page: Awaited<ReturnType<TwilioCall['dial']>>) => ({ say: page.find('Say')!.attrs, gather: page.find('Gather')!.attrs.language });

  const riverbend = call(RIVERBEND);
  const riverbendMenu = await riverbend.dial();
  expect(riverbendMenu.spoken()).toMatch(/^Welcome to Riverbend Council\./);
  expect(voiceOf(riverbendMenu)).toEqual({ say: { language: 'en-AU', voice: 'Polly.Olivia-Neural' }, gather: 'en-AU' });
  await riverbend.press('0');
  expect((await riverbend.hold(1, 20)).find('Play')!.text).toBe(`${PUBLIC_URL}/webhooks/twilio/voice/hold-music.wav`);

  const lakeside = call(LAKESIDE);
  const lakesideMenu = await lakeside.dial();
  expect(lakesideMenu.spoken()).toMatch(/^Welcome to Lakeside Shire Council\./);
  expect(voiceOf(lakesideMenu)).toEqual({ say: { language: 'en-AU', voice: 'Polly.Nicole' }, gather: 'en-AU' });
  const held = await lakeside.press('0');
  expect(held.find('Say')!.attrs).toMatchObject({ voice: 'Polly.Nicole' });
  const announcement = await lakeside.hold(1, 20);
  expect(announcement.spoken()).toContain("You're next in the queue.");
  expect(announcement.find('Play')!.text).toBe(LAKESIDE_HOLD_MUSIC);

  // A new locale brings that locale's usual voice (the council named a voice for en-AU only).
  const admin = await loginAgent(url(), 'admin@council.example', 'test-admin-password');
  const patched = await api(admin, '/councils/lakeside', { method: 'PATCH', body: { locale: 'en-NZ' } });
  expect(patched.status).toBe(200);
  expect(((await patched.json()) as { voice: unknown }).voice).toEqual({ language: 'en-NZ', name: 'Polly.Aria-Neural', holdMusicUrl: LAKESIDE_HOLD_MUSIC });
  expect(voiceOf(await call(LAKESIDE).dial())).toEqual({ say: { language: 'en-NZ', voice: 'Polly.Aria-Neural' }, gather: 'en-NZ' });
  expect(voiceOf(await call(RIVERBEND).dial())).toEqual({ say: { language: 'en-AU', voice: 'Polly.Olivia-Neural' }, gather: 'en-AU' });
});

test('each council keeps residents\' records for its own retention period, set through the admin API', async () => {
  const [lakesider, riverbender] = [phone(), phone()];
  await ask(LAKESIDE, lakesider, 'when is the tip open?');
  await ask(RIVERBEND, riverbender, 'when is the tip open?');
  const conversationOf = async (council: Council, from: string) => (await Conversation.findOne({ identityId: `sms-${council.number}-${from}` }).lean())!;
  const [lakesideOld, riverbendOld] = [await conversationOf(LAKESIDE, lakesider), await conversationOf(RIVERBEND, riverbender)];
  // Both last touched 40 days ago (written directly: timestamps would say "now").
  const fortyDaysAgo = new Date(Date.now() - 40 * 86_400_000);
  for (const c of [lakesideOld, riverbendOld]) {
    await Conversation.collection.updateOne({ _id: c._id as never }, { $set: { updatedAt: fortyDaysAgo, status: 'resolved' } });
    await InboundEvent.collection.updateMany({ identityId: c.identityId }, { $set: { receivedAt: fortyDaysAgo } });
  }

  const admin = await loginAgent(url(), 'admin@council.example', 'test-admin-password');
  const patched = await api(admin, '/councils/lakeside', { method: 'PATCH', body: { retentionDays: 30 } });
  expect(patched.status).toBe(200);
  expect(await patched.json()).toMatchObject({ retentionDays: 30 });
  expect(await (await api(admin, '/councils/riverbend')).json()).toMatchObject({ retentionDays: null });

  const results = await retentionPass(engine().services);
  expect(results.map((r) => r.councilId)).toEqual(['lakeside']);
  expect(await Conversation.exists({ _id: lakesideOld._id })).toBeNull();
  expect(await Message.countDocuments({ conversationId: lakesideOld._id })).toBe(0);
  expect(await InboundEvent.countDocuments({ identityId: lakesideOld.identityId })).toBe(0);
  // Riverbend keeps its residents' records: it has set no period.
  expect(await Conversation.exists({ _id: riverbendOld._id })).toBeTruthy();
  expect(await Message.countDocuments({ conversationId: riverbendOld._id })).toBeGreaterThan(1);
  expect(await InboundEvent.countDocuments({ identityId: riverbendOld.identityId })).toBeGreaterThan(0);
});

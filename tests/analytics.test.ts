/**
 * A scripted day of traffic across channels, through the real webhooks, router, flows and
 * agent console on Redis and FerretDB, gives exact figures (CONTRACT.md §11):
 *  A webchat: books a campsite                      → contained (camping-permit completed)
 *  B webchat: asks whether campfires are allowed    → contained (faq answered)
 *  C SMS:     starts a booking, goes quiet          → abandoned at "partySize"
 *  D Messenger: asks for a person; an agent claims, replies, resolves; the resident scores 4
 *  E SMS:     reports a pothole                     → contained (report-issue completed)
 *  E again:   asks for that report's status         → contained, and a repeat contact
 *  F phone:   presses 0, hangs up while queued      → handed over, abandoned in the queue
 * Costs (SOCITM defaults): webchat 2 × £0.15, SMS 3 × £0.20, Messenger with a person £1.42,
 * a phone call nobody answered £0.50: £2.82, against 7 × £2.83 = £19.81 had everyone phoned.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import twilio from 'twilio';
import { Conversation } from '../src/models';
import { agentCommand, agentSocket, loginAgent, useTestEngine, waitUntil, type WebchatResident } from './helpers/engine';
import { startGraphDouble, type GraphDouble } from './helpers/graph-double';
import { metaJson, metaSignature } from './helpers/meta';
import { futureDate, talkingResident } from './helpers/transcript';
import { TwilioCall } from './helpers/twilio-caller';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';
import type { AnalyticsSummary } from '../src/analytics/summary';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'analytics-test-auth-token-0123456';
const ACCOUNT = `AC${'3'.repeat(32)}`;
const COUNCIL = '+61480000000';
const SECRET = 'meta-app-secret-for-analytics';
const PAGE = '104200000000009';
let twilioDouble: TwilioDouble;
let graph: GraphDouble;
let admin: string;
const residents: WebchatResident[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  twilioDouble = await startTwilioDouble();
  graph = await startGraphDouble();
});
afterAll(async () => {
  residents.forEach((r) => r.close());
  sockets.forEach((s) => s.close());
  await twilioDouble.stop();
  await graph.stop();
});
const engine = useTestEngine({
  PUBLIC_URL,
  TWILIO_AUTH_TOKEN: TOKEN,
  TWILIO_ACCOUNT_SID: ACCOUNT,
  META_APP_SECRET: SECRET,
  META_PAGE_ID: PAGE,
  // A resident silent for 6 s has gone: their conversation closes (an abandoned flow is one that closes unfinished).
  INACTIVITY_CLOSE_MINUTES: '0.1',
  get TWILIO_API_URL() { return twilioDouble.url; },
  get META_GRAPH_URL() { return graph.url; },
});
beforeAll(async () => {
  admin = await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
});

const api = async <T>(path: string): Promise<{ status: number; body: T; text: string; type: string }> => {
  const res = await fetch(`${engine().url}/api/v1${path}`, { headers: { authorization: `Bearer ${admin}` } });
  const text = await res.text();
  return { status: res.status, body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined) as T, text, type: res.headers.get('content-type') ?? '' };
};

/** Texts the council and waits for the next SMS back. */
async function text(from: string, body: string): Promise<string> {
  const before = twilioDouble.sent.filter((m) => m.To === from).length;
  const params = { ToCountry: 'AU', NumMedia: '0', FromCountry: 'AU', To: COUNCIL, NumSegments: '1', MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT, From: from, ApiVersion: '2010-04-01', Body: body, SmsStatus: 'received' };
  const res = await fetch(`${engine().url}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, params) },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
  const replies = await waitUntil(() => {
    const sent = twilioDouble.sent.filter((m) => m.To === from);
    return sent.length > before ? sent : undefined;
  }, 15_000, `an SMS reply to "${body}"`);
  return replies[before]!.Body;
}

/** A Messenger message to the Page, signed as Meta signs it; waits for the next reply. */
async function messenger(psid: string, body: string): Promise<string> {
  const before = graph.sent.filter((s) => s.recipient.id === psid).length;
  const raw = metaJson({ object: 'page', entry: [{ id: PAGE, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid: `m_${randomBytes(12).toString('hex')}`, text: body } }] }] });
  const res = await fetch(`${engine().url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(raw, SECRET) }, body: raw });
  expect(res.status).toBe(200);
  const sent = await waitUntil(() => {
    const all = graph.sent.filter((s) => s.recipient.id === psid);
    return all.length > before ? all : undefined;
  }, 15_000, `a Messenger reply to "${body}"`);
  return sent[before]!.message.text ?? '';
}

const closed = (id: string) => waitUntil(async () => (await Conversation.findById(id).lean())?.status === 'resolved' || undefined, 20_000, `conversation ${id} closed`);

test('a scripted day across channels gives exact containment, funnel, repeat-contact and cost figures', async () => {
  const dayStart = new Date(Date.now() - 60_000).toISOString();

  // A: webchat, books a campsite.
  const a = await talkingResident(engine().url!, residents);
  await a.say('hi');
  const arrive = futureDate(28);
  expect(await a.say(`book a campsite at Lookout Hill from ${arrive.spoken} for 2 nights`)).toMatch(/How many people/);
  expect(await a.say('2 people')).toMatch(/^Book Lookout Hill/);
  expect(await a.say('yes')).toMatch(/permit number is CP-\d{6}/);

  // B: webchat, a question answered from the council's pages.
  const b = await talkingResident(engine().url!, residents);
  expect(await b.say('are campfires allowed?')).toMatch(/fire pits/);

  // C: SMS, starts a booking and goes quiet at the party size.
  const c = '+61412000101';
  expect(await text(c, `book a campsite at Lookout Hill from ${futureDate(40).spoken} for 2 nights`)).toMatch(/How many people/);

  // D: Messenger, asks for a person; an agent claims, replies and resolves; the resident scores 4.
  const d = String(7_100_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)));
  await messenger(d, 'hi');
  expect(await messenger(d, 'talk to a person please')).toMatch(/asked a person/);
  const dConversation = await waitUntil(() => Conversation.findOne({ channel: 'social', status: 'queued' }).lean(), 10_000, 'D queued');
  const socket = await agentSocket(engine().url!, admin);
  sockets.push(socket);
  expect((await agentCommand(socket, 'conversation.claim', { conversationId: dConversation._id })).ok).toBe(true);
  expect((await agentCommand(socket, 'message.send', { conversationId: dConversation._id, text: 'Hi, I can help with that.' })).ok).toBe(true);
  expect((await agentCommand(socket, 'conversation.resolve', { conversationId: dConversation._id, outcome: 'resolved' })).ok).toBe(true);
  await waitUntil(() => graph.sent.find((s) => s.recipient.id === d && /How did we do/.test(s.message.text ?? '')), 10_000, 'the survey question');
  expect(await messenger(d, '4')).toMatch(/Thanks for your feedback/);

  // E: SMS, reports a pothole; once that conversation has closed, asks for its status (a repeat contact).
  const e = '+61412000102';
  expect(await text(e, 'there is a huge pothole outside 12 Smith Street')).toMatch(/photo/i);
  expect(await text(e, 'skip')).toMatch(/what is the problem\?/);
  expect(await text(e, 'about a metre wide, right in the wheel track')).toMatch(/^Report a pothole at 12 Smith Street/);
  const reference = /report number is (RC-\d{6})/.exec(await text(e, 'yes'))![1]!;
  const e1 = (await Conversation.findOne({ channel: 'sms', status: { $in: ['bot', 'resolved'] }, lastResidentText: 'yes' }).lean())!;
  await closed(e1._id);
  expect(await text(e, `status ${reference}`)).toMatch(new RegExp(`${reference}, pothole at 12 Smith Street: received`));

  // F: phone, presses 0 for a person and hangs up while waiting.
  const f = new TwilioCall({ engineUrl: engine().url!, publicUrl: PUBLIC_URL, token: TOKEN, from: '+61412000103', to: COUNCIL, accountSid: ACCOUNT });
  await f.dial();
  await f.press('0');
  const enqueue = f.enqueue();
  await waitUntil(() => Conversation.findOne({ 'call.sid': f.callSid, status: 'queued' }).lean(), 10_000, 'F queued');
  await f.leaveQueue(enqueue, 'hangup');
  await f.status('completed', 4);

  // C closes for silence: its booking is abandoned where it stopped.
  const cConversation = (await Conversation.findOne({ channel: 'sms', lastResidentText: { $regex: '^book a campsite' } }).lean())!;
  await closed(cConversation._id);

  const range = `from=${encodeURIComponent(dayStart)}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
  const summary = await waitUntil(async () => {
    const s = (await api<AnalyticsSummary>(`/analytics/summary?${range}`)).body;
    return s.conversations === 7 && s.abandoned === 1 && s.queue.abandoned === 1 && s.survey.answered === 1 && s.repeatContacts === 1 ? s : undefined;
  }, 20_000, 'the day in the figures');

  expect(summary).toMatchObject({
    councilId: 'default',
    conversations: 7,
    containedByAssistant: 4,
    handedToPerson: 2,
    containmentRate: 0.5714,
    abandoned: 1,
    inProgress: 0,
    repeatContacts: 1,
    repeatContactRate: 0.1429,
    handoffReasons: { asked: 1, button: 1 },
    queue: { queued: 2, claimed: 1, abandoned: 1, abandonmentRate: 0.5 },
    survey: { answered: 1, meanScore: 4, scores: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 0 } },
    costToServe: { actual: 2.82, ifAllByPhone: 19.81, saving: 16.99, currency: 'GBP' },
  });
  expect(summary.byChannel).toEqual({
    webchat: { conversations: 2, handedToPerson: 0, containedByAssistant: 2, abandoned: 0, handledByPerson: 0, cost: 0.3 },
    sms: { conversations: 3, handedToPerson: 0, containedByAssistant: 2, abandoned: 1, handledByPerson: 0, cost: 0.6 },
    social: { conversations: 1, handedToPerson: 1, containedByAssistant: 0, abandoned: 0, handledByPerson: 1, cost: 1.42 },
    voice: { conversations: 1, handedToPerson: 1, containedByAssistant: 0, abandoned: 0, handledByPerson: 0, cost: 0.5 },
  });
  expect(summary.costToServe.byChannel.social).toEqual({ contacts: 1, byAssistant: 0, byPerson: 1, cost: 1.42 });
  expect(summary.funnel).toEqual([
    { flow: 'camping-permit', entered: 2, completed: 1, abandoned: 1, inProgress: 0, completionRate: 0.5, steps: [{ step: 'partySize', reached: 2, droppedHere: 1 }, { step: 'confirm', reached: 1, droppedHere: 0 }] },
    { flow: 'case-status', entered: 1, completed: 1, abandoned: 0, inProgress: 0, completionRate: 1, steps: [] },
    { flow: 'faq', entered: 1, completed: 1, abandoned: 0, inProgress: 0, completionRate: 1, steps: [] },
    {
      flow: 'report-issue', entered: 1, completed: 1, abandoned: 0, inProgress: 0, completionRate: 1,
      steps: [{ step: 'photoCount', reached: 1, droppedHere: 0 }, { step: 'description', reached: 1, droppedHere: 0 }, { step: 'confirm', reached: 1, droppedHere: 0 }],
    },
  ]);
  // Times: every contact had a first reply; the one person's first reply and the queue wait are measured.
  expect(summary.timing.firstReply.count).toBe(7);
  expect(summary.timing.firstAgentReply.count).toBe(1);
  expect(summary.queue.wait.count).toBe(1);
  expect(summary.timing.resolution.count).toBeGreaterThanOrEqual(4);
  expect(summary.byDay.reduce((n, day) => n + day.conversations, 0)).toBe(7);

  // Filters: one channel, one flow.
  const sms = (await api<AnalyticsSummary>(`/analytics/summary?${range}&channel=sms`)).body;
  expect(sms).toMatchObject({ conversations: 3, containedByAssistant: 2, abandoned: 1, repeatContacts: 1, costToServe: { actual: 0.6, ifAllByPhone: 8.49 } });
  const camping = (await api<AnalyticsSummary>(`/analytics/summary?${range}&flow=camping-permit`)).body;
  expect(camping).toMatchObject({ conversations: 2, containedByAssistant: 1, abandoned: 1 });
  expect(camping.funnel.map((f) => f.flow)).toEqual(['camping-permit']);

  // CSV: the same figures, one a row.
  const csv = await api<never>(`/analytics/summary.csv?${range}`);
  expect(csv.status).toBe(200);
  expect(csv.type).toContain('text/csv');
  expect(csv.text.split('\n')[0]).toBe('section,key,channel,value');
  expect(csv.text).toContain('\ncontacts,containmentRate,,0.5714\n');
  expect(csv.text).toContain('\nfunnel,camping-permit.partySize.dropped_here,,1\n');
  expect(csv.text).toContain('\ncost,ifAllByPhone,,19.81\n');
  expect(csv.text).toContain('\ncost,cost,sms,0.6\n');

  // Bad input is a 400; another council is not found; agents may not see the figures.
  expect((await api(`/analytics/summary?from=yesterday`)).status).toBe(400);
  expect((await api(`/analytics/summary?councilId=elsewhere`)).status).toBe(404);

  // E's journey: both conversations and the report, in time order, with outcomes; every event behind them.
  const eConversation = (await Conversation.findOne({ channel: 'sms', lastResidentText: `status ${reference}` }).lean())!;
  const journey = (await api<{ items: Array<{ kind: string; id: string; outcome: string }>; events: Array<{ type: string; flow?: string; data?: { reference?: string } }> }>(`/contacts/${eConversation.contactId}/journey`)).body;
  expect(journey.items.map((i) => [i.kind, i.id === reference ? 'RC' : i.kind === 'conversation' ? 'conversation' : i.id])).toEqual([
    ['conversation', 'conversation'],
    ['case', 'RC'],
    ['conversation', 'conversation'],
  ]);
  expect(journey.items[0]!.outcome).toBe('completed_by_assistant');
  expect(journey.items[1]!.outcome).toBe('received');
  const types = journey.events.map((ev) => ev.type);
  expect(types.slice(0, 2)).toEqual(['contact.started', 'flow.entered']);
  expect(types).toEqual(expect.arrayContaining(['case.created', 'flow.completed', 'conversation.resolved', 'case.looked_up']));
  expect(types.filter((t) => t === 'contact.started')).toHaveLength(2);
  expect(journey.events.filter((ev) => ev.type === 'case.looked_up')[0]!.data!.reference).toBe(reference);

  // Bot messages carry the flow and step that produced them.
  const messages = (await api<{ messages: Array<{ sender: { kind: string }; text: string; flow?: { id: string; step?: string } }> }>(`/conversations/${cConversation._id}/messages`)).body.messages;
  expect(messages.find((m) => /How many people/.test(m.text))!.flow).toEqual({ id: 'camping-permit', step: 'partySize' });
}, 120_000);

test('only supervisors and admins see the figures', async () => {
  const { createAgent } = await import('../src/agents/auth');
  await createAgent({ email: 'ana@council.example', name: 'Ana Agent', password: 'ana-password-123', role: 'agent', queues: ['general'] });
  const token = await loginAgent(engine().url!, 'ana@council.example', 'ana-password-123');
  const res = await fetch(`${engine().url}/api/v1/analytics/summary`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(403);
  expect((await fetch(`${engine().url}/api/v1/analytics/summary`)).status).toBe(401);
});

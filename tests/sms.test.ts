/**
 * SMS through Twilio end to end: genuinely signed webhooks (signed exactly as Twilio signs),
 * the real router and flows on Redis and FerretDB, and replies through the real `twilio` SDK
 * to a local double of Twilio's REST API.
 */
import { randomBytes } from 'node:crypto';
import exifr from 'exifr';
import piexif from 'piexifjs';
import twilio from 'twilio';
import { ids } from '../src/ids';
import { Case, Conversation, InboundEvent, Media, Message } from '../src/models';
import { agentCommand, agentSocket, loginAgent, sleep, useTestEngine, waitUntil } from './helpers/engine';
import { startTwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'test-auth-token-0123456789abcdef';
const COUNCIL = '+61480000000';
let double: Awaited<ReturnType<typeof startTwilioDouble>>;

beforeAll(async () => {
  double = await startTwilioDouble();
});
afterAll(async () => {
  await double.stop();
});
const engine = useTestEngine({ PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, get TWILIO_API_URL() { return double.url; } });

const messageSid = () => `SM${randomBytes(16).toString('hex')}`;

function inbound(from: string, body: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ToCountry: 'AU', SmsMessageSid: '', NumMedia: '0', ToCity: '', FromState: '', SmsSid: '', FromCountry: 'AU', To: COUNCIL, MessagingServiceSid: '', ToZip: '', NumSegments: '1', MessageSid: messageSid(), AccountSid: `AC${'1'.repeat(32)}`, From: from, ApiVersion: '2010-04-01', Body: body, SmsStatus: 'received', ...extra };
}

/** POSTs form parameters signed as Twilio signs them (HMAC-SHA1 over URL + sorted params). */
async function post(path: string, params: Record<string, string>, sign: { token?: string; url?: string; header?: string | null } = {}): Promise<Response> {
  const signature = sign.header === undefined ? twilio.getExpectedTwilioSignature(sign.token ?? TOKEN, sign.url ?? `${PUBLIC_URL}${path}`, params) : sign.header;
  return fetch(`${engine().url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
    body: new URLSearchParams(params).toString(),
  });
}

const smsTo = (to: string) => double.sent.filter((m) => m.To === to);

test('a signed SMS gets its reply through the Twilio REST API, with choices as numbered text', async () => {
  const from = '+61412000001';
  const res = await post('/webhooks/twilio/sms', inbound(from, 'hello'));
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('<Response/>');
  const [reply] = await waitUntil(() => (smsTo(from).length ? smsTo(from) : undefined), 15_000, 'reply SMS');
  expect(reply).toMatchObject({ From: COUNCIL });
  expect(reply!.Body).toContain('What can I help with today?');
  expect(reply!.Body).toMatch(/\n1 Camping permits\n[\s\S]*\n5 Talk to a person\nReply 1, 2, 3, 4 or 5\.$/);
  expect(reply!.Body).not.toMatch(/[\u2018\u2019\u201C\u201D]/);
  expect(reply!.StatusCallback).toMatch(/^https:\/\/council\.example\/webhooks\/twilio\/sms\/status\?m=m-/);
  expect(reply!.auth).toBe(`Basic ${Buffer.from(`AC${'1'.repeat(32)}:${TOKEN}`).toString('base64')}`);
  const stored = await waitUntil(async () => {
    const found = await Message.findOne({ providerMessageId: reply!.sid }).lean();
    return found?.deliveryStatus === 'sent' ? found : undefined;
  }, 5000, 'stored as sent');
  // Typographic quotes in the copy were swapped, so the text stays GSM-7 (160 characters a segment).
  expect(stored.billing).toEqual({ encoding: 'GSM-7', segments: reply!.Body.length <= 160 ? 1 : Math.ceil(reply!.Body.length / 153) });
});

test('the same MessageSid delivered three times (two at once) is answered once', async () => {
  const from = '+61412000002';
  const params = inbound(from, 'hello');
  const statuses = await Promise.all([post('/webhooks/twilio/sms', params), post('/webhooks/twilio/sms', params)]);
  await waitUntil(() => smsTo(from).length === 1 || undefined, 15_000, 'first reply');
  statuses.push(await post('/webhooks/twilio/sms', params));
  expect(statuses.map((s) => s.status)).toEqual([200, 200, 200]);
  await sleep(1500);
  expect(smsTo(from)).toHaveLength(1);
  expect(await InboundEvent.countDocuments({ _id: `sms-${params.MessageSid}` })).toBe(1);
});

test('STOP silences the number until START; HELP is answered', async () => {
  const from = '+61412000004';
  await post('/webhooks/twilio/sms', inbound(from, 'hello'));
  await waitUntil(() => smsTo(from).length === 1 || undefined, 15_000, 'first reply');
  await post('/webhooks/twilio/sms', inbound(from, 'STOP'));
  await post('/webhooks/twilio/sms', inbound(from, 'hello'));
  const silenced = await waitUntil(async () => (await Message.findOne({ to: from, deliveryError: 'opted_out' }).lean()) ?? undefined, 15_000, 'reply held back');
  expect(silenced.deliveryStatus).toBe('failed');
  await sleep(500);
  expect(smsTo(from)).toHaveLength(1);

  await post('/webhooks/twilio/sms', inbound(from, 'START'));
  await waitUntil(() => smsTo(from).find((m) => m.Body.includes('subscribed again')), 15_000, 'opt-in confirmation');
  await post('/webhooks/twilio/sms', inbound(from, 'HELP'));
  const help = await waitUntil(() => smsTo(from).find((m) => m.Body.includes('Reply STOP to opt out')), 15_000, 'help reply');
  expect(help.Body.length).toBeLessThanOrEqual(160);
});

test('status callbacks are signed and monotonic: a late "sent" never overwrites "delivered"', async () => {
  const from = '+61412000005';
  await post('/webhooks/twilio/sms', inbound(from, 'hello'));
  const sms = await waitUntil(() => smsTo(from)[0], 15_000, 'reply');
  const callbackPath = sms.StatusCallback!.slice(PUBLIC_URL.length);
  const messageId = new URL(sms.StatusCallback!).searchParams.get('m')!;
  await waitUntil(async () => (await Message.findById(messageId).lean())?.providerMessageId === sms.sid, 5000, 'provider id stored');
  const status = (MessageStatus: string) => ({ MessageSid: sms.sid, MessageStatus, AccountSid: `AC${'1'.repeat(32)}`, To: from, From: COUNCIL, ApiVersion: '2010-04-01' });

  expect((await post(callbackPath, status('delivered'))).status).toBe(204);
  expect((await post(callbackPath, status('sent'))).status).toBe(204);
  expect(await Message.findById(messageId).lean()).toMatchObject({ deliveryStatus: 'delivered', providerStatus: 'delivered' });
  expect((await post(callbackPath, status('delivered'), { token: 'forged' })).status).toBe(403);
});

test('a permanent Twilio error is recorded on the message and not retried', async () => {
  const from = '+61412000006';
  double.refuse.set(from, { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 });
  await post('/webhooks/twilio/sms', inbound(from, 'hello'));
  const failed = await waitUntil(async () => (await Message.findOne({ to: from, deliveryStatus: 'failed' }).lean()) ?? undefined, 15_000, 'failed reply');
  expect(failed.deliveryError).toMatch(/^21610: Attempt to send to unsubscribed recipient/);
  await sleep(2500); // longer than the first retry's backoff (1 s)
  expect(double.refused.filter((to) => to === from)).toHaveLength(1);
});

test('an MMS keeps every photo URL; a number in local format is the same E.164 identity', async () => {
  const from = '+61412000007';
  const params = inbound('0412 000 007', 'pothole here', {
    NumMedia: '2',
    MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/AC${'1'.repeat(32)}/Messages/MM1/Media/ME1`,
    MediaContentType0: 'image/jpeg',
    MediaUrl1: `https://api.twilio.com/2010-04-01/Accounts/AC${'1'.repeat(32)}/Messages/MM1/Media/ME2`,
    MediaContentType1: 'image/png',
  });
  expect((await post('/webhooks/twilio/sms', params)).status).toBe(200);
  const resident = await waitUntil(async () => (await Message.findById(ids.turnMessage(`sms-${params.MessageSid}`, 0)).lean()) ?? undefined, 15_000, 'stored');
  expect(resident.content).toMatchObject({ kind: 'media', urls: [params.MediaUrl0, params.MediaUrl1], contentTypes: ['image/jpeg', 'image/png'], text: 'pothole here' });
  expect(resident.identityId).toBe(`sms-${COUNCIL}-${from}`);
  // Twilio's raw payload is kept whole.
  expect((await InboundEvent.findById(`sms-${params.MessageSid}`).lean())?.raw).toMatchObject({ MediaUrl1: params.MediaUrl1, ToCountry: 'AU' });
});

test('MMS photos are downloaded from Twilio with the account credentials; other URLs are never fetched', async () => {
  const account = `AC${'1'.repeat(32)}`;
  const photo = Buffer.from('\xff\xd8\xff\xe0 a small jpeg-ish payload', 'binary');
  double.media.set(`/2010-04-01/Accounts/${account}/Messages/MM2/Media/ME1`, { contentType: 'image/jpeg', data: photo });
  double.media.set(`/2010-04-01/Accounts/${account}/Messages/MM2/Media/ME2`, { contentType: 'image/png', data: Buffer.alloc(5 * 1024 * 1024 + 1, 1) });
  // A listener standing in for internal services: it must never be contacted.
  const probes: string[] = [];
  const internal = (await import('node:http')).createServer((req, res) => {
    probes.push(req.url ?? '');
    res.end('secret');
  });
  await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
  const internalUrl = `http://127.0.0.1:${(internal.address() as { port: number }).port}/latest/meta-data`;
  const urls = [
    `https://api.twilio.com/2010-04-01/Accounts/${account}/Messages/MM2/Media/ME1`,
    `https://api.twilio.com/2010-04-01/Accounts/${account}/Messages/MM2/Media/ME2`,
    internalUrl,
    `https://api.twilio.com/2010-04-01/Accounts/AC${'9'.repeat(32)}/Messages/MM2/Media/ME3`,
    `https://api.twilio.com.evil.example/2010-04-01/Accounts/${account}/Messages/MM2/Media/ME4`,
  ];
  const params = inbound('+61412000012', 'dumped rubbish', Object.fromEntries([['NumMedia', String(urls.length)], ...urls.flatMap((u, n) => [[`MediaUrl${n}`, u], [`MediaContentType${n}`, 'image/jpeg']])]));
  expect((await post('/webhooks/twilio/sms', params)).status).toBe(200);

  const eventId = `sms-${params.MessageSid}`;
  const stored = await waitUntil(async () => {
    const docs = await Media.find({ inboundEventId: eventId }).lean();
    return docs.length === urls.length ? docs.sort((a, b) => a._id.localeCompare(b._id)) : undefined;
  }, 15_000, 'all attachments handled');
  expect(stored[0]).toMatchObject({ contentType: 'image/jpeg', size: photo.byteLength });
  expect(Buffer.from((stored[0]!.data as unknown as { buffer: Uint8Array }).buffer).equals(photo)).toBe(true);
  expect(stored[1]!.refused).toMatch(/^too_large/);
  expect(stored.slice(2).map((m) => m.refused?.split(':')[0])).toEqual(['not_twilio_media', 'not_twilio_media', 'not_twilio_media']);
  expect(probes).toEqual([]);
  expect(double.mediaRequests.map((r) => r.path)).toEqual(expect.arrayContaining([`/2010-04-01/Accounts/${account}/Messages/MM2/Media/ME1`]));
  expect(double.mediaRequests.every((r) => r.auth === `Basic ${Buffer.from(`${account}:${TOKEN}`).toString('base64')}`)).toBe(true);
  await new Promise((r) => internal.close(r));
});

test('one person across phone channels: SMS and WhatsApp from one number are one contact', async () => {
  const number = '+61412000008';
  const sms = inbound(number, 'hello');
  const whatsapp = inbound(`whatsapp:${number}`, 'hello', { To: `whatsapp:${COUNCIL}`, ProfileName: 'Sam' });
  await post('/webhooks/twilio/sms', sms);
  await post('/webhooks/twilio/sms', whatsapp);
  const [a, b] = await waitUntil(async () => {
    const found = await Promise.all([sms, whatsapp].map((p) => Message.findById(ids.turnMessage(`sms-${p.MessageSid}`, 0)).lean()));
    return found.every(Boolean) ? found : undefined;
  }, 15_000, 'both stored');
  expect(a!.identityId).not.toBe(b!.identityId);
  const conversations = await Promise.all([a, b].map((m) => Conversation.findById(m!.conversationId).lean()));
  expect(conversations[0]!.contactId).toBe(conversations[1]!.contactId);
  // The WhatsApp reply goes out from the council's WhatsApp sender.
  const reply = await waitUntil(() => double.sent.find((m) => m.To === `whatsapp:${number}`), 15_000, 'WhatsApp reply');
  expect(reply.From).toBe(`whatsapp:${COUNCIL}`);

  // Agents see the person with both identities and both conversations.
  const login = await fetch(`${engine().url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@council.example', password: 'test-admin-password' }) });
  const { token } = (await login.json()) as { token: string };
  const contact = await (await fetch(`${engine().url}/api/v1/contacts/${conversations[0]!.contactId}`, { headers: { authorization: `Bearer ${token}` } })).json() as { identities: Array<{ address: string }>; conversations: unknown[] };
  expect(contact.identities.map((i) => i.address).sort()).toEqual([number, `whatsapp:${number}`]);
  expect(contact.conversations).toHaveLength(2);
});

test('Twilio down for a moment (500): the reply is retried and sent exactly once', async () => {
  const from = '+61412000009';
  double.failNext.count = 1;
  await post('/webhooks/twilio/sms', inbound(from, 'hello'));
  await waitUntil(() => smsTo(from)[0], 15_000, 'reply after a retry');
  await sleep(1500);
  expect(smsTo(from)).toHaveLength(1);
  expect(await Message.findOne({ to: from, direction: 'outbound' }).lean()).toMatchObject({ deliveryStatus: 'sent' });
});

test('a send that timed out after Twilio took it is looked up, recorded as sent and not repeated', async () => {
  const from = '+61412000010';
  // Twilio takes the message but its answer never comes: the SDK gives up after its timeout.
  double.hang.set(from, 'after-create');
  await post('/webhooks/twilio/sms', inbound(from, 'hello'));
  await waitUntil(() => double.hanging.some((h) => h.To === from), 15_000, 'the send in flight');
  double.hang.delete(from);
  const settled = await waitUntil(async () => {
    const m = await Message.findOne({ to: from, direction: 'outbound' }).lean();
    return m && m.deliveryStatus !== 'pending' && m.deliveryStatus !== 'sending' ? m : undefined;
  }, 45_000, 'the doubt resolved');
  expect(smsTo(from)).toHaveLength(1);
  expect(settled).toMatchObject({ deliveryStatus: 'sent', providerMessageId: smsTo(from)[0]!.sid });
  expect(double.listRequests.some((q) => q.To === from)).toBe(true);
}, 60_000);

test('an agent reply longer than an SMS can carry is refused with a clear message', async () => {
  const from = '+61412000011';
  await post('/webhooks/twilio/sms', inbound(from, 'agent'));
  const conversation = await waitUntil(async () => (await Conversation.findOne({ status: 'queued', channel: 'sms' }).lean()) ?? undefined, 15_000, 'queued');
  const agent = await agentSocket(engine().url!, await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password'));
  expect(await agentCommand(agent, 'conversation.claim', { conversationId: conversation._id })).toMatchObject({ ok: true });
  const tooLong = await agentCommand(agent, 'message.send', { conversationId: conversation._id, text: 'x'.repeat(1601) });
  expect(tooLong).toMatchObject({ ok: false, error: { code: 'message_too_long' } });
  expect(await agentCommand(agent, 'message.send', { conversationId: conversation._id, text: 'We have booked a crew for Monday.' })).toMatchObject({ ok: true });
  await waitUntil(() => smsTo(from).find((m) => m.Body === 'We have booked a crew for Monday.'), 15_000, 'agent SMS');
  agent.close();
});

test('report-issue by MMS: the photo\'s GPS becomes the location and is stripped from the stored image', async () => {
  const from = '+61412000020';
  const account = `AC${'1'.repeat(32)}`;
  // A real JPEG with an EXIF GPS position (Riverbend-ish: 33.8688° S, 151.2093° E).
  const tiny = Buffer.from('/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=', 'base64');
  const gps = { [piexif.GPSIFD.GPSLatitudeRef!]: 'S', [piexif.GPSIFD.GPSLatitude!]: piexif.GPSHelper.degToDmsRational(33.8688), [piexif.GPSIFD.GPSLongitudeRef!]: 'E', [piexif.GPSIFD.GPSLongitude!]: piexif.GPSHelper.degToDmsRational(151.2093) };
  const photo = Buffer.from(piexif.insert(piexif.dump({ '0th': {}, Exif: {}, GPS: gps }), tiny.toString('binary')), 'binary');
  expect((await exifr.gps(photo)).latitude).toBeCloseTo(-33.8688, 3);
  double.media.set(`/2010-04-01/Accounts/${account}/Messages/MM7/Media/ME7`, { contentType: 'image/jpeg', data: photo });

  await post('/webhooks/twilio/sms', inbound(from, 'there is a big pothole here'));
  await waitUntil(() => smsTo(from).find((m) => m.Body.includes('Where is it?')), 15_000, 'asked where');
  const mms = inbound(from, '', { NumMedia: '1', MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/${account}/Messages/MM7/Media/ME7`, MediaContentType0: 'image/jpeg' });
  await post('/webhooks/twilio/sms', mms);
  const confirm = await waitUntil(() => smsTo(from).find((m) => m.Body.startsWith('Report a pothole at')), 15_000, 'confirmation');
  expect(confirm.Body).toContain('-33.86880, 151.20930');
  await post('/webhooks/twilio/sms', inbound(from, 'yes'));
  const created = await waitUntil(() => smsTo(from).find((m) => /report number is RC-\d{6}/.test(m.Body)), 15_000, 'reference');
  const reference = /(RC-\d{6})/.exec(created.Body)![1]!;
  const stored = await Case.findById(reference).lean();
  expect(stored!.location!.lat).toBeCloseTo(-33.8688, 4);
  expect(stored!.location!.lng).toBeCloseTo(151.2093, 4);
  expect(stored!.photoCount).toBe(1);
  const media = await Media.findOne({ inboundEventId: `sms-${mms.MessageSid}` }).lean();
  const kept = Buffer.from((media!.data as unknown as { buffer: Uint8Array }).buffer);
  expect(kept.length).toBeLessThan(photo.length);
  expect(await exifr.gps(kept).catch(() => undefined)).toBeUndefined();
});

test('report-issue: a photo sent before any words is kept, the description is asked for next, and the summary reads back the resident\'s words', async () => {
  const from = '+61412000021';
  const account = `AC${'1'.repeat(32)}`;
  const jpeg = Buffer.from('/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=', 'base64');
  double.media.set(`/2010-04-01/Accounts/${account}/Messages/MM8/Media/ME8`, { contentType: 'image/jpeg', data: jpeg });
  const replyAfter = async (params: Record<string, string>) => {
    const before = smsTo(from).length;
    expect((await post('/webhooks/twilio/sms', params)).status).toBe(200);
    return (await waitUntil(() => smsTo(from)[before], 15_000, 'the reply')).Body;
  };

  expect(await replyAfter(inbound(from, 'I want to report a pothole at 5 Bank Street'))).toMatch(/send a photo/);
  const afterPhoto = await replyAfter(inbound(from, '', { NumMedia: '1', MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/${account}/Messages/MM8/Media/ME8`, MediaContentType0: 'image/jpeg' }));
  expect(afterPhoto).not.toMatch(/^Report a pothole/);
  expect(afterPhoto).not.toMatch(/send a photo/);
  const confirm = await replyAfter(inbound(from, 'deep hole by the drain, a cyclist came off there'));
  expect(confirm).toMatch(/^Report a pothole at 5 Bank Street: "deep hole by the drain, a cyclist came off there"\?/);
  const created = await replyAfter(inbound(from, 'yes'));
  const reference = /report number is (RC-\d{6})/.exec(created)![1]!;
  expect(await Case.findById(reference).lean()).toMatchObject({ description: 'deep hole by the drain, a cyclist came off there', photoCount: 1, location: { text: '5 Bank Street' } });
});

/**
 * Privacy operations (CONTRACT.md §12; issue 14, item 7): export a person, erase them from
 * every API, the database and Redis (a new message from the same number starts afresh), the
 * audit trail of who read or changed their records, and retention by a scheduled job. Real
 * signed Twilio webhooks, the real `twilio` SDK to a local double, Redis and FerretDB.
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import twilio from 'twilio';
import { Case, Contact, Conversation, InboundEvent, Media, Message, Permit } from '../src/models';
import { agentCommand, agentSocket, loginAgent, spawnEngineProcess, startTestEngine, stopAndDrop, testEnv, waitForOutput, waitUntil, WebchatResident } from './helpers/engine';
import { startTwilioDouble, type TwilioDouble } from './helpers/twilio-double';

const PUBLIC_URL = 'https://council.example';
const TOKEN = 'privacy-auth-token-0123456789abcd';
const ACCOUNT = `AC${'2'.repeat(32)}`;
const FROM = '+61412555666';
let double: TwilioDouble;
let engine: Awaited<ReturnType<typeof startTestEngine>>;
let env: Record<string, string>;

beforeAll(async () => {
  double = await startTwilioDouble();
  env = testEnv({ PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_API_URL: double.url, OPEN311_API_KEYS: 'privacy-open311-key' });
  engine = await startTestEngine(env);
});
afterAll(async () => {
  await stopAndDrop(engine);
  await double.stop();
});

const sms = (body: string, extra: Record<string, string> = {}) => {
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT, From: FROM, To: '+61480000000', Body: body, NumMedia: '0', ...extra };
  const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, params);
  return fetch(`${engine.url}/webhooks/twilio/sms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() }).then(async (r) => {
    expect(r.status).toBe(200);
    await r.text();
  });
};
const texted = (match: RegExp) => waitUntil(() => double.sent.find((m) => m.To === FROM && match.test(m.Body)), 15_000, `an SMS matching ${match}`);
const api = (token: string, path: string, method = 'GET') => fetch(`${engine.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}` } });

/** Every document in every collection, and every value under this engine's Redis prefix, as text. */
async function everythingStored(): Promise<{ database: Record<string, string>; redis: string }> {
  const database: Record<string, string> = {};
  for (const { name } of await mongoose.connection.db!.listCollections().toArray()) {
    database[name] = JSON.stringify(await mongoose.connection.db!.collection(name).find({}).toArray());
  }
  const { redis } = engine.services;
  const parts: string[] = [];
  for (const key of await redis.keys(`${engine.config.QUEUE_PREFIX}:*`)) {
    const type = await redis.type(key);
    const value =
      type === 'hash' ? await redis.hgetall(key) : type === 'list' ? await redis.lrange(key, 0, -1) : type === 'set' ? await redis.smembers(key) : type === 'zset' ? await redis.zrange(key, 0, -1) : type === 'stream' ? await redis.xrange(key, '-', '+') : await redis.get(key);
    parts.push(`${key} ${JSON.stringify(value)}`);
  }
  return { database, redis: parts.join('\n') };
}

test('export, audit and erasure of a person; a new message from the same number starts a fresh contact', async () => {
  // A resident reports a pothole with a photo, then asks for a person, who answers.
  double.media.set(`/2010-04-01/Accounts/${ACCOUNT}/Messages/MM9/Media/ME9`, { contentType: 'image/jpeg', data: Buffer.from('/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=', 'base64') });
  await sms('hi');
  await texted(/./);
  await sms('pothole outside 9 Gum Tree Lane, I am Priya Natarajan');
  await texted(/photo/i);
  await sms('', { NumMedia: '1', MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Messages/MM9/Media/ME9`, MediaContentType0: 'image/jpeg' });
  await texted(/^Report a pothole at/);
  await sms('yes');
  const reference = /(RC-\d{6})/.exec((await texted(/report number is RC-\d{6}/)).Body)![1]!;
  await waitUntil(() => Media.exists({ contentType: 'image/jpeg' }), 15_000, 'the photo stored');
  await sms('agent');
  const contactId = (await waitUntil(() => Conversation.findOne({ status: 'queued' }).lean(), 15_000, 'queued'))!.contactId;
  const conversationId = (await Conversation.findOne({ status: 'queued' }).lean())!._id;
  const admin = await loginAgent(engine.url!, 'admin@council.example', 'test-admin-password');
  const socket = await agentSocket(engine.url!, admin);
  try {
    expect((await agentCommand(socket, 'conversation.claim', { conversationId })).ok).toBe(true);
    expect((await agentCommand(socket, 'message.send', { conversationId, text: 'Hi Priya, we will fix it this week.' })).ok).toBe(true);
    await texted(/we will fix it this week/);
  } finally {
    socket.close();
  }

  // Export: everything held about the person, media included.
  const exported = (await (await api(admin, `/contacts/${contactId}/export`)).json()) as { identities: Array<{ address: string }>; conversations: Array<{ messages: Array<{ text: string }> }>; media: Array<{ data: string }>; cases: Array<{ _id: string }>; audit: Array<{ action: string }> };
  expect(exported.identities.map((i) => i.address)).toContain(FROM);
  expect(exported.conversations.flatMap((c) => c.messages.map((m) => m.text))).toEqual(expect.arrayContaining(['pothole outside 9 Gum Tree Lane, I am Priya Natarajan', 'Hi Priya, we will fix it this week.']));
  expect(exported.media).toHaveLength(1);
  expect(exported.media[0]!.data.length).toBeGreaterThan(10);
  expect(exported.cases.map((c) => c._id)).toEqual([reference]);
  expect(exported.audit.map((a) => a.action)).toEqual(expect.arrayContaining(['conversation.claim', 'conversation.reply']));
  expect((await api(await loginAgent(engine.url!, 'admin@council.example', 'test-admin-password'), `/contacts/${contactId}`)).status).toBe(200);

  // Erasure.
  const erased = await api(admin, `/contacts/${contactId}`, 'DELETE');
  expect(erased.status).toBe(200);
  expect(((await erased.json()) as { erased: { conversations: number } }).erased.conversations).toBeGreaterThanOrEqual(1);

  // Nothing is found by any API…
  expect((await api(admin, `/contacts/${contactId}`)).status).toBe(404);
  expect((await api(admin, `/contacts/${contactId}/export`)).status).toBe(404);
  expect((await api(admin, `/conversations/${conversationId}`)).status).toBe(404);
  expect((await api(admin, `/conversations/${conversationId}/messages`)).status).toBe(404);
  expect(await (await api(admin, `/conversations?address=${encodeURIComponent(FROM)}`)).json()).toEqual({ conversations: [] });
  const kept = (await (await api(admin, `/cases/${reference}`)).json()) as Record<string, unknown>;
  expect(JSON.stringify(kept)).not.toMatch(/Priya|9 Gum Tree|Natarajan/);
  const open311 = await (await fetch(`${engine.url}/open311/v2/requests/${reference}.json?api_key=privacy-open311-key`)).text();
  expect(open311).not.toMatch(/Priya|9 Gum Tree|Natarajan/);

  // …nor in the database (the audit log keeps ids and the fact of the erasure, nothing they wrote)…
  const stored = await everythingStored();
  for (const [collection, text] of Object.entries(stored.database)) {
    for (const secret of [FROM, FROM.slice(1), 'Priya', 'Natarajan', 'Gum Tree Lane, I am']) expect([collection, text.includes(secret)]).toEqual([collection, false]);
    if (collection !== 'audit_log') expect([collection, text.includes(contactId)]).toEqual([collection, false]);
  }
  expect(await Media.countDocuments({})).toBe(0);
  // …nor in Redis.
  for (const secret of [FROM, FROM.slice(1), contactId, conversationId, 'Priya']) expect(stored.redis.split('\n').filter((line) => line.includes(secret))).toEqual([]);
  const trail = (await (await api(admin, `/audit?contactId=${contactId}`)).json()) as { entries: Array<{ action: string; actorId: string }> };
  expect(trail.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['contact.export', 'contact.erase']));

  // The same number texts again: a fresh contact with no history.
  const before = double.sent.length;
  await sms('hello again');
  await waitUntil(() => double.sent.slice(before).find((m) => m.To === FROM), 15_000, 'a reply');
  const fresh = (await (await api(admin, `/conversations?address=${encodeURIComponent(FROM)}`)).json()) as { conversations: Array<{ id: string; contactId: string }> };
  expect(fresh.conversations).toHaveLength(1);
  const messages = (await (await api(admin, `/conversations/${fresh.conversations[0]!.id}/messages`)).json()) as { messages: Array<{ text: string }> };
  expect(messages.messages.map((m) => m.text)).not.toContain('pothole outside 9 Gum Tree Lane, I am Priya Natarajan');
  expect(messages.messages[0]!.text).toBe('hello again');
  expect(await Contact.countDocuments({ _id: fresh.conversations[0]!.contactId })).toBe(1);
});

test('export, erasure and the audit trail are for admins only', async () => {
  const { createAgent } = await import('../src/agents/auth');
  await createAgent({ email: 'sup@council.example', name: 'Sup', password: 'sup-password-12', role: 'supervisor' });
  const supervisor = await loginAgent(engine.url!, 'sup@council.example', 'sup-password-12');
  const someone = (await Contact.findOne().lean())!._id;
  expect((await api(supervisor, `/contacts/${someone}/export`)).status).toBe(403);
  expect((await api(supervisor, `/contacts/${someone}`, 'DELETE')).status).toBe(403);
  expect((await api(supervisor, `/audit?contactId=${someone}`)).status).toBe(403);
  expect(await Contact.countDocuments({ _id: someone })).toBe(1);
});

test('retention: a worker\'s scheduled job removes conversations older than RETENTION_DAYS and leaves recent ones', async () => {
  const old = new WebchatResident(engine.url!);
  const recent = new WebchatResident(engine.url!);
  try {
    await old.start();
    await recent.start();
    for (const chat of [old, recent]) {
      await chat.say('when does the library open on saturday');
      await chat.waitForReply((m) => /library/i.test(m.text));
    }
  } finally {
    old.close();
    recent.close();
  }
  const oldId = old.conversationId!;
  const recentId = recent.conversationId!;
  // The old conversation was last touched ten days ago (written directly: timestamps would say "now").
  const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
  await Conversation.collection.updateOne({ _id: oldId as never }, { $set: { updatedAt: tenDaysAgo, createdAt: tenDaysAgo } });
  const oldIdentity = (await Conversation.findById(oldId).lean())!.identityId;
  await InboundEvent.collection.updateMany({ identityId: oldIdentity }, { $set: { receivedAt: tenDaysAgo } });
  expect(await Message.countDocuments({ conversationId: oldId })).toBeGreaterThan(0);
  // A photo, a report and a permit of the old resident, last touched ten days ago too.
  const oldConversation = (await Conversation.findById(oldId).lean())!;
  const owner = { contactId: oldConversation.contactId, identityId: oldIdentity, channel: 'webchat', conversationId: oldId, address: oldConversation.identityId };
  await Media.create({ _id: `media-retention-${oldId}`, inboundEventId: `event-retention-${oldId}`, sourceUrl: 'upload', contentType: 'image/png', data: Buffer.from('x') });
  await Media.collection.updateOne({ _id: `media-retention-${oldId}` as never }, { $set: { createdAt: tenDaysAgo, updatedAt: tenDaysAgo } });
  const report = await engine.services.councils.default.cases.create({ category: 'pothole', description: 'Pothole outside my house, call Jo on 0412 555 666', location: { text: '14 Smith Street, Riverbend', lat: -33.86881, lng: 151.20929 }, photoCount: 1 }, owner, `retention-${oldId}`);
  await Case.collection.updateOne({ _id: report.reference as never }, { $set: { updatedAt: tenDaysAgo, createdAt: tenDaysAgo } });
  const campground = engine.services.councils.default.permits.list()[0]!;
  const booked = await engine.services.councils.default.permits.book({ campgroundId: campground.id, arrive: new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10), nights: 1, partySize: 2 }, owner, `retention-permit-${oldId}`);
  if (!booked.ok) throw new Error('not booked');
  await Permit.collection.updateOne({ _id: booked.reference as never }, { $set: { updatedAt: tenDaysAgo, createdAt: tenDaysAgo } });

  const worker = spawnEngineProcess({ ...env, ROLE: 'worker', LOG_LEVEL: 'info', SEED_DEMO: 'false', RETENTION_DAYS: '7', RETENTION_SWEEP_MINUTES: '0.02' });
  try {
    await waitForOutput(worker.child, '"retention.applied"', 60_000);
    await waitUntil(async () => !(await Conversation.exists({ _id: oldId })), 15_000, 'the old conversation gone');
    expect(await Message.countDocuments({ conversationId: oldId })).toBe(0);
    expect(await InboundEvent.countDocuments({ identityId: oldIdentity })).toBe(0);
    expect(await Conversation.exists({ _id: recentId })).toBeTruthy();
    expect(await Message.countDocuments({ conversationId: recentId })).toBeGreaterThan(1);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
  expect(await Case.countDocuments({ contactId: { $ne: 'erased' }, updatedAt: { $lt: new Date(Date.now() - 7 * 86_400_000) } })).toBe(0);
  // The photo is gone; the report stays for the council's work with nobody and no house in it; the permit names nobody.
  expect(await Media.exists({ _id: `media-retention-${oldId}` })).toBeNull();
  const kept = (await Case.findById(report.reference).lean())!;
  expect(kept).toMatchObject({ contactId: 'erased', identityId: 'erased', description: '', category: 'pothole' });
  expect(kept.location).toMatchObject({ text: 'Smith Street', lat: -33.869, lng: 151.209 });
  expect(await Permit.findById(booked.reference).lean()).toMatchObject({ contactId: 'erased', identityId: 'erased' });
}, 90_000);

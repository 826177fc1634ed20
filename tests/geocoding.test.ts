/**
 * Locations as an address plus a map link (issue 15, item 2): a place a resident shares gets a
 * short address from a Nominatim-compatible geocoder (a local double speaking jsonv2) after
 * the turn, never before the reply; agents see it through the REST API and live on their
 * socket; a report made from the place gets it too (from the cache); a geocoder that fails
 * leaves the coordinates.
 */
import { randomBytes } from 'node:crypto';
import type { ThreadMessage } from '../src/domain/workspace';
import { shortAddress } from '../src/geo/reverse-geocode';
import { parseConfig } from '../src/config';
import { Case, Conversation } from '../src/models';
import { anonymiseCases } from '../src/privacy/erase';
import { safeJobId } from '../src/queues/names';
import { agentCommand, agentSocket, loginAgent, useTestEngine, waitUntil, WebchatResident, type ChatMessage } from './helpers/engine';
import { startNominatimDouble } from './helpers/nominatim-double';

const TOWN_HALL = { lat: -33.8688, lng: 151.2093 };
const BROKEN = { lat: -35.3, lng: 149.1 };
const GEOCODER_DELAY_MS = 3000;

let double: Awaited<ReturnType<typeof startNominatimDouble>>;
beforeAll(async () => {
  double = await startNominatimDouble();
  double.places.set('-33.8688,151.2093', {
    delayMs: GEOCODER_DELAY_MS,
    name: 'Sydney Town Hall',
    address: { house_number: '483', road: 'George Street', suburb: 'Sydney', city: 'Council of the City of Sydney', state: 'New South Wales', postcode: '2000' },
    displayName: 'Sydney Town Hall, 483, George Street, Sydney, Council of the City of Sydney, New South Wales, 2000, Australia',
  });
  double.places.set('-35.3000,149.1000', { status: 500 });
});
afterAll(async () => {
  await double.stop();
});
const engine = useTestEngine({ get GEOCODER_URL() { return double.url; } });

const residents: WebchatResident[] = [];
afterAll(() => residents.forEach((r) => r.close()));

let token: string;
const api = async <T>(path: string): Promise<T> => {
  token ??= await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password');
  const res = await fetch(`${engine().url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};
const sharedPlace = async (conversationId: string) =>
  (await api<{ messages: ThreadMessage[] }>(`/conversations/${conversationId}/messages`)).messages.find((m) => m.sender.kind === 'contact' && m.location);

/** Sends and resolves with the first reply after it, and when it came. */
async function send(chat: WebchatResident, payload: Record<string, unknown>): Promise<{ reply: ChatMessage; at: number }> {
  const before = chat.received.length;
  const ack = await chat.emit('message.send', { clientMessageId: `g-${randomBytes(4).toString('hex')}`, ...payload });
  if (!ack.ok) throw new Error(ack.error.message);
  const reply = await waitUntil(() => chat.received.slice(before).find((m) => m.sender.kind !== 'contact'), 15_000, 'a reply');
  return { reply, at: Date.now() };
}

test('the reply does not wait for a slow geocoder; the address then reaches the API, the open thread and the report', async () => {
  const chat = new WebchatResident(engine().url!);
  residents.push(chat);
  await chat.start();
  expect((await send(chat, { text: 'there is a pothole' })).reply.text).toMatch(/Where is it\?/);

  // An agent with the conversation open hears of the address when it is found.
  const agent = await agentSocket(engine().url!, (token ??= await loginAgent(engine().url!, 'admin@council.example', 'test-admin-password')));
  const updates: Array<{ id: string; location?: ThreadMessage['location'] }> = [];
  agent.on('message.updated', (u: { id: string; location?: ThreadMessage['location'] }) => updates.push(u));
  expect((await agentCommand(agent, 'conversation.open', { conversationId: chat.conversationId })).ok).toBe(true);

  const sentAt = Date.now();
  const { reply, at: repliedAt } = await send(chat, { location: TOWN_HALL });
  expect(reply.text).toMatch(/send a photo/i);
  // The geocoder takes 3 s to answer; the resident heard back well before that.
  expect(repliedAt - sentAt).toBeLessThan(GEOCODER_DELAY_MS);
  const asked = await waitUntil(() => double.requests.find((r) => r.lat === '-33.8688'), 5000, 'the geocoder asked');
  expect(asked.answeredAt === undefined || asked.answeredAt > repliedAt).toBe(true);
  expect((await sharedPlace(chat.conversationId!))?.location).toEqual(TOWN_HALL);

  // Asked as Nominatim's policy says: jsonv2, the rounded point, an application's own User-Agent.
  expect(asked).toMatchObject({ format: 'jsonv2', lon: '151.2093' });
  expect(asked.userAgent).toMatch(/^Switchboard-Geocoder\/1\.0 \(.+; \+http/);

  const address = 'Sydney Town Hall, 483 George Street, Sydney 2000';
  const served = await waitUntil(async () => {
    const place = await sharedPlace(chat.conversationId!);
    return place?.location?.address ? place : undefined;
  }, 15_000, 'the address on the message', 200);
  expect(served.location).toEqual({ ...TOWN_HALL, address });
  expect(served.text).toBe('Location -33.86880, 151.20930');
  const live = await waitUntil(() => updates.find((u) => u.id === served.id), 5000, 'message.updated with the place');
  expect(live.location).toEqual({ ...TOWN_HALL, address });
  agent.close();

  // The report made from the place carries the address too, from the cache (no second request).
  expect((await send(chat, { text: 'skip' })).reply.text).toMatch(/what is the problem\?/);
  expect((await send(chat, { text: 'about a metre wide, right in the wheel track' })).reply.text).toMatch(/^Report a pothole at the spot you shared/);
  const reference = /report number is (RC-\d{6})/.exec((await send(chat, { text: 'yes' })).reply.text)?.[1];
  expect(reference).toBeDefined();
  const report = await waitUntil(async () => {
    const found = await Case.findById(reference).lean();
    return found?.location?.address ? found : undefined;
  }, 10_000, 'the address on the report', 200);
  expect(report.location).toMatchObject({ ...TOWN_HALL, address });
  expect(double.requests.filter((r) => r.lat === '-33.8688')).toHaveLength(1);
  const contactId = (await Conversation.findById(chat.conversationId).lean())!.contactId;
  const person = await api<{ cases: Array<{ reference: string; summary: string }> }>(`/contacts/${contactId}`);
  expect(person.cases.find((c) => c.reference === reference)?.summary).toBe(`${address}: about a metre wide, right in the wheel track`);
  // Anonymised (erasure, retention), the report keeps the street of the address, not the house.
  await anonymiseCases([reference!]);
  // …and the point to about 100 m; a description with no street in it goes altogether.
  expect((await Case.findById(reference).lean())!.location).toMatchObject({ lat: -33.869, lng: 151.209, address: 'George Street' });
  await Case.updateOne({ _id: reference }, { $set: { 'location.text': 'behind the old church hall' } });
  await anonymiseCases([reference!]);
  expect((await Case.findById(reference).lean())!.location?.text).toBeUndefined();

  // Another resident sharing the same point: answered from the cache.
  const other = new WebchatResident(engine().url!);
  residents.push(other);
  await other.start();
  await send(other, { location: { lat: -33.86881, lng: 151.20929 } });
  await waitUntil(async () => (await sharedPlace(other.conversationId!))?.location?.address === address || undefined, 10_000, 'the cached address', 200);
  expect(double.requests.filter((r) => r.lat === '-33.8688')).toHaveLength(1);
}, 60_000);

test('a geocoder that fails leaves the place as coordinates', async () => {
  const chat = new WebchatResident(engine().url!);
  residents.push(chat);
  await chat.start();
  await send(chat, { location: BROKEN });
  const place = await waitUntil(() => sharedPlace(chat.conversationId!), 5000, 'the message');
  // Asked three times (HTTP 500 is worth retrying), then given up: logged, and the job ends there.
  await waitUntil(async () => {
    const found = await engine().services.queues.geocode.getJob(safeJobId('geo-message', place.id));
    return found && (await found.getState()) === 'completed' ? found : undefined;
  }, 20_000, 'the lookup given up', 200);
  expect(double.requests.filter((r) => r.lat === '-35.3000')).toHaveLength(3);
  const outcomes = (await engine().services.metrics.geocoder.get()).values.map((v) => [v.labels.outcome, v.value]);
  expect(outcomes).toEqual(expect.arrayContaining([['retrying', 2], ['failed', 1]]));
  const after = await sharedPlace(chat.conversationId!);
  expect(after?.location).toEqual(BROKEN);
  expect(after?.text).toBe('Location -35.30000, 149.10000');
}, 40_000);

test('the short address agents read, and the setting', () => {
  expect(shortAddress({ name: '', address: { house_number: '12', road: 'Bay Road', suburb: 'Riverbend', postcode: '2999' }, display_name: '12, Bay Road, Riverbend, 2999, Australia' })).toBe('12 Bay Road, Riverbend 2999');
  expect(shortAddress({ name: 'Hyde Park', address: { suburb: 'Sydney', postcode: '2000' } })).toBe('Hyde Park, Sydney 2000');
  expect(shortAddress({ name: 'George Street', address: { road: 'George Street', town: 'Bowral' } })).toBe('George Street, Bowral');
  expect(shortAddress({ display_name: 'Tasman Sea, Australia' })).toBe('Tasman Sea, Australia');
  expect(shortAddress({})).toBeUndefined();

  const base = { REDIS_URL: 'redis://localhost:6379', MONGODB_URI: 'mongodb://localhost/x' };
  expect(parseConfig(base).GEOCODER_URL).toBeUndefined();
  expect(parseConfig({ ...base, GEOCODER_URL: 'https://nominatim.openstreetmap.org/' }).GEOCODER_URL).toBe('https://nominatim.openstreetmap.org');
  expect(() => parseConfig({ ...base, GEOCODER_URL: 'nominatim.openstreetmap.org' })).toThrow(/GEOCODER_URL/);
});

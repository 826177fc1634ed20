/** Open311 GeoReport v2 over the engine's own cases, in JSON and XML, through real storage. */
import { XMLParser } from 'fast-xml-parser';
import { useTestEngine, waitUntil, WebchatResident } from './helpers/engine';
import { AuditEntry } from '../src/privacy/audit';

const engine = useTestEngine({ OPEN311_API_KEYS: 'key-for-the-city-app' });
const url = (path: string) => `${engine().url}/open311/v2/${path}`;
const form = (body: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });

test('services list the report categories, in JSON and XML', async () => {
  const services = (await (await fetch(url('services.json'))).json()) as Array<{ service_code: string; service_name: string }>;
  expect(services.map((s) => s.service_code)).toEqual(expect.arrayContaining(['pothole', 'dumped-rubbish', 'street-light', 'graffiti']));
  const xml = await (await fetch(url('services.xml'))).text();
  const parsed = new XMLParser().parse(xml) as { services: { service: Array<{ service_code: string }> } };
  expect(parsed.services.service.map((s) => s.service_code)).toContain('pothole');
  expect(await (await fetch(url('services/pothole.json'))).json()).toEqual({ service_code: 'pothole', attributes: [] });
});

test('a request is created with an api_key, then listed and fetched; errors are [{ code, description }]', async () => {
  const created = await fetch(url('requests.json'), form({ api_key: 'key-for-the-city-app', service_code: 'pothole', lat: '-33.87', long: '151.21', address_string: '5 Station Street', description: 'Deep pothole in the bus lane' }));
  expect(created.status).toBe(201);
  const id = ((await created.json()) as Array<{ service_request_id: string }>)[0]!.service_request_id;
  expect(id).toMatch(/^RC-\d{6}$/);

  const one = (await (await fetch(url(`requests/${id}.json?api_key=key-for-the-city-app`))).json()) as Array<Record<string, unknown>>;
  expect(one[0]).toMatchObject({ service_request_id: id, status: 'open', service_code: 'pothole', description: 'Deep pothole in the bus lane', address: '5 Station Street', lat: -33.87, long: 151.21 });
  const anyone = (await (await fetch(url(`requests/${id}.json`))).json()) as Array<Record<string, unknown>>;
  expect(anyone[0]).toMatchObject({ service_request_id: id, description: 'Deep pothole in the bus lane', address: 'Station Street' });
  const listed = (await (await fetch(url('requests.json?service_code=pothole&status=open'))).json()) as Array<{ service_request_id: string }>;
  expect(listed.map((r) => r.service_request_id)).toContain(id);
  const xml = new XMLParser().parse(await (await fetch(url(`requests/${id}.xml`))).text()) as { service_requests: { request: { service_request_id: string } } };
  expect(xml.service_requests.request.service_request_id).toBe(id);

  const forbidden = await fetch(url('requests.json'), form({ api_key: 'wrong', service_code: 'pothole', address_string: '1 Main St' }));
  expect(forbidden.status).toBe(403);
  expect(await forbidden.json()).toEqual([{ code: 403, description: 'The api_key is not valid.' }]);
  const noPlace = await fetch(url('requests.json'), form({ api_key: 'key-for-the-city-app', service_code: 'pothole' }));
  expect(noPlace.status).toBe(400);
  expect(((await noPlace.json()) as Array<{ description: string }>)[0]!.description).toMatch(/location is required/);
  const missing = await fetch(url('requests/RC-000000.xml'));
  expect(missing.status).toBe(404);
  expect(new XMLParser().parse(await missing.text())).toMatchObject({ errors: { error: { code: 404 } } });
});

test('the public list carries no personal data; the full record only with a key (and that read is audited)', async () => {
  const chat = new WebchatResident(engine().url!);
  try {
    await chat.start();
    const say = async (text: string) => {
      const before = chat.received.length;
      await chat.say(text);
      return (await waitUntil(() => chat.received.slice(before).find((m) => m.sender.kind !== 'contact'), 15_000, 'reply')).text;
    };
    await say('hi');
    const words = 'There is a pothole outside my house at 9 Gum Tree Lane, my name is Priya Natarajan, mobile 0412 555 666, email priya@example.com';
    expect(await say(words)).toMatch(/photo/i);
    expect(await say('skip')).toMatch(/^Report a pothole at 9 Gum Tree Lane: "There is a pothole/);
    const reference = /report number is (RC-\d{6})/.exec(await say('yes'))![1]!;

    const secrets = ['Priya', 'Natarajan', '0412', '555 666', 'priya@example.com', '9 Gum Tree'];
    for (const path of ['requests.json', `requests/${reference}.json`, 'requests.xml', `requests/${reference}.xml`]) {
      const body = await (await fetch(url(path))).text();
      expect(body).toContain(reference);
      expect(body).toContain('Gum Tree Lane');
      for (const secret of secrets) expect(body).not.toContain(secret);
    }
    const [one] = (await (await fetch(url(`requests/${reference}.json`))).json()) as Array<Record<string, unknown>>;
    expect(one).toMatchObject({ service_code: 'pothole', status: 'open', address: 'Gum Tree Lane', description: 'There is a pothole outside my house at Gum Tree Lane, my name is [name removed], mobile [details removed], email [details removed]' });
    expect(Object.keys(one!)).toEqual(expect.arrayContaining(['requested_datetime', 'updated_datetime']));

    const [full] = (await (await fetch(url(`requests/${reference}.json?api_key=key-for-the-city-app`))).json()) as Array<Record<string, unknown>>;
    expect(full).toMatchObject({ description: words, address: '9 Gum Tree Lane' });
    expect(await AuditEntry.countDocuments({ target: reference, action: 'case.read' })).toBe(1);
    const wrongKey = (await (await fetch(url(`requests/${reference}.json?api_key=guess`))).json()) as Array<Record<string, unknown>>;
    expect(wrongKey[0]!.description).not.toContain('Priya');
  } finally {
    chat.close();
  }
});

test('positions are rounded to about 100 m without a key', async () => {
  const created = await fetch(url('requests.json'), form({ api_key: 'key-for-the-city-app', service_code: 'graffiti', lat: '-33.871234', long: '151.206789', description: 'Tag on the wall' }));
  const id = ((await created.json()) as Array<{ service_request_id: string }>)[0]!.service_request_id;
  const [one] = (await (await fetch(url(`requests/${id}.json`))).json()) as Array<Record<string, unknown>>;
  expect(one).toMatchObject({ lat: -33.871, long: 151.207 });
});

const KEY = 'key-for-the-city-app';
const created = async (body: Record<string, string>, headers: Record<string, string> = {}) => {
  const res = await fetch(url('requests.json'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ api_key: KEY, ...body }).toString() });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), id: ((await res.json()) as Array<{ service_request_id: string }>)[0]?.service_request_id };
};
const list = async (query: string) => (await fetch(url(`requests.json?${query}`))).json() as Promise<Array<Record<string, unknown>>>;

test('a create retried with the same Idempotency-Key makes one request; another key makes another', async () => {
  const body = { service_code: 'street-light', address_string: '7 Harbour Road', description: 'Light out at the bus stop' };
  const [first, second] = await Promise.all([created(body, { 'idempotency-key': 'city-app-4711' }), created(body, { 'idempotency-key': 'city-app-4711' })]);
  const third = await created(body, { 'idempotency-key': 'city-app-4711' });
  expect(first.status).toBe(201);
  expect(second.id).toBe(first.id);
  expect(third).toMatchObject({ status: 201, id: first.id, replayed: 'true' });
  const other = await created(body, { 'idempotency-key': 'city-app-4712' });
  expect(other.id).not.toBe(first.id);
  const { Case } = await import('../src/models');
  expect(await Case.countDocuments({ category: 'street-light', description: 'Light out at the bus stop' })).toBe(2);
  expect((await created(body, { 'idempotency-key': 'has spaces in it' })).status).toBe(400);
});

test('media_url: a council system\'s photo URL, and a resident\'s photo through a signed, expiring link, for keyed reads only', async () => {
  const withPhoto = await created({ service_code: 'graffiti', address_string: '2 Mill Lane', description: 'Tag on the wall', media_url: 'https://photos.council.example/abc.jpg' });
  const [keyed] = await list(`service_request_id=${withPhoto.id}&api_key=${KEY}`);
  expect(keyed!.media_url).toBe('https://photos.council.example/abc.jpg');
  const [open] = await list(`service_request_id=${withPhoto.id}`);
  expect(open!.media_url).toBeNull();

  // A resident reports with a photo from the chat.
  const chat = new WebchatResident(engine().url!);
  try {
    const { sessionToken } = await chat.start();
    const say = async (text: string) => {
      const before = chat.received.length;
      await chat.say(text);
      return (await waitUntil(() => chat.received.slice(before).find((m) => m.sender.kind !== 'contact'), 15_000, 'reply')).text;
    };
    expect(await say('there is a pothole outside 40 Ocean Parade')).toMatch(/photo/i);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4890000000049454e44ae426082', 'hex');
    const before = chat.received.length;
    const upload = await fetch(`${engine().url}/webchat/upload`, { method: 'POST', headers: { 'content-type': 'image/png', 'x-session-token': sessionToken, 'x-client-message-id': 'photo-1' }, body: png });
    expect(upload.status).toBe(201);
    await waitUntil(() => chat.received.slice(before).find((m) => m.sender.kind !== 'contact'), 15_000, 'the reply to the photo');
    await say('as big as a dinner plate and deep');
    const reference = /report number is (RC-\d{6})/.exec(await say('yes'))![1]!;

    const [report] = await list(`service_request_id=${reference}&api_key=${KEY}`);
    const link = new URL(String(report!.media_url));
    expect(link.pathname).toMatch(/^\/open311\/v2\/media\/media-webchat-/);
    expect(link.searchParams.get('signature')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const local = (u: URL) => `${engine().url}${u.pathname}${u.search}`;
    const photo = await fetch(local(link));
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await photo.arrayBuffer()).subarray(0, 8)).toEqual(png.subarray(0, 8));
    const tampered = new URL(link);
    tampered.searchParams.set('expires', String(Number(link.searchParams.get('expires')) + 60));
    expect((await fetch(local(tampered))).status).toBe(403);
    const [publicReport] = await list(`service_request_id=${reference}`);
    expect(publicReport!.media_url).toBeNull();
  } finally {
    chat.close();
  }
});

test('searches: comma lists of service codes and statuses, ids override the rest, 90 days at most, updated_datetime and notes follow the status', async () => {
  const pothole = await created({ service_code: 'pothole', address_string: '3 Quay Street', description: 'Deep hole' });
  const graffiti = await created({ service_code: 'graffiti', address_string: '4 Quay Street', description: 'Tags' });
  const both = (await list('service_code=pothole,graffiti')).map((r) => r.service_request_id);
  expect(both).toEqual(expect.arrayContaining([pothole.id, graffiti.id]));
  const onlyGraffiti = (await list('service_code=graffiti')).map((r) => r.service_request_id);
  expect(onlyGraffiti).not.toContain(pothole.id);
  expect((await list('status=open,closed')).map((r) => r.service_request_id)).toEqual(expect.arrayContaining([pothole.id, graffiti.id]));
  expect((await list(`service_request_id=${pothole.id}&service_code=graffiti`)).map((r) => r.service_request_id)).toEqual([pothole.id]);
  const far = await fetch(url(`requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z`));
  expect(far.status).toBe(400);
  expect(((await far.json()) as Array<{ description: string }>)[0]!.description).toMatch(/90 days/);
  expect(await list('start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z')).toEqual([]);
  expect((await fetch(url('requests.json?status=maybe'))).status).toBe(400);

  const [before] = await list(`service_request_id=${pothole.id}`);
  const login = (await (await fetch(`${engine().url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@council.example', password: 'test-admin-password' }) })).json()) as { token: string };
  await new Promise((r) => setTimeout(r, 20));
  const changed = await fetch(`${engine().url}/api/v1/cases/${pothole.id}/status`, { method: 'POST', headers: { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'fixed', note: 'Patched by the roads crew' }) });
  expect(changed.status).toBe(200);
  const [after] = await list(`service_request_id=${pothole.id}`);
  expect(after).toMatchObject({ status: 'closed', status_notes: 'Patched by the roads crew' });
  expect(new Date(String(after!.updated_datetime)).getTime()).toBeGreaterThan(new Date(String(before!.updated_datetime)).getTime());
  expect(after!.requested_datetime).toBe(before!.requested_datetime);
});

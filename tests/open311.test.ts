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

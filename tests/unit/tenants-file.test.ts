/** TENANTS_FILE (CONTRACT.md §9): what a council file may say, and what stops the engine at start-up. */
import path from 'node:path';
import { parseConfig } from '../../src/config';
import { parseTenants, phoneCountryOf } from '../../src/councils/settings';

const config = parseConfig({ REDIS_URL: 'redis://127.0.0.1:6379', MONGODB_URI: 'mongodb://127.0.0.1:27017/x', TWILIO_AUTH_TOKEN: 'env-token-123456' } as NodeJS.ProcessEnv);
const file = path.resolve(__dirname, '..', '..', 'councils', 'demo.json');

test('the demo file gives two councils; what a council leaves out comes from the environment', () => {
  const councils = parseTenants(JSON.stringify(require(file)), file, config);
  expect(councils.map((c) => c.id)).toEqual(['riverbend', 'lakeside']);
  const lakeside = councils[1]!;
  expect(lakeside).toMatchObject({ name: 'Lakeside Shire Council', timezone: 'Australia/Perth', referencePrefix: 'LS', twilio: { phoneNumbers: ['+61480000002'], authToken: 'env-token-123456' } });
  expect(lakeside.contentFolder).toBe(path.resolve(path.dirname(file), 'lakeside'));
  expect(councils[0]!.referencePrefix).toBe('RC');
});

test('YAML works as well as JSON', () => {
  const yaml = 'councils:\n  - id: hillview\n    name: Hillview City Council\n    twilio:\n      phoneNumbers: ["+61480000009"]\n';
  expect(parseTenants(yaml, '/tmp/councils.yaml', config)[0]).toMatchObject({ id: 'hillview', referencePrefix: 'HC', officeHours: 'Mon-Fri 08:30-17:00', webchat: { widgetKeys: ['hillview'] } });
});

test('every problem is listed, with the council and field it is in', () => {
  const bad = {
    councils: [
      { id: 'one', name: 'One Council', timezone: 'Mars/Olympus', twilio: { phoneNumbers: ['+61480000001'] }, reportCategories: ['pothole', 'unicorns'] },
      { id: 'Two!', name: 'Two Council', officeHours: '9 to 5', twilio: { phoneNumbers: ['+61480000001'] }, surprise: true },
    ],
  };
  let message = '';
  try {
    parseTenants(JSON.stringify(bad), '/tmp/bad.json', config);
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toContain('councils.0.timezone: must be an IANA time zone');
  expect(message).toContain('councils.0.reportCategories.1: must be one of pothole');
  expect(message).toContain('councils.1.id: must be lower-case letters');
  expect(message).toContain('councils.1.officeHours: must look like "Mon-Fri 08:30-17:00"');
  expect(message).toContain('Unrecognized key: "surprise"');
  expect(() => parseTenants('{ "councils": [ { "id": "a", "name": "A Council", "content": "nowhere" } ] }', '/tmp/c.json', config)).toThrow(/content folder .*nowhere, which does not exist/);
  expect(() => parseTenants('{ not json', '/tmp/c.json', config)).toThrow(/is not valid JSON/);
});

test('a number, Page or widget key listed for two councils is refused', () => {
  const twice = { councils: [{ id: 'a', name: 'A Council', webchat: { widgetKeys: ['shared'] } }, { id: 'b', name: 'B Council', webchat: { widgetKeys: ['shared'] } }] };
  expect(() => parseTenants(JSON.stringify(twice), '/tmp/c.json', config)).toThrow(/widget key shared is also listed for council "a"/);
});

test('a council reads local numbers as its own country: its number\'s, else its locale\'s region, else none', () => {
  expect(phoneCountryOf({ twilio: { phoneNumbers: ['+64480000001'], accountSid: 'AC', authToken: 't' }, locale: 'en-AU' })).toBe('NZ');
  expect(phoneCountryOf({ twilio: { phoneNumbers: [], accountSid: 'AC', authToken: 't' }, locale: 'en-GB' })).toBe('GB');
  // A bare language says nothing about the country.
  expect(phoneCountryOf({ twilio: { phoneNumbers: [], accountSid: 'AC', authToken: 't' }, locale: 'en' })).toBeUndefined();
});

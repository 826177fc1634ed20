/** Pure rules: escalation wording, the status machine, office hours, phone masking, flow runner. */
import { wantsPerson } from '../../src/ai/escalation';
import { nextStatus } from '../../src/domain/conversation';
import { describeHours, isOpen, nextOpening, officeHoursSchema } from '../../src/conversations/office-hours';
import { runFlowStep } from '../../src/flow-engine/runner';
import type { FlowServices } from '../../src/domain/flow';
import { defaultFlowRegistry } from '../../src/flow-engine/registry';
import { maskPhone } from '../../src/logger';
import { parseConfig } from '../../src/config';

test.each(['agent', 'human', 'person', 'operator', 'Agent please', 'can I talk to a real person', 'I want to speak with someone', 'HUMAN!!'])('"%s" asks for a person', (text) => {
  expect(wantsPerson(text)).toBe(true);
});
test.each(['could you connect me with one of your staff', "I'd like to speak to somebody real", 'get me a human, this is useless', 'would someone from the council ring me?', "you're going round in circles", 'not a robot please', 'customer service', 'agent please, my green bin is broken', 'quiero hablar con una persona', '我要转人工', 'Tôi muốn nói chuyện với nhân viên'])('"%s" asks for a person too', (text) => {
  expect(wantsPerson(text)).toBe(true);
});
test.each(['hello', 'can I pay my rates in person at the office', 'my neighbour is a person who burns rubbish every night and the smoke is awful', '4 people', 'need someone to fix the street light', 'someone dumped a couch in my lane', 'how many people can camp on one site'])('"%s" does not', (text) => {
  expect(wantsPerson(text)).toBe(false);
});

test('the status machine allows only the documented transitions', () => {
  expect(nextStatus('bot', 'escalate')).toBe('queued');
  expect(nextStatus('queued', 'claim')).toBe('assigned');
  expect(nextStatus('assigned', 'resolve')).toBe('resolved');
  expect(nextStatus('assigned', 'return_to_bot')).toBe('bot');
  expect(() => nextStatus('assigned', 'claim')).toThrow(expect.objectContaining({ code: 'already_claimed' }));
  expect(() => nextStatus('resolved', 'resolve')).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
  expect(() => nextStatus('bot', 'claim')).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
});

test('office hours in the council time zone', () => {
  const spec = 'Mon-Fri 08:30-17:00';
  // Tuesday 24 Nov 2026, 10:00 in Sydney (UTC+11) = 23:00 UTC Monday.
  expect(isOpen(new Date('2026-11-23T23:00:00Z'), spec, 'Australia/Sydney')).toBe(true);
  // Saturday noon in Sydney.
  const saturday = new Date('2026-11-28T01:00:00Z');
  expect(isOpen(saturday, spec, 'Australia/Sydney')).toBe(false);
  expect(nextOpening(saturday, spec, 'Australia/Sydney')).toBe('on Monday at 8:30am');
  expect(describeHours(spec)).toBe('Monday to Friday, 8:30am to 5pm');
});

test('a service open around the clock is open in the last minute of the day too, and says so plainly', () => {
  // 23:59:30 in Sydney: "00:00-23:59" would call this closed; "24:00" is the end of the day.
  const lastMinute = new Date('2026-12-03T12:59:30Z');
  expect(isOpen(lastMinute, 'Mon-Sun 00:00-23:59', 'Australia/Sydney')).toBe(false);
  expect(isOpen(lastMinute, 'Mon-Sun 00:00-24:00', 'Australia/Sydney')).toBe(true);
  expect(describeHours('Mon-Sun 00:00-24:00')).toBe('Monday to Sunday, all day');
  expect(describeHours('Mon-Fri 17:00-24:00')).toBe('Monday to Friday, 5pm to midnight');
  expect(officeHoursSchema.safeParse('Mon-Sun 00:00-24:00').success).toBe(true);
  expect(officeHoursSchema.safeParse('Mon-Sun 00:00-25:00').success).toBe(false);
});

test('phone numbers are masked in logs', () => {
  expect(maskPhone('+61412345678')).toBe('+61*******78');
  expect(maskPhone('call 0412 345 678 now')).not.toContain('345');
});

test('two misunderstandings in a row offer a person', async () => {
  const flows = defaultFlowRegistry();
  const council = { name: 'Riverbend Council', officeHours: 'Mon-Fri 08:30-17:00', timezone: 'Australia/Sydney' };
  // The main menu reads only the input here (no understanding given), so no services are used.
  const services = {} as FlowServices;
  const first = await runFlowStep(flows, undefined, { content: { kind: 'text', text: 'hello' }, text: 'hello' }, { council, services });
  expect(first.say.join(' ')).toContain('Riverbend Council assistant');
  const miss1 = await runFlowStep(flows, first.state, { content: { kind: 'text', text: 'zxqv' }, text: 'zxqv' }, { council, services });
  expect(miss1.say.join(' ')).not.toContain('talk to a person?');
  const miss2 = await runFlowStep(flows, miss1.state, { content: { kind: 'text', text: 'blorp' }, text: 'blorp' }, { council, services });
  expect(miss2.say.join(' ')).toContain('Would you like to talk to a person?');
  expect(miss2.choices?.map((c) => c.value)).toContain('agent');
  const picked = await runFlowStep(flows, miss2.state, { content: { kind: 'choice', value: 'agent' }, text: 'Talk to a person' }, { council, services });
  expect(picked.handoff).toBeDefined();
});

test('a failing back-office endpoint is retried for at least 24 hours by default, with growing gaps', () => {
  const delays = parseConfig({ REDIS_URL: 'redis://127.0.0.1:6379', MONGODB_URI: 'mongodb://127.0.0.1:27017/x' } as NodeJS.ProcessEnv).WEBHOOK_RETRY_DELAYS_MS;
  const hours = delays.reduce((a, b) => a + b, 0) / 3_600_000;
  expect(hours).toBeGreaterThanOrEqual(24);
  expect(hours).toBeLessThan(36);
  expect(delays.every((d, i) => i === 0 || d >= delays[i - 1]!)).toBe(true);
});

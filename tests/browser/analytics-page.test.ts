/**
 * The supervisors' analytics page in real headless Chromium (Debian's, driven by playwright-core)
 * against the real engine on Redis and FerretDB: reached by its one link from the console's
 * supervisor view with the console's sign-in, charts drawn by Chart.js from node_modules under
 * the strict CSP, every chart with a text summary and a table, a resident's journey found by
 * phone number, axe clean for WCAG 2.2 AA, and a screenshot kept for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import twilio from 'twilio';
import { Conversation } from '../../src/models';
import { launchChromium } from '../helpers/browser';
import { agentCommand, agentSocket, loginAgent, startTestEngine, stopAndDrop, testEnv, waitUntil, type WebchatResident } from '../helpers/engine';
import { futureDate, talkingResident } from '../helpers/transcript';
import { startTwilioDouble, type TwilioDouble } from '../helpers/twilio-double';

const SCREENS = process.env.SCREENSHOT_DIR ?? '/work/logs';
const TOKEN = 'analytics-page-auth-token-0123456';
const COUNCIL = '+61480000000';
type TestEngine = Awaited<ReturnType<typeof startTestEngine>>;
let engine: TestEngine;
let browser: Browser;
let double: TwilioDouble;
const residents: WebchatResident[] = [];
const sockets: Socket[] = [];

async function text(from: string, body: string): Promise<void> {
  const before = double.sent.filter((m) => m.To === from).length;
  const params = { To: COUNCIL, From: from, Body: body, MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: engine.config.TWILIO_ACCOUNT_SID, NumMedia: '0', ApiVersion: '2010-04-01', SmsStatus: 'received' };
  await fetch(`${engine.url}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${engine.config.PUBLIC_URL}/webhooks/twilio/sms`, params) },
    body: new URLSearchParams(params).toString(),
  });
  await waitUntil(() => double.sent.filter((m) => m.To === from).length > before, 15_000, 'an SMS reply');
}

beforeAll(async () => {
  double = await startTwilioDouble();
  engine = await startTestEngine(testEnv({ TWILIO_AUTH_TOKEN: TOKEN, TWILIO_API_URL: double.url }));
  browser = await launchChromium();

  // Some traffic: a booking, a question, a stopped booking, a report by SMS, a person.
  const a = await talkingResident(engine.url!, residents);
  await a.say(`book a campsite at Lookout Hill from ${futureDate(26).spoken} for 2 nights`);
  await a.say('3 people');
  await a.say('yes');
  const b = await talkingResident(engine.url!, residents);
  await b.say('are campfires allowed?');
  const c = await talkingResident(engine.url!, residents);
  await c.say(`book a campsite at Bayside from ${futureDate(33).spoken} for 1 night`);
  await c.say('never mind');
  await text('+61412700001', 'there is a huge pothole outside 12 Smith Street');
  await text('+61412700001', 'skip');
  await text('+61412700001', 'about a metre wide');
  await text('+61412700001', 'yes');
  const d = await talkingResident(engine.url!, residents);
  await d.say('talk to a person');
  const admin = await loginAgent(engine.url!, 'admin@council.example', 'test-admin-password');
  const socket = await agentSocket(engine.url!, admin);
  sockets.push(socket);
  const conversationId = d.chat.conversationId!;
  await waitUntil(async () => (await Conversation.findById(conversationId).lean())?.status === 'queued' || undefined, 10_000, 'queued');
  await agentCommand(socket, 'conversation.claim', { conversationId });
  await agentCommand(socket, 'message.send', { conversationId, text: 'Hello, I can help.' });
  await agentCommand(socket, 'conversation.resolve', { conversationId });
  await d.chat.waitForReply((m) => /How did we do/.test(m.text));
  await d.say('5');
}, 180_000);

afterAll(async () => {
  residents.forEach((r) => r.close());
  sockets.forEach((s) => s.close());
  await browser?.close();
  await stopAndDrop(engine);
  await double.stop();
});

const axe = (page: Page) => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();

test('a supervisor opens the analytics from the console and sees the day drawn, summarised and tabled; axe finds nothing', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });

  await page.goto(`${engine.url}/agent`);
  await page.getByLabel('Email').fill('admin@council.example');
  await page.getByLabel('Password').fill('test-admin-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  await page.getByRole('link', { name: 'Analytics and journeys' }).click();
  await page.waitForURL('**/agent/analytics');

  // The figures, for this month so far, as everyone reads them.
  await page.getByRole('status').filter({ hasText: /^Showing 5 contacts from \d{4}-\d{2}-01 to \d{4}-\d{2}-\d{2} \(Australia\/Sydney\)\.$/ }).waitFor({ timeout: 20_000 });
  const tile = (term: string) => page.locator('.tiles div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${term.replace(/[()]/g, '\\$&')}$`) }) }).locator('dd');
  await expect(tile('Contacts').textContent()).resolves.toBe('5');
  await expect(tile('Resolved by the assistant').textContent()).resolves.toBe('60%3 of 5');
  await expect(tile('Passed to a person').textContent()).resolves.toBe('1');
  await expect(tile('Satisfaction').textContent()).resolves.toBe('5 / 51 answer');
  await expect(tile('Cost to serve').textContent()).resolves.toMatch(/^£2\.07£14\.15 if all had phoned$/);

  // Each chart is drawn by Chart.js (served from node_modules, under the CSP) and has words and a table.
  const drawn = await page.evaluate(() => Array.from(document.querySelectorAll('canvas')).map((c) => ({ id: c.id, drawn: Boolean((window as unknown as { Chart: { getChart(c: HTMLCanvasElement): unknown } }).Chart.getChart(c)) })));
  expect(drawn.length).toBeGreaterThanOrEqual(6);
  expect(drawn.every((d) => d.drawn)).toBe(true);
  await expect(page.locator('#outcomes-summary').textContent()).resolves.toBe('Webchat: 4 contacts, 2 resolved by the assistant, 1 passed to a person. SMS: 1 contact, 1 resolved by the assistant, 0 passed to a person.');
  await expect(page.locator('#cost-summary').textContent()).resolves.toBe('Actual £2.07 against £14.15 had every contact come by phone: £12.08 saved.');
  const camping = page.locator('#funnels figure').filter({ hasText: 'Camping permits' });
  await expect(camping.locator('figcaption').textContent()).resolves.toBe('Camping permits: 50% finished');
  await expect(camping.locator('p').textContent()).resolves.toBe('Started 2, Reached campground 1, Reached party size 1, Reached confirmation 1, Finished 1. Left unfinished: 1 at campground.');

  // Open every table, then ask axe about the whole page.
  for (const summary of await page.locator('details summary').all()) await summary.click();
  await expect(page.locator('#outcomes-table tbody tr').count()).resolves.toBe(2);
  const figuresAudit = await axe(page);
  expect(figuresAudit.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

  // A resident's journey, found by their phone number.
  await page.getByLabel('Phone number, chat address or contact id').fill('+61412700001');
  await page.getByRole('button', { name: 'Show journey' }).click();
  await page.getByRole('status').filter({ hasText: 'Showing 2 conversations, reports and permits.' }).waitFor();
  const steps = page.getByRole('list', { name: 'Journey, oldest first' }).locator(':scope > li');
  await expect(steps.count()).resolves.toBe(2);
  await expect(steps.nth(0).locator('.what').textContent()).resolves.toBe('Conversation');
  await expect(steps.nth(0).locator('.outcome').textContent()).resolves.toBe('completed by assistant');
  await expect(steps.nth(0).locator('.events').textContent()).resolves.toMatch(/Contact started by SMS.*Started: Reporting a problem.*Report made RC-\d{6} \(received\).*Finished: Reporting a problem, confirmation/);
  await expect(steps.nth(1).locator('.what').textContent()).resolves.toBe('Report: pothole');
  const journeyAudit = await axe(page);
  expect(journeyAudit.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

  mkdirSync(SCREENS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENS}/analytics-page-1366.png`, fullPage: true });
  expect(problems).toEqual([]);
  await context.close();
}, 120_000);

test('without a sign-in the page says where to sign in; an agent sees journeys but not the figures', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${engine.url}/agent/analytics`);
  await page.getByRole('heading', { name: 'Please sign in' }).waitFor();
  const { createAgent } = await import('../../src/agents/auth');
  await createAgent({ email: 'ana@council.example', name: 'Ana Agent', password: 'ana-password-123', role: 'agent', queues: ['general'] });
  const token = await loginAgent(engine.url!, 'ana@council.example', 'ana-password-123');
  await page.evaluate((t) => sessionStorage.setItem('sb-token', t), token);
  await page.reload();
  await page.getByRole('heading', { name: "A resident's journey" }).waitFor();
  expect(await page.getByRole('heading', { name: 'How residents were served' }).isVisible()).toBe(false);
  const audit = await axe(page);
  expect(audit.violations.map((v) => v.id)).toEqual([]);
  await context.close();
});

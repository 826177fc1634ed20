/**
 * The live-agent console in real headless Chromium (Debian's, driven by playwright-core),
 * against the real engine on Redis and FerretDB, with SMS going out through the real
 * `twilio` SDK to a local double of Twilio's REST API.
 */
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generate } from 'otplib';
import twilio from 'twilio';
import { createAgent } from '../../src/agents/auth';
import { Conversation } from '../../src/models';
import { launchChromium } from '../helpers/browser';
import { startTestEngine, stopAndDrop, testEnv, waitUntil, WebchatResident } from '../helpers/engine';
import { startTwilioDouble, type TwilioDouble } from '../helpers/twilio-double';

type TestEngine = Awaited<ReturnType<typeof startTestEngine>>;
const TOKEN = 'console-test-auth-token-012345678';
const COUNCIL = '+61480000000';
let engine: TestEngine;
let browser: Browser;
let double: TwilioDouble;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  double = await startTwilioDouble();
  engine = await startTestEngine(testEnv({ TWILIO_AUTH_TOKEN: TOKEN, TWILIO_API_URL: double.url }));
  await createAgent({ email: 'alex@council.example', name: 'Alex Agent', password: 'alex-password-1', role: 'agent', queues: ['general'] });
  await createAgent({ email: 'bo@council.example', name: 'Bo Agent', password: 'bo-password-12', role: 'agent', queues: ['general'] });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopAndDrop(engine);
  await double.stop();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${engine.url}/agent`);
  return page;
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
}

/** Presses Tab until the focused element has this accessible name (or id). */
async function tabTo(page: Page, match: (el: { id: string; label: string; text: string }) => boolean): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return { id: el?.id ?? '', label: el?.getAttribute('aria-label') ?? '', text: el?.textContent?.trim() ?? '' };
    });
    if (match(focused)) return;
  }
  throw new Error('could not reach the element with the Tab key');
}

async function smsFrom(from: string, body: string): Promise<void> {
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: engine.config.TWILIO_ACCOUNT_SID, From: from, To: COUNCIL, Body: body, NumMedia: '0' };
  const res = await fetch(`${engine.url}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${engine.config.PUBLIC_URL}/webhooks/twilio/sms`, params) },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
}

const axe = (page: Page) => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();

test('keyboard only: sign in, a queued SMS appears, claim, reply (the SMS goes out), resolve, and the survey goes out and is answered', async () => {
  const from = '+61412600001';
  const page = await newPage();
  expect((await axe(page)).violations).toEqual([]);

  await tabTo(page, (el) => el.id === 'email');
  await page.keyboard.type('alex@council.example');
  await page.keyboard.press('Tab');
  await page.keyboard.type('alex-password-1');
  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();

  await smsFrom(from, 'I need to talk to a person about my rates');
  const waiting = page.getByRole('list', { name: /Waiting/ });
  await waiting.getByText('I need to talk to a person about my rates').waitFor();
  expect((await axe(page)).violations).toEqual([]);

  await tabTo(page, (el) => el.label.startsWith('Claim SMS conversation'));
  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: 'You have claimed this conversation.' }).waitFor();
  const transcript = page.getByRole('log', { name: 'Conversation transcript' });
  await transcript.getByText('I need to talk to a person about my rates').waitFor();
  await transcript.getByText('Alex Agent from Riverbend Council has joined the conversation.').waitFor();
  expect(await page.getByText('Resident asked for a person').count()).toBeGreaterThan(0);
  expect((await axe(page)).violations).toEqual([]);

  await tabTo(page, (el) => el.id === 'reply');
  await page.keyboard.type('Hi, I can help with your rates.');
  await page.keyboard.press('Control+Enter');
  await page.getByRole('status').filter({ hasText: 'Reply sent.' }).waitFor();
  await waitUntil(() => double.sent.find((m) => m.To === from && m.Body === 'Hi, I can help with your rates.'), 10_000, 'the agent reply SMS');

  await tabTo(page, (el) => el.id === 'resolve');
  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: 'Resolved.' }).waitFor();
  const survey = await waitUntil(() => double.sent.find((m) => m.To === from && m.Body.includes('How did we do today?')), 10_000, 'the survey SMS');
  expect(survey.Body).toContain('1 (poor) to 5 (very good)');

  await smsFrom(from, '5');
  const answered = await waitUntil(async () => {
    const c = await Conversation.findOne({ identityId: `sms-${COUNCIL}-${from}`, 'survey.score': 5 }).lean();
    return c ?? undefined;
  }, 10_000, 'the survey answer');
  expect(answered).toMatchObject({ status: 'resolved', outcome: 'resolved' });
  await waitUntil(() => double.sent.find((m) => m.To === from && m.Body.startsWith('Thanks for your feedback')), 10_000, 'thanks');
}, 90_000);

test('two agents in two browsers claim the same conversation: one wins, the other is told', async () => {
  const [alex, bo] = await Promise.all([newPage(), newPage()]);
  await signIn(alex, 'alex@council.example', 'alex-password-1');
  await signIn(bo, 'bo@council.example', 'bo-password-12');
  await smsFrom('+61412600002', 'talk to a person please, my bin is broken');
  for (const page of [alex, bo]) {
    await page.getByRole('list', { name: /Waiting/ }).getByText('talk to a person please, my bin is broken').waitFor();
  }
  const claimButton = (page: Page) => page.getByRole('button', { name: /^Claim SMS conversation: talk to a person please, my bin is broken/ });
  await Promise.all([claimButton(alex).click(), claimButton(bo).click()]);
  const outcome = async (page: Page) => {
    const status = page.locator('#action-status');
    await status.filter({ hasText: /claimed/ }).waitFor();
    return status.textContent();
  };
  const results = (await Promise.all([outcome(alex), outcome(bo)])).sort();
  expect(results).toEqual(['Another agent claimed this conversation first.', 'You have claimed this conversation.']);
}, 60_000);

test('opening one conversation and then another 30 ms later shows only the second, and a reply goes to it', async () => {
  const page = await newPage();
  await signIn(page, 'admin@council.example', 'test-admin-password');
  await smsFrom('+61412600011', 'talk to a person about conversation alpha');
  await smsFrom('+61412600012', 'talk to a person about conversation bravo');
  const waiting = page.getByRole('list', { name: /Waiting/ });
  await waiting.getByText('talk to a person about conversation alpha').waitFor();
  await waiting.getByText('talk to a person about conversation bravo').waitFor();
  await page.getByRole('button', { name: /^Open SMS conversation: talk to a person about conversation alpha/ }).click();
  await page.waitForTimeout(30);
  await page.getByRole('button', { name: /^Open SMS conversation: talk to a person about conversation bravo/ }).click();
  const transcript = page.getByRole('log', { name: 'Conversation transcript' });
  await transcript.getByText('talk to a person about conversation bravo').waitFor();
  await page.waitForTimeout(1_000); // any late answer for the first conversation has arrived by now
  expect(await transcript.getByText('conversation alpha').count()).toBe(0);
  await page.getByRole('button', { name: 'Claim', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'You have claimed this conversation.' }).waitFor();
  await page.getByLabel('Reply to the resident').fill('Hello bravo');
  await page.keyboard.press('Control+Enter');
  await waitUntil(() => double.sent.find((m) => m.To === '+61412600012' && m.Body === 'Hello bravo'), 10_000, 'the reply to the second conversation');
  expect(double.sent.find((m) => m.To === '+61412600011' && m.Body === 'Hello bravo')).toBeUndefined();
}, 60_000);

test('a supervisor with a second factor is asked for the code after the password, then signed in', async () => {
  await createAgent({ email: 'tess@council.example', name: 'Tess Supervisor', password: 'tess-password-1', role: 'supervisor' });
  const api = (path: string, token: string, body?: unknown) => fetch(`${engine.url}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const login = (await (await fetch(`${engine.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'tess@council.example', password: 'tess-password-1' }) })).json()) as { token: string };
  const { secret } = (await (await api('/me/second-factor', login.token)).json()) as { secret: string };
  expect((await api('/me/second-factor/confirm', login.token, { code: await generate({ secret, epoch: Math.floor(Date.now() / 1000) - 30 }) })).status).toBe(204);

  const page = await newPage();
  await page.getByLabel('Email').fill('tess@council.example');
  await page.getByLabel('Password').fill('tess-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Enter the 6-digit code from your authenticator app.' }).waitFor();
  const code = page.getByLabel('Code from your authenticator app');
  expect(await code.evaluate((el) => el === document.activeElement)).toBe(true);
  expect((await axe(page)).violations).toEqual([]);
  await code.fill(await generate({ secret }));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
}, 60_000);

test('a resident message full of markup and script renders literally and runs nothing', async () => {
  const page = await newPage();
  await signIn(page, 'admin@council.example', 'test-admin-password');
  const payload = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b> <a href="javascript:alert(1)">click</a> talk to a person';
  const resident = new WebchatResident(engine.url!);
  await resident.start();
  await resident.say(payload);
  // The queue's preview shows it literally too.
  await page.getByRole('list', { name: /Waiting/ }).getByText(payload).waitFor();
  await page.getByRole('button', { name: `Open Website chat conversation: ${payload.slice(0, 60)}` }).click();
  const transcript = page.getByRole('log', { name: 'Conversation transcript' });
  await transcript.getByText(payload, { exact: false }).first().waitFor();
  expect(await page.locator('#timeline img, #timeline script, #timeline b, #timeline a, #waiting img, #waiting a').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect((await axe(page)).violations).toEqual([]);
  resident.close();
}, 60_000);

test('drop the socket mid-conversation, the resident keeps writing, reconnect: every message is there', async () => {
  const page = await newPage();
  await signIn(page, 'admin@council.example', 'test-admin-password');
  const resident = new WebchatResident(engine.url!);
  await resident.start();
  await resident.say('talk to a person: hello, reconnect test');
  await page.getByRole('list', { name: /Waiting/ }).getByText('talk to a person: hello, reconnect test').waitFor();
  await page.getByRole('button', { name: 'Claim Website chat conversation: talk to a person: hello, reconnect test' }).click();
  await page.getByRole('status').filter({ hasText: 'You have claimed this conversation.' }).waitFor();
  const transcript = page.getByRole('log', { name: 'Conversation transcript' });
  await transcript.getByText('talk to a person: hello, reconnect test').waitFor();

  // The network drops: the server loses the console's connection (not a sign-out).
  for (const socket of engine.io!.of('/agents').sockets.values()) socket.conn.close();
  await page.getByRole('status').filter({ hasText: /Connection lost|Cannot connect/ }).waitFor();
  for (const words of ['first while away', 'second while away', 'third while away']) await resident.say(words);
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
  for (const words of ['first while away', 'second while away', 'third while away']) await transcript.getByText(words).waitFor();
  const texts = await transcript.locator('li').allTextContents();
  expect(texts.filter((t) => t.includes('while away'))).toHaveLength(3);
  resident.close();
}, 60_000);

test('the console warns five minutes before the sign-in ends, then signs out', async () => {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.clock.install();
  await page.goto(`${engine.url}/agent`);
  await signIn(page, 'alex@council.example', 'alex-password-1');
  const hours = engine.config.AGENT_SESSION_HOURS;
  await page.clock.fastForward(hours * 3_600_000 - 4 * 60_000);
  await page.getByRole('alert').filter({ hasText: 'Your sign-in ends in 5 minutes.' }).waitFor();
  expect((await axe(page)).violations).toEqual([]);
  await page.clock.fastForward(5 * 60_000);
  await page.getByRole('alert').filter({ hasText: 'Your sign-in has expired. Please sign in again.' }).waitFor();
  await page.getByLabel('Email').waitFor();
}, 60_000);

test('signing out drops the console socket at once', async () => {
  const page = await newPage();
  await signIn(page, 'bo@council.example', 'bo-password-12');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('alert').filter({ hasText: 'You have signed out.' }).waitFor();
  await waitUntil(async () => {
    const sockets = await engine.io!.of('/agents').fetchSockets();
    return sockets.every((s) => (s.data as { agent?: { name?: string } }).agent?.name !== 'Bo Agent') || undefined;
  }, 5000, 'Bo\'s sockets to close');
}, 30_000);

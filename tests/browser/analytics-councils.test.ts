/**
 * A shared service in real headless Chromium: a supervisor who serves two councils (a
 * TENANTS_FILE with Riverbend and Lakeside) picks the council on the analytics page, and the
 * figures are that council's alone; in the workspace the lists can be narrowed to one council.
 * With one council neither picker is shown (analytics-page.test.ts, workspace.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { createAgent } from '../../src/agents/auth';
import { launchChromium } from '../helpers/browser';
import { loginAgent, startTestEngine, stopAndDrop, testEnv, waitUntil, WebchatResident } from '../helpers/engine';

const dir = path.resolve(__dirname, '..', '..', '.data', `analytics-councils-${process.pid}`);
mkdirSync(dir, { recursive: true });
const tenantsFile = path.join(dir, 'tenants.json');
writeFileSync(
  tenantsFile,
  JSON.stringify({
    councils: [
      { id: 'riverbend', name: 'Riverbend Council', timezone: 'Australia/Sydney', officeHours: 'Mon-Sun 00:00-24:00', webchat: { widgetKeys: ['riverbend-web'] } },
      { id: 'lakeside', name: 'Lakeside Shire Council', timezone: 'Australia/Perth', officeHours: 'Mon-Sun 00:00-24:00', webchat: { widgetKeys: ['lakeside-web'] }, content: path.resolve(__dirname, '..', '..', 'councils', 'lakeside') },
    ],
  }),
);

let engine: Awaited<ReturnType<typeof startTestEngine>>;
let browser: Browser;
const residents: WebchatResident[] = [];

beforeAll(async () => {
  engine = await startTestEngine(testEnv({ TENANTS_FILE: tenantsFile }));
  browser = await launchChromium();
  await createAgent({ email: 'shared@council.example', name: 'Sam Shared', password: 'shared-super-123', role: 'supervisor', councils: ['riverbend', 'lakeside'], queues: ['general'] });
  // Three Riverbend residents and one Lakeside resident ask a question each.
  for (const [widgetKey, count] of [['riverbend-web', 3], ['lakeside-web', 1]] as const) {
    for (let i = 0; i < count; i++) {
      const chat = new WebchatResident(engine.url!);
      residents.push(chat);
      await chat.start({ widgetKey });
      await chat.say('what are the library opening hours?');
      await chat.waitForReply((m) => m.sender.kind === 'bot');
    }
  }
}, 120_000);

afterAll(async () => {
  residents.forEach((r) => r.close());
  await browser?.close();
  await stopAndDrop(engine);
});

test('a supervisor of two councils picks the council on the analytics page and sees its figures alone', async () => {
  const token = await loginAgent(engine.url!, 'shared@council.example', 'shared-super-123');
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${engine.url}/agent`);
  await page.evaluate((t) => sessionStorage.setItem('sb-token', t), token);
  await page.goto(`${engine.url}/agent/analytics`);
  const council = page.getByLabel('Council');
  await council.waitFor();
  await page.getByRole('status').filter({ hasText: /^Showing 3 contacts of Riverbend Council from / }).waitFor({ timeout: 20_000 });
  await council.selectOption({ label: 'Lakeside Shire Council' });
  await page.getByRole('button', { name: 'Show figures' }).click();
  await page.getByRole('status').filter({ hasText: /^Showing 1 contact of Lakeside Shire Council from .* \(Australia\/Perth\)\.$/ }).waitFor({ timeout: 20_000 });
  const audit = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(audit.violations.map((v) => v.id)).toEqual([]);
  await context.close();
}, 60_000);

test('in the workspace a shared-service agent narrows the waiting list to one council, and each card says whose it is', async () => {
  for (const [widgetKey, words] of [['riverbend-web', 'talk to a person about my rates notice'], ['lakeside-web', 'talk to a person about the jetty']] as const) {
    const chat = new WebchatResident(engine.url!);
    residents.push(chat);
    await chat.start({ widgetKey });
    await chat.say(words);
    await chat.waitForReply((m) => /person/i.test(m.text));
  }
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await page.goto(`${engine.url}/agent`);
  await page.getByLabel('Email').fill('shared@council.example');
  await page.getByLabel('Password').fill('shared-super-123');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  const waiting = page.locator('#list-panel');
  await waiting.getByText('talk to a person about the jetty').waitFor();
  await waiting.getByText('talk to a person about my rates notice').waitFor();
  await page.getByLabel('Council').selectOption({ label: 'Lakeside Shire Council' });
  await waitUntil(async () => ((await waiting.getByText('talk to a person about my rates notice').count()) === 0 ? true : undefined), 10_000, 'the Riverbend card to go');
  const lakeside = waiting.locator('li', { hasText: 'talk to a person about the jetty' });
  expect(await lakeside.textContent()).toContain('Lakeside Shire Council');
  await page.getByLabel('Council').selectOption('');
  await waiting.getByText('talk to a person about my rates notice').waitFor();
  const audit = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(audit.violations.map((v) => v.id)).toEqual([]);
  await context.close();
}, 60_000);

/**
 * The resident chat page in real headless Chromium (Debian's, driven by playwright-core):
 * keyboard only, announced to screen readers, resident text shown literally, and no
 * WCAG 2.2 AA violations found by axe-core.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { Conversation } from '../../src/models';
import { startTestEngine, stopAndDrop, testEnv, waitUntil } from '../helpers/engine';

type TestEngine = Awaited<ReturnType<typeof startTestEngine>>;
let engine: TestEngine;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  engine = await startTestEngine(testEnv());
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopAndDrop(engine);
});

beforeEach(async () => {
  page = await (await browser.newContext()).newPage();
  await page.goto(`${engine.url}/`);
  await page.getByRole('status').filter({ hasText: 'council assistant' }).waitFor();
});

/** Presses Tab until the focused element has this id or this exact text. */
async function tabTo(target: { id: string } | { text: string }, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press(key);
    const focused = await page.evaluate(() => ({ id: document.activeElement?.id ?? '', text: document.activeElement?.textContent?.trim() ?? '' }));
    if ('id' in target ? focused.id === target.id : focused.text === target.text) return;
  }
  throw new Error(`could not reach ${JSON.stringify(target)} with the Tab key`);
}

test('a resident chats with the keyboard alone and reaches a person', async () => {
  await tabTo({ id: 'message' });
  await page.keyboard.type('hello');
  await page.keyboard.press('Enter');
  const log = page.getByRole('log', { name: 'Messages' });
  await log.getByText('What can I help with today?').waitFor();
  expect(await log.getAttribute('aria-live')).toBe('polite');

  // The reply's options are real buttons just above the message box: Shift+Tab reaches them.
  await tabTo({ text: 'Talk to a person' }, 'Shift+Tab');
  const focusedInLog = await page.evaluate(() => document.activeElement?.closest('[role="log"]') !== null);
  expect(focusedInLog).toBe(true);
  await page.keyboard.press('Enter');
  await log.getByText(/in the queue/).waitFor();
  await page.getByRole('status').filter({ hasText: 'Waiting for a person' }).waitFor();
  const stored = await waitUntil(async () => (await Conversation.findOne({ status: 'queued' }).lean()) ?? undefined);
  expect(stored.channel).toBe('webchat');
});

test('markup and script typed by a resident are shown literally and run nothing', async () => {
  const payload = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b> <a href="javascript:alert(1)">link</a>';
  await page.getByLabel('Your message').fill(payload);
  await page.getByRole('button', { name: 'Send' }).click();
  const log = page.getByRole('log', { name: 'Messages' });
  await log.getByText('window.pwned=2', { exact: false }).waitFor();
  expect(await log.locator('li.contact').last().textContent()).toContain(payload);
  expect(await log.locator('img, script, b, a').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
});

test('the "Talk to a person" button is visible and works', async () => {
  const button = page.getByRole('button', { name: 'Talk to a person' }).last();
  await button.click();
  await page.getByRole('log', { name: 'Messages' }).getByText(/in the queue/).waitFor();
});

test('axe-core finds no WCAG 2.2 A/AA violations, before and during a conversation', async () => {
  const audit = () => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect((await audit()).violations).toEqual([]);
  await page.getByLabel('Your message').fill('hello');
  await page.keyboard.press('Enter');
  await page.getByRole('log', { name: 'Messages' }).getByText('What can I help with today?').waitFor();
  expect((await audit()).violations).toEqual([]);
});

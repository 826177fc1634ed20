/**
 * The resident chat page in real headless Chromium (Debian's, driven by playwright-core):
 * keyboard only, announced to screen readers, resident text shown literally, and no
 * WCAG 2.2 AA violations found by axe-core.
 */
import { mkdirSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import express from 'express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { Conversation, Message } from '../../src/models';
import { loginAgent, startTestEngine, stopAndDrop, testEnv, waitUntil } from '../helpers/engine';
import { serve } from '../helpers/serve';
import { startTwilioDouble, type TwilioDouble } from '../helpers/twilio-double';

type TestEngine = Awaited<ReturnType<typeof startTestEngine>>;
let engine: TestEngine;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let double: TwilioDouble;
/** A council's own website (another origin) that embeds the chat with the snippet. */
let councilSite: { url: string; stop: () => Promise<void> };
const SCREENS = '/work/helpers/screens';

beforeAll(async () => {
  double = await startTwilioDouble();
  const site = express();
  site.get('/', (_req, res) => res.type('html').send(`<!doctype html><html lang="en"><head><title>Riverbend Council</title></head><body><main><h1>Riverbend Council</h1><p>Bins, roads and parks.</p></main><script src="${engine.url}/widget.js" data-council="riverbend-web"></script></body></html>`));
  councilSite = await serve(site);
  engine = await startTestEngine(testEnv({ TWILIO_API_URL: double.url, WEBCHAT_EMBED_ORIGINS: councilSite.url }));
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopAndDrop(engine);
  await councilSite?.stop();
  await double?.stop();
});

const log = () => page.getByRole('log', { name: 'Messages' });
/** Sends a message and waits for a new reply that says `expectReply`. */
async function say(text: string, expectReply: string | RegExp): Promise<void> {
  const replies = log().locator('li:not(.contact)');
  const before = await replies.count();
  await page.getByLabel('Your message').fill(text);
  await page.keyboard.press('Enter');
  await waitUntil(async () => (await replies.count()) > before, 15_000, `a reply to ${text}`);
  await replies.nth(before).getByText(expectReply).first().or(replies.last().getByText(expectReply).first()).first().waitFor();
}

beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
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

test('a reload and a new tab keep the conversation, with timestamps and distinct bubbles', async () => {
  await say('hello', 'What can I help with today?');
  await say('tell me a joke', "Sorry, I can't help with that here.");
  const before = await log().locator('li').allTextContents();
  expect(before.length).toBeGreaterThanOrEqual(4);
  expect(await log().locator('li time').count()).toBe(before.length);
  expect(await log().locator('li.contact').count()).toBe(2);
  expect(await log().locator('li.bot').count()).toBe(before.length - 2);

  await page.reload();
  await page.getByRole('status').filter({ hasText: 'council assistant' }).waitFor();
  await waitUntil(async () => (await log().locator('li').count()) === before.length, 10_000, 'the replayed conversation');
  expect(await log().locator('li').allTextContents()).toEqual(before);

  const other = await context.newPage();
  await other.goto(`${engine.url}/`);
  await waitUntil(async () => (await other.getByRole('log', { name: 'Messages' }).locator('li').count()) === before.length, 10_000, 'the conversation in a new tab');
  // A message from the new tab reaches the first one too: one conversation.
  await other.getByLabel('Your message').fill('hi again');
  await other.keyboard.press('Enter');
  await log().getByText('hi again').waitFor();
  await other.close();
});

test('at 390×844 the message box stays on screen after 10 replies; choosing an option moves focus to it', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  // Greetings, each answered with the menu (ten messages nobody understands would queue the chat for a person at the third).
  for (let i = 0; i < 10; i++) await say(i % 2 ? 'hello' : 'hi there', /\S/);
  expect(await log().locator('li.bot').count()).toBeGreaterThanOrEqual(10);
  const box = page.getByLabel('Your message');
  await expect(box.isVisible()).resolves.toBe(true);
  const rect = (await box.boundingBox())!;
  expect(rect.y).toBeGreaterThanOrEqual(0);
  expect(rect.y + rect.height).toBeLessThanOrEqual(844);
  expect(await page.evaluate(() => document.scrollingElement!.scrollHeight <= window.innerHeight + 1)).toBe(true);
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: `${SCREENS}/webchat-390x844.png` });

  const replies = await log().locator('li:not(.contact)').count();
  await log().locator('.choices button').last().focus();
  await page.keyboard.press('Enter');
  await waitUntil(async () => (await log().locator('li:not(.contact)').count()) > replies, 15_000, 'the reply to the choice');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('message');
});

test('links are clickable and safe; javascript: links are not links', async () => {
  await say('javascript:alert(1) see https://www.example.org/bins?x=1. ok', /\S/);
  const mine = log().locator('li.contact').last();
  const links = mine.locator('a');
  expect(await links.count()).toBe(1);
  expect(await links.first().getAttribute('href')).toBe('https://www.example.org/bins?x=1');
  expect(await links.first().getAttribute('rel')).toBe('noopener noreferrer');
  expect(await mine.textContent()).toContain('javascript:alert(1)');
  // A knowledge answer's source link is a real link.
  await say('when is my bin collection day', /collected/);
  const answerLink = log().locator('li.bot a').last();
  expect(await answerLink.getAttribute('href')).toMatch(/^https:\/\//);
  expect(await log().locator('a[href^="javascript:"]').count()).toBe(0);
});

test('a photo upload reaches the agent as a photo message; a file that is not an image is refused', async () => {
  await say('hello', 'What can I help with today?');
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4890000000049454e44ae426082', 'hex');
  await page.setInputFiles('#photo', { name: 'pothole.png', mimeType: 'image/png', buffer: png });
  await log().getByText('Photo sent').waitFor();

  const token = await loginAgent(engine.url!, 'admin@council.example', 'test-admin-password');
  const auth = { authorization: `Bearer ${token}` };
  const sessionToken = await page.evaluate(() => localStorage.getItem('sb-session'));
  const conversation = await waitUntil(async () => {
    const photo = await Message.findOne({ channel: 'webchat', 'content.kind': 'media' }).sort({ createdAt: -1 }).lean();
    return photo ? Conversation.findById(photo.conversationId).lean() : undefined;
  }, 10_000, 'the photo message');
  const { messages } = await fetch(`${engine.url}/api/v1/conversations/${conversation!._id}/messages`, { headers: auth }).then((r) => r.json() as Promise<{ messages: Array<{ sender: { kind: string }; media?: Array<{ url: string; contentType: string }> }> }>);
  const photo = messages.find((m) => m.media)!;
  expect(photo.sender.kind).toBe('contact');
  expect(photo.media![0]!.contentType).toBe('image/png');
  const image = await fetch(`${engine.url}${photo.media![0]!.url}`, { headers: auth });
  expect(image.status).toBe(200);
  expect(image.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
  expect((await fetch(`${engine.url}${photo.media![0]!.url}`)).status).toBe(401);

  // The route checks the bytes, not the declared type, and needs the session.
  const fake = await fetch(`${engine.url}/webchat/upload`, { method: 'POST', headers: { 'content-type': 'image/png', 'x-session-token': sessionToken!, 'x-client-message-id': 'fake1' }, body: '<svg onload=alert(1)>' });
  expect(fake.status).toBe(400);
  const anonymous = await fetch(`${engine.url}/webchat/upload`, { method: 'POST', headers: { 'content-type': 'image/png', 'x-session-token': 'x'.repeat(32), 'x-client-message-id': 'fake2' }, body: png });
  expect(anonymous.status).toBe(401);
  await page.setInputFiles('#photo', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.getByRole('alert').filter({ hasText: 'Please choose a photo' }).waitFor();
});

test('"Share my location" sends a location message', async () => {
  await context.grantPermissions(['geolocation'], { origin: engine.url });
  await context.setGeolocation({ latitude: -33.86882, longitude: 151.20929 });
  await say('report a pothole', /Where is it\?/);
  await page.getByRole('button', { name: 'Share my location' }).click();
  await log().getByText('Location -33.86882, 151.20929').waitFor();
  const stored = await waitUntil(() => Message.findOne({ channel: 'webchat', 'content.kind': 'location' }).lean(), 10_000, 'the location message');
  expect(stored.content).toMatchObject({ kind: 'location', lat: -33.86882, lng: 151.20929 });
});

test('"Call me instead" queues a call-back on that number; "Text me instead" moves the chat to SMS', async () => {
  await say('hello', 'What can I help with today?');
  await page.getByRole('button', { name: 'Call me instead' }).click();
  await page.getByLabel('Your phone number for the call').fill('0412 345 678');
  await page.getByRole('button', { name: 'Call me', exact: true }).click();
  await log().getByText('A person will call you on the number ending 678').waitFor();
  const callback = await waitUntil(() => Conversation.findOne({ channel: 'voice', callbackRequested: true, status: 'queued' }).lean(), 10_000, 'the call-back');
  expect(callback.handoffReason).toMatch(/^Asked for a call back from the webchat conversation conv-/);
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('message');

  await page.getByRole('button', { name: 'Text me instead' }).click();
  await page.getByLabel('Your mobile number for texts').fill('not a number');
  await page.getByRole('button', { name: 'Text me', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Please type a phone number' }).waitFor();
  await page.getByLabel('Your mobile number for texts').fill('+61 412 345 679');
  await page.getByRole('button', { name: 'Text me', exact: true }).click();
  await log().getByText("We'll send you a text message now").waitFor();
  const sms = await waitUntil(() => double.sent.find((m) => m.To === '+61412345679'), 10_000, 'the SMS');
  expect(sms.Body).toMatch(/person/);
  expect(await Conversation.findOne({ channel: 'sms', status: 'queued', handoffReason: /continue by text from the webchat/ }).lean()).toBeTruthy();
  await page.getByRole('status').filter({ hasText: 'closed' }).waitFor();
});

test('"Call me instead" while already queued moves the place in the queue to the call-back: one entry, same wait', async () => {
  await say('hello', 'What can I help with today?');
  await page.getByRole('button', { name: 'Talk to a person' }).last().click();
  await log().getByText(/in the queue/).waitFor();
  const chat = await waitUntil(() => Conversation.findOne({ channel: 'webchat', status: 'queued' }).sort({ queuedAt: -1 }).lean(), 10_000, 'the chat queued');
  await page.getByRole('button', { name: 'Call me instead' }).click();
  await page.getByLabel('Your phone number for the call').fill('0412 345 670');
  await page.getByRole('button', { name: 'Call me', exact: true }).click();
  await log().getByText('A person will call you on the number ending 670 as soon as they can. You keep your place in the queue.').waitFor();
  const callback = await waitUntil(() => Conversation.findOne({ channel: 'voice', identityId: /61412345670/, callbackRequested: true, status: 'queued' }).lean(), 10_000, 'the call-back');
  expect(callback.queuedAt!.getTime()).toBe(chat.queuedAt!.getTime());
  const closed = await waitUntil(() => Conversation.findOne({ _id: chat._id, status: 'resolved' }).lean(), 10_000, 'the chat out of the queue');
  expect(closed.outcome).toBe('moved_to_phone');
});

test('the embed snippet on a council site opens the chat in a frame', async () => {
  await page.goto(councilSite.url);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  expect(await page.locator('#switchboard-launcher').getAttribute('aria-expanded')).toBe('true');
  const chat = page.frameLocator('iframe[title="Chat with the council"]');
  await chat.getByRole('status').filter({ hasText: 'council assistant' }).waitFor();
  await chat.getByLabel('Your message').fill('hello');
  await chat.getByLabel('Your message').press('Enter');
  await chat.getByRole('log', { name: 'Messages' }).getByText('What can I help with today?').waitFor();
  await page.setViewportSize({ width: 1366, height: 768 });
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: `${SCREENS}/widget-on-council-site-1366x768.png` });
});

test('desktop view with an agent reply (screenshot) and axe with the phone form open', async () => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await say('hello', 'What can I help with today?');
  await say('when is my bin collection day', /collected/);
  await page.getByRole('button', { name: 'Talk to a person' }).last().click();
  await log().getByText(/in the queue/).waitFor();
  const conversation = await waitUntil(() => Conversation.findOne({ channel: 'webchat', status: 'queued' }).sort({ queuedAt: -1 }).lean(), 10_000, 'queued');
  const { agentSocket, agentCommand } = await import('../helpers/engine');
  const agent = await agentSocket(engine.url!, await loginAgent(engine.url!, 'admin@council.example', 'test-admin-password'));
  expect((await agentCommand(agent, 'conversation.claim', { conversationId: conversation._id })).ok).toBe(true);
  expect((await agentCommand(agent, 'message.send', { conversationId: conversation._id, text: 'Hi, I can help with that. Our bin day finder is at https://www.example.org/bins' })).ok).toBe(true);
  await log().locator('li.agent').getByText('bin day finder').waitFor();
  agent.close();
  expect(await log().locator('li.system').count()).toBeGreaterThanOrEqual(1);
  await page.getByRole('button', { name: 'Text me instead' }).click();
  const audit = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(audit.violations).toEqual([]);
  await page.getByRole('button', { name: 'Close' }).click();
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: `${SCREENS}/webchat-1366x768.png` });
});

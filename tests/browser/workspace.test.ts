/**
 * The agent workspace (issue 15) in real headless Chromium (Debian's, through playwright-core)
 * against the real engine on Redis and FerretDB, SMS through the real `twilio` SDK to a local
 * double of Twilio's REST API. Each view is checked with axe (WCAG 2.2 AA) and photographed at
 * 1366×768 into /work/logs/workspace-screens (or WORKSPACE_SCREENS).
 */
import { mkdirSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import twilio from 'twilio';
import { createAgent } from '../../src/agents/auth';
import { Agent, Case, Conversation, Identity, Offer, Permit, PermitNight } from '../../src/models';
import { launchChromium } from '../helpers/browser';
import { sleep, startTestEngine, stopAndDrop, testEnv, waitUntil, WebchatResident } from '../helpers/engine';
import { futureDate } from '../helpers/transcript';
import { TwilioCall } from '../helpers/twilio-caller';
import { startTwilioDouble, type TwilioDouble } from '../helpers/twilio-double';

type TestEngine = Awaited<ReturnType<typeof startTestEngine>>;
const TOKEN = 'workspace-test-auth-token-0123456';
const COUNCIL = '+61480000000';
const SCREENS = process.env.WORKSPACE_SCREENS ?? '/work/logs/workspace-screens';
let engine: TestEngine;
let browser: Browser;
let double: TwilioDouble;
const contexts: BrowserContext[] = [];
const residents: WebchatResident[] = [];

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  double = await startTwilioDouble();
  engine = await startTestEngine(testEnv({ TWILIO_AUTH_TOKEN: TOKEN, TWILIO_API_URL: double.url, OFFER_TIMEOUT_SECONDS: '10' }));
  await createAgent({ email: 'alex@council.example', name: 'Alex Agent', password: 'alex-password-1', role: 'agent', queues: ['general', 'roads'] });
  await createAgent({ email: 'bo@council.example', name: 'Bo Agent', password: 'bo-password-12', role: 'agent', queues: ['general'] });
  await createAgent({ email: 'sam@council.example', name: 'Sam Supervisor', password: 'sam-password-1', role: 'supervisor', queues: ['general'] });
  await Agent.updateOne({ email: 'alex@council.example' }, { $set: { capacity: 40 } });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  residents.forEach((r) => r.close());
  await browser?.close();
  await stopAndDrop(engine);
  await double.stop();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

/** A browser page at 1366×768; `Notification` records what the page shows (permission granted). */
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  contexts.push(context);
  await context.addInitScript(() => {
    const shown: Array<{ title: string; body?: string }> = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    class RecordingNotification {
      static permission = 'granted';
      static requestPermission = () => Promise.resolve('granted');
      onclick: (() => void) | null = null;
      constructor(title: string, options?: { body?: string }) {
        shown.push({ title, ...(options?.body ? { body: options.body } : {}) });
      }
      close(): void {}
    }
    (window as unknown as { Notification: unknown }).Notification = RecordingNotification;
  });
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

const axe = (page: Page) => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
async function checkView(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`) });
  const { violations } = await axe(page);
  expect(violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) }))).toEqual([]);
}

function smsParams(from: string, body: string, extra: Record<string, string> = {}): Record<string, string> {
  return { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: engine.config.TWILIO_ACCOUNT_SID, From: from, To: COUNCIL, Body: body, NumMedia: '0', ...extra };
}
async function smsFrom(from: string, body: string, extra: Record<string, string> = {}): Promise<string> {
  const params = smsParams(from, body, extra);
  const res = await fetch(`${engine.url}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${engine.config.PUBLIC_URL}/webhooks/twilio/sms`, params) },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
  return params.MessageSid!;
}
/** A real PNG of stripes, big enough to see in the screenshot. */
function stripesPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body) >>> 0, 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set(Math.floor(x / 20) % 2 ? [90, 90, 90] : [200, 120, 40], y * (width * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const smsTo = (to: string) => double.sent.filter((m) => m.To === to);

async function queuedSms(from: string, words: string) {
  await smsFrom(from, words);
  return waitUntil(async () => (await Conversation.findOne({ identityId: `sms-${COUNCIL}-${from}`, status: 'queued' }).lean()) ?? undefined, 15_000, 'queued');
}

/** Everyone but these agents is away, so offers go only to them. */
async function onlyAvailable(...emails: string[]): Promise<void> {
  for (const a of await Agent.find({ email: { $nin: emails } }).lean()) await engine.services.redis.hset(`${engine.config.QUEUE_PREFIX}:presence`, a._id, 'away');
}

test('at 1366×768 with 30 messages the composer and the newest message are in view without scrolling; the person pane shows who they are', async () => {
  const from = '+61412700001';
  const conversation = await queuedSms(from, 'I need to talk to a person about my rates notice');
  const page = await newPage();
  await checkView(page, '01-sign-in');
  await signIn(page, 'alex@council.example', 'alex-password-1');
  await page.getByRole('button', { name: /^Claim SMS conversation: I need to talk to a person about my rates notice/ }).click();
  await page.getByRole('status').filter({ hasText: 'You have claimed this conversation.' }).waitFor();
  for (let i = 1; i <= 28; i++) await smsFrom(from, `Message number ${i} about the rates notice`);
  const transcript = page.getByRole('log', { name: 'Conversation transcript' });
  await transcript.getByText('Message number 28 about the rates notice').waitFor({ timeout: 30_000 });
  expect(await transcript.locator('li').count()).toBeGreaterThanOrEqual(30);
  // No page scroll: the document is exactly the viewport; the composer and newest message are inside it.
  const layout = await page.evaluate(() => {
    const inView = (el: Element | null) => {
      if (!el) return false;
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth && r.height > 0;
    };
    const items = document.querySelectorAll('#timeline li');
    return { scroll: document.documentElement.scrollHeight, height: window.innerHeight, reply: inView(document.getElementById('reply')), send: inView(document.querySelector('#composer button[type=submit]')), newest: inView(items[items.length - 1]!) };
  });
  expect(layout).toEqual({ scroll: 768, height: 768, reply: true, send: true, newest: true });
  // The person: their number (not a hash), the channel and the reason.
  await page.getByRole('heading', { name: from, level: 2, exact: true }).waitFor();
  await page.getByRole('complementary').getByText('Resident asked for a person', { exact: false }).first().waitFor();
  // Name the resident: the list and the heading follow.
  await page.getByRole('button', { name: 'Add name' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Riley Ratepayer');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Riley Ratepayer', level: 2, exact: true }).waitFor();
  await page.getByRole('tab', { name: /Mine/ }).click();
  await page.getByRole('list', { name: /Mine/ }).getByText('Riley Ratepayer').waitFor();
  await checkView(page, '02-workspace-thread');
  // The other lists, and the thread's extra actions opened, are checked too.
  await page.getByRole('tab', { name: /All open/ }).click();
  await checkView(page, '02b-all-open');
  await page.getByRole('tab', { name: /Resolved/ }).click();
  await checkView(page, '02c-resolved');
  await page.getByText('More actions').click();
  await checkView(page, '02d-more-actions');
  expect(conversation.contactId).toBeTruthy();
}, 120_000);

test('a new conversation raises the title count and shows a desktop notification', async () => {
  const page = await newPage();
  await signIn(page, 'bo@council.example', 'bo-password-12');
  await page.getByRole('button', { name: 'Claim', exact: true }).first().waitFor({ state: 'attached', timeout: 2000 }).catch(() => undefined);
  const before = await page.evaluate(() => { const m = /^\((\d+)\)/.exec(document.title); return m ? Number(m[1]) : 0; });
  await queuedSms('+61412700002', 'can I speak to someone about a parking fine');
  await page.waitForFunction((n) => { const m = /^\((\d+)\)/.exec(document.title); return Boolean(m && Number(m[1]) > n); }, before, { timeout: 15_000 });
  const shown = await page.waitForFunction(() => (window as unknown as { shownNotifications: Array<{ title: string; body?: string }> }).shownNotifications.find((n) => n.title === 'A conversation is waiting'), undefined, { timeout: 15_000 });
  expect(await shown.jsonValue()).toMatchObject({ title: 'A conversation is waiting', body: expect.stringContaining('SMS') });
  expect(await page.title()).toMatch(/^\(\d+\) Switchboard agent workspace$/);
  // The live wait timer ticks on the card.
  const card = page.getByRole('list', { name: /Waiting/ }).locator('li', { hasText: 'parking fine' });
  const first = await card.locator('.wait').textContent();
  await sleep(2100);
  expect(await card.locator('.wait').textContent()).not.toBe(first);
  await checkView(page, '03-waiting-list');
}, 60_000);

test('a timed offer declined by one agent reaches the next; the next lets it time out; both are recorded', async () => {
  const [alex, bo] = await Promise.all([newPage(), newPage()]);
  await signIn(alex, 'alex@council.example', 'alex-password-1');
  await signIn(bo, 'bo@council.example', 'bo-password-12');
  await onlyAvailable('alex@council.example', 'bo@council.example');
  // Alex takes one conversation, so Bo (least loaded) is offered the next first.
  const filler = await queuedSms('+61412700008', 'talk to a person about a filler question');
  await alex.getByRole('button', { name: /^Claim SMS conversation: talk to a person about a filler question/ }).click();
  await alex.getByRole('status').filter({ hasText: 'You have claimed this conversation.' }).waitFor();
  expect((await Conversation.findById(filler._id).lean())!.status).toBe('assigned');
  const conversation = await queuedSms('+61412700003', 'talk to a person about a tree on my fence');
  const boOffer = bo.getByRole('region', { name: /Offered to you/ });
  await boOffer.getByText('tree on my fence', { exact: false }).waitFor({ timeout: 15_000 });
  await checkView(bo, '04-offer');
  await boOffer.filter({ hasText: 'tree on my fence' }).getByRole('button', { name: 'Decline' }).click();
  await bo.getByRole('status').filter({ hasText: 'Offer declined. It goes to the next agent.' }).waitFor();
  const alexOffer = alex.getByRole('region', { name: /Offered to you/ });
  const treeOffer = alexOffer.filter({ hasText: 'tree on my fence' });
  await treeOffer.waitFor({ timeout: 15_000 });
  await treeOffer.getByText(/\d+ s to accept/).waitFor();
  // Alex lets it run out (10 s here): it is recorded, and the banner goes.
  await treeOffer.waitFor({ state: 'detached', timeout: 30_000 });
  await waitUntil(async () => (await Offer.exists({ conversationId: conversation._id, outcome: 'timed_out' })) ?? undefined, 10_000, 'the timeout recorded');
  const offers = await Offer.find({ conversationId: conversation._id }).sort({ createdAt: 1 }).lean();
  const bob = await Agent.findOne({ email: 'bo@council.example' }).lean();
  const alexDoc = await Agent.findOne({ email: 'alex@council.example' }).lean();
  expect(offers.map((o) => [o.agentId, o.outcome])).toEqual([[bob!._id, 'declined'], [alexDoc!._id, 'timed_out']]);
  // It is still waiting for anyone to take.
  expect((await Conversation.findById(conversation._id).lean())!.status).toBe('queued');
  // A fresh offer accepted claims it.
  await Conversation.updateOne({ _id: conversation._id }, { $set: { handoffId: 'fresh-handoff' } });
  const { offerToAvailableAgent } = await import('../../src/conversations/offers');
  await offerToAvailableAgent(engine.services, { conversationId: conversation._id, queue: 'general', channel: 'sms', preview: 'tree on my fence' });
  const fresh = (page: Page) => page.getByRole('region', { name: /Offered to you/ }).filter({ hasText: 'tree on my fence' });
  await waitUntil(async () => (await fresh(bo).count()) + (await fresh(alex).count()) > 0 || undefined, 10_000, 'the fresh offer');
  const someone = (await fresh(bo).count()) ? bo : alex;
  await fresh(someone).getByRole('button', { name: 'Accept' }).click({ timeout: 10_000 });
  await someone.getByRole('status').filter({ hasText: 'You have claimed this conversation.' }).waitFor();
  await waitUntil(async () => (await Offer.findOne({ conversationId: conversation._id, outcome: 'accepted' }).lean()) ?? undefined, 5000, 'accepted recorded');
}, 90_000);

test('search by phone number and by reference finds the conversation; an agent changes the report\'s status and the resident gets the SMS', async () => {
  const from = '+61412700004';
  const conversation = await queuedSms(from, 'agent please, about my pothole report');
  const report = await engine.services.councils.default.cases.create({ category: 'pothole', description: 'Deep pothole outside the school', location: { text: '12 Bay Road, Riverbend' }, photoCount: 0 }, { contactId: conversation.contactId, identityId: conversation.identityId, channel: 'sms', conversationId: conversation._id, address: from }, `ws-${conversation._id}`);
  const page = await newPage();
  await signIn(page, 'alex@council.example', 'alex-password-1');
  // By the number as a resident would say it (national format).
  await page.getByRole('searchbox', { name: 'Search conversations and people' }).fill('0412 700 004');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('heading', { name: /Results for/ }).waitFor();
  await page.getByRole('list', { name: /People/ }).getByText(`Phone ${from}`).waitFor();
  await checkView(page, '05-search');
  // By reference.
  await page.getByRole('searchbox', { name: 'Search conversations and people' }).fill(report.reference);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('list', { name: /People/ }).getByText(`Reference ${report.reference}`).waitFor();
  await page.getByRole('list', { name: /Conversations/ }).getByRole('button', { name: /Open SMS conversation/ }).first().click();
  await page.getByRole('heading', { name: from, level: 2, exact: true }).waitFor();
  // The report in the person pane: change its status; the resident is told by SMS.
  const pane = page.getByRole('complementary');
  await pane.getByText(report.reference).first().waitFor();
  // A neighbour who rang about the same pothole is added as a follower: texted now, and told of the fix.
  await pane.getByLabel(`Add a follower to ${report.reference} (mobile number)`).fill('0412 700 040');
  await pane.getByRole('button', { name: 'Add follower' }).click();
  await page.getByRole('status').filter({ hasText: `now follows ${report.reference}` }).waitFor();
  await pane.getByRole('list', { name: 'Also told of changes' }).getByText('+61412700040').waitFor();
  await waitUntil(() => smsTo('+61412700040').find((m) => m.Body.includes(`updates on report ${report.reference}`)), 15_000, 'the follower\'s first SMS');
  await pane.getByLabel(`Status of ${report.reference}`).selectOption('fixed');
  // What the crew found is for staff: kept on the report, never texted.
  await pane.getByLabel('Internal note (staff only, never sent)').fill('Crew filled it with cold mix; needs a proper patch in summer');
  await pane.getByRole('button', { name: `Update ${report.reference}` }).click();
  await page.getByRole('status').filter({ hasText: `${report.reference} is now fixed` }).waitFor();
  const told = await waitUntil(() => smsTo(from).find((m) => m.Body.includes(`${report.reference} is now fixed`)), 15_000, 'the status SMS');
  expect(told.Body).toBe(`Riverbend Council: your report ${report.reference} is now fixed.`);
  await waitUntil(() => smsTo('+61412700040').find((m) => m.Body === `Riverbend Council: report ${report.reference} is now fixed.`), 15_000, 'the follower told of the fix');
  const stored = await Case.findById(report.reference).lean();
  expect(stored!.history!.at(-1)).toMatchObject({ status: 'fixed', by: 'Alex Agent', internalNote: 'Crew filled it with cold mix; needs a proper patch in summer' });
  expect(double.sent.some((m) => m.Body.includes('cold mix'))).toBe(false);
  await pane.getByText(`History of ${report.reference}`).click();
  await pane.getByText('Internal note: Crew filled it with cold mix; needs a proper patch in summer').waitFor();
  await pane.getByText('Fixed', { exact: false }).first().waitFor();
  await checkView(page, '06-person-report');
  // The person's whole journey, beside the conversation: the SMS conversation and the report, with where each stands.
  await pane.getByText('Journey: every contact in time order').click();
  const journey = pane.getByRole('list', { name: 'Journey, oldest first' });
  await journey.getByText(/Report: pothole/).waitFor();
  expect(await journey.locator('li').allTextContents()).toEqual([
    expect.stringMatching(/ · SMS Conversation \(Resident asked for a person: "agent please, about my pothole report"\): Waiting$/),
    expect.stringMatching(/SMS Report: pothole: fixed$/),
  ]);
  await checkView(page, '06b-person-journey');
}, 90_000);

test('a photo sent by MMS is shown inline through our own authorised route', async () => {
  const from = '+61412700005';
  const account = engine.config.TWILIO_ACCOUNT_SID;
  const png = stripesPng(240, 160);
  double.media.set(`/2010-04-01/Accounts/${account}/Messages/MM42/Media/ME42`, { contentType: 'image/png', data: png });
  await queuedSms(from, 'talk to a person, I have a photo of the dumped rubbish');
  await smsFrom(from, 'here it is', { NumMedia: '1', MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/${account}/Messages/MM42/Media/ME42`, MediaContentType0: 'image/png' });
  const page = await newPage();
  await signIn(page, 'alex@council.example', 'alex-password-1');
  await page.getByRole('button', { name: /^Open SMS conversation: here it is|^Open SMS conversation: talk to a person, I have a photo/ }).first().click();
  const photo = page.getByRole('log', { name: 'Conversation transcript' }).getByRole('img', { name: 'Photo 1 sent by the resident' });
  await photo.waitFor({ timeout: 20_000 });
  const src = await photo.getAttribute('src');
  expect(src).toMatch(/^blob:/);
  expect(await photo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
  // Never the provider's URL.
  expect(await page.locator('#timeline').innerHTML()).not.toContain('api.twilio.com');
  // The route is authorised: no token, no photo.
  const unauthorised = await fetch(`${engine.url}/api/v1/media/media-sms-x-0`);
  expect(unauthorised.status).toBe(401);
  await checkView(page, '07-photo');
}, 60_000);

test('an admin creates an agent whose display name residents then see; the wallboard is live', async () => {
  const admin = await newPage();
  await signIn(admin, 'admin@council.example', 'test-admin-password');
  await admin.getByRole('link', { name: 'Admin' }).click();
  await admin.getByRole('heading', { name: 'Add an agent' }).waitFor();
  await admin.getByLabel('Display name (residents see it)').fill('Dana from Customer Service');
  await admin.getByLabel('Email').fill('dana@council.example');
  await admin.getByLabel('Temporary password (at least 10 characters)').fill('dana-password-1');
  await admin.getByLabel('Role').selectOption('agent');
  await admin.getByRole('button', { name: 'Add agent' }).click();
  await admin.getByRole('status').filter({ hasText: 'Dana from Customer Service can now sign in.' }).waitFor();
  await admin.getByRole('cell', { name: 'dana@council.example' }).waitFor();
  await checkView(admin, '08-admin');

  await admin.getByRole('link', { name: 'Wallboard' }).click();
  await admin.getByRole('heading', { name: 'Wallboard' }).waitFor();
  await admin.getByText('Waiting over the last 4 hours').waitFor();
  // An admin's bar has four links: it wraps rather than push "Sign out" off a 1366-pixel screen.
  const signOut = (await admin.getByRole('button', { name: 'Sign out' }).boundingBox())!;
  expect(signOut.x + signOut.width).toBeLessThanOrEqual(1366);
  expect(await admin.getByRole('link', { name: 'Analytics and history' }).getAttribute('href')).toBe('/agent/analytics');
  await checkView(admin, '09-wallboard');
  // The wallboard is live: figures change as residents wait and agents answer, with no reload.
  const tile = (label: string) => admin.locator('.tile', { has: admin.getByText(label, { exact: true }) }).locator('.tile-value');
  const waitingBefore = Number(await tile('Waiting now').textContent());
  const agentsChart = () => admin.locator('svg.bars title').filter({ hasText: 'Agents by state' }).textContent();
  const busyBefore = Number(/On conversations (\d+)/.exec((await agentsChart()) ?? '')![1]);
  const answeredOf = async () => Number(/of (\d+) answered/.exec((await admin.locator('.tile').filter({ hasText: 'answered' }).textContent()) ?? '')?.[1]);
  const answeredBefore = await answeredOf();

  const resident = new WebchatResident(engine.url!);
  residents.push(resident);
  await resident.start();
  await resident.say('talk to a person please about my dog registration');
  await admin.waitForFunction((n) => Number(document.querySelector('.tile .tile-value')?.textContent) === n, waitingBefore + 1, { timeout: 15_000 });
  // Signed in with the temporary password, Dana chooses her own before anything else.
  const dana = await newPage();
  await dana.getByLabel('Email').fill('dana@council.example');
  await dana.getByLabel('Password').fill('dana-password-1');
  await dana.getByRole('button', { name: 'Sign in' }).click();
  await dana.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await checkView(dana, '10-choose-password');
  await dana.getByLabel('Current password').fill('dana-password-1');
  await dana.getByLabel('New password (at least 10 characters)').fill('dana-chose-this-1');
  await dana.getByLabel('New password again').fill('dana-chose-this-2');
  await dana.getByRole('button', { name: 'Save my password' }).click();
  await dana.getByRole('alert').filter({ hasText: 'The two new passwords are not the same.' }).waitFor();
  await dana.getByLabel('New password again').fill('dana-chose-this-1');
  await dana.getByRole('button', { name: 'Save my password' }).click();
  await dana.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  await dana.getByRole('button', { name: /^Claim Website chat conversation: talk to a person please about my dog registration/ }).click();
  await dana.getByRole('status').filter({ hasText: 'You have claimed this conversation.' }).waitFor();
  const joined = await resident.waitForReply((m) => m.text.includes('has joined the conversation'));
  expect(joined.text).toBe('Dana from Customer Service from Riverbend Council has joined the conversation.');
  await waitUntil(() => resident.updates.find((u) => u.agentName === 'Dana from Customer Service'), 5000, 'agentName');
  // The webchat resident is "Website visitor", never a hash.
  await dana.getByRole('heading', { name: 'Website visitor · Website chat', level: 2 }).waitFor();
  // Claimed: one fewer waiting, and one more agent on a conversation, on the open wallboard.
  await admin.waitForFunction((n) => Number(document.querySelector('.tile .tile-value')?.textContent) === n, waitingBefore, { timeout: 15_000 });
  await waitUntil(async () => (Number(/On conversations (\d+)/.exec((await agentsChart()) ?? '')?.[1]) === busyBefore + 1 ? true : undefined), 15_000, 'the wallboard to count Dana on a conversation');
  // Answered today (the service level's count) went up by that one.
  await waitUntil(async () => ((await answeredOf()) === answeredBefore + 1 ? true : undefined), 15_000, 'the answered count');

  // Deactivated, Dana is signed out at once and cannot sign in again.
  await admin.getByRole('link', { name: 'Admin' }).click();
  await admin.getByRole('button', { name: 'Edit Dana from Customer Service' }).click();
  await admin.getByRole('button', { name: 'Deactivate' }).click();
  await admin.getByRole('status').filter({ hasText: 'is deactivated and signed out' }).waitFor();
  await dana.getByRole('alert').filter({ hasText: /signed out|expired/ }).waitFor({ timeout: 10_000 });
  const again = await fetch(`${engine.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'dana@council.example', password: 'dana-chose-this-1' }) });
  expect(again.status).toBe(401);
}, 90_000);

test('a place the resident shares shows as the place with a map link, not raw JSON', async () => {
  const resident = new WebchatResident(engine.url!);
  residents.push(resident);
  await resident.start();
  await resident.say('talk to a person about rubbish dumped in the park');
  await waitUntil(async () => (await Conversation.findById(resident.conversationId).lean())?.status === 'queued' || undefined, 10_000, 'queued');
  expect((await resident.emit('message.send', { clientMessageId: `loc-${randomBytes(3).toString('hex')}`, location: { lat: -33.8688, lng: 151.2093 } })).ok).toBe(true);
  const page = await newPage();
  await signIn(page, 'sam@council.example', 'sam-password-1');
  await page.getByRole('list', { name: /Waiting/ }).locator('li', { hasText: 'rubbish dumped in the park' }).getByRole('button', { name: /^Open Website chat conversation/ }).click();
  const transcript = page.getByRole('log', { name: 'Conversation transcript' });
  await transcript.getByText('Shared a place', { exact: false }).waitFor();
  const link = transcript.getByRole('link', { name: /Open map/ });
  expect(await link.getAttribute('href')).toBe('https://www.openstreetmap.org/?mlat=-33.868800&mlon=151.209300#map=18/-33.868800/151.209300');
  expect(await page.locator('#timeline').innerText()).not.toContain('{"');
}, 60_000);

test('canned responses by typing /, an internal note, and a reply to an opted-out resident shown as not sent with the reason', async () => {
  const from = '+61412700007';
  await queuedSms(from, 'I would like to talk to a person about my water meter');
  const page = await newPage();
  await signIn(page, 'sam@council.example', 'sam-password-1');
  await page.getByRole('button', { name: /^Claim SMS conversation: I would like to talk to a person about my water meter/ }).click();
  await page.getByRole('status').filter({ hasText: 'You have claimed this conversation.' }).waitFor();
  const reply = page.getByLabel('Reply to the resident');
  await reply.fill('/look');
  const canned = page.getByRole('listbox', { name: 'Canned responses' });
  await canned.getByRole('option', { name: /Looking into it/ }).waitFor();
  await checkView(page, '10-canned');
  await reply.press('Enter');
  expect(await reply.inputValue()).toBe("Thanks. I'm looking into this now and will reply here shortly.");
  await reply.press('Control+Enter');
  await page.getByRole('status').filter({ hasText: 'Reply sent.' }).waitFor();
  const transcript = page.getByRole('log', { name: 'Conversation transcript' });
  await transcript.locator('li', { hasText: "I'm looking into this now" }).getByText('Sent').waitFor({ timeout: 15_000 });

  await page.getByLabel('Internal note').check();
  await page.getByLabel('Internal note', { exact: true }).last().fill('Meter reading disputed last quarter');
  await page.getByRole('button', { name: 'Add note' }).click();
  await transcript.getByText('Internal note by Sam Supervisor', { exact: false }).waitFor();
  expect(smsTo(from).find((m) => m.Body.includes('Meter reading'))).toBeUndefined();

  // The resident texts STOP: the person pane says so, and a reply shows as not sent, and why.
  await smsFrom(from, 'STOP');
  await page.getByLabel('Reply', { exact: true }).check();
  await waitUntil(async () => (await Identity.findById(`sms-${COUNCIL}-${from}`).lean())?.optedOut || undefined, 10_000, 'opted out');
  await page.getByLabel('Reply to the resident').fill('Are you still there?');
  await page.getByLabel('Reply to the resident').press('Control+Enter');
  await transcript.locator('li', { hasText: 'Are you still there?' }).getByText('Not sent: The resident has opted out of messages (texted STOP).').waitFor({ timeout: 15_000 });
  await page.getByRole('complementary').getByText('Opted out (texted STOP)', { exact: false }).waitFor({ timeout: 15_000 });
  await checkView(page, '11-opted-out');
}, 90_000);

test('an admin changes the office hours and adds a knowledge page in the console; the next resident is answered from it', async () => {
  const admin = await newPage();
  await signIn(admin, 'admin@council.example', 'test-admin-password');
  await admin.getByRole('link', { name: 'Admin' }).click();
  await admin.getByRole('heading', { name: 'Council settings' }).waitFor();
  await admin.getByLabel(/^Office hours/).fill('Mon-Sat 08:00-18:00');
  await admin.getByRole('button', { name: 'Save office hours and queues' }).click();
  await admin.getByRole('status').filter({ hasText: 'office hours and queues saved' }).waitFor();
  await admin.getByLabel('Page title').fill('Verge mowing');
  await admin.getByLabel("Link to the page on the council's website").fill('https://www.riverbend.example.gov.au/streets/verge-mowing');
  await admin.getByLabel('What residents should be told').fill('Council mows nature strips on main roads every six weeks from October to April. Residents look after the verge outside their own home.');
  await admin.getByLabel('Questions residents ask about it (one a line)').fill('who mows the nature strip\nwill council mow my verge');
  await admin.getByRole('button', { name: 'Add knowledge page' }).click();
  await admin.getByRole('status').filter({ hasText: '“Verge mowing” is live' }).waitFor();
  await admin.getByRole('listitem').filter({ hasText: 'Verge mowing' }).waitFor();
  await checkView(admin, '12-council-settings');
  expect((await (await fetch(`${engine.url}/api/v1/councils/default`, { headers: { authorization: `Bearer ${await admin.evaluate(() => sessionStorage.getItem('sb-token'))}` } })).json()).officeHours).toBe('Mon-Sat 08:00-18:00');

  const from = '+61412990077';
  await smsFrom(from, 'who mows the nature strip?');
  const reply = await waitUntil(() => smsTo(from)[0], 20_000, 'the answer');
  expect(reply.Body).toContain('every six weeks');
  expect(reply.Body).toContain('verge-mowing');
  // Open all hours again for the tests after this one (phone calls would otherwise meet the after-hours menu).
  const token = await admin.evaluate(() => sessionStorage.getItem('sb-token'));
  const reopened = await fetch(`${engine.url}/api/v1/councils/default`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ officeHours: 'Mon-Sun 00:00-24:00' }) });
  expect(reopened.status).toBe(200);
}, 90_000);

test('"Away" set in one tab shows in the agent\'s other tab at once, and still after that tab reloads', async () => {
  const first = await newPage();
  await signIn(first, 'bo@council.example', 'bo-password-12');
  const second = await first.context().newPage();
  await second.goto(`${engine.url}/agent`);
  await signIn(second, 'bo@council.example', 'bo-password-12');
  const status = (page: Page) => page.getByLabel('My status');
  expect(await status(second).inputValue()).toBe('available');

  await status(first).selectOption('away');
  await first.getByText('Your status is now away.').waitFor();
  await second.waitForFunction(() => (document.getElementById('presence') as HTMLSelectElement).value === 'away', undefined, { timeout: 5000 });
  // Reloaded while the other tab is open: the agent is still away, and the menu says so.
  await second.reload();
  await second.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  await second.waitForFunction(() => (document.getElementById('presence') as HTMLSelectElement).value === 'away', undefined, { timeout: 5000 });
  expect(await engine.services.redis.hget(`${engine.config.QUEUE_PREFIX}:presence`, (await Agent.findOne({ email: 'bo@council.example' }).lean())!._id)).toBe('away');

  await status(second).selectOption('available');
  await second.getByText('Your status is now available.').waitFor();
}, 60_000);

test('the person pane shows the request in progress in words; an agent cancels a permit after confirming and the resident is told by SMS', async () => {
  const from = '+61412700009';
  const arrive = futureDate(30);
  await smsFrom(from, `I'd like to book a campsite at Lookout Hill from ${arrive.spoken} for 2 nights`);
  await waitUntil(() => smsTo(from).find((m) => /How many people/.test(m.Body)), 15_000, 'the booking question');
  const conversation = await queuedSms(from, 'agent please');
  // An earlier booking of theirs, to cancel from the console.
  const booked = await engine.services.councils.default.permits.book({ campgroundId: 'lookout-hill', arrive: futureDate(40).iso, nights: 1, partySize: 2 }, { contactId: conversation.contactId, identityId: conversation.identityId, channel: 'sms', conversationId: conversation._id, address: from }, `ws-permit-${conversation._id}`);
  if (!booked.ok) throw new Error('the seed permit could not be booked');
  const reference = booked.reference;
  expect(await PermitNight.countDocuments({ permitId: reference })).toBe(1);

  const page = await newPage();
  await signIn(page, 'alex@council.example', 'alex-password-1');
  await page.getByRole('button', { name: 'Open SMS conversation: agent please', exact: true }).click();
  await page.getByRole('heading', { name: from, level: 2, exact: true }).waitFor();
  const pane = page.getByRole('complementary');
  // The booking the resident had started, named in words (no slot keys, no ISO dates).
  const request = pane.getByRole('region', { name: 'Current request' });
  await request.waitFor();
  const pairs = await request.locator('dt, dd').allTextContents();
  expect(pairs).toEqual(['Request', 'Booking a camping permit', 'Campground', 'Lookout Hill', 'Arriving', expect.stringMatching(/^\w+day,? \d+ \w+ \d{4}$/), 'Nights', '2']);

  // The permit: cancelling asks first; "Keep it" keeps it.
  const permits = pane.getByRole('region', { name: 'Permits' });
  await permits.getByText(reference, { exact: true }).waitFor();
  await permits.getByRole('button', { name: `Cancel ${reference}…` }).click();
  const confirm = permits.getByRole('group', { name: `Cancel ${reference}` });
  await confirm.getByText(`Cancel ${reference}? The resident is told and the places are freed.`).waitFor();
  await checkView(page, '11-permit-cancel-confirm');
  await confirm.getByRole('button', { name: 'Keep it' }).click();
  await confirm.waitFor({ state: 'detached' });
  expect((await Permit.findById(reference).lean())!.status).toBe('booked');

  await permits.getByRole('button', { name: `Cancel ${reference}…` }).click();
  await confirm.getByRole('button', { name: `Yes, cancel ${reference}` }).click();
  await page.getByRole('status').filter({ hasText: `${reference} is cancelled and its places are freed. The resident has been told.` }).waitFor();
  const told = await waitUntil(() => smsTo(from).find((m) => m.Body.includes(reference)), 15_000, 'the cancellation SMS');
  expect(told.Body).toBe(`Riverbend Council: your camping permit ${reference} has been cancelled.`);
  const stored = await Permit.findById(reference).lean();
  expect(stored).toMatchObject({ status: 'cancelled' });
  expect(stored!.history!.at(-1)).toMatchObject({ status: 'cancelled', by: 'Alex Agent' });
  expect(await PermitNight.countDocuments({ permitId: reference })).toBe(0);
  await permits.getByText('Cancelled', { exact: false }).first().waitFor();
  expect(await permits.getByRole('button', { name: `Cancel ${reference}…` }).count()).toBe(0);
}, 90_000);

test('a phone call shows its steps in the thread, and the hang-up arrives live', async () => {
  const caller = new TwilioCall({ engineUrl: engine.url!, publicUrl: engine.config.PUBLIC_URL, token: TOKEN, from: '+61412700010', to: COUNCIL, accountSid: engine.config.TWILIO_ACCOUNT_SID });
  await caller.dial();
  await caller.press('0');
  caller.enqueue();
  await waitUntil(async () => (await Conversation.findOne({ 'call.sid': caller.callSid, status: 'queued' }).lean()) ?? undefined, 15_000, 'the queued call');
  const page = await newPage();
  await signIn(page, 'alex@council.example', 'alex-password-1');
  await page.getByRole('list', { name: /Waiting/ }).getByRole('button', { name: /^Open Phone conversation/ }).first().click();
  await page.getByRole('heading', { name: '+61412700010', level: 2, exact: true }).waitFor();
  const transcript = page.getByRole('log', { name: 'Conversation transcript' });
  await transcript.getByText('Call: Call started').waitFor();
  // What the caller pressed is in the thread as the resident's turn.
  await transcript.locator('li.msg.contact').first().waitFor();
  await checkView(page, '13-call-steps');
  expect((await caller.status('completed', 3)).status).toBeLessThan(300);
  await transcript.getByText('Call: Call ended').waitFor({ timeout: 15_000 });
  const steps = await transcript.locator('li.msg.call .call-step').allTextContents();
  expect(steps).toEqual(['Call: Call started', 'Call: Call ended']);
}, 90_000);

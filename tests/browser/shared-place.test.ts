/**
 * A place a resident shares reads as an address in the agent console (issue 15, item 2), in
 * real headless Chromium against the real engine, the geocoder a local double of Nominatim's
 * jsonv2 reverse API: first the coordinates, then, live, the address it found; the map link
 * stays the exact point.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startTestEngine, stopAndDrop, testEnv, waitUntil, WebchatResident } from '../helpers/engine';
import { startNominatimDouble, type NominatimDouble } from '../helpers/nominatim-double';
import { Conversation } from '../../src/models';

let engine: Awaited<ReturnType<typeof startTestEngine>>;
let browser: Browser;
let geocoder: NominatimDouble;

beforeAll(async () => {
  geocoder = await startNominatimDouble();
  geocoder.places.set('-33.8688,151.2093', {
    delayMs: 2000,
    name: 'Sydney Town Hall',
    address: { house_number: '483', road: 'George Street', suburb: 'Sydney', postcode: '2000' },
    displayName: 'Sydney Town Hall, 483, George Street, Sydney, 2000, Australia',
  });
  engine = await startTestEngine(testEnv({ GEOCODER_URL: geocoder.url }));
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await stopAndDrop(engine);
  await geocoder.stop();
});

test('the open thread shows the coordinates, then the address once it is found, with the map link', async () => {
  const resident = new WebchatResident(engine.url!);
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  try {
    await resident.start();
    await resident.say('talk to a person about rubbish dumped in the park');
    await waitUntil(async () => (await Conversation.findById(resident.conversationId).lean())?.status === 'queued' || undefined, 10_000, 'queued');
    const page = await context.newPage();
    await page.goto(`${engine.url}/agent`);
    await page.getByLabel('Email').fill('admin@council.example');
    await page.getByLabel('Password').fill('test-admin-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    await page.getByRole('button', { name: /^Open Website chat conversation: talk to a person about rubbish/ }).click();
    const transcript = page.getByRole('log', { name: 'Conversation transcript' });
    await transcript.getByText('talk to a person about rubbish dumped in the park').waitFor();

    expect((await resident.emit('message.send', { clientMessageId: 'place-1', location: { lat: -33.8688, lng: 151.2093 } })).ok).toBe(true);
    await transcript.getByText('Shared a place: -33.86880, 151.20930').waitFor();
    await transcript.getByText('Shared a place: Sydney Town Hall, 483 George Street, Sydney 2000').waitFor({ timeout: 15_000 });
    const link = transcript.getByRole('link', { name: /Open map/ });
    expect(await link.getAttribute('href')).toBe('https://www.openstreetmap.org/?mlat=-33.868800&mlon=151.209300#map=18/-33.868800/151.209300');
    // Said once: the stored "Location <coordinates>" text is not shown beside the place.
    expect(await page.locator('#timeline').innerText()).not.toContain('Location -33.86880');
  } finally {
    await context.close();
    resident.close();
  }
}, 90_000);

/**
 * The console labels a model's handover summary as generated, never as "Resident said"
 * (issue 14, item 7 of the findings), in real headless Chromium against the real engine, with
 * the model an OpenAI-compatible double reached through the real `openai` SDK.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startTestEngine, stopAndDrop, testEnv, WebchatResident } from '../helpers/engine';
import { startOpenAiDouble, type OpenAiDouble } from '../helpers/openai-double';

let engine: Awaited<ReturnType<typeof startTestEngine>>;
let browser: Browser;
let model: OpenAiDouble;
const noSlots = { date: null, nights: null, partySize: null, reference: null, address: null, category: null, campground: null };

beforeAll(async () => {
  model = await startOpenAiDouble();
  engine = await startTestEngine(testEnv({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${model.url}/v1`, OPENAI_TIMEOUT_MS: '1500' }));
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await stopAndDrop(engine);
  await model.stop();
});

async function openConversation(text: string): Promise<string> {
  const resident = new WebchatResident(engine.url!);
  await resident.start();
  await resident.say(text);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${engine.url}/agent`);
    await page.getByLabel('Email').fill('admin@council.example');
    await page.getByLabel('Password').fill('test-admin-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    await page.getByRole('button', { name: `Open Website chat conversation: ${text.slice(0, 60)}` }).click();
    await page.locator('#details dt').first().waitFor();
    return (await page.locator('#details').innerText()).replace(/\s+/g, ' ');
  } finally {
    await context.close();
    resident.close();
  }
}

test('a generated summary is shown as written by AI; without one, the resident\'s own words as "Resident said"', async () => {
  model.behaviour = { reply: (r) => (r.response_format?.json_schema?.name === 'handover_summary' ? { summary: 'Resident asks about a missed green bin on Bay Road.' } : { intent: 'out_of_scope', confidence: 0.9, slots: noSlots }) };
  const generated = await openConversation('talk to a person: green bin missed on Bay Road');
  expect(generated).toContain('Summary (written by AI: check the transcript) Resident asks about a missed green bin on Bay Road.');
  expect(generated).not.toContain('Resident said');

  // A summary naming a number nobody sent is refused: the resident's own words are shown, labelled as theirs.
  model.behaviour = { reply: (r) => (r.response_format?.json_schema?.name === 'handover_summary' ? { summary: 'Call the resident on 0499 111 222.' } : { intent: 'out_of_scope', confidence: 0.9, slots: noSlots }) };
  const refused = await openConversation('talk to a person: the footpath on Elm St is cracked');
  expect(refused).toContain('Resident said talk to a person: the footpath on Elm St is cracked');
  expect(refused).not.toContain('0499');
}, 90_000);

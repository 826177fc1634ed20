/**
 * Training in a worker thread (issue 12) changes no answer: the classifier and the risk screen
 * trained off the main thread and imported from their exported models give the same intents and
 * the same scores, to the last bit, as the same models trained in-process, on every labelled
 * message of eval/ (and a few long ones); so does the whole understanding built either way.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CAMPGROUNDS } from '../../flows/camping-permit/campgrounds';
import { normaliseUtterance } from '../../src/ai/normalise';
import { trainHere, trainOffThread, type Trained, type TrainingInput } from '../../src/ai/trainer';
import { buildUnderstanding } from '../../src/ai/understanding';
import { defaultFlowRegistry } from '../../src/flow-engine/registry';
import { KnowledgeBase } from '../../src/knowledge';

const root = path.join(__dirname, '..', '..');
const flows = defaultFlowRegistry();
const knowledge = new KnowledgeBase(path.join(root, 'flows', 'faq', 'knowledge'));
const messages = [
  ...['labelled-dev.json', 'labelled-held-out.json'].flatMap((file) => (JSON.parse(readFileSync(path.join(root, 'eval', file), 'utf8')) as Array<{ text: string }>).map((m) => m.text)),
  // Several sentences: read sentence by sentence too, so more of the model is compared.
  'for the fourth week running the green bin has been skipped. I am sick of it. can someone come out',
  "I've given away all my things. I won't be needing them. the pothole on Main St is still there",
  '9',
  '',
];

// What buildUnderstanding trains on for the demo council.
const examples = flows.examples();
examples.faq = [...(examples.faq ?? []), ...knowledge.sampleQuestions()];
const input: TrainingInput = { examples, texts: knowledge.texts };

let here: Trained;
let offThread: Trained;
beforeAll(async () => {
  offThread = await trainOffThread(input);
  here = await trainHere(input);
}, 120_000);

test('the eval sets give enough messages to compare', () => {
  expect(messages.length).toBeGreaterThan(200);
});

test.each([
  ['the classifier', 'gives the same intents and scores', (t: Trained, words: string) => t.nlu.classify(words)],
  ['the risk screen', 'gives the same answers', (t: Trained, words: string) => t.screening.screen(words)],
] as const)('%s trained in a worker %s', async (_model, _what, read) => {
  const differ: string[] = [];
  for (const text of messages) {
    const words = normaliseUtterance(text);
    const [a, b] = [await read(here, words), await read(offThread, words)];
    if (JSON.stringify(a) !== JSON.stringify(b)) differ.push(`${text}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  }
  expect(differ).toEqual([]);
});

test('the imported models are the models trained in-process, and the speller knows the same words', () => {
  expect(offThread.nlu.export()).toBe(here.nlu.export());
  expect(offThread.screening.export()).toBe(here.screening.export());
  expect(offThread.vocabulary).toEqual(here.vocabulary);
});

test('the whole understanding reads every message the same either way', async () => {
  const names = CAMPGROUNDS.map((c) => c.name);
  const [viaWorker, inProcess] = [await buildUnderstanding(flows, knowledge, 'Australia/Sydney', undefined, names), await buildUnderstanding(flows, knowledge, 'Australia/Sydney', undefined, names, trainHere)];
  const differ: string[] = [];
  for (const text of messages) {
    const [a, b] = [await inProcess.understand(text, { allowLlm: false }), await viaWorker.understand(text, { allowLlm: false })];
    if (JSON.stringify(a) !== JSON.stringify(b)) differ.push(`${text}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  }
  expect(differ).toEqual([]);
}, 120_000);

test('a worker that fails rejects the rebuild instead of hanging it', async () => {
  // An utterance nlp.js cannot take (not a string) makes training throw inside the worker.
  await expect(trainOffThread({ examples: { broken: [42 as unknown as string] }, texts: [] })).rejects.toThrow(/training failed in the worker/);
});

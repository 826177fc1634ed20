/**
 * `npm run eval:nlu`: the embedded understanding (the same classifier, examples and trigger
 * words the engine uses) on a labelled set of resident messages written for this purpose
 * (varied wording, typos, SMS shorthand, voice-style transcripts). Prints intent accuracy
 * and out-of-scope precision and recall. Needs no services and no network.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedNlu, OUT_OF_SCOPE } from '../src/ai/nlu';
import { Understanding } from '../src/ai/understanding';
import { defaultFlowRegistry } from '../src/flow-engine/registry';
import { KnowledgeBase } from '../src/knowledge';

async function main(): Promise<void> {
  const labelled = JSON.parse(readFileSync(path.join(__dirname, 'nlu-labelled.json'), 'utf8')) as Array<{ text: string; intent: string }>;
  const flows = defaultFlowRegistry();
  const knowledge = new KnowledgeBase(path.join(__dirname, '..', 'flows', 'faq', 'knowledge'));
  const examples = flows.examples();
  examples.faq = [...(examples.faq ?? []), ...knowledge.sampleQuestions()];
  // The labelled messages are not training data: they are checked to be absent from the examples.
  const trained = new Set(Object.values(examples).flat().map((e) => e.toLowerCase()));
  const leaked = labelled.filter((l) => trained.has(l.text.toLowerCase()));
  if (leaked.length) throw new Error(`labelled messages also used for training: ${leaked.map((l) => l.text).join('; ')}`);

  const understanding = new Understanding(await EmbeddedNlu.train(examples), Object.keys(examples), 'Australia/Sydney', (text) => flows.triggered(text));
  let correct = 0;
  let oosTruePositive = 0;
  let oosPredicted = 0;
  let oosActual = 0;
  const perIntent = new Map<string, { total: number; right: number }>();
  const misses: string[] = [];
  for (const { text, intent } of labelled) {
    const guess = await understanding.understand(text, { allowLlm: false });
    const right = guess.intent === intent;
    if (right) correct++;
    else misses.push(`  "${text}": expected ${intent}, got ${guess.intent} (${guess.score.toFixed(2)})`);
    const row = perIntent.get(intent) ?? { total: 0, right: 0 };
    row.total++;
    if (right) row.right++;
    perIntent.set(intent, row);
    if (guess.intent === OUT_OF_SCOPE) oosPredicted++;
    if (intent === OUT_OF_SCOPE) oosActual++;
    if (guess.intent === OUT_OF_SCOPE && intent === OUT_OF_SCOPE) oosTruePositive++;
  }
  const pct = (n: number, d: number) => `${((100 * n) / Math.max(d, 1)).toFixed(1)}%`;
  console.log(`Labelled messages: ${labelled.length}`);
  console.log(`Intent accuracy: ${pct(correct, labelled.length)} (${correct}/${labelled.length})`);
  for (const [intent, row] of perIntent) console.log(`  ${intent.padEnd(15)} ${pct(row.right, row.total)} (${row.right}/${row.total})`);
  console.log(`Out-of-scope precision: ${pct(oosTruePositive, oosPredicted)} (${oosTruePositive}/${oosPredicted})`);
  console.log(`Out-of-scope recall: ${pct(oosTruePositive, oosActual)} (${oosTruePositive}/${oosActual})`);
  if (misses.length) console.log(`Misclassified:\n${misses.join('\n')}`);
}

void main();

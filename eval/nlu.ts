/**
 * `npm run eval:nlu`: the engine's understanding (the same rules, classifier, examples and
 * trigger words the router uses, embedded path) and its knowledge citations, on two labelled
 * sets of resident messages:
 *  - `labelled-dev.json`: written to tune against (its misses are printed);
 *  - `labelled-held-out.json`: written by someone who never saw the training data, rules or
 *    the dev set; nothing was tuned on it. Its misses are printed only with --show-held-out;
 *  - `labelled-held-out-safeguarding.json`: safeguarding alone, risk said indirectly or inside
 *    council business, and safe messages with alarming words (half of a fresh set; see below).
 * Reports accuracy per class, out-of-scope precision and recall, person-request and
 * safeguarding recall, out-of-scope messages that would enter a flow, precision of cited
 * knowledge pages, and CPU ms per message. Needs no services and no network.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OUT_OF_SCOPE } from '../src/ai/nlu';
import { CAMPGROUNDS } from '../flows/camping-permit/campgrounds';
import { GREETING_ONLY, PERSON, SAFEGUARDING, buildUnderstanding, type Understanding } from '../src/ai/understanding';
import { defaultFlowRegistry } from '../src/flow-engine/registry';
import { KnowledgeBase } from '../src/knowledge';

const labelledSet = z.array(
  z.object({
    text: z.string().min(1),
    intent: z.string(),
    page: z.string().nullable().optional(),
    language: z.string().optional(),
    style: z.string().optional(),
  }),
);
type Labelled = z.infer<typeof labelledSet>[number];

const NOT_FLOWS = new Set([OUT_OF_SCOPE, PERSON, SAFEGUARDING, GREETING_ONLY]);
const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : 'n/a');

async function evaluate(name: string, labelled: Labelled[], understanding: Understanding, knowledge: KnowledgeBase, showMisses: boolean): Promise<void> {
  const perIntent = new Map<string, { total: number; right: number }>();
  const perStyle = new Map<string, { total: number; right: number }>();
  const misses: string[] = [];
  let correct = 0;
  let oosPredicted = 0;
  let alarms = 0;
  let alarmsRight = 0;
  let oosRight = 0;
  let oosInFlow = 0;
  let cited = 0;
  let citedRight = 0;
  let abstainRight = 0;
  let abstainTotal = 0;
  let answerable = 0;
  let languageRight = 0;
  let languageTotal = 0;
  const started = process.cpuUsage();
  for (const item of labelled) {
    const reading = await understanding.understand(item.text, { allowLlm: false });
    const right = reading.intent === item.intent;
    if (right) correct++;
    for (const [map, key] of [[perIntent, item.intent], [perStyle, item.style ?? 'plain']] as const) {
      const row = map.get(key) ?? { total: 0, right: 0 };
      row.total++;
      if (right) row.right++;
      map.set(key, row);
    }
    if (reading.intent === SAFEGUARDING) {
      alarms++;
      if (item.intent === SAFEGUARDING) alarmsRight++;
    }
    if (reading.intent === OUT_OF_SCOPE) {
      oosPredicted++;
      if (item.intent === OUT_OF_SCOPE) oosRight++;
    }
    let citation = '';
    const page = reading.intent === 'faq' ? knowledge.search(item.text)[0]?.pageId : undefined;
    // The harm the issue names: an off-topic message that starts a flow or is given a council page
    // (an FAQ turn that finds no page says "I don't have that" and offers a person, as out of scope does).
    if (item.intent === OUT_OF_SCOPE && !NOT_FLOWS.has(reading.intent) && (reading.intent !== 'faq' || page)) oosInFlow++;
    if (reading.intent === 'faq') {
      citation = ` cited ${page ?? 'nothing'}`;
      if (item.intent === 'faq' && item.page !== undefined) {
        if (item.page === null) {
          abstainTotal++;
          if (!page) abstainRight++;
        } else answerable++;
        if (page) {
          cited++;
          if (page === item.page) citedRight++;
          else if (showMisses) misses.push(`  "${item.text}": page ${item.page ?? 'none'},${citation}`);
        }
      }
    }
    if (item.language) {
      languageTotal++;
      if (reading.language === item.language) languageRight++;
    }
    if (!right && showMisses) misses.push(`  "${item.text}": expected ${item.intent}, got ${reading.intent} (${reading.score.toFixed(2)})${citation}`);
  }
  const cpu = process.cpuUsage(started);
  const recall = (intent: string) => {
    const row = perIntent.get(intent);
    return row ? `${pct(row.right, row.total)} (${row.right}/${row.total})` : 'n/a';
  };
  console.log(`\n== ${name}: ${labelled.length} messages ==`);
  console.log(`Accuracy: ${pct(correct, labelled.length)} (${correct}/${labelled.length})`);
  console.log('Per class (recall):');
  for (const [intent, row] of [...perIntent].sort()) console.log(`  ${intent.padEnd(15)} ${pct(row.right, row.total).padStart(6)} (${row.right}/${row.total})`);
  console.log('Per style:');
  for (const [style, row] of [...perStyle].sort()) console.log(`  ${style.padEnd(15)} ${pct(row.right, row.total).padStart(6)} (${row.right}/${row.total})`);
  console.log(`Out-of-scope precision: ${pct(oosRight, oosPredicted)} (${oosRight}/${oosPredicted}); recall ${recall(OUT_OF_SCOPE)}`);
  console.log(`Out-of-scope messages that would enter a flow or get a council page: ${oosInFlow}`);
  console.log(`Person-request recall: ${recall(PERSON)}; safeguarding recall: ${recall(SAFEGUARDING)}`);
  console.log(`Safeguarding precision: ${pct(alarmsRight, alarms)} (${alarmsRight}/${alarms}; the rest were given crisis lines and a person they did not need)`);
  console.log(`Cited knowledge pages: precision ${pct(citedRight, cited)} (${citedRight}/${cited}); answered ${citedRight}/${answerable} answerable; honest "I don't have that" ${abstainRight}/${abstainTotal} uncovered`);
  console.log(`Language detected: ${pct(languageRight, languageTotal)} (${languageRight}/${languageTotal})`);
  console.log(`Understanding CPU: ${((cpu.user + cpu.system) / 1000 / labelled.length).toFixed(2)} ms per message`);
  if (misses.length) console.log(`Misses:\n${misses.join('\n')}`);
}

async function main(): Promise<void> {
  const load = (file: string) => labelledSet.parse(JSON.parse(readFileSync(path.join(__dirname, file), 'utf8')));
  const dev = load('labelled-dev.json');
  const heldOut = load('labelled-held-out.json');
  const flows = defaultFlowRegistry();
  const knowledge = new KnowledgeBase(path.join(__dirname, '..', 'flows', 'faq', 'knowledge'));
  // The held-out messages must never be training data.
  const trained = new Set(Object.values(flows.examples()).flat().concat(knowledge.sampleQuestions()).map((e) => e.toLowerCase().trim()));
  const leaked = heldOut.filter((l) => trained.has(l.text.toLowerCase().trim()));
  if (leaked.length) throw new Error(`held-out messages also used for training: ${leaked.map((l) => l.text).join('; ')}`);

  // The demo council, as the engine builds it: its campgrounds' names start a booking too.
  const understanding = await buildUnderstanding(flows, knowledge, 'Australia/Sydney', undefined, CAMPGROUNDS.map((c) => c.name));
  await evaluate('dev (tuned on)', dev, understanding, knowledge, !process.argv.includes('--quiet'));
  await evaluate('held-out (never tuned on)', heldOut, understanding, knowledge, process.argv.includes('--show-held-out'));
  await safeguardingHeldOut(load('labelled-held-out-safeguarding.json'), understanding);
}

/**
 * A second held-out set, on safeguarding alone and harder: risk said indirectly or in passing
 * inside council business ("about the dog rego, sorry, he keeps my tablets"), and safe messages
 * full of alarming words. Half of a fresh set written by someone who saw none of the rules or
 * training; the other half was used to write rules and choose the screen's thresholds.
 */
async function safeguardingHeldOut(labelled: Labelled[], understanding: Understanding): Promise<void> {
  let found = 0;
  let alarms = 0;
  const atRisk = labelled.filter((l) => l.intent === SAFEGUARDING);
  const safe = labelled.filter((l) => l.intent !== SAFEGUARDING);
  for (const item of atRisk) if ((await understanding.understand(item.text, { allowLlm: false })).intent === SAFEGUARDING) found++;
  for (const item of safe) if ((await understanding.understand(item.text, { allowLlm: false })).intent === SAFEGUARDING) alarms++;
  console.log(`\n== safeguarding held-out (indirect and mixed with council business): ${labelled.length} messages ==`);
  console.log(`At-risk recall: ${pct(found, atRisk.length)} (${found}/${atRisk.length}); false alarms on alarming-but-safe messages: ${pct(alarms, safe.length)} (${alarms}/${safe.length})`);
}

void main();

import { CAMPGROUNDS } from '../flows/camping-permit/campgrounds';
/**
 * CPU cost of understanding one message (the embedded path the router runs on every turn:
 * safeguarding and person rules, the learned screening, language detection and the classifier),
 * over the labelled messages of eval/, in the same run as the pipeline benchmark.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildUnderstanding } from '../src/ai/understanding';
import { defaultFlowRegistry } from '../src/flow-engine/registry';
import { KnowledgeBase } from '../src/knowledge';

export async function understandingCost(): Promise<{ messages: number; cpuMsPerMessage: number; trainingCpuMs: number }> {
  const texts = ['labelled-dev.json', 'labelled-held-out.json'].flatMap((file) =>
    (JSON.parse(readFileSync(path.join(__dirname, '..', 'eval', file), 'utf8')) as Array<{ text: string }>).map((m) => m.text),
  );
  const trainStart = process.cpuUsage();
  const understanding = await buildUnderstanding(defaultFlowRegistry(), new KnowledgeBase(path.join(__dirname, '..', 'flows', 'faq', 'knowledge')), 'Australia/Sydney', undefined, CAMPGROUNDS.map((c) => c.name));
  const trained = process.cpuUsage(trainStart);
  // One warm-up pass, then three measured passes.
  for (const text of texts) await understanding.understand(text, { allowLlm: false });
  const start = process.cpuUsage();
  for (let pass = 0; pass < 3; pass++) for (const text of texts) await understanding.understand(text, { allowLlm: false });
  const used = process.cpuUsage(start);
  return { messages: texts.length, cpuMsPerMessage: (used.user + used.system) / 1000 / (3 * texts.length), trainingCpuMs: (trained.user + trained.system) / 1000 };
}

if (require.main === module) {
  void understandingCost().then((r) => console.log(`Understanding: ${r.cpuMsPerMessage.toFixed(2)} ms CPU per message over ${r.messages} labelled messages (training at start-up: ${Math.round(r.trainingCpuMs)} ms CPU)`));
}

/**
 * Training a council's classifier and risk screen, off the main thread (issue 12). nlp.js trains
 * synchronously for a second or two; on the main thread that held up every resident of every
 * council whenever one council's content changed. A worker thread (trainer-worker.ts) trains
 * both, and counts the words the speller knows, and hands back the exported models (JSON text);
 * here they are imported, a few tens of milliseconds each, and classify exactly as the models
 * trained in-process (tests/unit/trainer.test.ts).
 */
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { EmbeddedNlu } from './nlu';
import { SpellingCorrector } from './normalise';
import { OUT_OF_SCOPE_EXAMPLES } from './out-of-scope-examples';
import { Screening } from './screening';

export interface TrainingInput {
  /** Intent → example utterances, as buildUnderstanding gathers them. */
  examples: Record<string, string[]>;
  /** Other texts whose words the speller should know (the council's pages, the rules' words). */
  texts: string[];
}

export interface Trained {
  nlu: EmbeddedNlu;
  screening: Screening;
  /** Every word of the examples and texts, most used first (SpellingCorrector.byFrequency). */
  vocabulary: string[];
}

export type Trainer = (input: TrainingInput) => Promise<Trained>;

/** What the worker answers (one message; it is given a TrainingInput as workerData). */
export type TrainingReply = { ok: true; nlu: string; screening: string; vocabulary: string[] } | { ok: false; error: string };

/** Trains both on this thread: what the worker runs, and the baseline it is compared with. */
export const trainHere: Trainer = async ({ examples, texts }) => {
  const ordinary = Object.values(examples).flat();
  const [nlu, screening] = await Promise.all([EmbeddedNlu.train(examples), Screening.train(ordinary)]);
  return { nlu, screening, vocabulary: SpellingCorrector.byFrequency([...ordinary, ...OUT_OF_SCOPE_EXAMPLES, ...texts]) };
};

// The worker sits beside this file: trainer-worker.ts under tsx and ts-jest, trainer-worker.js in dist/.
const extension = path.extname(__filename);
const WORKER_FILE = path.join(__dirname, `trainer-worker${extension}`);
// TypeScript source needs tsx's loader inside the worker too (ts-jest's transform does not reach
// worker threads, and tsx's own flags are not always in execArgv); compiled JS runs as it is.
const WORKER_EXEC_ARGV = extension === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];

/** Trains in a worker thread (one per call, gone when done) and imports the models here. */
export const trainOffThread: Trainer = (input) =>
  new Promise<Trained>((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, { workerData: input, execArgv: WORKER_EXEC_ARGV });
    let answered = false;
    worker.once('message', (reply: TrainingReply) => {
      answered = true;
      if (!reply.ok) return reject(new Error(`training failed in the worker: ${reply.error}`));
      imported(reply).then(resolve, reject);
    });
    worker.once('error', reject);
    // The worker ends once it has answered (the import may still be running); without an answer
    // (killed, out of memory) the rebuild fails instead of hanging.
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the training worker exited (code ${code}) without a model`));
    });
  });

/** Each import in a turn of its own, so residents' turns run between them. */
async function imported(reply: Extract<TrainingReply, { ok: true }>): Promise<Trained> {
  const nlu = EmbeddedNlu.fromModel(reply.nlu);
  await nextTurn();
  const screening = Screening.fromModel(reply.screening);
  await nextTurn();
  return { nlu, screening, vocabulary: reply.vocabulary };
}

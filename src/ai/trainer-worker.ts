/**
 * The worker thread of trainer.ts: trains a council's classifier and risk screen with the very
 * code the main thread would run (trainHere), and posts back their exported models. It loads
 * only src/ai/ (nlp.js and the training data), nothing of the engine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { trainHere, type TrainingInput, type TrainingReply } from './trainer';

async function main(): Promise<void> {
  if (!parentPort) throw new Error('trainer-worker runs as a worker thread (see trainer.ts)');
  const port = parentPort;
  let reply: TrainingReply;
  try {
    const { nlu, screening, vocabulary } = await trainHere(workerData as TrainingInput);
    reply = { ok: true, nlu: nlu.export(), screening: screening.export(), vocabulary };
  } catch (error) {
    reply = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  // Nothing else keeps the thread alive: it ends once the reply is sent.
  port.postMessage(reply);
}

void main();

/**
 * The embedded language understanding: an in-process intent classifier (nlp.js, MIT) trained
 * at start-up from each flow's example utterances, with nothing downloaded at run time. A
 * message that fits no flow is an answer too: `out_of_scope`, trained on off-topic examples
 * and also returned whenever the best guess is weak. Never a wrong flow by default.
 */
import { Nlp } from '@nlpjs/nlp';
import { LangEn } from '@nlpjs/lang-en-min';
import { OUT_OF_SCOPE, type IntentGuess } from '../domain/flow';
import { OUT_OF_SCOPE_EXAMPLES } from './out-of-scope-examples';
import { normaliseUtterance } from './normalise';

export { OUT_OF_SCOPE };

export interface IntentClassifier {
  classify(text: string): Promise<IntentGuess>;
}

/** Below this confidence the guess is treated as "none of ours". Chosen with `npm run eval:nlu`. */
const MIN_CONFIDENCE = 0.72;

export class EmbeddedNlu implements IntentClassifier {
  readonly outOfScopeExamples = OUT_OF_SCOPE_EXAMPLES;

  private constructor(private readonly nlp: Nlp) {}

  /** Trains on `examples` (intent → utterances) plus the built-in out-of-scope examples. */
  static async train(examples: Record<string, string[]>): Promise<EmbeddedNlu> {
    const nlp = new Nlp({ languages: ['en'], autoSave: false, autoLoad: false, forceNER: false, nlu: { log: false } });
    nlp.use(LangEn);
    for (const [intent, utterances] of Object.entries(examples)) {
      for (const utterance of utterances) nlp.addDocument('en', normaliseUtterance(utterance), intent);
    }
    for (const utterance of OUT_OF_SCOPE_EXAMPLES) nlp.addDocument('en', normaliseUtterance(utterance), OUT_OF_SCOPE);
    await nlp.train();
    return new EmbeddedNlu(nlp);
  }

  /** `text` is already normalised (see normalise.ts). */
  async classify(text: string): Promise<IntentGuess> {
    const clean = text.trim();
    if (!clean) return { intent: OUT_OF_SCOPE, score: 1 };
    const result = await this.nlp.process('en', clean);
    if (!result.intent || result.intent === 'None' || result.score < MIN_CONFIDENCE) return { intent: OUT_OF_SCOPE, score: result.intent === 'None' ? 1 : 1 - result.score };
    return { intent: result.intent, score: result.score };
  }
}

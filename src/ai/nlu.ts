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

/** One nlp.js container, set up alike for training and for importing a trained model (the stemmer and tokenizer come from LangEn, not the model). */
export function englishNlp(): Nlp {
  const nlp = new Nlp({ languages: ['en'], autoSave: false, autoLoad: false, forceNER: false, nlu: { log: false } });
  nlp.use(LangEn);
  return nlp;
}

/**
 * The trained model as JSON text (nlp.js `export`), to cross from a worker thread (trainer.ts),
 * less the language guesser's copy of every training sentence: with one language nlp.js never
 * consults the guesser (NluManager.guessLanguage returns that language), yet replaying those
 * sentences was two thirds of the import's time on the main thread.
 */
export function exportModel(nlp: Nlp): string {
  const model = JSON.parse(nlp.export(true)) as { nluManager?: { extraSentences?: unknown[] } };
  if (model.nluManager) model.nluManager.extraSentences = [];
  return JSON.stringify(model);
}

/** A model from `exportModel`, ready to classify (set up exactly as training set it up). */
export function importModel(model: string): Nlp {
  const nlp = englishNlp();
  nlp.import(model);
  return nlp;
}

/** Below this confidence the guess is treated as "none of ours". Chosen with `npm run eval:nlu`. */
const MIN_CONFIDENCE = 0.72;

export class EmbeddedNlu implements IntentClassifier {
  readonly outOfScopeExamples = OUT_OF_SCOPE_EXAMPLES;

  private constructor(private readonly nlp: Nlp) {}

  /** Trains on `examples` (intent → utterances) plus the built-in out-of-scope examples. */
  static async train(examples: Record<string, string[]>): Promise<EmbeddedNlu> {
    const nlp = englishNlp();
    for (const [intent, utterances] of Object.entries(examples)) {
      for (const utterance of utterances) nlp.addDocument('en', normaliseUtterance(utterance), intent);
    }
    for (const utterance of OUT_OF_SCOPE_EXAMPLES) nlp.addDocument('en', normaliseUtterance(utterance), OUT_OF_SCOPE);
    await nlp.train();
    return new EmbeddedNlu(nlp);
  }

  /** A classifier trained elsewhere (a worker thread: see trainer.ts), from `export()`. */
  static fromModel(model: string): EmbeddedNlu {
    return new EmbeddedNlu(importModel(model));
  }

  /** The trained model (see exportModel). */
  export(): string {
    return exportModel(this.nlp);
  }

  /**
   * `text` is already normalised (see normalise.ts). A long message is also read sentence by
   * sentence: the classifier's perceptrons add up every word, so backstory around a request
   * ("for the fourth week running the green bin has been skipped. I'm sick of it.") can drown
   * it. The sentences' readings are summed with the whole message's, so one stray sentence does
   * not decide a long message on its own.
   */
  async classify(text: string): Promise<IntentGuess> {
    const clean = text.trim();
    // A bare number or symbol (a slot answer such as "9") is no request.
    if (!/[a-z]{2,}/i.test(clean)) return { intent: OUT_OF_SCOPE, score: 1 };
    const whole = await this.scores(clean);
    const sentences = clean.split(/(?<=[.!?;])\s+|\s+(?:but|because|and then|so now|although)\s+|,\s+(?=(?:can|could|would|will|how|what|when|where|is|are|do|does|please|pls|i|we)\b)/).map((s) => s.trim()).filter((s) => s.split(/\s+/).length >= 2);
    let scores = whole;
    if (sentences.length > 1) {
      scores = new Map(whole);
      for (const sentence of sentences) for (const [intent, score] of await this.scores(sentence)) scores.set(intent, (scores.get(intent) ?? 0) + score);
      const total = [...scores.values()].reduce((a, b) => a + b, 0);
      if (total > 0) for (const [intent, score] of scores) scores.set(intent, score / total);
    }
    let best = 'None';
    let top = 0;
    for (const [intent, score] of scores) if (score > top) [best, top] = [intent, score];
    // `unplaced`: no class fits at all, not even "none of ours"; the caller may still know the words (a council page).
    if (best === 'None') return { intent: OUT_OF_SCOPE, score: 1, unplaced: true } as IntentGuess;
    if (top < MIN_CONFIDENCE) return { intent: OUT_OF_SCOPE, score: 1 - top };
    return { intent: best, score: top };
  }

  /** The classifier's scores for `text` (they sum to 1, or are all 0 when nothing fits: "None"). */
  private async scores(text: string): Promise<Map<string, number>> {
    const result = await this.nlp.process('en', text);
    const scores = new Map<string, number>();
    for (const c of (result.classifications ?? []) as Array<{ intent: string; score: number }>) if (c.intent !== 'None' && c.score > 0) scores.set(c.intent, c.score);
    return scores;
  }
}

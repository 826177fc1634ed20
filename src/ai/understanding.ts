/**
 * Which flow a message is about: the LLM's structured guess when one is configured (and the
 * channel can wait for it), else, or whenever it fails, the embedded classifier.
 */
import type { IntentGuess } from '../domain/flow';
import type { LanguageModel } from './llm';
import { OUT_OF_SCOPE, type IntentClassifier } from './nlu';

export class Understanding {
  constructor(
    private readonly embedded: IntentClassifier,
    private readonly intents: string[],
    private readonly timezone: string,
    /** The flow whose unmistakable words appear in the text (see FlowDefinition.triggers). */
    private readonly triggered: (text: string) => { flowId: string; decisive: boolean } | undefined,
    readonly llm?: LanguageModel,
  ) {}

  async understand(text: string, options: { allowLlm: boolean }): Promise<IntentGuess> {
    if (options.allowLlm && this.llm && text.trim()) {
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: this.timezone }).format(new Date());
      const guess = await this.llm.understand(text, this.intents, today);
      if (guess) return guess;
    }
    const guess = await this.embedded.classify(text);
    const trigger = this.triggered(text);
    if (trigger && (guess.intent === OUT_OF_SCOPE || trigger.decisive)) return { intent: trigger.flowId, score: Math.max(guess.score, 0.75) };
    return guess;
  }
}

/**
 * LLM assistance through the `openai` SDK, against any OpenAI-compatible server
 * (OPENAI_BASE_URL). The model proposes; code decides: every answer is parsed with a zod
 * schema, flows check proposed values with the same rules as typed ones, and any failure
 * (invalid output, a timeout, an error, or the circuit breaker open after repeated failures)
 * returns undefined so the embedded path answers instead, never silence. Personal details
 * are redacted before anything is sent.
 */
import CircuitBreaker from 'opossum';
import OpenAI from 'openai';
import { z } from 'zod';
import type { Logger } from '../logger';
import type { IntentGuess, KnowledgePassage } from '../domain/flow';
import { redactPersonalDetails } from './redact';
import type { CountryCode } from 'libphonenumber-js';

export interface LlmSettings {
  apiKey?: string;
  baseURL?: string;
  model: string;
  timeoutMs: number;
  defaultCountry: CountryCode | undefined;
}

export interface LanguageModel {
  understand(text: string, intents: string[], today: string): Promise<(IntentGuess & { language?: string }) | undefined>;
  draftAnswer(question: string, passages: KnowledgePassage[]): Promise<string | undefined>;
  summarise(lines: string[]): Promise<string | undefined>;
  /** The council's replies in the resident's language (same count, same order), or undefined. */
  translate(texts: string[], language: string): Promise<string[] | undefined>;
  /** Stops the circuit breaker's timers (engine shutdown). */
  close(): void;
}

const understanding = z.object({
  intent: z.string(),
  /** ISO 639-1 code of the resident's language. */
  language: z.string().regex(/^[a-z]{2}$/).nullable(),
  confidence: z.number().min(0).max(1),
  slots: z.object({
    date: z.string().nullable(),
    nights: z.number().nullable(),
    partySize: z.number().nullable(),
    reference: z.string().nullable(),
    address: z.string().nullable(),
    category: z.string().nullable(),
    campground: z.string().nullable(),
  }),
});
/** The same, accepting an answer without `language` (read from the text instead). */
const understandingAnswer = understanding.extend({ language: z.string().regex(/^[a-z]{2}$/).nullable().optional() }) as unknown as typeof understanding;
const translation = z.object({ texts: z.array(z.string().min(1).max(1600)) });
const draft = z.object({ answer: z.string().min(1).max(1200), grounded: z.boolean() });
const summary = z.object({ summary: z.string().min(1).max(600) });

export function createLanguageModel(settings: LlmSettings, logger: Logger): LanguageModel {
  const client = new OpenAI({ apiKey: settings.apiKey ?? 'not-needed', ...(settings.baseURL ? { baseURL: settings.baseURL } : {}), timeout: settings.timeoutMs, maxRetries: 0 });

  /** `parser` may be laxer than the schema the model is given (fields older servers leave out). */
  async function ask<T extends z.ZodType>(name: string, schema: T, system: string, user: string, parser: z.ZodType = schema): Promise<z.infer<T>> {
    const completion = await client.chat.completions.create({
      model: settings.model,
      temperature: 0,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: redactPersonalDetails(user, settings.defaultCountry) },
      ],
      response_format: { type: 'json_schema', json_schema: { name, strict: true, schema: z.toJSONSchema(schema) as Record<string, unknown> } },
    });
    const content = completion.choices[0]?.message?.content;
    if (!content) throw new Error('empty completion');
    return parser.parse(JSON.parse(content)) as z.infer<T>;
  }

  // After 50% failures over a few calls the breaker opens for 30 s: residents get the embedded path at once.
  const breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), { timeout: settings.timeoutMs + 500, errorThresholdPercentage: 50, resetTimeout: 30_000, volumeThreshold: 3 });
  const guarded = async <T>(what: string, call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return (await breaker.fire(call)) as T;
    } catch (error) {
      logger.warn({ what, err: (error as Error).message, breaker: breaker.opened ? 'open' : 'closed' }, 'llm.fallback');
      return undefined;
    }
  };

  return {
    async understand(text, intents, today) {
      const result = await guarded('understand', () =>
        ask(
          'resident_intent',
          understanding,
          `You route messages sent to a local council. Today is ${today}. Choose the intent from: ${[...intents, 'out_of_scope'].join(', ')}. ` +
            'Use person when the resident asks for a human in any words or language, safeguarding when anyone may be at risk of harm. Give the message language as an ISO 639-1 code. ' +
            'Use out_of_scope when none fits. Extract slots only when stated: date as YYYY-MM-DD, nights, partySize, reference (like RC-123456 or CP-123456), address, category, campground. Use null otherwise.',
          text,
          understandingAnswer,
        ),
      );
      if (!result || ![...intents, 'out_of_scope'].includes(result.intent)) return undefined;
      const slots = Object.fromEntries(Object.entries(result.slots).filter(([, v]) => v !== null));
      return { intent: result.intent, score: result.confidence, slots, ...(result.language ? { language: result.language } : {}) };
    },
    async draftAnswer(question, passages) {
      const result = await guarded('draft', () =>
        ask(
          'faq_answer',
          draft,
          'Answer the resident using ONLY the numbered council passages. Two or three short sentences, plain English. ' +
            'If the passages do not answer the question, set grounded to false.',
          `Question: ${question}\n\n${passages.map((p, i) => `[${i + 1}] ${p.title}: ${p.text}`).join('\n')}`,
        ),
      );
      return result?.grounded ? result.answer : undefined;
    },
    close() {
      breaker.shutdown();
    },
    async translate(texts, language) {
      const result = await guarded('translate', () =>
        ask(
          'council_reply_translation',
          translation,
          `Translate each council message into the language with ISO 639-1 code "${language}". Keep phone numbers, references (like RC-123456), links and numbers exactly as written. Plain, short sentences. Return the same number of texts in the same order.`,
          JSON.stringify(texts),
        ),
      );
      return result && result.texts.length === texts.length ? result.texts : undefined;
    },
    async summarise(lines) {
      const result = await guarded('summarise', () =>
        ask('handover_summary', summary, 'Summarise this council conversation for the staff member taking over, in one or two plain sentences.', lines.join('\n')),
      );
      return result?.summary;
    },
  };
}

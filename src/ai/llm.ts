/**
 * LLM assistance through the `openai` SDK, against any OpenAI-compatible server
 * (OPENAI_BASE_URL). The model proposes; code decides: every answer is parsed with a zod
 * schema, flows check proposed values with the same rules as typed ones, and any failure
 * (invalid output, a timeout, an error, or the circuit breaker open after repeated failures)
 * returns undefined so the embedded path answers instead, never silence. Personal details
 * are redacted before anything is sent (numbered placeholders, restored in what comes back).
 * Drafted answers and summaries are checked against what they were written from
 * (./grounding.ts): a link, email or number the sources lack means the draft is not used.
 * A timeout is a failure like any other: a few in a minute open the breaker, so a slow model
 * costs residents one `timeoutMs` wait per call at most, and then none until it recovers.
 */
import CircuitBreaker from 'opossum';
import OpenAI from 'openai';
import { z } from 'zod';
import type { Logger } from '../logger';
import type { IntentGuess, KnowledgePassage } from '../domain/flow';
import { checkGrounded } from './grounding';
import { redact } from './redact';
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

/** A drafted answer fits two SMS segments with the source link after it. */
export const MAX_DRAFT_LENGTH = 240;
const MAX_SUMMARY_LENGTH = 400;

export function createLanguageModel(settings: LlmSettings, logger: Logger): LanguageModel {
  const client = new OpenAI({ apiKey: settings.apiKey ?? 'not-needed', ...(settings.baseURL ? { baseURL: settings.baseURL } : {}), timeout: settings.timeoutMs, maxRetries: 0 });

  /**
   * Asks with the user text redacted; string values in the answer get the originals back.
   * `parser` may be laxer than the schema the model is given (fields older servers leave out).
   */
  async function ask<T extends z.ZodType>(name: string, schema: T, system: string, user: string, signal: AbortSignal, parser: z.ZodType = schema): Promise<z.infer<T>> {
    const redacted = redact(user, settings.defaultCountry);
    const completion = await client.chat.completions.create(
      {
        model: settings.model,
        temperature: 0,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: redacted.text },
        ],
        response_format: { type: 'json_schema', json_schema: { name, strict: true, schema: z.toJSONSchema(schema) as Record<string, unknown> } },
      },
      { signal },
    );
    const content = completion.choices[0]?.message?.content;
    if (!content) throw new Error('empty completion');
    const restored = JSON.parse(content, (_key, value: unknown) => (typeof value === 'string' ? redacted.restore(value) : value)) as unknown;
    return parser.parse(restored) as z.infer<T>;
  }

  // Timeouts count: opossum's own timeout rejects (a failure) and aborts the request. Half the
  // calls failing in the last minute opens the breaker for 30 s, and so do three failures in a
  // row however many calls succeeded before: a model that turns slow is cut off at once.
  const breaker = new CircuitBreaker((call: (signal: AbortSignal) => Promise<unknown>, signal: AbortSignal) => call(signal), {
    timeout: settings.timeoutMs,
    errorThresholdPercentage: 50,
    resetTimeout: 30_000,
    volumeThreshold: 3,
    rollingCountTimeout: 60_000,
    rollingCountBuckets: 12,
  });
  let failuresInARow = 0;
  breaker.on('success', () => (failuresInARow = 0));
  // opossum reports a timeout as a failure too.
  breaker.on('failure', () => {
    if (++failuresInARow >= 3 && !breaker.opened) breaker.open();
  });
  const guarded = async <T>(what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), settings.timeoutMs);
    try {
      return (await breaker.fire(call, abort.signal)) as T;
    } catch (error) {
      logger.warn({ what, err: (error as Error).message, breaker: breaker.opened ? 'open' : 'closed' }, 'llm.fallback');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async understand(text, intents, today) {
      const result = await guarded('understand', (signal) =>
        ask(
          'resident_intent',
          understanding,
          `You route messages sent to a local council. Today is ${today}. Choose the intent from: ${[...intents, 'out_of_scope'].join(', ')}. ` +
            'Use person when the resident asks for a human in any words or language, safeguarding when anyone may be at risk of harm. Give the message language as an ISO 639-1 code. ' +
            'Use out_of_scope when none fits. Extract slots only when stated: date as YYYY-MM-DD, nights, partySize, reference (like RC-123456 or CP-123456), address, category, campground. Use null otherwise.',
          text,
          signal,
          understandingAnswer,
        ),
      );
      if (!result || ![...intents, 'out_of_scope'].includes(result.intent)) return undefined;
      const slots = Object.fromEntries(Object.entries(result.slots).filter(([, v]) => v !== null));
      return { intent: result.intent, score: result.confidence, slots, ...(result.language ? { language: result.language } : {}) };
    },
    async draftAnswer(question, passages) {
      const result = await guarded('draft', (signal) =>
        ask(
          'faq_answer',
          draft,
          'Answer the resident using ONLY the numbered council passages. Two or three short sentences, plain English. ' +
            'If the passages do not answer the question, set grounded to false.',
          `Question: ${question}\n\n${passages.map((p, i) => `[${i + 1}] ${p.title}: ${p.text}`).join('\n')}`,
          signal,
        ),
      );
      if (!result?.grounded) return undefined;
      // The model's word that it is grounded is not enough: its links and figures must be the passages'.
      const checked = checkGrounded(result.answer, passages.map((p) => `${p.title} ${p.text} ${p.sourceUrl}`), MAX_DRAFT_LENGTH);
      if (!checked.ok) logger.warn({ what: 'draft', unsupported: checked.unsupported.length }, 'llm.draft_refused');
      return checked.ok ? checked.text : undefined;
    },
    close() {
      breaker.shutdown();
    },
    async translate(texts, language) {
      const result = await guarded('translate', (signal) =>
        ask(
          'council_reply_translation',
          translation,
          `Translate each council message into the language with ISO 639-1 code "${language}". Keep phone numbers, references (like RC-123456), links and numbers exactly as written. Plain, short sentences. Return the same number of texts in the same order.`,
          JSON.stringify(texts),
          signal,
        ),
      );
      if (!result || result.texts.length !== texts.length) return undefined;
      // A translation may not add a link or a number its council text lacks.
      const checked = result.texts.map((t, i) => checkGrounded(t, [texts[i]!], Math.max(400, texts[i]!.length * 3)));
      if (checked.some((c) => !c.ok)) logger.warn({ what: 'translate', unsupported: checked.reduce((n, c) => n + c.unsupported.length, 0) }, 'llm.translation_refused');
      return checked.every((c) => c.ok) ? checked.map((c) => c.text) : undefined;
    },
    async summarise(lines) {
      const result = await guarded('summarise', (signal) =>
        ask('handover_summary', summary, 'Summarise this council conversation for the staff member taking over, in one or two plain sentences.', lines.join('\n'), signal),
      );
      if (!result) return undefined;
      // A summary may only repeat numbers and links from the conversation itself.
      const checked = checkGrounded(result.summary, lines, MAX_SUMMARY_LENGTH);
      if (!checked.ok) logger.warn({ what: 'summary', unsupported: checked.unsupported.length }, 'llm.summary_refused');
      return checked.ok ? checked.text : undefined;
    },
  };
}

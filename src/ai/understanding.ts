/**
 * What a message is about, read whole. In this order, on every channel:
 *  1. someone at risk (safeguarding rules, tuned for recall) → never a menu or a flow;
 *  2. a request for a person, in any phrasing or community language;
 *  3. with an LLM configured (and a channel that can wait), its structured guess of intent,
 *     slots and language; the same rules still decide;
 *  4. the message's language: without a model, a message we cannot read gets the interpreter line;
 *  5. a greeting or thanks on its own; another organisation's service (named in the reply);
 *  6. the embedded classifier (nlp.js) on the request without its pleasantries, shorthand
 *     expanded and typos corrected, settled by each flow's trigger words.
 */
import type { IntentGuess } from '../domain/flow';
import type { FlowRegistry } from '../flow-engine/registry';
import type { KnowledgeBase } from '../knowledge';
import { topicBesidesPerson, wantsPerson } from './escalation';
import { detectLanguage } from './language';
import type { LanguageModel } from './llm';
import { OUT_OF_SCOPE, type IntentClassifier } from './nlu';
import { PURE_GREETING, SpellingCorrector, normaliseUtterance, stripPleasantries } from './normalise';
import { referralFor } from './referrals';
import { riskIn, type RiskKind } from './safeguarding';
import type { Screening } from './screening';
import { trainOffThread, type Trainer } from './trainer';
import { isoDateIn } from '../domain/calendar';

/** Readings that are not flows: the router acts on them before any flow runs. */
export const PERSON = 'person';
export const SAFEGUARDING = 'safeguarding';
export const GREETING_ONLY = 'welcome';

export interface Reading extends IntentGuess {
  /** ISO 639-1 code of the message's language. */
  language: string;
  risk?: RiskKind;
  /** For a person request that said more: what it is about, for the agent. */
  topic?: string;
}

/** "I reported … last week, any news?": a question about something already reported. */
const ABOUT_A_REPORT = /\b(?:i|we) (?:reported|logged|lodged|told you about|rang about|called about|put in|sent in|made a report|submitted)\b|\b(?:my|the|our) (?:report|complaint|request|case|job)\b.{0,40}\b(?:update|news|progress|status|fixed|done|happening|sorted|looked at|been out|yet)\b|\b(?:update|news|progress|status) (?:on|of|about|for) (?:my|the|our)\b.{0,30}\b(?:report|complaint|request|case|pothole|drain|light|tree|bin|rubbish|graffiti)\b|\b(?:has|have) (?:anyone|someone|somebody|you|the council|a crew|council)\b.{0,30}\b(?:been out|looked at|fixed|come out|checked)\b.{0,40}\b(?:i|we) (?:reported|told|mentioned|rang)\b/i;

/** A question about how things work, not a problem to fix ("how do I report graffiti", "what does the tip charge"). */
const ASKS_ABOUT_A_RULE = /^(?:how|what|when|where|which|who|why|do i|do you|does|is it|is there|are there|am i|are we|can i|may i|should i|will)\b|\b(?:allowed|fees?|costs?|charges?|rules?|policy|policies|permits?|apply|application|hours|open|legal|illegal to|fine for)\b/i;
/** Camping words that are shopping, another operator's park or a meal, not a council campground booking. */
const NOT_OUR_CAMPGROUND = /\b(?:buy|buying|bought|shop|shops|store|sell|selling|sale|cheap|cheapest|gear|equipment|tent for|hotel|motel|pub|restaurant|cafe|table for|a table|caravan park|holiday park|big ?4|airbnb)\b/i;
/** "fences" on a page, "fence" in the question: council words are compared by their stem. */
const stem = (word: string) => word.replace(/(?:ies|es|s|ing|ed)$/, '');
const QUESTION = /\?|^(?:how|what|when|where|who|which|why|is|are|can|could|do|does|will|would|should|may|am i|any)\b/i;

export class Understanding {
  constructor(
    private readonly embedded: IntentClassifier,
    private readonly intents: string[],
    private readonly timezone: string,
    /** The flow whose unmistakable words appear in the text (see FlowDefinition.triggers). */
    private readonly triggered: (text: string) => { flowId: string; decisive: boolean } | undefined,
    private readonly speller: SpellingCorrector,
    /** Words of council business that off-topic messages never use ("rates", "footpath", "library"). */
    private readonly councilWords: Set<string>,
    private readonly screening: Screening,
    readonly llm?: LanguageModel,
    /** The council's pages: a request no class fits that a page answers is a question for it. */
    private readonly knowledge?: KnowledgeBase,
  ) {}

  async understand(text: string, options: { allowLlm: boolean }): Promise<Reading> {
    const clean = text.trim();
    if (!clean) return { intent: OUT_OF_SCOPE, score: 1, language: 'en' };
    const language = detectLanguage(clean, (word) => this.speller.knows(word));
    const normalised = normaliseUtterance(clean);
    const corrected = this.speller.correct(normalised);
    // The learned look knows English only; other languages rely on the rules (and the model).
    const learned = language === 'en' ? await this.screening.screen(corrected) : { atRisk: false, wantsPerson: false };
    const risk = riskIn(clean) ?? riskIn(corrected) ?? (learned.atRisk ? 'unspecified' : undefined);
    if (risk) return { intent: SAFEGUARDING, score: 1, language, risk };
    if (wantsPerson(clean) || wantsPerson(corrected) || learned.wantsPerson) {
      const topic = topicBesidesPerson(clean);
      return { intent: PERSON, score: 1, language, ...(topic ? { topic } : {}) };
    }
    // A greeting or thanks on its own needs no model.
    if (PURE_GREETING.test(clean)) return { intent: GREETING_ONLY, score: 1, language };
    if (options.allowLlm && this.llm) {
      const today = isoDateIn(new Date(), this.timezone);
      const guess = await this.llm.understand(clean, [...this.intents, PERSON, SAFEGUARDING], today);
      if (guess) return { ...guess, language: guess.language ?? language };
    }
    if (language !== 'en') return { intent: OUT_OF_SCOPE, score: 1, language };
    const request = stripPleasantries(clean);
    const referral = referralFor(request);
    if (referral) return { intent: OUT_OF_SCOPE, score: 1, language, referral };
    const words = this.speller.correct(normaliseUtterance(request));
    const trigger = this.triggered(words);
    if (ABOUT_A_REPORT.test(normalised) && trigger?.flowId !== 'cancel-permit') return { intent: 'case-status', score: 0.9, language };
    const guess = await this.embedded.classify(words);
    if (trigger?.flowId === 'camping-permit' && !trigger.decisive && NOT_OUR_CAMPGROUND.test(words)) return guess.intent === 'camping-permit' ? { intent: OUT_OF_SCOPE, score: 0.75, language } : { ...guess, language };
    // "how big is the fine for dumping", "how do I report graffiti": a question about the rules the classifier could not place, not a report.
    if (trigger?.flowId === 'report-issue' && !trigger.decisive && guess.intent === OUT_OF_SCOPE && QUESTION.test(words) && ASKS_ABOUT_A_RULE.test(words)) return { intent: 'faq', score: 0.6, language };
    if (trigger && (guess.intent === OUT_OF_SCOPE || trigger.decisive)) return { intent: trigger.flowId, score: Math.max(guess.score, 0.75), language };
    // A problem described (or a request to fix it) is a report, even when it reads like the policy page.
    if (trigger?.flowId === 'report-issue' && guess.intent === 'faq' && !ASKS_ABOUT_A_RULE.test(words)) return { intent: 'report-issue', score: 0.75, language };
    // A question about council business the classifier did not place is still a council question:
    // the knowledge answer (or an honest "I don't have that" with a person) fits better than "not us".
    // Words the classifier could not place at all ("I need a residential parking permit") that a council page covers: a question for that page.
    if (guess.intent === OUT_OF_SCOPE && (guess as { unplaced?: boolean }).unplaced && this.knowledge?.search(request)[0]) return { intent: 'faq', score: 0.8, language };
    if (guess.intent === OUT_OF_SCOPE && QUESTION.test(words) && words.split(/[^a-z']+/).some((w) => this.councilWords.has(w) || this.councilWords.has(stem(w)))) return { intent: 'faq', score: 0.6, language };
    return { ...guess, language };
  }
}

/** Words the rules look for, so a misspelling of them is put right too ("operater", "suicde"). */
const ESCALATION_WORDS = ['operator', 'agent', 'human', 'person', 'someone', 'somebody', 'speak', 'talk', 'representative', 'manager', 'supervisor', 'staff', 'officer', 'customer', 'service', 'suicide', 'myself', 'violence', 'abuse', 'abused', 'neglect', 'homeless', 'evicted', 'weapon', 'knife', 'threatening', 'disappear', 'forever', 'cutting', 'hurting', 'bruises'];
/** Everyday words that appear in council pages but say nothing about council business. */
const COMMON_WORDS = new Set(['this', 'that', 'with', 'from', 'have', 'your', 'they', 'them', 'there', 'their', 'what', 'when', 'where', 'which', 'will', 'would', 'about', 'than', 'then', 'only', 'also', 'more', 'most', 'some', 'each', 'every', 'other', 'into', 'over', 'after', 'before', 'under', 'between', 'need', 'needs', 'must', 'make', 'made', 'take', 'free', 'first', 'week', 'weeks', 'month', 'months', 'year', 'years', 'days', 'hours', 'time', 'times', 'call', 'online', 'form', 'apply', 'contact', 'help', 'people', 'please', 'here', 'home', 'house', 'number', 'phone', 'email', 'website', 'council', 'cost', 'costs', 'price', 'pay', 'book', 'open', 'closed', 'close', 'like', 'want', 'know', 'does', 'done', 'being', 'been', 'just', 'good', 'best', 'much', 'many', 'sure', 'thanks', 'today', 'tomorrow', 'tonight', 'weekend', 'night', 'nights', 'morning', 'evening', 'life', 'world', 'money', 'card', 'cards', 'credit', 'ticket', 'tickets', 'train', 'buy', 'sell', 'shop', 'shops', 'food', 'water', 'dogs', 'cats']);

/** Trains the embedded classifier on every flow's examples and the knowledge pages' questions. */
const STAY_WORDS = '(?:book|reserve|site|sites|pitch|spot|room|free|available|availability|nights?|stay|weekend)';

/** "Jetty Point" with a word of staying ("book jetty point", "is paperbark flat free"): the camping flow. */
export function campgroundTrigger(names: string[]): RegExp | undefined {
  const alternatives = names.map((n) => n.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+')).join('|');
  return alternatives ? new RegExp(`\\b(?:${alternatives})\\b.*\\b${STAY_WORDS}\\b|\\b${STAY_WORDS}\\b.*\\b(?:${alternatives})\\b`, 'i') : undefined;
}

/**
 * One council's understanding: the flows' examples, its knowledge pages' questions, and its
 * campgrounds' names (a booking that names one is understood as one, whatever the council calls it).
 */
export async function buildUnderstanding(flows: FlowRegistry, knowledge: KnowledgeBase, timezone: string, llm?: LanguageModel, campgroundNames: string[] = [], train: Trainer = trainOffThread): Promise<Understanding> {
  const examples = flows.examples();
  examples.faq = [...(examples.faq ?? []), ...knowledge.sampleQuestions()];
  // Names the flow's own examples never use (another council's campgrounds) get a few of their own.
  const known = (examples['camping-permit'] ?? []).join(' ').toLowerCase();
  const unseen = campgroundNames.filter((n) => !known.includes(n.toLowerCase()));
  examples['camping-permit'] = [...(examples['camping-permit'] ?? []), ...unseen.flatMap((n) => [`book ${n}`, `is ${n} available this weekend`, `2 nights at ${n}`, `a site at ${n} please`])];
  const byName = campgroundTrigger(campgroundNames);
  // Off the main thread by default: training blocks for seconds and every council's residents share this event loop.
  const { nlu, screening, vocabulary } = await train({ examples, texts: [...knowledge.texts, ...ESCALATION_WORDS] });
  const speller = new SpellingCorrector(vocabulary);
  const offTopic = SpellingCorrector.vocabularyOf(nlu.outOfScopeExamples);
  const councilWords = new Set([...SpellingCorrector.vocabularyOf(knowledge.topics)].filter((w) => w.length >= 4 && !offTopic.has(w) && !COMMON_WORDS.has(w)).flatMap((w) => [w, stem(w)]).filter((w) => w.length >= 4));
  const triggered = (text: string) => flows.triggered(text) ?? (byName && flows.get('camping-permit') && byName.test(text) ? { flowId: 'camping-permit', decisive: false } : undefined);
  return new Understanding(nlu, Object.keys(examples), timezone, triggered, speller, councilWords, screening, llm, knowledge);
}

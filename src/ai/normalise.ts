/**
 * What the classifier reads: the request without the greeting, thanks and filler around it,
 * SMS shorthand expanded, and misspelt words put right against the training vocabulary
 * (fastest-levenshtein). "Hiya, after a campsite for the weekend" → "after a campsite for the weekend".
 */
import nlp from 'compromise';
import { closest, distance } from 'fastest-levenshtein';

let english: Set<string> | undefined;
/** Everyday English words (compromise's lexicon, with its inflections): a word residents spelt right is never "corrected". */
export function isEnglishWord(word: string): boolean {
  english ??= new Set(Object.keys((nlp.world() as { model: { one: { lexicon: Record<string, unknown> } } }).model.one.lexicon).filter((w) => /^[a-z']+$/.test(w)));
  return english.has(word);
}

/** SMS shorthand residents use. */
const SHORTHAND: Array<[RegExp, string]> = [
  [/\bu\b/g, 'you'],
  [/\bur\b/g, 'your'],
  [/\b(?:pls|plz|plse|pleas)\b/g, 'please'],
  [/\bwen\b/g, 'when'],
  [/\b(?:cnt|cant)\b/g, 'cannot'],
  [/\b(?:wont)\b/g, 'will not'],
  [/\b(?:dont)\b/g, 'do not'],
  [/\b(?:wot|wat|wht)\b/g, 'what'],
  [/\b(?:thx|thnx|thanx|ty)\b/g, 'thanks'],
  [/\b2nite\b/g, 'tonight'],
  [/\b2day\b/g, 'today'],
  [/\b2moro|2morrow|tmrw|tmr\b/g, 'tomorrow'],
  [/\b(?:w\/e|wkend|wknd|wkd)\b/g, 'weekend'],
  [/\bref\b/g, 'reference'],
  [/\bno\.\s*/g, 'number '],
  [/\br\b/g, 'are'],
  [/\by\b(?=.*\?)/g, 'why'],
  [/\bppl\b/g, 'people'],
  [/\bb4\b/g, 'before'],
  [/\bcud\b/g, 'could'],
  [/\bshud\b/g, 'should'],
  [/\bnite(s)?\b/g, 'night$1'],
  [/\bgonna\b/g, 'going to'],
  [/\bwanna\b/g, 'want to'],
  [/\bgotta\b/g, 'got to'],
  [/\bim\b/g, 'i am'],
  [/\bive\b/g, 'i have'],
  [/\bdidnt\b/g, 'did not'],
  [/\bwasnt\b/g, 'was not'],
  [/\bisnt\b/g, 'is not'],
  [/\bwerent\b/g, 'were not'],
  [/\bhasnt\b/g, 'has not'],
  [/\bhavent\b/g, 'have not'],
  [/\bn\b/g, 'and'],
  [/\bbk\b/g, 'book'],
  [/\brsv|resv|rsrv\b/g, 'reserve'],
  [/\bnts\b/g, 'nights'],
  [/\bchk\b/g, 'check'],
  [/\b(?:rpt|reprt)\b/g, 'report'],
  [/\bcncl|cancl|cxl\b/g, 'cancel'],
  [/\bmte|m8\b/g, 'mate'],
  [/\bsum1\b/g, 'someone'],
  [/\bppl\b/g, 'people'],
  [/\bthru\b/g, 'through'],
  [/\bbcoz|coz|cos\b/g, 'because'],
];

const GREETING = /^(?:(?:hi|hiya|hey|heya|hello|helo|hallo|howdy|yo|g'?day|gday|morning|good (?:morning|afternoon|evening|day)|afternoon|evening|greetings|dear (?:sir|madam|sir or madam|council|team)|hi there|hello there|hey there|to whom it may concern)(?: (?:there|all|team|mate|guys|folks|council|riverbend(?: council)?))?|(?:um+|uh+|er+|erm|ah+|oh|ok(?:ay)?|so|well|right|yeah|yes|look|listen)(?: so)?)[\s,.!:;-]+/i;
const CLOSING = /[\s,.!]+(?:thanks|thank you|thanks heaps|thanks a lot|many thanks|cheers|ta|regards|kind regards|thx|please|pls|mate|x+)[\s.!]*$/i;

/** Only a greeting, thanks or goodbye: nothing to act on. */
export const PURE_GREETING = /^\s*(?:(?:hi|hiya|hey|heya|hello|helo|howdy|yo|g'?day|gday|morning|good (?:morning|afternoon|evening|day|night)|afternoon|evening|greetings|hi there|hello there|thanks|thank you|thanks heaps|thanks so much|thank you so much|many thanks|cheers|ta|bye|goodbye|good bye|see ya|see you|cya|ok|okay|that'?s all|that'?s it|all good|no worries|nothing else|menu|main menu|start|start again|start over|restart|home|test)(?: (?:there|all|team|mate|guys|folks|heaps|a lot|very much|so much|council|riverbend(?: council)?|for (?:that|your help|the help)|then|bye|now))?[\s,.!?:)-]*)+$/i;

export function stripPleasantries(text: string): string {
  let out = text.trim();
  for (let i = 0; i < 3; i++) {
    const next = out.replace(GREETING, '').replace(CLOSING, '').trim();
    if (next === out || !next) break;
    out = next;
  }
  return out;
}

export function normaliseUtterance(text: string): string {
  const lower = text.toLowerCase().replace(/[’‘]/g, "'");
  return SHORTHAND.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), lower).replace(/\s+/g, ' ').trim();
}

/** Corrects words the classifier has never seen to the nearest word it knows (one or two edits). */
export class SpellingCorrector {
  private readonly byLength = new Map<number, string[]>();
  private readonly known: Set<string>;

  constructor(vocabulary: Iterable<string>) {
    this.known = new Set([...vocabulary].filter((w) => /^[a-z']+$/.test(w)));
    for (const word of this.known) {
      const list = this.byLength.get(word.length) ?? [];
      list.push(word);
      this.byLength.set(word.length, list);
    }
  }

  knows(word: string): boolean {
    return this.known.has(word);
  }

  static vocabularyOf(texts: string[]): Set<string> {
    return new Set(texts.flatMap((t) => normaliseUtterance(t).split(/[^a-z']+/)).filter((w) => w.length >= 2));
  }

  /** The words of `texts`, most used first: a typo two words are equally near goes to the commoner ("bloked" → "blocked"). */
  static byFrequency(texts: string[]): string[] {
    const counts = new Map<string, number>();
    for (const t of texts) for (const w of normaliseUtterance(t).split(/[^a-z']+/)) if (w.length >= 2) counts.set(w, (counts.get(w) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]).map(([w]) => w);
  }

  correct(text: string): string {
    return text.replace(/[a-z']{5,}/g, (word) => {
      if (this.known.has(word) || isEnglishWord(word)) return word;
      const budget = word.length >= 8 ? 2 : 1;
      const candidates: string[] = [];
      for (let len = word.length - budget; len <= word.length + budget; len++) candidates.push(...(this.byLength.get(len) ?? []));
      if (!candidates.length) return word;
      const best = closest(word, candidates);
      return distance(word, best) <= budget ? best : word;
    });
  }
}

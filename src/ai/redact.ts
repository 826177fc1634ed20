/**
 * Personal details never go to a language model, a log line or a public list. `redact` finds
 * them in free text and replaces each with a numbered placeholder (`[PHONE_1]`, `[NAME_2]`…);
 * `restore` puts the originals back into what the model answered, so a proposed address slot
 * or a drafted reply still names what the resident wrote.
 *
 * What is found, most specific first (a span taken by one kind is not looked at again):
 * emails; card numbers (13–19 digits passing Luhn); Medicare numbers (10 or 11 digits with
 * Medicare's check digit); tax file numbers (8–9 digits with the ATO's check); licence numbers
 * (after the word licence/license); dates of birth (a date after "born", "DOB", "date of
 * birth", or a full date in a year long past); phone numbers (libphonenumber-js, then any long
 * digit run); street addresses with a house number; and names (compromise's person tagger,
 * plus introductions and sign-offs such as "my name is …", "this is …", "Regards, …").
 */
import nlp from 'compromise';
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js';
import { STREET_TYPES } from './extract';

export type PiiKind = 'EMAIL' | 'CARD' | 'MEDICARE' | 'TFN' | 'LICENCE' | 'DOB' | 'PHONE' | 'ADDRESS' | 'NAME';

export interface Span {
  kind: PiiKind;
  start: number;
  end: number;
}

export interface Redaction {
  text: string;
  /** Puts the original values back in place of their placeholders. */
  restore(reply: string): string;
  spans: Span[];
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** Digit groups separated by single spaces or dashes, e.g. "4111 1111 1111 1111", "2123 45670 1". */
const DIGIT_GROUPS = /(?<![\d\w+])\d(?:[ -]?\d){6,18}(?![\d\w])/g;
const LICENCE = /\b(?:driver'?s?\s+)?licen[cs]e(?:\s+(?:number|no\.?|#))?(?:\s+is)?\s*:?\s*([A-Z]{0,2}\d[A-Z0-9]{4,9})\b/gi;
const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const DATE = `(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})|\\d{4}-\\d{2}-\\d{2}|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${MONTHS}),?\\s+\\d{4}|(?:${MONTHS})\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4})`;
const DOB_CONTEXT = new RegExp(`\\b(?:born(?:\\s+on)?|d\\.?o\\.?b\\.?|date of birth(?:\\s+is)?|birthday(?:\\s+is)?)\\s*:?\\s*(${DATE})`, 'gi');
const ANY_FULL_DATE = new RegExp(`\\b${DATE}\\b`, 'gi');
/** A calendar date is not a phone number, whatever its digit count. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$/;
const DIGIT_RUN = /(?:\(?\+?\d[\d\s().-]{7,}\d)/g;
/** "12 Smith St", "4/27 Gum Tree Lane", "Unit 3, 15 Bay Road", "lot 7 Old Mill Rd". */
const ADDRESS = new RegExp(
  `\\b(?:(?:unit|apartment|apt|flat|lot|shop)\\s*\\d+[a-z]?,?\\s+)?\\d{1,5}[a-z]?(?:\\s*[/-]\\s*\\d{1,5}[a-z]?)?,?\\s+(?:(?!(?:on|at|in|near|the|of|and|or|by|to|from|outside|opposite|off)\\b)[A-Z][A-Za-z'’-]*\\s+){0,3}(?:${STREET_TYPES})\\b\\.?`,
  'gi',
);
/** "Regards" and "regards": the first letter of each context word in either case. */
const eitherCase = (words: string) => words.split('|').map((w) => (/^[a-z]/.test(w) ? `[${w[0]!.toUpperCase()}${w[0]}]${w.slice(1)}` : w)).join('|');
const NAME_CONTEXT_WORDS = eitherCase(
  "my name is|my name's|i am called|call me|this is|i'm|i’m|i am|it's|its|from|regards,?|thanks,?|thank you,?|cheers,?|kind regards,?|sincerely,?|neighbour|neighbor|husband|wife|son|daughter|mum|dad|mother|father|tenant|landlord|owner|mr\\.?|mrs\\.?|ms\\.?|miss|dr\\.?",
);
/** A capitalised name word: "Priya", "O'Brien", "Smith-Jones". */
const NAME_WORD = "[A-Z][a-z]*(?:['’-][A-Z]?[a-z]+)*";
/** A name introduced or signed: the name is group 1. */
const NAME_CONTEXTS = [
  new RegExp(`\\b(?:${NAME_CONTEXT_WORDS})\\s+(${NAME_WORD}(?:[ -]${NAME_WORD}){0,2})`, 'g'),
  new RegExp(`(?:^|[.!?]\\s+|\\n)\\s*(?:-\\s*)?(${NAME_WORD}\\s+${NAME_WORD})\\s*$`, 'g'),
];
/** Lower-case introductions are only taken when compromise (or the name list) agrees it is a person. */
const INTRO_ANY_CASE = /\b(?:my name is|my name's|this is|i'm|i’m|i am|it's|its)\s+([a-z][a-z'’-]+(?:\s+[a-z][a-z'’-]+)?)/gi;
/** Words after an introduction that are not names ("I'm Worried", "This is Urgent", "It's Broken"). */
const NOT_NAMES = new Set(
  'about again also always cheers thanks thank regards please help hello hi am an and angry any are asking at available away back bad being broken busy calling closed concerned confused done fine from glad going good happy having here hoping in interested is it just kind lost making me more new not now off ok okay on out over please pretty really ringing sad still sure that the there this too trying unable unhappy upset urgent very waiting with worried writing yes you'.split(
    ' ',
  ),
);
/** compromise tags some places as people ("Grace Park"): a last word like these means a place. */
const PLACE_WORDS = new RegExp(`\\b(?:park|reserve|oval|hill|beach|bay|lake|river|creek|library|centre|center|council|hall|school|station|pool|${STREET_TYPES})$`, 'i');

const digitsOf = (s: string) => s.replace(/\D/g, '');

/** The Luhn checksum that every payment card number passes. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Medicare: 10 digits (11 with the issue number), first 2–6, check digit from weights 1,3,7,9. */
export function isMedicare(digits: string): boolean {
  if (!/^[2-6]\d{9,10}$/.test(digits)) return false;
  const weights = [1, 3, 7, 9, 1, 3, 7, 9];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  return sum % 10 === Number(digits[8]);
}

/** Tax file number: 8 or 9 digits whose weighted sum divides by 11. */
export function isTaxFileNumber(digits: string): boolean {
  if (!/^\d{8,9}$/.test(digits)) return false;
  const weights = digits.length === 9 ? [1, 4, 3, 7, 5, 8, 6, 9, 10] : [10, 7, 8, 4, 6, 3, 5, 1];
  return weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0) % 11 === 0;
}

function yearOf(date: string): number | undefined {
  const four = /\b(19|20)\d{2}\b/.exec(date);
  return four ? Number(four[0]) : undefined;
}

/** Every personal detail found, as non-overlapping spans in text order. */
export function findPersonalDetails(text: string, defaultCountry: CountryCode | undefined, now = new Date()): Span[] {
  const spans: Span[] = [];
  const free = (start: number, end: number) => spans.every((s) => end <= s.start || start >= s.end);
  const add = (kind: PiiKind, start: number, end: number) => {
    if (end > start && free(start, end)) spans.push({ kind, start, end });
  };
  const each = (pattern: RegExp, onMatch: (m: RegExpExecArray) => void) => {
    for (const m of text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))) onMatch(m as RegExpExecArray);
  };
  const group = (m: RegExpExecArray, n: number): [number, number] => {
    const value = m[n]!;
    const start = m.index + m[0].lastIndexOf(value);
    return [start, start + value.length];
  };

  each(EMAIL, (m) => add('EMAIL', m.index, m.index + m[0].length));
  each(LICENCE, (m) => add('LICENCE', ...group(m, 1)));
  each(DOB_CONTEXT, (m) => add('DOB', ...group(m, 1)));
  // A full date in a year at least ten years gone is a birth date, not a booking.
  each(ANY_FULL_DATE, (m) => {
    const year = yearOf(m[0]);
    if (year && year <= now.getUTCFullYear() - 10) add('DOB', m.index, m.index + m[0].length);
  });
  each(DIGIT_GROUPS, (m) => {
    const digits = digitsOf(m[0]);
    const end = m.index + m[0].length;
    if (digits.length >= 13 && passesLuhn(digits)) add('CARD', m.index, end);
    else if (isMedicare(digits)) add('MEDICARE', m.index, end);
    else if (isTaxFileNumber(digits) && !/^0[45]/.test(digits)) add('TFN', m.index, end);
  });
  for (const found of findPhoneNumbersInText(text, defaultCountry)) if (!ISO_DATE.test(text.slice(found.startsAt, found.endsAt))) add('PHONE', found.startsAt, found.endsAt);
  each(DIGIT_RUN, (m) => {
    if (digitsOf(m[0]).length >= 8 && !ISO_DATE.test(m[0].trim())) add('PHONE', m.index, m.index + m[0].trimEnd().length);
  });
  each(ADDRESS, (m) => add('ADDRESS', m.index, m.index + m[0].replace(/\.$/, '').length));

  const addName = (start: number, end: number) => {
    let value = text.slice(start, end);
    if (PLACE_WORDS.test(value) || NOT_NAMES.has(value.split(/[\s-]+/)[0]!.toLowerCase())) return;
    // Trailing filler ("Mary here") is not part of the name.
    for (let tail = /[\s-]+([^\s-]+)$/.exec(value); tail && NOT_NAMES.has(tail[1]!.toLowerCase()); tail = /[\s-]+([^\s-]+)$/.exec(value)) {
      value = value.slice(0, tail.index);
    }
    add('NAME', start, start + value.length);
  };
  for (const pattern of NAME_CONTEXTS) each(pattern, (m) => addName(...group(m, 1)));
  const people = nlp(text).people().out('offset') as Array<{ text: string; offset: { start: number; length: number } }>;
  for (const person of people) {
    const value = person.text.replace(/[.,!?;:]+$/, '');
    // Lower-case words are a person only after an introduction (below): "a skip bin" is not Skip.
    if (!/^[A-Z]/.test(value)) continue;
    addName(person.offset.start, person.offset.start + value.length);
  }
  // "this is john smith": lower-case, so only when compromise also sees a person in those words.
  each(INTRO_ANY_CASE, (m) => {
    const [start, end] = group(m, 1);
    const words = nlp(text.slice(start, end)).people().out('array') as string[];
    if (words.length > 0) addName(start, end);
  });
  return spans.sort((a, b) => a.start - b.start);
}

/** Replaces every personal detail by a numbered placeholder; `restore` undoes it in a reply. */
export function redact(text: string, defaultCountry: CountryCode | undefined, now = new Date()): Redaction {
  const spans = findPersonalDetails(text, defaultCountry, now);
  const originals = new Map<string, string>();
  const counts = new Map<PiiKind, number>();
  const byValue = new Map<string, string>();
  let out = '';
  let last = 0;
  for (const span of spans) {
    const value = text.slice(span.start, span.end);
    let placeholder = byValue.get(`${span.kind}:${value}`);
    if (!placeholder) {
      const n = (counts.get(span.kind) ?? 0) + 1;
      counts.set(span.kind, n);
      placeholder = `[${span.kind}_${n}]`;
      byValue.set(`${span.kind}:${value}`, placeholder);
      originals.set(placeholder, value);
    }
    out += text.slice(last, span.start) + placeholder;
    last = span.end;
  }
  out += text.slice(last);
  return {
    text: out,
    spans,
    restore: (reply) => reply.replace(/\[(EMAIL|CARD|MEDICARE|TFN|LICENCE|DOB|PHONE|ADDRESS|NAME)_\d+\]/g, (p) => originals.get(p) ?? p),
  };
}

/** The text with personal details replaced (placeholders not restorable): logs and public lists. */
export function redactPersonalDetails(text: string, defaultCountry: CountryCode | undefined): string {
  return redact(text, defaultCountry).text;
}

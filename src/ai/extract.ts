/**
 * Pulls typed values out of what residents write or say: dates ("next Friday", "from the
 * 12th for 2 nights"; chrono-node, in the council's time zone), numbers of nights and people,
 * reference numbers and street addresses. Pure functions: flows call them, and the LLM path
 * never replaces them (its proposals are checked against the same rules).
 */
import * as chrono from 'chrono-node';
import { distance } from 'fastest-levenshtein';
import { isoDateIn } from '../domain/calendar';

const WORD_NUMBERS: Record<string, number> = { one: 1, a: 1, an: 1, single: 1, two: 2, couple: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, fourteen: 14, twenty: 20 };
const NUMBER = `(\\d{1,4}|${Object.keys(WORD_NUMBERS).join('|')})`;

function toNumber(token: string): number {
  return /^\d+$/.test(token) ? Number(token) : (WORD_NUMBERS[token.toLowerCase()] ?? NaN);
}

/** A calendar date (YYYY-MM-DD) in the council's time zone. */
export type IsoDate = string;

/**
 * Words that make a parsed expression a *date* rather than a time or a duration: chrono also
 * reads "at 5" (five o'clock today) and "about 1m" (a minute ago), which are not arrival dates.
 */
const DATE_WORDS = /\b(today|tonight|tomorrow|tmrw|weekend|mon|tues?|wed|thu(rs)?|fri|sat|sun|(mon|tues|wednes|thurs|fri|satur|sun)day|jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?|\d{1,2}(st|nd|rd|th)|\d{1,2}[/.-]\d{1,2}([/.-]\d{2,4})?|weeks?|fortnight|months?|days?)\b/i;

/** The first date mentioned, as the council's calendar date; past dates are not moved forward. */
export function extractDate(text: string, now: Date, timeZone: string): IsoDate | undefined {
  const results = chrono.en.GB.parse(text, { instant: now, timezone: timeZone }, { forwardDate: true });
  const first = results.find((r) => (r.start.isCertain('day') || r.start.isCertain('weekday')) && DATE_WORDS.test(r.text));
  if (!first) return undefined;
  return isoDateIn(first.start.date(), timeZone);
}

export function extractNights(text: string): number | undefined {
  const match = new RegExp(`\\b${NUMBER}\\s*(?:nights?|nites?)\\b`, 'i').exec(text) ?? /\b(a|one) night\b/i.exec(text);
  if (match) return toNumber(match[1]!);
  if (/\bweekend\b/i.test(text) && /\b(for|over) the weekend\b/i.test(text)) return 2;
  return undefined;
}

/** People counted by a number: "3 mates", "2 adults and 2 kids", "4 of us". */
const COUNTED = new RegExp(`\\b${NUMBER}\\s+(?:more\\s+|other\\s+)?(people|persons?|adults?|kids?|children|child|mates?|friends?|guests?|campers?|others|teens?|teenagers?|boys?|girls?|grandkids|of us)\\b`, 'gi');
/** One person each: "my partner", "the missus", "my mum". */
const COMPANION = /\b(?:my|the|our|me)\s+(?:(?:girl|boy)friend|partner|wife|husband|missus|missis|misses|hubby|mate|friend|mum|mom|mother|dad|father|brother|sister|son|daughter|fianc[eé]e?|other half|better half|kid|child|baby|nan|grandma|grandpa|grandad|gf|bf)\b/gi;
/** The resident counts themselves: "me and…", "me n 3 mates", "my wife and I", "just me". */
const SELF = /\b(?:just|only)\s+(?:me|myself|us)\b|\b(?:me|myself)\s+(?:and|n|&|\+|plus|with)\b|\b(?:and|n|&|plus|with)\s+(?:me|myself)\b|\band I\b|\bI and\b|\bjust me\b|\bon my own\b|\bby myself\b|\bmyself\b/i;

export function extractPartySize(text: string): number | undefined {
  const counted = [...text.matchAll(COUNTED)];
  const numbers = counted.map((m) => toNumber(m[1]!));
  if (!numbers.every((n) => Number.isFinite(n))) return undefined;
  // "4 of us" and "4 people" are the whole party; "3 mates" is besides the resident.
  const total = counted.some((m) => /^(of us|people|persons?)$/i.test(m[2]!));
  const companions = (text.match(COMPANION) ?? []).length;
  const self = SELF.test(text) && !/\bincluding me\b/i.test(text);
  if (numbers.length > 0 || companions > 0 || self) {
    const sum = numbers.reduce((a, b) => a + b, 0) + companions;
    if (total) return sum;
    return sum + (self ? 1 : 0) || undefined;
  }
  const party = new RegExp(`\\b(?:party|group|family) of ${NUMBER}\\b`, 'i').exec(text) ?? new RegExp(`\\b(?:there(?:'ll| will)? be|we(?:'re| are)|we will be|we'll be) ${NUMBER}\\b(?!\\s*(?:nights?|days?))`, 'i').exec(text);
  if (party) return toNumber(party[1]!);
  return undefined;
}

/** A bare number ("3", "three") when that is all the answer is. */
export function extractBareNumber(text: string): number | undefined {
  const match = new RegExp(`^\\s*${NUMBER}\\s*\\.?\\s*$`, 'i').exec(text);
  return match ? toNumber(match[1]!) : undefined;
}

/** Council references look like `RB-123456` (permits `CP-…`); case and spacing are forgiven. */
export function extractReference(text: string): string | undefined {
  const match = /\b([A-Z]{2})[\s-]?(\d{4,8})\b/i.exec(text);
  return match ? `${match[1]!.toUpperCase()}-${match[2]}` : undefined;
}

export const STREET_TYPES = 'street|st|road|rd|avenue|ave|lane|ln|drive|dr|court|ct|crescent|cres|place|pl|parade|pde|highway|hwy|way|terrace|tce|close|cl|boulevard|blvd|circuit|cct|grove|gr';

const STREET = `[A-Za-z][A-Za-z'’-]*(?:\\s+[A-Za-z][A-Za-z'’-]*)?\\s+(?:${STREET_TYPES})\\b\\.?`;
/** Words that are never the start of a street's name ("of King St", "on Elm St"). */
const NOT_A_NAME = /^(?:of|on|at|in|near|outside|opposite|by|the|and|to|from|is|a|my|our|corner)\s+/i;

/** "12 Smith Street", "the corner of King St and George St", "Elm St near the school". */
export function extractAddress(text: string): string | undefined {
  const corner = new RegExp(`\\bcorner of\\s+(?:the\\s+)?(${STREET})\\s*(?:and|&|/)\\s*(${STREET})`, 'i').exec(text);
  if (corner) return `the corner of ${trimName(corner[1]!)} and ${trimName(corner[2]!)}`;
  // What follows the street is kept only when it names a place: another street ("and Bay Rd")
  // or a landmark in two words ("near the school"); never the rest of the sentence (a name, a phone).
  const match = new RegExp(`\\b((?:\\d+[a-z]?(?:/\\d+)?\\s+)?${STREET})((?:\\s*(?:and|&)\\s+${STREET}|\\s+(?:near|outside|opposite)\\s+(?:the\\s+)?[A-Za-z][A-Za-z'’-]*(?:\\s+[A-Za-z][A-Za-z'’-]*)?)?)`, 'i').exec(text);
  if (!match) return undefined;
  const street = trimName(match[1]!);
  // "my street", "the road", "this lane" name no street.
  if (new RegExp(`^(?:my|our|your|the|this|that|his|her|their|a|same|next|main|every|busy|whole)\\s+(?:${STREET_TYPES})\\b`, 'i').test(street)) return undefined;
  return `${street}${match[2] ?? ''}`.replace(/\s+/g, ' ').replace(/[.,\s]+$/, '').trim();
}

function trimName(street: string): string {
  let out = street.trim().replace(/\.$/, '');
  while (NOT_A_NAME.test(out) && out.split(/\s+/).length > 2) out = out.replace(NOT_A_NAME, '');
  return out;
}

/** Places residents name without a street: "outside the library", "in Central Park", "the bus stop on Main". */
const LANDMARK = /\b(park|reserve|oval|playground|library|school|station|bus stop|shops|shopping centre|car ?park|beach|river|creek|bridge|roundabout|intersection|corner|lane|laneway|footbridge|pool|hall|church|plaza|mall|market|jetty|wharf|boat ramp|toilets?|skate ?park|cemetery|nature strip|walking track|track|trail|highway|freeway|campground|lookout|town centre|cbd|opposite|outside|behind|next to|near|across from|in front of)\b/i;

/** Does the text look like a place (an address or a landmark), rather than any text? */
export function looksLikePlace(text: string): boolean {
  return Boolean(extractAddress(text)) || (LANDMARK.test(text) && text.trim().split(/\s+/).length <= 14 && !/\?\s*$/.test(text));
}

/** The street part of an address, normalised, for "is this the same place?" comparisons. */
export function streetKey(address: string): string {
  const street = new RegExp(`([A-Za-z][A-Za-z'’-]*(?:\\s+[A-Za-z][A-Za-z'’-]*)?)\\s+(${STREET_TYPES})\\b`, 'i').exec(address);
  if (!street) return address.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  const type = street[2]!.toLowerCase();
  const canonical: Record<string, string> = { street: 'st', road: 'rd', avenue: 'ave', lane: 'ln', drive: 'dr', court: 'ct', crescent: 'cres', place: 'pl', parade: 'pde', highway: 'hwy', terrace: 'tce', close: 'cl', boulevard: 'blvd', circuit: 'cct', grove: 'gr' };
  return `${street[1]!.toLowerCase().replace(/^(on|at|in|near)\s+/, '')} ${canonical[type] ?? type}`;
}

const YES = /^(y|ya|yes|yeah|yea|yeh|yep|yup|sure|ok|okay|k|alright|all right|correct|confirm(ed)?|that'?s right|that'?s correct|right|please|please do|go ahead|do it|book it|sounds good|absolutely|definitely|of course|yes please|yes thanks?|ok thanks?|👍)$/i;
const NO = /^(n|no|nope|nah|na|no thanks?|no thank you|not really|not now|not yet|wrong|incorrect|don'?t|no way|never)$/i;

/** The words of a short answer, without punctuation, filler or emoji padding. */
function bare(text: string): string {
  return text.toLowerCase().replace(/[!.,?;:]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** "yes", "yep", "sure", "ok", "yes please": a whole-message yes. */
export function isYes(text: string): boolean {
  const b = bare(text);
  return YES.test(b) || /^(yes|yep|yeah|yup|sure|ok|okay)\b/i.test(b) && b.split(' ').length <= 3 && !/\b(but|no|not|change|actually)\b/.test(b);
}

/** "no", "nah", "nope", "no thanks": a whole-message no. */
export function isNo(text: string): boolean {
  const b = bare(text);
  return NO.test(b) || /^(no|nope|nah)\b/i.test(b) && b.split(' ').length <= 3 && !/\d/.test(b);
}

/** Leaving a flow: "never mind", "start again". ("cancel" works in chat; on SMS it is a carrier opt-out word, never suggested.) */
export function isCancel(text: string): boolean {
  return /^\s*(cancel|stop|quit|exit|never ?mind|nvm|forget it|start again|start over|restart|main menu|menu)\s*[.!]*\s*$/i.test(text) || /^\s*(never ?mind|forget it|start again|start over)\b/i.test(text);
}

export function isHelp(text: string): boolean {
  return /^\s*(help|\?|what do i (say|do)|i don'?t understand|confused)\s*\??\s*$/i.test(text);
}

/** "thanks", "thanks, bye", "cheers", "that's all": the resident is done. */
export function isGoodbye(text: string): boolean {
  return /^\s*((ok|okay|great|awesome|perfect|cool|lovely|good|no)[\s,.!]*)?(thanks?|thank you|thx|ta|cheers|bye|goodbye|see ya|that'?s all|that is all|all good|done|no thanks?)([\s,.!]*(so much|heaps|very much|mate|bye|goodbye|cheers|see ya|that'?s all|all good))*[\s.!]*(😊|🙂|👍)?\s*$/i.test(text);
}

/**
 * Which offered choice a typed answer means: its number ("2"), its value or label in any case
 * and with small typos ("bayside", "Baysdie Reserve"), or, when the choices are yes and no,
 * any yes or no word. Only a message that is wholly an answer counts: "no, 3 nights" is not
 * the "No" button but a correction.
 */
export function choiceAnswered<T extends { value: string; label: string }>(text: string, choices: T[]): T | undefined {
  const b = bare(text);
  if (!b || choices.length === 0) return undefined;
  const number = /^(?:option\s*|number\s*|#)?(\d{1,2})$/.exec(b);
  if (number) return choices[Number(number[1]) - 1];
  const yes = choices.find((c) => c.value === 'yes');
  const no = choices.find((c) => c.value === 'no');
  if (yes && isYes(text)) return yes;
  if (no && isNo(text)) return no;
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9 ]+/g, ' ').replace(/\s+/g, ' ').trim();
  const said = norm(b);
  if (said.split(' ').length > 5) return undefined;
  const exact = choices.find((c) => norm(c.label) === said || norm(c.value.replace(/-/g, ' ')) === said);
  if (exact) return exact;
  const near = (a: string, b2: string) => distance(a, b2) <= (b2.length <= 4 ? 0 : b2.length <= 5 ? 1 : 2);
  const fuzzy = choices.filter((c) => near(said, norm(c.label)));
  if (fuzzy.length === 1) return fuzzy[0];
  // One distinctive word of a label ("bayside", "graffiti"), typos forgiven.
  if (said.length < 4 || said.includes(' ')) return undefined;
  const byWord = choices.filter((c) => norm(c.label).split(' ').some((w) => w.length >= 4 && near(said, w)));
  return byWord.length === 1 ? byWord[0] : undefined;
}

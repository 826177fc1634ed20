/**
 * Pulls typed values out of what residents write or say: dates ("next Friday", "from the
 * 12th for 2 nights"; chrono-node, in the council's time zone), numbers of nights and people,
 * reference numbers and street addresses. Pure functions: flows call them, and the LLM path
 * never replaces them (its proposals are checked against the same rules).
 */
import * as chrono from 'chrono-node';

const WORD_NUMBERS: Record<string, number> = { one: 1, a: 1, an: 1, single: 1, two: 2, couple: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, fourteen: 14, twenty: 20 };
const NUMBER = `(\\d{1,4}|${Object.keys(WORD_NUMBERS).join('|')})`;

function toNumber(token: string): number {
  return /^\d+$/.test(token) ? Number(token) : (WORD_NUMBERS[token.toLowerCase()] ?? NaN);
}

/** A calendar date (YYYY-MM-DD) in the council's time zone. */
export type IsoDate = string;

function isoInZone(date: Date, timeZone: string): IsoDate {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/** The first date mentioned, as the council's calendar date; past dates are not moved forward. */
export function extractDate(text: string, now: Date, timeZone: string): IsoDate | undefined {
  // "the 12th" alone is read as this month (or next, when past), as residents mean it.
  const results = chrono.en.GB.parse(text, { instant: now, timezone: timeZone }, { forwardDate: true });
  const first = results[0];
  if (!first) return undefined;
  return isoInZone(first.start.date(), timeZone);
}

export function extractNights(text: string): number | undefined {
  const match = new RegExp(`\\b${NUMBER}\\s*(?:nights?|nites?)\\b`, 'i').exec(text) ?? /\b(a|one) night\b/i.exec(text);
  if (match) return toNumber(match[1]!);
  if (/\bweekend\b/i.test(text) && /\b(for|over) the weekend\b/i.test(text)) return 2;
  return undefined;
}

export function extractPartySize(text: string): number | undefined {
  const parts = [...text.matchAll(new RegExp(`\\b${NUMBER}\\s*(?:people|persons?|adults?|kids?|children|campers|of us|guests?)\\b`, 'gi'))].map((m) => toNumber(m[1]!));
  if (parts.length > 0 && parts.every((n) => Number.isFinite(n))) return parts.reduce((a, b) => a + b, 0);
  const party = new RegExp(`\\b(?:party|group|family) of ${NUMBER}\\b`, 'i').exec(text) ?? new RegExp(`\\bthere(?:'ll| will)? be ${NUMBER}\\b`, 'i').exec(text);
  if (party) return toNumber(party[1]!);
  if (/\bjust me\b|\bmyself\b|\bon my own\b/i.test(text)) return 1;
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

/** "12 Smith Street", "corner of Elm St and Bay Rd", "on Elm St near the school". */
export function extractAddress(text: string): string | undefined {
  // What follows the street is kept only when it names a place: another street ("and Bay Rd")
  // or a landmark in two words ("near the school"); never the rest of the sentence (a name, a phone).
  const match = new RegExp(`\\b((?:\\d+[a-z]?\\s+)?[A-Za-z][A-Za-z'’-]*(?:\\s+[A-Za-z][A-Za-z'’-]*)?\\s+(?:${STREET_TYPES}))\\b\\.?((?:\\s*(?:and|&|corner of)\\s+[A-Za-z][A-Za-z'’-]*(?:\\s+[A-Za-z][A-Za-z'’-]*)?\\s+(?:${STREET_TYPES})\\b|\\s+(?:near|outside|opposite)\\s+(?:the\\s+)?[A-Za-z][A-Za-z'’-]*(?:\\s+[A-Za-z][A-Za-z'’-]*)?)?)`, 'i').exec(text);
  if (!match) return undefined;
  return `${match[1]}${match[2] ?? ''}`.replace(/\s+/g, ' ').trim();
}

/** The street part of an address, normalised, for "is this the same place?" comparisons. */
export function streetKey(address: string): string {
  const street = new RegExp(`([A-Za-z][A-Za-z'’-]*(?:\\s+[A-Za-z][A-Za-z'’-]*)?)\\s+(${STREET_TYPES})\\b`, 'i').exec(address);
  if (!street) return address.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  const type = street[2]!.toLowerCase();
  const canonical: Record<string, string> = { street: 'st', road: 'rd', avenue: 'ave', lane: 'ln', drive: 'dr', court: 'ct', crescent: 'cres', place: 'pl', parade: 'pde', highway: 'hwy', terrace: 'tce', close: 'cl', boulevard: 'blvd', circuit: 'cct', grove: 'gr' };
  return `${street[1]!.toLowerCase().replace(/^(on|at|in|near)\s+/, '')} ${canonical[type] ?? type}`;
}

export function isYes(text: string): boolean {
  return /^\s*(y|yes|yep|yeah|yup|sure|ok|okay|correct|confirm|that'?s right|right|please do|go ahead|do it|book it)\b/i.test(text);
}

export function isNo(text: string): boolean {
  return /^\s*(n|no|nope|nah|not really|wrong|incorrect)\b/i.test(text);
}

export function isCancel(text: string): boolean {
  return /^\s*(cancel|stop|quit|never ?mind|forget it|start again|start over|exit)\b/i.test(text);
}

export function isHelp(text: string): boolean {
  return /^\s*(help|\?|what do i (say|do)|i don'?t understand|confused)\s*\??\s*$/i.test(text);
}

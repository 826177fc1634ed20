/**
 * Model output is checked, not trusted. A drafted answer or summary is plain text, not too
 * long, and every URL, web address, email, phone number, amount, date, other number and day or
 * month name in it also appears (whole, not as part of another number) in the sources it was written from; anything else is refused (the caller falls
 * back to the sources themselves). This is what stops a hostile or confused model from texting
 * residents a phishing link, a stranger's number or a made-up fee.
 */

/** Tags, Markdown links/emphasis/headings and control characters removed; spaces collapsed. */
export function stripMarkup(text: string): string {
  return text
    .replace(/<\/?[a-z][^>]*>/gi, ' ')
    .replace(/!?\[([^\]]*)\]\(([^)]*)\)/g, '$1 $2')
    .replace(/[*_`#>~|]+/g, '')
    .replace(/&(?:lt|gt|amp|quot|#\d+);/gi, ' ')
    .replace(/[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const URL_LIKE = /\b(?:https?:\/\/|www\.)[^\s<>"')]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|io|co|au|uk|nz|gov|edu|xyz|ly|me|app|site|online|link|click)\b(?:\/[^\s<>"')]*)?/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** Any run of digits (with the separators numbers are written with): phones, amounts, dates, times. */
const NUMBER = /\d(?:[\d\s,./:-]*\d)?/g;

const normaliseUrl = (u: string) => u.toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/[.,;:!?]+$/, '').replace(/\/$/, '');

/** Day and month names, and their short forms, as one word each ("Mon" and "Monday" are "monday"). */
const CALENDAR_WORDS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const CALENDAR = new RegExp(`\\b(${CALENDAR_WORDS.map((w) => `${w.slice(0, 3)}(?:${w.slice(3)}|${w === 'tuesday' ? 's|sday' : w === 'thursday' ? 'rs?|rsday' : w === 'september' ? 't' : ''})?`).join('|')})s?\\b\\.?`, 'gi');
const calendarWord = (w: string) => CALENDAR_WORDS.find((c) => c.startsWith(w.toLowerCase().replace(/\.$/, '').slice(0, 3)))!;

/**
 * The checkable details in a text: web addresses and emails as written, numbers as their digits
 * ("0412 555 666" and "0412555666" are the same number; "$7.50" is "750"; "10am" is "10"), and
 * day and month names. `parts`: a source's runs such as "9:00 - 17:00" also count piece by piece.
 */
function detailsOf(text: string, parts = false): { links: string[]; numbers: string[]; calendar: string[] } {
  const emails = [...text.matchAll(EMAIL)].map((m) => m[0].toLowerCase());
  const withoutEmails = text.replace(EMAIL, ' ');
  const links = [...withoutEmails.matchAll(URL_LIKE)].map((m) => normaliseUrl(m[0]));
  const withoutLinks = withoutEmails.replace(URL_LIKE, ' ');
  const runs = [...withoutLinks.matchAll(NUMBER)].map((m) => m[0]);
  const pieces = parts ? runs.flatMap((run) => run.split(/\s*[-–]\s*|\s+/)) : [];
  const numbers = [...runs, ...pieces].map((n) => n.replace(/\D/g, '')).filter(Boolean);
  // "may" is a month only with a number beside it ("9 May", "May 9"), not "you may".
  const calendar = [...withoutLinks.matchAll(CALENDAR)]
    .filter((m) => !/^may$/i.test(m[1]!) || /\d\s*$/.test(withoutLinks.slice(0, m.index)) || /^\s*\d/.test(withoutLinks.slice(m.index! + m[0].length)))
    .map((m) => calendarWord(m[1]!));
  return { links: [...emails, ...links], numbers, calendar };
}

export interface GroundingCheck {
  ok: boolean;
  text: string;
  /** What was not found in the sources (for the log; never shown to residents). */
  unsupported: string[];
}

/**
 * Checks `draft` against `sources`: markup stripped, at most `maxLength` characters (cut at the
 * last whole sentence), and nothing it states as a link, email or number that the sources lack.
 */
export function checkGrounded(draft: string, sources: string[], maxLength: number): GroundingCheck {
  let text = stripMarkup(draft);
  if (text.length > maxLength) {
    const cut = text.slice(0, maxLength);
    const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('! '), cut.lastIndexOf('? '), /[.!?]$/.test(cut) ? cut.length - 1 : -1);
    text = end > 0 ? cut.slice(0, end + 1) : '';
  }
  if (!text) return { ok: false, text: '', unsupported: ['(too long to cut at a sentence)'] };
  const known = detailsOf(sources.join('\n'), true);
  const knownLinks = new Set(known.links);
  const knownNumbers = new Set(known.numbers);
  const knownCalendar = new Set(known.calendar);
  const said = detailsOf(text);
  // Whole numbers only: "$50" is not in "$7.50", nor "19 June" in "$19" and "Monday to Friday".
  const unsupported = [
    ...said.links.filter((l) => !knownLinks.has(l) && ![...knownLinks].some((k) => k.startsWith(`${l}/`) || k === l)),
    ...said.numbers.filter((n) => !knownNumbers.has(n)),
    ...said.calendar.filter((w) => !knownCalendar.has(w)),
  ];
  return { ok: unsupported.length === 0, text, unsupported };
}

/**
 * Model output is checked, not trusted. A drafted answer or summary is plain text, not too
 * long, and every URL, web address, email, phone number, amount, date and other number in it
 * also appears in the sources it was written from; anything else is refused (the caller falls
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

/** The checkable details in a text: web addresses and emails as written, numbers as their digits. */
function detailsOf(text: string): { links: string[]; numbers: string[] } {
  const emails = [...text.matchAll(EMAIL)].map((m) => m[0].toLowerCase());
  const withoutEmails = text.replace(EMAIL, ' ');
  const links = [...withoutEmails.matchAll(URL_LIKE)].map((m) => normaliseUrl(m[0]));
  const withoutLinks = withoutEmails.replace(URL_LIKE, ' ');
  // "0412 555 666" and "0412555666" are the same number; "$7.50" is "750"; "10am" is "10".
  const numbers = [...withoutLinks.matchAll(NUMBER)].map((m) => m[0].replace(/\D/g, '')).filter(Boolean);
  return { links: [...emails, ...links], numbers };
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
  const known = detailsOf(sources.join('\n'));
  const knownLinks = new Set(known.links);
  const knownDigits = known.numbers.join(' ');
  const said = detailsOf(text);
  const unsupported = [
    ...said.links.filter((l) => !knownLinks.has(l) && ![...knownLinks].some((k) => k.startsWith(`${l}/`) || k === l)),
    ...said.numbers.filter((n) => !new RegExp(`(?:^| )\\d*${n}\\d*(?: |$)`).test(knownDigits) || (n.length >= 6 && !known.numbers.includes(n))),
  ];
  return { ok: unsupported.length === 0, text, unsupported };
}

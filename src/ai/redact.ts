/**
 * Personal details never go to a language model: phone numbers (libphonenumber-js finds them
 * in free text, in any common format), email addresses and self-introduced names are replaced
 * by placeholders before any request leaves the engine.
 */
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** A capitalised name after a self-introduction ("I'm Sam Jones", "my name is Ana"). */
const NAME_INTRO = /\b([Mm]y name is|[Mm]y name's|I am called|[Tt]his is|I'm|I’m|I am)\s+([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,2})/g;
/** Long digit runs that look like phone numbers even where the parser is unsure. */
const DIGIT_RUN = /(?:\+?\d[\d\s().-]{7,}\d)/g;

export function redactPersonalDetails(text: string, defaultCountry: CountryCode | undefined): string {
  let out = text.replace(EMAIL, '[EMAIL]');
  for (const found of findPhoneNumbersInText(out, defaultCountry).reverse()) {
    out = `${out.slice(0, found.startsAt)}[PHONE]${out.slice(found.endsAt)}`;
  }
  out = out.replace(DIGIT_RUN, (run) => (run.replace(/\D/g, '').length >= 8 ? '[PHONE]' : run));
  // "I'm Sam Lee" → "I'm [NAME]"; "I'm worried" (not capitalised) is left alone.
  return out.replace(NAME_INTRO, (_m, intro: string) => `${intro} [NAME]`);
}

/**
 * Phone addresses in E.164 (libphonenumber-js), so one resident's texts and calls meet in
 * one identity. WhatsApp addresses keep their `whatsapp:` prefix around the E.164 number.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export function countryOf(e164: string): CountryCode | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

/** `+61 412 345 678`, `0412345678` (with the council's country) or `whatsapp:+61…` → E.164 (prefix kept). */
const normalised = new Map<string, string | undefined>();
const NORMALISED_CACHE_SIZE = 10_000;

export function normaliseAddress(raw: string, defaultCountry?: CountryCode): string | undefined {
  // Parsing a number is a noticeable share of a webhook's CPU; the same numbers come back.
  const key = `${defaultCountry ?? ''} ${raw}`;
  if (normalised.has(key)) return normalised.get(key);
  const result = parseAddress(raw, defaultCountry);
  if (normalised.size >= NORMALISED_CACHE_SIZE) normalised.delete(normalised.keys().next().value!);
  normalised.set(key, result);
  return result;
}

function parseAddress(raw: string, defaultCountry?: CountryCode): string | undefined {
  const trimmed = raw.trim();
  const prefix = trimmed.startsWith('whatsapp:') ? 'whatsapp:' : '';
  const number = parsePhoneNumberFromString(trimmed.slice(prefix.length), defaultCountry);
  return number?.isPossible() ? `${prefix}${number.number}` : undefined;
}

/**
 * Phone addresses in E.164 (libphonenumber-js), so one resident's texts and calls meet in
 * one identity. WhatsApp addresses keep their `whatsapp:` prefix around the E.164 number.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { ChannelLabels } from '../../src/domain/channel';

export function countryOf(e164: string): CountryCode | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

/** A council's country as the host names it (ISO 3166-1 alpha-2), if libphonenumber knows it. */
export function phoneCountry(code: string | undefined): CountryCode | undefined {
  return code && isSupportedCountry(code) ? code : undefined;
}

/** A phone number as agents read it; a WhatsApp address says so. */
const numberLabel = (address: string) => address.replace(/^whatsapp:/, 'WhatsApp ');

/** How a phone channel's residents read: by their number. */
export function phoneLabels(name: string): ChannelLabels {
  return { name, short: name, resident: numberLabel, address: (address) => address, follower: numberLabel };
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

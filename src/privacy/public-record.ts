/**
 * What anyone may see of a resident's report (the public Open311 list): no name, phone number,
 * email, house number or other personal detail in the text, a location no finer than the
 * street, and a position rounded to about a hundred metres.
 */
import { STREET_TYPES } from '../ai/extract';
import { findPersonalDetails } from '../ai/redact';
import type { CountryCode } from 'libphonenumber-js';

const STREET = new RegExp(`(?:\\b(?!(?:at|on|in|near|the|of|and|outside|opposite|my|house)\\b)[A-Za-z][A-Za-z'’-]*\\s+){1,3}(?:${STREET_TYPES})\\b`, 'i');

/** "9 Gum Tree Lane, my name is …" → "Gum Tree Lane"; nothing when no street is named. */
export function publicStreet(address: string | null | undefined): string | null {
  if (!address) return null;
  const street = STREET.exec(address.replace(/\d+[a-z]?\s*[/-]?\s*/gi, ' '));
  return street ? street[0].replace(/\s+/g, ' ').trim() : null;
}

/** A free-text description with personal details taken out; an address keeps only its street. */
export function publicText(text: string | null | undefined, defaultCountry: CountryCode | undefined): string {
  if (!text) return '';
  let out = '';
  let last = 0;
  for (const span of findPersonalDetails(text, defaultCountry)) {
    const value = text.slice(span.start, span.end);
    out += text.slice(last, span.start) + (span.kind === 'ADDRESS' ? (publicStreet(value) ?? '[address removed]') : `[${span.kind === 'NAME' ? 'name' : 'details'} removed]`);
    last = span.end;
  }
  return (out + text.slice(last)).trim();
}

/** Three decimal places: about 110 m of latitude, enough to find a pothole, not a front door. */
export const roundedPosition = (value: number | null | undefined): number | null => (typeof value === 'number' ? Math.round(value * 1000) / 1000 : null);

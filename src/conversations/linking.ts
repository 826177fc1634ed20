/**
 * Joining a social or webchat identity to the person behind a phone number, never by
 * guesswork: the resident types their number, a 6-digit code is texted to that number, and
 * only that code, typed back in the chat within 15 minutes, links the two (one contact, one
 * history for agents). The code derives from the inbound event, so a replayed turn sends the
 * same code; only its hash is stored.
 */
import { createHmac } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export const LINK_CODE_MINUTES = 15;
export const LINK_MAX_TRIES = 3;

export interface PendingLink {
  phone: string;
  codeHash: string;
  expiresAt: Date;
  tries: number;
}

/**
 * "0412 345 678", "+61412345678" or "my number is 0412 345 678" → E.164 (local numbers read in
 * the council's own country); anything else → undefined.
 */
export function phoneNumberGiven(text: string, councilNumber: string): string | undefined {
  const defaultCountry: CountryCode | undefined = parsePhoneNumberFromString(councilNumber)?.country;
  const match = /^\s*(?:(?:my )?(?:mobile|phone)?\s*(?:number)?\s*(?:is|:)?\s*)([+(]?\d[\d\s().-]{6,20}\d)\s*\.?\s*$/i.exec(text);
  if (!match) return undefined;
  const number = parsePhoneNumberFromString(match[1]!, defaultCountry);
  return number?.isValid() ? number.number : undefined;
}

export function isLinkCode(text: string): boolean {
  return /^\s*\d{6}\s*$/.test(text);
}

export function linkCode(secret: string, seed: string): string {
  const value = createHmac('sha256', secret).update(`link-code:${seed}`).digest().readUInt32BE(0) % 1_000_000;
  return String(value).padStart(6, '0');
}

export function codeHash(secret: string, identityId: string, code: string): string {
  return createHmac('sha256', secret).update(`link-hash:${identityId}:${code.trim()}`).digest('hex');
}

export { maskedNumber } from '../domain/addresses';

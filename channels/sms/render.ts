/**
 * Replies shaped for SMS: choices become numbered lines and "Reply 1, 2 or 3", and
 * typographic characters that would force UCS-2 (70 characters a segment instead of 160)
 * are swapped for their GSM-7 look-alikes.
 */
import { SegmentedMessage } from 'sms-segments-calculator';
import type { OutboundContent } from '../../src/domain/messages';

const GSM_LOOKALIKES: Array<[RegExp, string]> = [
  [/[\u2018\u2019\u201B\u2032]/g, "'"],
  [/[\u201C\u201D\u201F\u2033]/g, '"'],
  [/[\u2013\u2014\u2212]/g, '-'],
  [/\u2026/g, '...'],
  [/[\u00A0\u2007\u202F]/g, ' '],
  [/\u2022/g, '-'],
];

export function toGsmFriendly(text: string): string {
  return GSM_LOOKALIKES.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

function spokenList(numbers: string[]): string {
  return numbers.length <= 1 ? (numbers[0] ?? '') : `${numbers.slice(0, -1).join(', ')} or ${numbers[numbers.length - 1]}`;
}

export function renderSms(content: OutboundContent): string {
  const lines = [content.text];
  if (content.choices?.length) {
    content.choices.forEach((choice, i) => lines.push(`${i + 1} ${choice.label}`));
    lines.push(`Reply ${spokenList(content.choices.map((_, i) => String(i + 1)))}.`);
  }
  return toGsmFriendly(lines.join('\n'));
}

/** Bot replies repeat (menus, prompts): the segment count of a text is worked out once. */
const billingCache = new Map<string, { encoding: string; segments: number }>();
const BILLING_CACHE_SIZE = 2000;

/** The encoding (GSM-7 or UCS-2) and segment count a carrier bills for `body`. */
export function smsBilling(body: string): { encoding: string; segments: number } {
  const cached = billingCache.get(body);
  if (cached) return { ...cached };
  // Splitting into graphemes is most of an SMS send's CPU: keep the answer for the next time.
  const segmented = new SegmentedMessage(body);
  const billing = { encoding: segmented.encodingName, segments: segmented.segmentsCount };
  if (billingCache.size >= BILLING_CACHE_SIZE) billingCache.delete(billingCache.keys().next().value!);
  billingCache.set(body, billing);
  return { ...billing };
}

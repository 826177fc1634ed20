/**
 * Replies shaped for the phone: speakable sentences (no links, symbols or line breaks) and
 * choices read out as keys to press. 0 is always "a person", at every prompt.
 */
import type { Choice, OutboundContent } from '../../src/domain/messages';

export const PERSON_KEY = '0';
const PERSON_VALUE = 'agent';

/** Keys for a prompt's choices: a person on 0, the rest on 1–9 in order. */
export function keypad(choices: Choice[] = []): Array<{ key: string; choice: Choice }> {
  const others = choices.filter((c) => c.value !== PERSON_VALUE).slice(0, 9);
  const keys = others.map((choice, i) => ({ key: String(i + 1), choice }));
  const person = choices.find((c) => c.value === PERSON_VALUE);
  return person ? [...keys, { key: PERSON_KEY, choice: person }] : keys;
}

/** Text a text-to-speech voice reads well. */
export function speakableText(text: string): string {
  return text
    .replace(/https?:\/\/\S+/g, 'our website')
    .replace(/&/g, ' and ')
    .replace(/[*_#>`|]/g, ' ')
    .replace(/\s*\n+\s*/g, ' ')
    // Prompts written for text ("type your question") are said, not typed, on the phone.
    .replace(/\b([Tt])ype (your|a|it)\b/g, (_m, t: string, what: string) => `${t === 'T' ? 'S' : 's'}ay ${what}`)
    .replace(/\s{2,}/g, ' ')
    .trim();
}

function lowerFirst(label: string): string {
  return /^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label;
}

export function speakable(content: OutboundContent): string {
  const spoken = [speakableText(content.text)];
  for (const { key, choice } of keypad(content.choices)) {
    if (choice.value !== PERSON_VALUE) spoken.push(`For ${lowerFirst(choice.label)}, press ${key}.`);
  }
  // 0 works at every prompt; say so whenever there is a choice to make.
  if (content.choices?.length) spoken.push(`To talk to a person, press ${PERSON_KEY}.`);
  return spoken.filter(Boolean).join(' ');
}

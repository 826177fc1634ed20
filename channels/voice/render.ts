/**
 * Replies shaped for the phone. Flows write one text for every channel; on a call it must be
 * speakable (no links, symbols or line breaks) and offer only what a caller can do: nothing
 * about photos, sharing a location, typing a command, or "we'll message you here". Choices are
 * read out as keys in one short sentence; 0 is always "a person", at every prompt.
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

/** Main-menu options as a caller hears them (flow ids are fixed by CONTRACT.md §8); the menu stays under 25 words. */
const SPOKEN_OPTIONS: Record<string, string> = {
  'camping-permit': 'for camping',
  faq: 'for questions',
  'report-issue': 'to report a problem',
  'case-status': 'to check a report',
};
/** Labels that start with a verb are said "press 3 to report a problem"; others "press 1 for camping". */
const VERB_LABEL = /^(report|check|talk|book|cancel|ask|pay|find|get|make|change|apply|renew|track|start|hear)\b/i;

/** Sentences a caller cannot act on: sending photos, typed commands, "we'll message you here", links. */
const UNSAYABLE = [
  /\bsend (us )?(a |another |more )?(photo|picture|image)s?\b/i,
  /\b(send|text|type|reply)\s+["“']/i,
  /\bmessage you (here|in this chat)\b/i,
  /^more:/i,
];
/** Parts of a sentence that offer something a call cannot carry. */
const UNSAYABLE_CLAUSES = [
  /,\s*(or |and )send (us )?(a )?(photo|picture)[^,.?!]*/gi,
  /,\s*(or |and )?share (your|a) location/gi,
];
/** On the main menu the options replace the text's own greeting, prompt and list. */
const MENU_FILLER = [/\bassistant\b/i, /\bwhat can i help\b/i, /^choose an option\b/i, /^i can help with\b/i, /^or you can talk to a person\b/i];

function lowerFirst(label: string): string {
  // "Camping permits" → "camping permits", but names stay as they are ("River Flats").
  return /^[A-Z][a-z]*(\s+[a-z][^\s]*)*$/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label;
}

/** A reference such as CP-880849 is read letter by letter and digit by digit, so it can be written down. */
export function spokenReference(reference: string): string {
  return reference.replace(/-/g, '').split('').join(' ');
}

function sentences(text: string): string[] {
  return text
    .split(/\n+/)
    // A sentence ends at . ! or ? before a space: "$50.00" and "12.30pm" stay whole.
    .flatMap((line) => line.split(/(?<=[.!?]["”']?)\s+/))
    .map((s) => s.trim())
    .filter(Boolean);
}

const PHOTO_REQUEST = UNSAYABLE[0]!;

/** The sentences a caller can act on; whether the last one (a question, usually) was dropped, and why. */
function sayable(text: string, mainMenu = false): { kept: string[]; lastDropped?: RegExp } {
  const kept: string[] = [];
  let lastDropped: RegExp | undefined;
  for (const raw of sentences(text)) {
    let sentence = raw;
    for (const clause of UNSAYABLE_CLAUSES) sentence = sentence.replace(clause, '');
    // "Or say skip." belongs to the sentence before it: gone with it.
    const reason = UNSAYABLE.find((p) => p.test(sentence)) ?? (lastDropped && /^or\b/i.test(sentence) ? lastDropped : undefined) ?? (mainMenu ? MENU_FILLER.find((p) => p.test(sentence)) : undefined);
    lastDropped = reason;
    if (!reason) kept.push(sentence);
  }
  return { kept, ...(lastDropped ? { lastDropped } : {}) };
}

/** Text a text-to-speech voice reads well, with only what a caller can do. */
export function speakableText(text: string, options: { mainMenu?: boolean } = {}): string {
  return sayable(text, options.mainMenu)
    .kept.join(' ')
    .replace(/https?:\/\/\S+/g, 'our website')
    .replace(/\b([A-Z]{2})-(\d{4,8})\b/g, (ref) => spokenReference(ref))
    .replace(/&/g, ' and ')
    .replace(/[*_#>`|]/g, ' ')
    // Prompts written for text ("type your question") are said, not typed, on the phone.
    .replace(/\b([Tt])ype (your|a|it)\b/g, (_m, t: string, what: string) => `${t === 'T' ? 'S' : 's'}ay ${what}`)
    .replace(/\s+([,.?!])/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/**
 * A prompt whose question a caller cannot answer: a flow asking for a photo (optional by
 * design). The call answers "skip" for them; `said` is what is left to say first.
 */
export function unsayableQuestion(text: string): { answer: string; said: string } | undefined {
  const { kept, lastDropped } = sayable(text);
  return lastDropped === PHOTO_REQUEST ? { answer: 'skip', said: kept.join('\n') } : undefined;
}

function optionPhrase(choice: Choice): string {
  const known = SPOKEN_OPTIONS[choice.value];
  if (known) return known;
  return VERB_LABEL.test(choice.label) ? `to ${lowerFirst(choice.label)}` : `for ${lowerFirst(choice.label)}`;
}

/** "Press 1 for camping, 2 for questions, 3 to report a problem, or 0 for a person." */
export function spokenOptions(choices: Choice[] = []): string {
  if (!choices.length) return '';
  const phrases = keypad(choices)
    .filter(({ choice }) => choice.value !== PERSON_VALUE)
    .map(({ key, choice }) => `${key} ${optionPhrase(choice)}`);
  // 0 works at every prompt; say so whenever there is a choice to make.
  phrases.push(`${phrases.length ? 'or ' : ''}${PERSON_KEY} for a person`);
  return `Press ${phrases.join(', ')}.`;
}

export interface SpokenOptions {
  /** The main menu: the options replace the menu's own greeting and list. */
  mainMenu?: boolean;
  /** The first thing a caller hears: a one-sentence welcome. */
  welcome?: string;
}

export function speakable(content: OutboundContent, options: SpokenOptions = {}): string {
  const text = speakableText(content.text, { mainMenu: Boolean(options.mainMenu) });
  return [options.welcome ? `Welcome to ${options.welcome}.` : '', text, spokenOptions(content.choices)].filter(Boolean).join(' ');
}

/** Words in a spoken prompt, as a caller hears them. */
export function wordCount(spoken: string): number {
  return spoken.split(/\s+/).filter(Boolean).length;
}

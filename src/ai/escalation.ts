/**
 * Does the resident ask for a person? Deliberately simple and fast (it runs on every turn,
 * including voice): short messages naming a person, or "talk/speak to …" phrases.
 * "Can I pay in person?" is not a request for an agent.
 */
const PERSON_WORDS = /\b(agent|human|person|operator|someone|somebody|staff|representative|officer)\b/i;
const ASK_PHRASE = /\b(talk|speak|chat)\s+(to|with)\s+(a|an|the|some|real)?\s*(real\s+)?(agent|human|person|operator|someone|somebody|staff|representative|officer)\b/i;
const NOT_A_REQUEST = /\bin person\b/i;

export function wantsPerson(text: string): boolean {
  const clean = text.trim();
  if (!clean || NOT_A_REQUEST.test(clean)) return false;
  if (ASK_PHRASE.test(clean)) return true;
  const words = clean.split(/\s+/).length;
  return words <= 5 && PERSON_WORDS.test(clean);
}

/**
 * Words that suggest someone may be at risk. A match never changes what the bot says; it only
 * puts the conversation at the front of the queue when it reaches people (safeguarding first).
 */
const SAFEGUARDING = /\b(suicid\w*|kill (myself|me)|self[- ]harm|hurt(ing)? (myself|me)|abus(e|ed|ing)|violen(ce|t)|assault\w*|unsafe|in danger|threaten\w*|homeless|sleeping rough|neglect\w*|domestic)\b/i;

export function isSafeguarding(text: string): boolean {
  return SAFEGUARDING.test(text);
}

/** Queue priority: 0 safeguarding, 1 a caller holding on the phone, 2 everyone else. */
export function queuePriority(texts: string[], liveCall: boolean): number {
  if (texts.some(isSafeguarding)) return 0;
  return liveCall ? 1 : 2;
}

/** How long a reply runs as text, for keeping SMS replies within two segments. */
import type { Choice } from '../domain/messages';

/** Two SMS segments of GSM text (153 characters each once a message is split). */
export const TWO_SMS_SEGMENTS = 306;

/** About how many characters choices add where a text channel numbers them ("1 Yes\n2 No\nReply 1 or 2."). */
export function choicesLength(choices: readonly Choice[] | undefined): number {
  return choices?.length ? choices.reduce((n, c) => n + c.label.length + 4, 20) : 0;
}

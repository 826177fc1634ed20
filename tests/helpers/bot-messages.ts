/**
 * Every bot and system message a test file produced, rendered as the SMS it would be (choices
 * as numbered lines), saved under `.data/bot-messages/` when the file's engine stops, so
 * `npm run report:sms-segments` can report how many fit in one and two SMS segments.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderSms, smsBilling } from '../../channels/sms/render';
import { Message } from '../../src/models';

export const BOT_MESSAGES_DIR = path.resolve(__dirname, '..', '..', '.data', 'bot-messages');

export interface RecordedBotMessage {
  channel: string;
  sender: string;
  text: string;
  sms: string;
  segments: number;
  encoding: string;
}

/** Bot and system replies in the current database, as SMS. */
export async function botMessagesAsSms(): Promise<RecordedBotMessage[]> {
  // Text channels only: the phone speaks its replies.
  const messages = await Message.find({ direction: 'outbound', channel: { $in: ['sms', 'webchat', 'social'] }, 'sender.kind': { $in: ['bot', 'system'] } }).lean();
  return messages.map((m) => {
    const choices = (m.choices ?? []) as Array<{ value: string; label: string }>;
    const sms = renderSms({ text: m.text ?? '', ...(choices.length ? { choices } : {}) });
    const billing = smsBilling(sms);
    return { channel: m.channel, sender: String((m.sender as { kind: string }).kind), text: m.text ?? '', sms, segments: billing.segments, encoding: billing.encoding };
  });
}

/** Saves this database's bot messages for the segment report (best effort: never fails a test). */
export async function saveBotMessages(label: string): Promise<void> {
  try {
    const messages = await botMessagesAsSms();
    if (messages.length === 0) return;
    await mkdir(BOT_MESSAGES_DIR, { recursive: true });
    await writeFile(path.join(BOT_MESSAGES_DIR, `${label}.json`), JSON.stringify(messages));
  } catch {
    // The report is a measurement, not a test.
  }
}

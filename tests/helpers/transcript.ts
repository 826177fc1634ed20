/** A webchat resident whose every message waits for the bot's answer to it (transcript tests). */
import { waitUntil, WebchatResident, type ChatMessage } from './engine';

export interface TalkingResident {
  chat: WebchatResident;
  say(text: string): Promise<string>;
}

export async function talkingResident(url: string, residents: WebchatResident[] = []): Promise<TalkingResident> {
  const chat = new WebchatResident(url);
  residents.push(chat);
  await chat.start();
  return {
    chat,
    async say(text: string) {
      const before = chat.received.length;
      const ack = await chat.say(text);
      if (!ack.ok) throw new Error(ack.error.message);
      const reply = await waitUntil(() => chat.received.slice(before).find((m: ChatMessage) => m.sender.kind !== 'contact'), 15_000, `a reply to "${text}"`);
      return reply.text;
    },
  };
}

/** A date about `daysAhead` days ahead in the council's calendar, as the resident would write it. */
export function futureDate(daysAhead: number): { iso: string; spoken: string } {
  const date = new Date(Date.now() + daysAhead * 86_400_000);
  const iso = new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Sydney' }).format(date);
  const spoken = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Australia/Sydney' }).format(date);
  return { iso, spoken };
}

/**
 * The SMS segment report: every bot and system message the last test run produced (saved by
 * tests/helpers/bot-messages.ts under .data/bot-messages/), rendered as SMS, and the share
 * that fits in one and in two segments. `npm test` first, then `npm run report:sms-segments`.
 * `--list N` also prints the N longest messages.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BOT_MESSAGES_DIR, type RecordedBotMessage } from '../tests/helpers/bot-messages';

async function main(): Promise<void> {
  const files = (await readdir(BOT_MESSAGES_DIR).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  const messages: RecordedBotMessage[] = [];
  for (const file of files) messages.push(...(JSON.parse(await readFile(path.join(BOT_MESSAGES_DIR, file), 'utf8')) as RecordedBotMessage[]));
  if (messages.length === 0) {
    console.log('No bot messages recorded: run `npm test` first.');
    return;
  }
  const share = (max: number) => ((100 * messages.filter((m) => m.segments <= max).length) / messages.length).toFixed(1);
  const distinct = new Set(messages.map((m) => m.sms)).size;
  console.log(`${messages.length} bot messages (${distinct} distinct) from ${files.length} test engines`);
  console.log(`within 1 SMS segment:  ${share(1)}%`);
  console.log(`within 2 SMS segments: ${share(2)}%`);
  console.log(`UCS-2 (70 characters a segment): ${messages.filter((m) => m.encoding !== 'GSM-7').length}`);
  const list = process.argv.indexOf('--list');
  const count = list >= 0 ? Number(process.argv[list + 1] ?? 10) : 5;
  const longest = [...new Map(messages.map((m) => [m.sms, m])).values()].sort((a, b) => b.segments - a.segments || b.sms.length - a.sms.length).slice(0, count);
  console.log(`\nLongest ${longest.length}:`);
  for (const m of longest) console.log(`- [${m.segments} segments, ${m.sms.length} chars, ${m.channel}] ${m.sms.replace(/\n/g, ' | ')}`);
}

void main();

/**
 * The seam between channels and the core (issue 13, item 1). The aim: channels/ imports nothing
 * from src/ but the domain and errors. Not there yet: this pins what channels import today so the
 * list can only shrink (a new core import from a channel fails here), and keeps every channel
 * file away from the core's storage where it already is.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : f.endsWith('.ts') ? [path.join(dir, f)] : []));

/** src/ modules a channel may import: the target two, and (until the seam is finished) the rest below. */
const TARGET = ['domain/channel', 'domain/messages', 'domain/flow', 'errors'];
const NOT_YET_BEHIND_THE_SEAM = [
  'services', 'config', 'ids', 'validation', 'redis',
  'conversations/ingest', 'conversations/inboxes', 'conversations/outbox', 'conversations/view', 'conversations/router', 'conversations/identity', 'conversations/turn-result', 'conversations/office-hours', 'conversations/message-seq', 'conversations/linking',
  'realtime/publisher', 'realtime/socket-commands', 'ai/extract', 'media/photo-location', 'http/client-address', 'flow-engine/registry',
  // Four files still read or write records themselves: voice (text-reference, webhook) and webchat (namespace, http).
  'models',
];
const MAY_IMPORT_MODELS = ['channels/voice/text-reference.ts', 'channels/voice/webhook.ts', 'channels/webchat/namespace.ts', 'channels/webchat/http.ts'];

test('channels import from src/ only the modules listed, and only four files touch the models', () => {
  const found: Array<{ file: string; module: string }> = [];
  for (const file of files(path.join(root, 'channels'))) {
    const rel = path.relative(root, file);
    for (const match of readFileSync(file, 'utf8').matchAll(/from '((?:\.\.\/)+src\/[^']+)'/g)) {
      found.push({ file: rel, module: path.relative(path.join(root, 'src'), path.resolve(path.dirname(file), match[1]!)) });
    }
  }
  expect(found.length).toBeGreaterThan(0);
  const outside = found.filter((f) => ![...TARGET, ...NOT_YET_BEHIND_THE_SEAM].includes(f.module));
  expect(outside).toEqual([]);
  expect([...new Set(found.filter((f) => f.module === 'models').map((f) => f.file))].sort()).toEqual([...MAY_IMPORT_MODELS].sort());
  // The SMS channel reports delivery states to the core; it no longer writes messages itself.
  expect(found.filter((f) => f.file.startsWith('channels/sms/') && f.module === 'models')).toEqual([]);
});

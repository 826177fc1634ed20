/**
 * The seam between channels and the core (issue 13, item 1). The aim: channels/ imports nothing
 * from src/ but the domain and errors. Not there yet: this pins what channels import today so the
 * list can only shrink (a new core import from a channel fails here). No channel touches a model:
 * records are read and written by the core.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : f.endsWith('.ts') ? [path.join(dir, f)] : []));

/** src/ modules a channel may import: the target two, and (until the seam is finished) the rest below. */
const TARGET = ['domain/channel', 'domain/messages', 'domain/flow', 'errors'];
const NOT_YET_BEHIND_THE_SEAM = [
  'services', 'config', 'ids', 'validation', 'redis',
  'conversations/ingest', 'conversations/inboxes', 'conversations/outbox', 'conversations/view', 'conversations/router', 'conversations/identity', 'conversations/turn-result', 'conversations/message-seq', 'conversations/linking',
  'realtime/publisher', 'realtime/socket-commands', 'ai/extract', 'media/uploads', 'http/client-address', 'flow-engine/registry', 'cases/text-reference',
];

test('channels import from src/ only the modules listed, and none touches the models', () => {
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
  expect(found.filter((f) => f.module === 'models' || f.module.startsWith('models/'))).toEqual([]);
});

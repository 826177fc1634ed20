/**
 * The channel seam (issue 13, item 1): channels/ imports nothing from src/ but the domain
 * (src/domain/, the `ChannelHost` port included) and src/errors. Everything else a channel needs
 * from the core comes through the host it is handed (src/conversations/channel-host.ts), so no
 * channel can reach a model, a queue or another module's internals. Type-only imports count too.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const tsFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? tsFiles(full) : f.endsWith('.ts') ? [full] : [];
  });

/** Every module specifier a file names: `import … from`, `export … from`, bare `import '…'`, `import('…')` and `require('…')`. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** What a channel may import from src/: the domain, and errors. */
function allowed(modulePath: string): boolean {
  const rel = path.relative(path.join(root, 'src'), modulePath).split(path.sep).join('/');
  return rel === 'errors' || rel === 'errors.ts' || rel.startsWith('domain/');
}

test('channels import nothing from src/ but the domain and errors', () => {
  const files = tsFiles(path.join(root, 'channels'));
  expect(files.length).toBeGreaterThan(10);
  const imports = files.flatMap((file) => specifiers(readFileSync(file, 'utf8')).filter((s) => s.startsWith('.')).map((s) => ({ file: path.relative(root, file), module: path.resolve(path.dirname(file), s) })));
  // The scan sees the seam itself (guards against a regex that silently matches nothing).
  expect(imports.some((i) => i.module.endsWith(path.join('src', 'domain', 'channel-host')))).toBe(true);
  const intoSrc = imports.filter((i) => i.module.startsWith(path.join(root, 'src') + path.sep));
  const outside = intoSrc.filter((i) => !allowed(i.module)).map((i) => `${i.file} → ${path.relative(root, i.module)}`);
  expect(outside).toEqual([]);
});

test('the domain imports nothing of the core but errors (so the seam cannot leak through it)', () => {
  const files = tsFiles(path.join(root, 'src', 'domain'));
  const outside = files.flatMap((file) =>
    specifiers(readFileSync(file, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => path.resolve(path.dirname(file), s))
      .filter((m) => !m.startsWith(path.join(root, 'src', 'domain') + path.sep) && !allowed(m))
      .map((m) => `${path.relative(root, file)} → ${path.relative(root, m)}`),
  );
  expect(outside).toEqual([]);
});

/** The channel ids, as each channel declares its own (channels/<name>/channel.ts: `channelId('sms')`). */
const declaredChannelIds = (): string[] =>
  readdirSync(path.join(root, 'channels'))
    .map((d) => path.join(root, 'channels', d, 'channel.ts'))
    .filter((f) => existsSync(f))
    .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bchannelId\(\s*'([a-z0-9-]+)'\s*\)/g)].map((m) => m[1]!));

/** Source without its comments (a comment may name a channel; code may not). */
const code = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? sourceFiles(full) : /\.tsx?$/.test(f) ? [full] : [];
  });

/**
 * Where the core may still spell a channel's id, and why. Anything else names channels through the
 * registry: its ids, labels and capabilities (`byPhone`, `sessionAddress`, `delivery`).
 */
const CHANNEL_NAMES_ALLOWED: Record<string, string> = {
  // A council's provider sections (twilio numbers, Meta page, widget keys) become its inboxes; the
  // directory finds a council by number or widget key. Both would move to the channels with a
  // per-channel `inboxes(council)`.
  'src/councils/settings.ts': 'inboxesOf: a council\'s provider settings as inboxes',
  'src/councils/directory.ts': 'forPhoneNumber / forWidgetKey',
  // The residents' Socket.IO namespace is `/webchat` (CONTRACT.md §3).
  'src/realtime/publisher.ts': 'the residents\' realtime namespace',
  'src/realtime/broadcaster.ts': 'the residents\' realtime namespace',
  // A way consent was given ("by text message"), not the channel.
  'src/campaigns/consent.ts': 'consent recorded by SMS',
};

test('the core and the console name no channel: ids, labels and capabilities come from the registry', () => {
  const ids = declaredChannelIds();
  // The scan sees every channel (guards against a pattern that silently matches nothing).
  expect(ids).toEqual(expect.arrayContaining(['webchat', 'sms', 'voice', 'social']));
  const literal = new RegExp(`(['"\`])(${ids.join('|')})\\1`, 'g');
  const files = [...sourceFiles(path.join(root, 'src')), ...sourceFiles(path.join(root, 'web', 'console', 'src'))];
  const named = files.flatMap((file) => {
    const rel = path.relative(root, file).split(path.sep).join('/');
    return [...code(readFileSync(file, 'utf8')).matchAll(literal)].map((m) => ({ rel, name: m[0] }));
  });
  expect(named.filter((n) => !(n.rel in CHANNEL_NAMES_ALLOWED)).map((n) => `${n.rel}: ${n.name}`)).toEqual([]);
  // An exception no longer needed is taken off the list.
  expect(Object.keys(CHANNEL_NAMES_ALLOWED).filter((rel) => !named.some((n) => n.rel === rel))).toEqual([]);
});

test('provider words stay in channels/: no Twilio call ids or number variables in the core', () => {
  // The default council is built from TWILIO_PHONE_NUMBER (and config reads it); nothing else in src/ uses it.
  const allowed = new Set(['src/config.ts', 'src/councils/settings.ts']);
  const found = sourceFiles(path.join(root, 'src')).flatMap((file) => {
    const rel = path.relative(root, file).split(path.sep).join('/');
    return [...code(readFileSync(file, 'utf8')).matchAll(/\b(callSid|CallSid|liveCallSid|TWILIO_PHONE_NUMBER)\b/g)].filter(() => !allowed.has(rel)).map((m) => `${rel}: ${m[0]}`);
  });
  expect(found).toEqual([]);
});

/**
 * The channel seam (issue 13, item 1): channels/ imports nothing from src/ but the domain
 * (src/domain/, the `ChannelHost` port included) and src/errors. Everything else a channel needs
 * from the core comes through the host it is handed (src/conversations/channel-host.ts), so no
 * channel can reach a model, a queue or another module's internals. Type-only imports count too.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

/**
 * The labelled redaction set (tests/fixtures/redaction-set.json): every personal detail a
 * resident wrote must be replaced before the text reaches a model, a log or a public list,
 * and messages with none must pass through unchanged. Prints recall and precision.
 */
import set from '../fixtures/redaction-set.json';
import { findPersonalDetails, redact } from '../../src/ai/redact';
import { createLogger } from '../../src/logger';

const NOW = new Date('2026-12-02T00:00:00Z');
type Item = { text: string; pii: Array<{ kind: string; value: string }> };

function score() {
  let labelled = 0;
  let caught = 0;
  let spans = 0;
  let trueSpans = 0;
  const missed: string[] = [];
  const falsePositives: string[] = [];
  const byKind: Record<string, { labelled: number; caught: number }> = {};
  for (const item of [...set.withPii, ...set.withoutPii] as Item[]) {
    const found = findPersonalDetails(item.text, 'AU', NOW);
    const labels = item.pii.map((p) => {
      const start = item.text.indexOf(p.value);
      return { ...p, start, end: start + p.value.length };
    });
    for (const label of labels) {
      labelled++;
      byKind[label.kind] ??= { labelled: 0, caught: 0 };
      byKind[label.kind]!.labelled++;
      // Caught when every character of the value is inside some redacted span.
      const covered = found.filter((s) => s.start < label.end && s.end > label.start).reduce((n, s) => n + Math.min(s.end, label.end) - Math.max(s.start, label.start), 0);
      if (covered >= label.value.replace(/\s+$/, '').length) {
        caught++;
        byKind[label.kind]!.caught++;
      } else missed.push(`${label.kind} "${label.value}" in: ${item.text}`);
    }
    for (const span of found) {
      spans++;
      if (labels.some((l) => span.start < l.end && span.end > l.start)) trueSpans++;
      else falsePositives.push(`${span.kind} "${item.text.slice(span.start, span.end)}" in: ${item.text}`);
    }
  }
  return { recall: caught / labelled, precision: trueSpans / spans, labelled, spans, missed, falsePositives, byKind };
}

test('the labelled set has at least 200 messages with personal details and as many without', () => {
  expect(set.withPii.length).toBeGreaterThanOrEqual(200);
  expect(set.withoutPii.length).toBeGreaterThanOrEqual(set.withPii.length);
  const kinds = new Set((set.withPii as Item[]).flatMap((i) => i.pii.map((p) => p.kind)));
  expect([...kinds].sort()).toEqual(['ADDRESS', 'CARD', 'DOB', 'EMAIL', 'LICENCE', 'MEDICARE', 'NAME', 'PHONE', 'TFN']);
});

test('recall and precision on the labelled set', () => {
  const result = score();
  const perKind = Object.entries(result.byKind).map(([k, v]) => `${k} ${v.caught}/${v.labelled}`).join(', ');
  console.log(
    `redaction: recall ${(result.recall * 100).toFixed(1)}% (${result.labelled} labelled), precision ${(result.precision * 100).toFixed(1)}% (${result.spans} spans); ${perKind}\n` +
      `missed:\n  ${result.missed.slice(0, 15).join('\n  ')}\nfalse positives:\n  ${result.falsePositives.slice(0, 15).join('\n  ')}`,
  );
  expect(result.recall).toBeGreaterThanOrEqual(0.95);
  expect(result.precision).toBeGreaterThanOrEqual(0.95);
});

test('the issue\'s own examples are caught, and placeholders are restored in a reply', () => {
  const r = redact('There is a pothole outside my house at 9 Gum Tree Lane, my name is Priya Natarajan, call me on 0412 555 666', 'AU', NOW);
  expect(r.text).toBe('There is a pothole outside my house at [ADDRESS_1], my name is [NAME_1], call me on [PHONE_1]');
  expect(r.restore('Thanks [NAME_1], we will look at [ADDRESS_1].')).toBe('Thanks Priya Natarajan, we will look at 9 Gum Tree Lane.');
  for (const text of ['this is john smith', 'Regards, Priya Natarajan', 'my neighbour Bob Brown keeps parking on the verge', 'licence 12345678']) {
    expect(redact(text, 'AU', NOW).text).toMatch(/\[(NAME|LICENCE)_1\]/);
  }
  expect(redact('Book Lookout Hill for 2 nights from 2027-01-14, permit CP-123456, $7.50', 'AU', NOW).spans).toEqual([]);
});

test('log lines carry the same redaction: free text in any field, in error messages and in the message', () => {
  const lines: string[] = [];
  const logger = createLogger('info', {}, { write: (line: string) => void lines.push(line) });
  logger.warn({ detail: 'resident said: my name is Priya Natarajan at 9 Gum Tree Lane, 0412 555 666', err: new Error('could not parse licence 12345678 from Bob Brown') }, 'flow.failed for priya@example.com');
  const out = lines.join('');
  for (const secret of ['Priya Natarajan', '9 Gum Tree Lane', '0412 555 666', '12345678', 'Bob Brown', 'priya@example.com']) expect(out).not.toContain(secret);
  expect(out).toContain('[ADDRESS_1]');
});

/**
 * case-status: a report's or permit's status history, told plainly. Light verification: only
 * the contact who made the report (on any of their linked channels) or residents following it
 * may see it; "my latest report" works for a known contact.
 */
import utterances from './utterances.json';
import { extractReference } from '../../src/ai/extract';
import { statusWords } from '../../src/domain/cases';
import type { CaseRecord, FlowDefinition, StepContext, StepInput, StepResult } from '../../src/domain/flow';

const copy = {
  ask: 'What is the reference number? It looks like RC-123456. Or say "my latest report".',
  none: "I can't find a report made from this phone or chat. What is the reference number?",
  notFound: (reference: string) => `I can't find ${reference}. Please check the number and send it again.`,
  notYours: 'For privacy, I can only share a report with the phone or account that made it. A person can help you.',
};

const when = (date: Date) => new Intl.DateTimeFormat('en-AU', { day: 'numeric', month: 'long' }).format(new Date(date));

export function describeCase(record: CaseRecord): string {
  const history = record.history.map((h) => `${statusWords(h.status)} on ${when(h.at)}${h.note ? ` (${h.note})` : ''}`).join('; ');
  return `${record.reference}, ${record.category.replace('-', ' ')}${record.summary ? ` at ${record.summary.split(':')[0]}` : ''}: ${history}. It is now ${statusWords(record.status)}.`;
}

async function lookUp(input: StepInput, context: StepContext): Promise<StepResult> {
  const latest = /\b(latest|last|recent|my report|my case)\b/i.test(input.text);
  const proposed = typeof input.understood?.slots?.reference === 'string' ? extractReference(String(input.understood.slots.reference)) : undefined;
  const reference = extractReference(input.text) ?? proposed;
  if (!reference && latest) {
    const record = await context.services.cases.latestForResident();
    return record ? { say: [describeCase(record)], end: true } : { say: [copy.none], next: 'lookUp', missed: true };
  }
  if (!reference) return { say: [copy.ask], next: 'lookUp', missed: input.content.kind !== 'choice' && !/status|check/i.test(input.text) };
  const found = await context.services.cases.findForResident(reference);
  if (found === 'not_found') return { say: [copy.notFound(reference)], next: 'lookUp', missed: true };
  if (found === 'not_yours') return { say: [copy.notYours], choices: [{ value: 'agent', label: 'Talk to a person' }], end: true };
  return { say: [describeCase(found)], end: true };
}

export const caseStatusFlow: FlowDefinition = {
  id: 'case-status',
  version: 1,
  menuLabel: 'Check a report',
  examples: [...utterances, 
    'what is the status of my report', 'check my case', 'any update on RC-123456', 'status RC-123456', 'has my pothole been fixed',
    'whats happening with my report', 'check reference number', 'update on my complaint', 'my latest report', 'where is my request up to',
  ],
  triggers: { words: /\b(status|update|progress|check)\b.*\b[A-Z]{2}[\s-]?\d{4,8}\b|\b[A-Z]{2}-\d{4,8}\b/i, decisive: true },
  start: 'lookUp',
  steps: { lookUp },
};

/**
 * case-status: a report's or permit's status history, told plainly. Light verification: only
 * the contact who made the report (on any of their linked channels) or residents following it
 * may see it; "my latest report" works for a known contact.
 */
import utterances from './utterances.json';
import { extractReference } from '../../src/ai/extract';
import { statusWords } from '../../src/domain/cases';
import type { CaseRecord, FlowDefinition, StepContext, StepInput, StepResult } from '../../src/domain/flow';
import { dateFormat } from '../../src/domain/calendar';

const copy = {
  ask: 'What is the reference number? It looks like RC-123456. Or say "my latest report".',
  none: "I can't find a report made from this phone or chat. What is the reference number?",
  notFound: (reference: string) => `I can't find ${reference}. Please check the number and send it again.`,
  notYours: 'For privacy, I can only share a report with the phone or account that made it. A person can help you.',
};

const when = (date: Date) => dateFormat('en-AU', { day: 'numeric', month: 'long' }).format(new Date(date));

/** "RC-123456, a pothole at 12 Smith Street: received on 2 December, then scheduled for repair on 4 December (A crew will fill it on Monday)." */
export function describeCase(record: CaseRecord): string {
  // A report says where; a permit says its stay ("2 nights from Thursday 7 January 2027").
  const where = !record.summary ? '' : record.kind === 'permit' ? `, ${record.summary}` : ` at ${record.summary.split(':')[0]}`;
  const steps = record.history.map((h, i) => `${i > 0 ? 'then ' : ''}${statusWords(h.status)} on ${when(h.at)}${h.note ? ` (${h.note.replace(/[.\s]+$/, '')})` : ''}`);
  return `${record.reference}, ${record.category.replace(/-/g, ' ')}${where}: ${steps.join(', ')}.`;
}

async function lookUp(input: StepInput, context: StepContext): Promise<StepResult> {
  const latest = /\b(latest|last|recent)\b|\bmy\b(\s+\w+){0,3}\s+(report|case|request|complaint)\b|\b(i|we) (told you|reported|sent in)\b/i.test(input.text);
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
  // A reference, or asking after "my … report": a status check, not a new report.
  triggers: { words: /\b(status|update|progress|check)\b.*\b[A-Z]{2}[\s-]?\d{4,8}\b|\b[A-Z]{2}-\d{4,8}\b|\b(any (news|update|progress)|status|what'?s happening|what is happening|follow(ing)? up)\b.*\b(my|the)\b(\s+\w+){0,3}\s+(report|case|request|complaint)\b/i, decisive: true },
  start: 'lookUp',
  steps: { lookUp },
};

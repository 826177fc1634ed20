/**
 * Cancelling a camping permit by its number. Only the person who booked it can cancel it, and
 * someone else is told so at once (before any "Yes"), with a person offered, never queued unasked.
 */
import utterances from './utterances.json';
import { extractReference } from '../../src/ai/extract';
import { defineFormFlow } from '../../src/flow-engine/form';

const copy = {
  ask: 'What is the permit number? It starts with CP, for example CP-123456.',
  help: 'Send the permit number from your booking message. To stop, say "never mind".',
  changeHint: 'OK, nothing is cancelled. Send another permit number, or say "never mind".',
  notPermit: 'Permit numbers start with CP, for example CP-123456. What is the permit number?',
  confirm: (reference: string) => `Cancel camping permit ${reference}? This frees the place for someone else.`,
  cancelled: (reference: string) => `Permit ${reference} is cancelled. You won't be charged.`,
  notFound: (reference: string) => `I can't find permit ${reference}. Please check the number.`,
  notYours: 'For privacy, a permit can only be cancelled from the phone or chat that booked it. Would you like to talk to a person?',
  already: (reference: string) => `Permit ${reference} was already cancelled.`,
};

export const cancelPermitFlow = defineFormFlow({
  id: 'cancel-permit',
  version: 2,
  topic: 'permit cancellation',
  examples: [...utterances, 'cancel my camping permit', 'cancel permit CP-123456', 'I need to cancel my campsite booking', 'we can no longer come camping, cancel the booking', 'cancel camping reservation', "can't make it CP-123456"],
  triggers: { words: /\b(cancel|can'?t make it|cannot make it|call off|scrap|no longer (come|coming|need))\b.*\b(permit|booking|campsite|reservation|CP-?\d+)/i, decisive: true },
  help: copy.help,
  changeHint: copy.changeHint,
  slots: [
    {
      name: 'reference',
      ask: copy.ask,
      read: (input) => extractReference(input.text) ?? (typeof input.understood?.slots?.reference === 'string' ? extractReference(String(input.understood.slots.reference)) : undefined),
      check: (value) => (String(value).startsWith('CP-') ? undefined : copy.notPermit),
    },
  ],
  // Whose permit it is is known before asking to confirm.
  async shortcut(slots, context) {
    if (typeof slots.reference !== 'string') return undefined;
    const found = await context.services.cases.findForResident(slots.reference);
    if (found === 'not_yours') return { say: [copy.notYours], end: true, choices: [{ value: 'agent', label: 'Talk to a person' }] };
    if (found === 'not_found') return { say: [copy.notFound(slots.reference)], end: true };
    if (found.status === 'cancelled') return { say: [copy.already(slots.reference)], end: true };
    return undefined;
  },
  confirm: (slots) => copy.confirm(String(slots.reference)),
  async complete(slots, context) {
    const reference = String(slots.reference);
    const result = await context.services.permits.cancel(reference);
    if (result === 'cancelled') return { say: [copy.cancelled(reference)] };
    if (result === 'already_cancelled') return { say: [copy.already(reference)] };
    if (result === 'not_yours') return { say: [copy.notYours] };
    return { say: [copy.notFound(reference)] };
  },
});

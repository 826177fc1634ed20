/** Cancelling a camping permit by its number; only the person who booked it can cancel it. */
import utterances from './utterances.json';
import { extractReference } from '../../src/ai/extract';
import { defineFormFlow } from '../../src/flow-engine/form';

const copy = {
  ask: 'What is the permit number? It starts with CP, for example CP-123456.',
  help: 'Send the permit number from your booking message, or say cancel to stop.',
  notPermit: 'Permit numbers start with CP, for example CP-123456. What is the permit number?',
  confirm: (reference: string) => `Cancel camping permit ${reference}? This frees the place for someone else.`,
  cancelled: (reference: string) => `Permit ${reference} is cancelled. You won't be charged.`,
  notFound: (reference: string) => `I can't find permit ${reference}. Please check the number.`,
  notYours: 'For privacy, a permit can only be cancelled from the phone or account that booked it. A person can help.',
  already: (reference: string) => `Permit ${reference} was already cancelled.`,
};

export const cancelPermitFlow = defineFormFlow({
  id: 'cancel-permit',
  version: 1,
  examples: [...utterances, 'cancel my camping permit', 'cancel permit CP-123456', 'I need to cancel my campsite booking', 'we can no longer come camping, cancel the booking', 'cancel camping reservation'],
  triggers: { words: /\b(cancel|call off|scrap)\b.*\b(permit|booking|campsite|reservation|CP-?\d+)/i, decisive: true },
  help: copy.help,
  slots: [
    {
      name: 'reference',
      ask: copy.ask,
      read: (input) => {
        const reference = extractReference(input.text) ?? (typeof input.understood?.slots?.reference === 'string' ? extractReference(String(input.understood.slots.reference)) : undefined);
        return reference;
      },
      check: (value) => (String(value).startsWith('CP-') ? undefined : copy.notPermit),
    },
  ],
  confirm: (slots) => copy.confirm(String(slots.reference)),
  async complete(slots, context) {
    const reference = String(slots.reference);
    const result = await context.services.permits.cancel(reference);
    if (result === 'cancelled') return { say: [copy.cancelled(reference)] };
    if (result === 'already_cancelled') return { say: [copy.already(reference)] };
    if (result === 'not_yours') return { say: [copy.notYours], handoff: { reason: `Resident asked to cancel permit ${reference} booked from another contact` } };
    return { say: [copy.notFound(reference)] };
  },
});

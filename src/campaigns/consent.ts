/**
 * Consent to proactive messages, per topic, with when and how it was given. Only residents who
 * opted in to a campaign's topic are sent it; STOP (the carrier keyword) withdraws every topic.
 */
import { ValidationError } from '../errors';
import { z } from 'zod';
import { ensureIdentity } from '../conversations/identity';
import { ids } from '../ids';
import { Consent } from '../models';
import type { Services } from '../services';

export const consentSchema = z
  .object({
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +61412345678'),
    topic: z.string().regex(/^[a-z0-9-]{2,40}$/, 'must be lower-case letters, digits and dashes'),
    given: z.boolean().default(true),
    how: z.enum(['web_form', 'paper', 'phone', 'in_person', 'sms', 'api']),
    source: z.string().trim().max(200).optional(),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

/** Records consent (or its withdrawal) for the person behind `phone` on the council's SMS number. */
export async function recordConsent(services: Services, councilId: string, input: z.infer<typeof consentSchema>): Promise<{ id: string; contactId: string }> {
  const council = services.councils.council(councilId);
  const councilNumber = services.councils.smsNumber(council.id);
  // The number's identity on the channel that texts phone numbers (capability `phone: 'text'`).
  const texting = services.channels.byPhone('text')?.id;
  if (!councilNumber || !texting) throw new ValidationError(`${council.name} has no SMS number to message residents from.`);
  const identity = await ensureIdentity(council.id, { inboxId: ids.inbox(texting, councilNumber), channel: texting, channelUserId: input.phone });
  const id = `${identity.contactId}-${input.topic}`;
  const at = input.at ? new Date(input.at) : new Date();
  const change = input.given
    ? { given: true, givenAt: at, how: input.how, ...(input.source ? { source: input.source } : {}), withdrawnAt: null, withdrawnHow: null }
    : { given: false, withdrawnAt: at, withdrawnHow: input.how };
  await Consent.updateOne({ _id: id }, { $set: { councilId: council.id, contactId: identity.contactId, phone: input.phone, topic: input.topic, ...change } }, { upsert: true });
  return { id, contactId: identity.contactId };
}

/** STOP: every topic's consent of this person ends, recorded as withdrawn by STOP. */
export async function withdrawAllConsent(contactId: string, at = new Date()): Promise<void> {
  await Consent.updateMany({ contactId, given: true }, { $set: { given: false, withdrawnAt: at, withdrawnHow: 'sms_stop' } });
}

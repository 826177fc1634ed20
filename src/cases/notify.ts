/**
 * A case's status changed: record it, then tell the reporter and every follower on the channel
 * they used (in their open conversation there, or a new one), through the normal outbox.
 * A phone call cannot be messaged afterwards: a caller hears of changes only by SMS, when they
 * agreed to it on the call (their SMS address is then a follower, see channels/voice/text-reference.ts).
 * Nobody is shown as told who was not.
 */
import { ConflictError, NotFoundError } from '../errors';
import { Case, Identity, type CaseDoc } from '../models';
import { ensureOpenConversation, type IdentityDoc } from '../conversations/identity';
import { sendReply } from '../conversations/outbox';
import type { Services } from '../services';
import { CASE_STATUSES, OPEN_STATUSES, statusWords } from '../domain/cases';
import { caseRecord } from './repository';
import type { CaseRecord } from '../domain/flow';

/**
 * `note` is texted to the resident and followers with the new status; `internalNote` (what the
 * crew found, say) stays on the record for staff and is never sent.
 */
export async function changeCaseStatus(services: Services, reference: string, status: (typeof CASE_STATUSES)[number], change: { note?: string | undefined; internalNote?: string | undefined; by?: string | undefined } = {}): Promise<CaseRecord> {
  const { note, internalNote, by } = change;
  const found = await Case.findById(reference).lean<CaseDoc>();
  if (!found) throw new NotFoundError(`Case ${reference}`);
  if (found.status === status) throw new ConflictError('unchanged', `Case ${reference} is already ${status}.`);
  const entry = { status, at: new Date(), ...(note ? { note } : {}), ...(internalNote ? { internalNote } : {}), ...(by ? { by } : {}) };
  await Case.updateOne({ _id: reference }, { $set: { status }, $push: { history: entry } });
  const seed = `${reference}-${status}-${entry.at.getTime()}`;
  const council = services.councils.council(found.councilId);
  const fields = { councilId: council.id, contactId: found.contactId, channel: found.channel, at: entry.at, data: { reference, status, category: found.category } };
  await services.journal.note('case.status_changed', seed, fields);
  if (!OPEN_STATUSES.includes(status)) await services.journal.note('case.closed', seed, fields);
  const news = `is now ${statusWords(status)}.${note ? ` ${note.replace(/[.!?]\s*$/, '')}.` : ''}`;
  // A caller's own SMS number follows their report too: it is still theirs. A neighbour added as a follower is not told it is theirs.
  const textFor = (identity: IdentityDoc) => `${council.name}: ${identity.contactId === found.contactId ? 'your report' : 'report'} ${reference} ${news}`;
  for (const identityId of new Set([found.identityId, ...(found.followers ?? [])])) {
    const identity = await Identity.findById(identityId).lean<IdentityDoc>();
    if (!identity) continue;
    // Only channels that can reach a resident later (SMS, social, webchat) are told here.
    if (services.channels.get(identity.channel).capabilities.delivery === 'response') {
      services.logger.info({ reference, identityId }, 'case.notice_needs_sms_consent');
      continue;
    }
    const conversation = await ensureOpenConversation(council.id, identity, `case-${reference}-${status}-${identityId}`);
    await sendReply(services, conversation, { kind: 'system' }, { text: textFor(identity) });
  }
  return caseRecord((await Case.findById(reference).lean<CaseDoc>())!);
}

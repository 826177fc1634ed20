/**
 * Followers of a report: people besides the reporter who are told when its status changes
 * (cases/notify.ts). A caller who agrees on the phone is added by voice (text-reference.ts); an
 * agent adds someone who asked (a neighbour on the phone, a councillor's office) by their mobile
 * number from the console. The new follower is texted once to say so, from the council's own
 * number, and a number that has opted out of texts is never added.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { statusWords } from '../domain/cases';
import type { ChannelRegistry } from '../domain/channel';
import type { CaseFollower } from '../domain/workspace';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { ensureIdentity, ensureOpenConversation, type IdentityDoc } from '../conversations/identity';
import { findInbox } from '../conversations/inboxes';
import { sendReply } from '../conversations/outbox';
import { phoneCountryOf } from '../councils/settings';
import { ids } from '../ids';
import { Case, Identity, type CaseDoc } from '../models';
import type { Services } from '../services';

type FollowerIdentity = { _id: string; channel: string; channelUserId: string };

const words = (value: string) => value.replace(/[-_]/g, ' ');

/** How a follower reads to agents, in their channel's words: a number, or the channel they follow on. */
function followerLabel(channels: ChannelRegistry, identity: FollowerIdentity): string {
  return channels.has(identity.channel) ? channels.get(identity.channel).labels.follower(identity.channelUserId) : identity.channelUserId;
}

/** The followers of each report (the reporter's own identity left out), from one lookup. */
export async function followersOfCases(channels: ChannelRegistry, cases: CaseDoc[]): Promise<Map<string, CaseFollower[]>> {
  const wanted = new Set(cases.flatMap((c) => (c.followers ?? []).filter((f) => f !== c.identityId)));
  const identities = wanted.size ? await Identity.find({ _id: { $in: [...wanted] } }, { channel: 1, channelUserId: 1 }).lean<FollowerIdentity[]>() : [];
  const byId = new Map(identities.map((i) => [i._id, i]));
  return new Map(
    cases.map((c) => [
      c._id,
      (c.followers ?? []).filter((f) => f !== c.identityId && byId.has(f)).map((f) => ({ id: f, label: followerLabel(channels, byId.get(f)!) })),
    ]),
  );
}

async function openReport(reference: string): Promise<CaseDoc> {
  const found = await Case.findById(reference).lean<CaseDoc>();
  if (!found || found.kind === 'permit') throw new NotFoundError(`Report ${reference}`);
  return found;
}

/**
 * Adds the owner of a mobile number as a follower of the report and texts them once to say so.
 * Returns the follower's identity id. Adding the same number again changes nothing and texts nobody.
 */
export async function addFollowerByPhone(services: Services, reference: string, phone: string): Promise<string> {
  const report = await openReport(reference);
  const council = services.councils.council(report.councilId);
  const councilNumber = services.councils.smsNumber(council.id);
  // Texted from the channel that texts phone numbers (capability `phone: 'text'`).
  const texting = services.channels.byPhone('text')?.id;
  const inboxId = councilNumber && texting ? ids.inbox(texting, councilNumber) : undefined;
  if (!councilNumber || !texting || !inboxId || !(await findInbox(inboxId))) throw new ConflictError('no_sms', `${council.name} has no SMS number to text a follower from.`);
  const parsed = parsePhoneNumberFromString(phone, phoneCountryOf(council));
  if (!parsed?.isValid()) throw new ValidationError('Enter a mobile number, for example 0412 345 678.', 'invalid_phone');

  const identity = (await ensureIdentity(council.id, { inboxId, channel: texting, channelUserId: parsed.number })) as IdentityDoc & { optedOut?: boolean };
  if (identity.optedOut) throw new ConflictError('opted_out', `${parsed.number} has opted out of texts from ${council.name} (they replied STOP), so they cannot follow a report.`);
  if (identity._id === report.identityId || (report.followers ?? []).includes(identity._id)) throw new ConflictError('unchanged', `${parsed.number} already hears about ${reference}.`);

  await Case.updateOne({ _id: reference }, { $addToSet: { followers: identity._id } });
  const conversation = await ensureOpenConversation(council.id, identity, `case-${reference}-follower-${identity._id}`);
  await sendReply(services, conversation, { kind: 'system' }, {
    text: `${council.name}: you asked for updates on report ${reference} (${words(report.category)}, now ${statusWords(report.status)}). We'll text you when it changes.`,
  });
  return identity._id;
}

/** Stops a follower hearing about the report. The reporter cannot be removed. */
export async function removeFollower(reference: string, identityId: string): Promise<void> {
  const report = await openReport(reference);
  if (identityId === report.identityId) throw new ConflictError('reporter', 'The person who made the report is always told of changes.');
  if (!(report.followers ?? []).includes(identityId)) throw new NotFoundError('That follower');
  await Case.updateOne({ _id: reference }, { $pull: { followers: identityId } });
}

/**
 * A caller who booked a permit or made a report on the phone can have its reference texted to
 * their mobile. Their "yes" is consent: the text goes out through the SMS outbox (once, however
 * often Twilio retries the step), a report then counts the caller's SMS address among those told
 * of status changes (src/cases/notify.ts), and the call's conversation gets a note saying so.
 */
import { ensureIdentity, ensureOpenConversation, type IdentityDoc } from '../conversations/identity';
import { findInbox } from '../conversations/inboxes';
import { announceMessages, buildReply } from '../conversations/outbox';
import { messagePayload } from '../conversations/view';
import { extractReference } from '../ai/extract';
import type { PhoneCall, TextReferenceResult } from '../domain/channel-host';
import type { CaseRecord } from '../domain/flow';
import { ids, shortHash } from '../ids';
import { Case, Identity, Message, insertOnce, type MessageDoc } from '../models';
import { rooms } from '../realtime/publisher';
import { nextSeq } from '../conversations/message-seq';
import type { Services } from '../services';

/** The call (its channel, provider id, the council's number and the caller's): the domain's `PhoneCall`. */
export type CallerRef = PhoneCall;

/** The permit or report named in what the caller just heard, if it is theirs (or one they follow). */
export async function callerReference(services: Services, call: CallerRef, spokenText: string): Promise<CaseRecord | undefined> {
  const reference = extractReference(spokenText);
  if (!reference) return undefined;
  const identity = await Identity.findById(ids.identity(ids.inbox(call.channel, call.council), call.caller)).lean<IdentityDoc>();
  if (!identity?.currentConversationId) return undefined;
  const found = await services.councils.tenant(call.councilId).cases.findForResident(reference, {
    contactId: identity.contactId,
    identityId: identity._id,
    conversationId: identity.currentConversationId,
    channel: call.channel,
    address: call.caller,
  });
  return typeof found === 'string' ? undefined : found;
}

function smsText(council: string, record: CaseRecord): string {
  return record.kind === 'permit'
    ? `${council}: your camping permit number is ${record.reference}. Keep this text and quote the number if you contact us about it.`
    : `${council}: your report number is ${record.reference}. We'll text you here when its status changes.`;
}

export type TextResult = TextReferenceResult;

/** Texts the reference to the caller and records their consent. Safe to repeat: one text, one note. */
export async function textReference(services: Services, call: CallerRef, record: CaseRecord): Promise<TextResult> {
  const council = services.councils.council(call.councilId);
  // The council's texting channel (capability `phone: 'text'`), at the number that was called.
  const texting = services.channels.byPhone('text')?.id;
  const inboxId = texting ? ids.inbox(texting, call.council) : undefined;
  if (!texting || !inboxId || !(await findInbox(inboxId))) return 'no_sms';
  const smsIdentity = (await ensureIdentity(council.id, { inboxId, channel: texting, channelUserId: call.caller })) as IdentityDoc & { optedOut?: boolean };
  if (smsIdentity.optedOut) return 'opted_out';

  const seed = `${call.channel}-${call.callId}-text-${record.reference}`;
  const textConversation = await ensureOpenConversation(council.id, smsIdentity, seed);
  const message = await buildReply(services, textConversation, { kind: 'system' }, { text: smsText(council.name, record) }, { id: ids.turnMessage(seed, 1), residentAddress: call.caller });
  if (await insertOnce(Message.create(message))) await announceMessages(services, [message], textConversation.queue);

  // Consent for updates: the caller's SMS address now hears of the report's status changes.
  if (record.kind === 'report') await Case.updateOne({ _id: record.reference }, { $addToSet: { followers: smsIdentity._id } });
  await noteConsent(services, call, record);
  return 'sent';
}

/** A note on the call's conversation for agents: what the caller agreed to, and when. */
async function noteConsent(services: Services, call: CallerRef, record: CaseRecord): Promise<void> {
  const voiceIdentity = await Identity.findById(ids.identity(ids.inbox(call.channel, call.council), call.caller)).lean<IdentityDoc>();
  if (!voiceIdentity?.currentConversationId) return;
  const now = new Date();
  const note = {
    _id: `note-${shortHash(`consent-${call.callId}-${record.reference}`, 20)}`,
    conversationId: voiceIdentity.currentConversationId,
    identityId: voiceIdentity._id,
    seq: await nextSeq(services.redis, services.config.QUEUE_PREFIX, voiceIdentity._id),
    direction: 'outbound',
    channel: call.channel as string,
    sender: { kind: 'system' },
    text:
      record.kind === 'report'
        ? `The caller agreed to texts about ${record.reference} on ${call.caller}: its reference was texted, and status changes will be.`
        : `The caller agreed to a text of permit ${record.reference} on ${call.caller}; it was texted.`,
    internal: true,
    deliveryStatus: 'received',
    createdAt: now,
    updatedAt: now,
  } as MessageDoc;
  if (await insertOnce(Message.create(note))) {
    services.broadcaster.toAgents([rooms.conversation(note.conversationId)], 'message.created', messagePayload(note));
  }
}

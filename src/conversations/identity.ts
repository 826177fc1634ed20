/**
 * One person, many identities: resolves a channel address to its contact and the
 * resident's open conversation, creating them on first contact. Every create is an insert
 * on a deterministic `_id`, so a retry or a race finds the same records.
 */
import { ids } from '../ids';
import { Contact, Conversation, Identity, findByKey, insertOnce, type ConversationDoc } from '../models';

export interface IdentityRef {
  inboxId: string;
  channel: string;
  channelUserId: string;
}

export type IdentityDoc = { _id: string; inboxId: string; channel: string; channelUserId: string; contactId: string; currentConversationId?: string | null };

/** An E.164 number (optionally `whatsapp:`-prefixed) names a person on every phone channel. */
export function phoneOf(channelUserId: string): string | undefined {
  return /^(?:whatsapp:)?(\+[1-9]\d{6,14})$/.exec(channelUserId)?.[1];
}

/** The identity a channel address already has in an inbox, if any (e.g. a webchat session's). */
export function findIdentity(inboxId: string, channelUserId: string): Promise<IdentityDoc | null> {
  return findByKey<IdentityDoc>(Identity, ids.identity(inboxId, channelUserId));
}

/** A resident's current conversation (for a channel that holds only the identity, e.g. a chat socket). */
export async function currentConversationOf(identityId: string): Promise<{ identity: IdentityDoc | null; conversation: ConversationDoc | null }> {
  const identity = await findByKey<IdentityDoc>(Identity, identityId);
  const conversation = identity?.currentConversationId ? await findByKey<ConversationDoc>(Conversation, identity.currentConversationId) : null;
  return { identity, conversation };
}

export async function ensureIdentity(councilId: string, ref: IdentityRef): Promise<IdentityDoc> {
  const identityId = ids.identity(ref.inboxId, ref.channelUserId);
  const existing = await findByKey<IdentityDoc>(Identity, identityId);
  if (existing) return existing;
  // The same number texting, calling or on WhatsApp is one contact with one history. Other
  // channels start a contact of their own; they join a person only through a verified link.
  const phone = phoneOf(ref.channelUserId);
  const contactId = ids.contact(phone ? `${councilId}-phone-${phone}` : identityId);
  await insertOnce(Contact.create({ _id: contactId, councilId, ...(phone ? { phone } : {}) }));
  await insertOnce(Identity.create({ _id: identityId, ...ref, contactId }));
  return (await Identity.findById(identityId).lean<IdentityDoc>())!;
}

/**
 * The identity's open conversation, or a new one (named after `seed`, e.g. the inbound event,
 * so that a retried turn creates the same conversation) when there is none or it was resolved.
 */
export async function ensureOpenConversation(councilId: string, identity: IdentityDoc, seed: string, current?: ConversationDoc | null): Promise<ConversationDoc> {
  current ??= identity.currentConversationId ? await Conversation.findById(identity.currentConversationId).lean<ConversationDoc>() : null;
  if (current && current.status !== 'resolved') return current;
  const conversationId = ids.conversation(seed);
  await insertOnce(
    Conversation.create({
      _id: conversationId,
      councilId,
      inboxId: identity.inboxId,
      channel: identity.channel,
      identityId: identity._id,
      contactId: identity.contactId,
      status: 'bot',
    }),
  );
  await Identity.updateOne({ _id: identity._id }, { $set: { currentConversationId: conversationId } });
  return (await Conversation.findById(conversationId).lean<ConversationDoc>())!;
}

/**
 * Everything the engine holds about one person, found from their contact id: identities,
 * conversations, messages, inbound events, media, reports and permits. Export and erasure
 * both start here, so they cannot disagree about what "everything" is.
 */
import { Case, Contact, Conversation, Identity, InboundEvent, Media, Message, Permit } from '../models';

export interface PersonRecords {
  contactId: string;
  identityIds: string[];
  /** Channel addresses: phone numbers, webchat session hashes, social ids. */
  addresses: string[];
  conversationIds: string[];
  messageIds: string[];
  eventIds: string[];
  caseIds: string[];
  permitIds: string[];
}

export async function findPerson(contactId: string): Promise<PersonRecords | undefined> {
  const contact = await Contact.findById(contactId).lean();
  if (!contact) return undefined;
  const identities = await Identity.find({ contactId }).lean();
  const identityIds = identities.map((i) => i._id);
  const [conversations, events, cases, permits] = await Promise.all([
    Conversation.find({ contactId }, { _id: 1 }).lean(),
    InboundEvent.find({ identityId: { $in: identityIds } }, { _id: 1 }).lean(),
    Case.find({ contactId }, { _id: 1 }).lean(),
    Permit.find({ contactId }, { _id: 1 }).lean(),
  ]);
  const conversationIds = conversations.map((c) => c._id);
  const messages = await Message.find({ $or: [{ conversationId: { $in: conversationIds } }, { identityId: { $in: identityIds } }] }, { _id: 1 }).lean();
  return {
    contactId,
    identityIds,
    addresses: [...new Set([...identities.map((i) => i.channelUserId), ...(contact.phone ? [contact.phone] : [])])],
    conversationIds,
    messageIds: messages.map((m) => m._id),
    eventIds: events.map((e) => e._id),
    caseIds: cases.map((c) => c._id),
    permitIds: permits.map((p) => p._id),
  };
}

/** Media a person sent: stored per inbound event. */
export const mediaOf = (person: PersonRecords) => Media.find({ inboundEventId: { $in: person.eventIds } }).lean();

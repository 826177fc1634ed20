/**
 * `GET /api/v1/contacts/{id}/export` (CONTRACT.md §12): everything held about a person as one
 * JSON document, media included (base64), and who has read or changed their records.
 */
import { CampaignSend, Case, Consent, Contact, Conversation, Identity, InboundEvent, JourneyEventRecord, Message, Permit } from '../models';
import { auditTrail } from './audit';
import { findPerson, mediaOf } from './person';

export async function exportPerson(contactId: string): Promise<Record<string, unknown> | undefined> {
  const person = await findPerson(contactId);
  if (!person) return undefined;
  const [contact, identities, conversations, messages, events, media, cases, permits, audit] = await Promise.all([
    Contact.findById(contactId).lean(),
    Identity.find({ contactId }).lean(),
    Conversation.find({ contactId }).sort({ createdAt: 1 }).lean(),
    Message.find({ _id: { $in: person.messageIds } }).sort({ seq: 1 }).lean(),
    InboundEvent.find({ _id: { $in: person.eventIds } }, { raw: 0 }).lean(),
    mediaOf(person),
    Case.find({ contactId }).lean(),
    Permit.find({ contactId }).lean(),
    auditTrail(contactId),
  ]);
  const [journey, consents, campaignTexts] = await Promise.all([
    JourneyEventRecord.find({ $or: [{ contactId }, { conversationId: { $in: person.conversationIds } }] }).sort({ at: 1, n: 1 }).lean(),
    Consent.find({ contactId }).lean(),
    CampaignSend.find({ contactId }).lean(),
  ]);
  return {
    exportedAt: new Date().toISOString(),
    contact,
    identities: identities.map((i) => ({ id: i._id, channel: i.channel, address: i.channelUserId, inboxId: i.inboxId, optedOut: i.optedOut ?? false, createdAt: i.createdAt })),
    conversations: conversations.map((c) => ({
      ...c,
      id: c._id,
      messages: messages.filter((m) => m.conversationId === c._id).map(({ turn: _turn, ...m }) => ({ ...m, id: m._id })),
    })),
    inboundEvents: events.map((e) => ({ id: e._id, channel: e.channel, receivedAt: e.receivedAt, content: e.content })),
    media: media.map((m) => ({ id: m._id, contentType: m.contentType ?? null, size: m.size ?? null, position: m.position ?? null, data: m.data ? Buffer.from(m.data.buffer).toString('base64') : null })),
    cases,
    permits,
    journeyEvents: journey.map(({ _id, ...e }) => ({ id: _id, ...e })),
    consents,
    campaignTexts,
    audit,
  };
}

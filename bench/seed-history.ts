/**
 * A council's history, written straight into the engine's database the way the engine writes
 * it: RESIDENTS residents (half webchat, half SMS), each with a contact, an identity, a
 * resolved conversation, and MESSAGES_PER_RESIDENT messages (the resident's, carrying the turn
 * decided for it, and the bot's replies), plus the inbound events behind them.
 */
import { createHash } from 'node:crypto';
import mongoose from 'mongoose';

const hash = (value: string, length = 20) => createHash('sha256').update(value).digest('hex').slice(0, length);

export interface Seeded { residents: number; messages: number; events: number; seconds: number }

export async function seedHistory(uri: string, residents = 10_000, messagesPerResident = 10, councilNumber = '+61480000000'): Promise<Seeded> {
  const connection = await mongoose.createConnection(uri, { maxPoolSize: 4 }).asPromise();
  const db = connection.db!;
  const started = performance.now();
  let messages = 0;
  let events = 0;
  const BATCH = 250; // residents per round: 2,500 messages
  const day = 24 * 3_600_000;
  for (let first = 0; first < residents; first += BATCH) {
    const contacts = [];
    const identities = [];
    const conversations = [];
    const messageDocs = [];
    const eventDocs = [];
    for (let r = first; r < Math.min(residents, first + BATCH); r++) {
      const sms = r % 2 === 1;
      const address = sms ? `+6141${String(r).padStart(7, '0')}` : hash(`seed-session-${r}`, 32);
      const inboxId = sms ? `sms-${councilNumber}` : 'webchat-default';
      const identityId = `${inboxId}-${address}`;
      const contactId = `contact-${hash(sms ? `default-phone-${address}` : identityId)}`;
      const conversationId = `conv-${hash(`seed-${r}`)}`;
      const at = new Date(Date.now() - 30 * day + (r % 1000) * 60_000);
      contacts.push({ _id: contactId, councilId: 'default', ...(sms ? { phone: address } : {}), createdAt: at, updatedAt: at });
      identities.push({ _id: identityId, inboxId, channel: sms ? 'sms' : 'webchat', channelUserId: address, contactId, currentConversationId: conversationId, optedOut: false, createdAt: at, updatedAt: at });
      conversations.push({
        _id: conversationId, councilId: 'default', inboxId, channel: sms ? 'sms' : 'webchat', identityId, contactId, status: 'resolved', priority: 2,
        lastResidentAt: at, lastResidentSeq: messagesPerResident - 1, lastResidentText: 'thanks', resolvedAt: at, outcome: 'completed_by_bot', flow: null, createdAt: at, updatedAt: at,
      });
      for (let m = 0; m < messagesPerResident; m += 2) {
        const eventId = sms ? `sms-SM${hash(`seed-${r}-${m}`, 32)}` : `webchat-${address}-seed${m}`;
        const residentId = `m-${hash(`${eventId}#0`, 24)}`;
        const replyId = `m-${hash(`${eventId}#1`, 24)}`;
        const text = ['hello', 'I need a camping permit for Riverbend Flats', 'two nights from Friday', 'there is a pothole on Smith Street near the school', 'thanks'][(m / 2) % 5]!;
        const reply = {
          _id: replyId, conversationId, identityId, seq: m + 2, direction: 'outbound', channel: sms ? 'sms' : 'webchat', to: address, from: sms ? councilNumber : 'default',
          sender: { kind: 'bot' }, text: 'Thanks. What can I help with today? 1 Camping permits 2 Report a problem 3 Check a report 4 Questions 5 Talk to a person', choices: [],
          deliveryStatus: sms ? 'delivered' : 'sent', ...(sms ? { providerMessageId: `SM${hash(replyId, 32)}`, providerStatus: 'delivered', billing: { encoding: 'GSM-7', segments: 1 } } : {}),
          createdAt: at, updatedAt: at,
        };
        messageDocs.push(
          {
            _id: residentId, conversationId, identityId, seq: m + 1, direction: 'inbound', channel: sms ? 'sms' : 'webchat', sender: { kind: 'contact' }, text, content: { kind: 'text', text },
            deliveryStatus: 'received', choices: [], createdAt: at, updatedAt: at,
            turn: { replies: [reply], conversation: { lastResidentAt: at, lastResidentSeq: m + 1, lastResidentText: text, flow: null }, events: [], statusAfter: 'bot' },
          },
          reply,
        );
        eventDocs.push({
          _id: eventId, channel: sms ? 'sms' : 'webchat', inboxId, identityId, channelUserId: address, externalId: eventId.slice(eventId.indexOf('-') + 1), receivedAt: at, arrival: at.getTime() * 1000 + m,
          content: { kind: 'text', text }, raw: sms ? { MessageSid: eventId.slice(4), From: address, To: councilNumber, Body: text, NumMedia: '0', ApiVersion: '2010-04-01' } : { clientMessageId: `seed${m}` }, createdAt: at, updatedAt: at,
        });
      }
    }
    await Promise.all([
      db.collection('contacts').insertMany(contacts as never[], { ordered: false }),
      db.collection('identities').insertMany(identities as never[], { ordered: false }),
      db.collection('conversations').insertMany(conversations as never[], { ordered: false }),
    ]);
    for (let i = 0; i < messageDocs.length; i += 1000) await db.collection('messages').insertMany(messageDocs.slice(i, i + 1000) as never[], { ordered: false });
    await db.collection('inbound_events').insertMany(eventDocs as never[], { ordered: false });
    messages += messageDocs.length;
    events += eventDocs.length;
  }
  await connection.close();
  return { residents, messages, events, seconds: (performance.now() - started) / 1000 };
}

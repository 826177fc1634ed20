/**
 * Going on by phone instead of waiting: a call-back that keeps the resident's place, or an SMS
 * conversation a person answers. The phone channel offers both to callers on hold; the webchat's
 * "Call me instead" / "Text me instead" uses the same two, for the number the resident types.
 * Each is an inbound event for that number's SMS or voice identity, so the router queues it
 * like any other request for a person (one contact per number, one queue entry).
 */
import { maskedNumber } from '../../src/domain/addresses';
import type { ChannelHost } from '../../src/domain/channel-host';
import { ValidationError } from '../../src/errors';
import { countryOf, normaliseAddress } from './phone';
import { SMS } from '../sms/channel';
import { VOICE } from '../voice/channel';

interface Continuation {
  /** The council's number (E.164) and the resident's. */
  council: string;
  phone: string;
  /** Deterministic: a retried request is the same event. */
  externalId: string;
  reason: string;
  raw: Record<string, unknown>;
  /** Already waiting on another channel: that wait carries over. */
  keepPlace?: { since: Date; priority: number };
}

/** The resident is queued for a person on SMS; the router's notice is texted to them. */
export async function queueTextContinuation(host: ChannelHost, c: Continuation): Promise<boolean> {
  if (!(await host.findInbox(SMS, c.council))) return false;
  await host.ingest({ channel: SMS, externalId: c.externalId, inboxAddress: c.council, channelUserId: c.phone, receivedAt: new Date(), content: { kind: 'handoff', reason: c.reason, ...(c.keepPlace ? { keepPlace: c.keepPlace } : {}) }, raw: c.raw });
  return true;
}

/** The resident is queued for a person on the phone and marked for a call-back (the agent's accept dials them). */
export async function queueCallback(host: ChannelHost, c: Continuation): Promise<boolean> {
  if (!(await host.findInbox(VOICE, c.council))) return false;
  const base = { channel: VOICE, inboxAddress: c.council, channelUserId: c.phone, raw: c.raw };
  await host.ingest({ ...base, externalId: `${c.externalId}-queue`, receivedAt: new Date(), content: { kind: 'handoff', reason: c.reason, ...(c.keepPlace ? { keepPlace: c.keepPlace } : {}) } });
  await host.ingest({ ...base, externalId: `${c.externalId}-callback`, receivedAt: new Date(), content: { kind: 'call', event: 'callback_requested' } });
  return true;
}

/** From a chat: the number typed is checked, then a call-back or an SMS conversation is queued. */
export async function continueOnPhone(
  host: ChannelHost,
  request: { councilNumber: string | undefined; mode: 'call' | 'text'; number: string; seed: string; from: string; keepPlace?: { since: Date; priority: number } },
): Promise<{ seed: string; masked: string }> {
  const council = request.councilNumber;
  if (!council) throw new ValidationError(request.mode === 'call' ? 'Call-backs are not available here. Please talk to a person in this chat.' : 'Texts are not available here. Please talk to a person in this chat.', 'not_available');
  const phone = normaliseAddress(request.number, countryOf(council));
  if (!phone || phone.startsWith('whatsapp:')) throw new ValidationError('Please type a phone number, for example 0412 345 678.', 'invalid_phone_number');
  const continuation = {
    council,
    phone,
    externalId: `${request.seed}-${request.mode}`,
    reason: request.mode === 'call' ? `Asked for a call back from the ${request.from}` : `Chose to continue by text from the ${request.from}`,
    raw: { from: request.from },
    ...(request.keepPlace ? { keepPlace: request.keepPlace } : {}),
  };
  const queued = request.mode === 'call' ? await queueCallback(host, continuation) : await queueTextContinuation(host, continuation);
  if (!queued) throw new ValidationError(request.mode === 'call' ? 'Call-backs are not available right now. Please talk to a person here.' : 'Texts are not available right now. Please talk to a person here.', 'not_available');
  return { seed: request.seed, masked: maskedNumber(phone) };
}

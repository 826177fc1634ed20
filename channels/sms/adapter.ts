/**
 * SMS (and WhatsApp through Twilio) replies, sent with the real `twilio` SDK (see
 * ../twilio/client.ts). Provider errors a retry cannot fix (unsubscribed recipient, invalid
 * number: any 4xx but 429) are permanent.
 *
 * Twilio has no idempotency key, so a send interrupted before Twilio answered is resolved by
 * reading the Messages list for the resident's number. A Message resource does not echo the
 * StatusCallback URL (it returns sid, to, from, body, status, direction and dates), so the
 * marker is what does round-trip: our number, theirs, the exact body, `outbound-api`, created
 * no earlier than our `sending` mark, and a sid we have not recorded for an earlier reply (the
 * outbox line guarantees every earlier reply to this number is final by then). The list is
 * filtered by To and From only: Twilio's DateSent filter matches `date_sent`, which a message
 * still queued (a sender's rate limit) does not have yet, so it would miss a message Twilio did
 * take; the time bound is applied to `date_created` here instead.
 */
import { PermanentDeliveryError, TransientDeliveryError, type ChannelAdapter, type OutboundDelivery } from '../../src/domain/channel';
import type { ChannelSettings } from '../../src/domain/channel-host';
import { isPermanentTwilioError, twilioClients, TWILIO_TIMEOUT_MS } from '../twilio/client';
import type { ChannelCredentials } from '../../src/domain/channel';
import { fetchTwilioMedia } from './media';
import { renderSms, smsBilling } from './render';
import { SMS, smsLabels } from './channel';

/** Twilio's dates have whole seconds, and its clock is not ours: how far before our mark a match may be. */
const CLOCK_MARGIN_MS = 5_000;
/** A resident's latest messages to read when looking for an interrupted send. */
const LOOKUP_LIMIT = 100;

/** A WhatsApp resident is answered from the council's WhatsApp sender. */
function senderFor(delivery: OutboundDelivery): string {
  return delivery.to.startsWith('whatsapp:') && !delivery.from.startsWith('whatsapp:') ? `whatsapp:${delivery.from}` : delivery.from;
}

export function createSmsAdapter(config: ChannelSettings, credentials: ChannelCredentials): ChannelAdapter {
  const clientFor = twilioClients(config, credentials);
  return {
    id: SMS,
    capabilities: { delivery: 'push', choices: 'numbered-text', maxTextLength: 1600, phone: 'text' },
    labels: smsLabels,
    fetchMedia: (url) => fetchTwilioMedia(config, credentials, url),
    async send(delivery) {
      const from = senderFor(delivery);
      const body = renderSms(delivery.content);
      try {
        const message = await clientFor(delivery.from).messages.create({
          to: delivery.to,
          from,
          body,
          statusCallback: `${config.PUBLIC_URL}/webhooks/twilio/sms/status?m=${encodeURIComponent(delivery.messageId)}`,
        });
        return { providerMessageId: message.sid, billing: smsBilling(body) };
      } catch (error) {
        const { status, code, message } = error as { status?: number; code?: number | string; message?: string };
        if (isPermanentTwilioError(error)) {
          throw new PermanentDeliveryError(String(code ?? status), message ?? 'Twilio refused the message');
        }
        // Twilio answered 429/5xx, or the connection was refused: it did not create the message.
        if (status !== undefined || code === 'ECONNREFUSED' || code === 'ENOTFOUND') {
          throw new TransientDeliveryError(`Twilio ${status ?? code}: ${message ?? 'unavailable'}`);
        }
        throw error;
      }
    },
    async findSent(delivery, { since, notThese }) {
      // A request still in flight (its worker alive but cut off from Redis) must have ended first.
      const settled = since.getTime() + TWILIO_TIMEOUT_MS + CLOCK_MARGIN_MS - Date.now();
      if (settled > 0) await new Promise((r) => setTimeout(r, settled));
      const body = renderSms(delivery.content);
      const recent = await clientFor(delivery.from).messages.list({ to: delivery.to, from: senderFor(delivery), pageSize: 50, limit: LOOKUP_LIMIT });
      const earliest = since.getTime() - CLOCK_MARGIN_MS;
      const match = recent
        .filter((m) => m.direction === 'outbound-api' && m.body === body && m.dateCreated.getTime() >= earliest && !notThese.includes(m.sid))
        .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime())[0];
      return match ? { providerMessageId: match.sid, billing: smsBilling(body) } : null;
    },
  };
}

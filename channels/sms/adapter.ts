/**
 * SMS (and WhatsApp through Twilio) replies, sent with the real `twilio` SDK (see
 * ../twilio/client.ts). Provider errors a retry cannot fix (unsubscribed recipient, invalid
 * number: any 4xx but 429) are permanent.
 */
import { PermanentDeliveryError, TransientDeliveryError, type ChannelAdapter } from '../../src/domain/channel';
import type { Config } from '../../src/config';
import { createTwilioClient, isPermanentTwilioError } from '../twilio/client';
import { fetchTwilioMedia } from './media';
import { renderSms, smsBilling } from './render';

export function createSmsAdapter(config: Config): ChannelAdapter {
  const client = createTwilioClient(config);
  return {
    id: 'sms',
    capabilities: { delivery: 'push', choices: 'numbered-text', maxTextLength: 1600 },
    fetchMedia: (url) => fetchTwilioMedia(config, url),
    async send(delivery) {
      // A WhatsApp resident is answered from the council's WhatsApp sender.
      const from = delivery.to.startsWith('whatsapp:') && !delivery.from.startsWith('whatsapp:') ? `whatsapp:${delivery.from}` : delivery.from;
      const body = renderSms(delivery.content);
      try {
        const message = await client.messages.create({
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
  };
}

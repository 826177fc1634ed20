/**
 * Twilio's SMS webhooks (CONTRACT.md §2), signed (../twilio/signature.ts). Unknown
 * parameters are kept, since Twilio adds fields without notice.
 */
import express, { type Express } from 'express';
import { z } from 'zod';
import { findInbox } from '../../src/conversations/inboxes';
import { ingestInbound } from '../../src/conversations/ingest';
import type { InboundContent } from '../../src/domain/messages';
import { AppError, NotFoundError, ValidationError } from '../../src/errors';
import { ids } from '../../src/ids';
import { parseInput } from '../../src/validation';
import { recordProviderStatus } from '../../src/conversations/outbox';
import type { Services } from '../../src/services';
import { requireTwilioSignature, twilioForm } from '../twilio/signature';
import { countryOf, normaliseAddress } from '../twilio/phone';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;

const inboundSchema = z.looseObject({
  MessageSid: z.string().regex(MESSAGE_SID, 'is not a Twilio message id'),
  From: z.string().min(3).max(64),
  To: z.string().min(3).max(64),
  Body: z.string().max(1600).default(''),
  NumMedia: z.coerce.number().int().min(0).max(10).default(0),
  /** A WhatsApp location pin. */
  Latitude: z.coerce.number().min(-90).max(90).optional(),
  Longitude: z.coerce.number().min(-180).max(180).optional(),
});

const statusSchema = z.looseObject({
  MessageSid: z.string().regex(MESSAGE_SID),
  MessageStatus: z.string().min(1).max(30),
  ErrorCode: z.string().max(10).optional(),
});

/** The status callback URL names our message (`?m=`), so the lookup is by `_id`. */
const statusQuerySchema = z.object({ m: z.string().min(1).max(100) });

/** Carrier keywords, as Twilio's default opt-out handling understands them. */
const OPT_OUT = /^(stop|stopall|unsubscribe|cancel|end|quit)$/i;
const OPT_IN = /^(start|yes|unstop)$/i;
const HELP = /^(help|info)$/i;


function contentOf(body: z.infer<typeof inboundSchema>): InboundContent {
  const text = body.Body.trim();
  if (OPT_OUT.test(text)) return { kind: 'consent', action: 'opt_out', text };
  if (OPT_IN.test(text)) return { kind: 'consent', action: 'opt_in', text };
  if (HELP.test(text)) return { kind: 'consent', action: 'help', text };
  if (body.Latitude !== undefined && body.Longitude !== undefined) {
    const label = typeof body.Address === 'string' ? body.Address : typeof body.Label === 'string' ? body.Label : undefined;
    return { kind: 'location', lat: body.Latitude, lng: body.Longitude, ...(label ? { text: label } : {}) };
  }
  if (body.NumMedia > 0) {
    const urls: string[] = [];
    const contentTypes: string[] = [];
    for (let n = 0; n < body.NumMedia; n++) {
      const url = body[`MediaUrl${n}`];
      if (typeof url === 'string') {
        urls.push(url);
        contentTypes.push(String(body[`MediaContentType${n}`] ?? 'application/octet-stream'));
      }
    }
    return { kind: 'media', urls, contentTypes, ...(text ? { text } : {}) };
  }
  return { kind: 'text', text };
}

export function mountSmsWebhooks(app: Express, services: Services): void {
  const { config } = services;
  const defaultCountry = countryOf(config.TWILIO_PHONE_NUMBER);

  const verifySignature = requireTwilioSignature(services, 'sms');

  const router = express.Router();
  router.use('/webhooks/twilio/sms', twilioForm);

  // The signature is checked on the body exactly as posted, before validation reshapes it.
  router.post('/webhooks/twilio/sms', verifySignature, async (req, res) => {
    const raw = req.body as Record<string, unknown>;
    const body = parseInput(inboundSchema, raw);
    const from = normaliseAddress(body.From, defaultCountry);
    const to = normaliseAddress(body.To, defaultCountry);
    if (!from || !to) throw new ValidationError('From and To must be phone numbers.');
    const inboxAddress = to.replace(/^whatsapp:/, '');
    if (!(await findInbox(ids.inbox('sms', inboxAddress)))) throw new NotFoundError(`The number ${inboxAddress}`);
    await ingestInbound(services, {
      channel: 'sms',
      externalId: body.MessageSid,
      inboxAddress,
      channelUserId: from,
      receivedAt: new Date(),
      content: contentOf(body),
      raw,
    });
    res.type('text/xml').send(EMPTY_TWIML);
  });

  router.post('/webhooks/twilio/sms/status', verifySignature, async (req, res) => {
    const status = parseInput(statusSchema, req.body);
    const { m: messageId } = parseInput(statusQuerySchema, req.query);
    // The core keeps delivery state: the channel only says what Twilio reported.
    const outcome = await recordProviderStatus(services, { messageId, providerMessageId: status.MessageSid, status: status.MessageStatus, provider: 'twilio', ...(status.ErrorCode ? { errorCode: status.ErrorCode } : {}) });
    if (outcome === 'unknown') throw new AppError('unknown_status', `Unknown message status ${status.MessageStatus.toLowerCase()}.`, 400, true);
    res.status(204).end();
  });

  app.use(router);
}

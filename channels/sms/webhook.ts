/**
 * Twilio's SMS webhooks (CONTRACT.md §2), signed (../twilio/signature.ts). Unknown
 * parameters are kept, since Twilio adds fields without notice.
 */
import express, { type Express } from 'express';
import { z } from 'zod';
import type { ChannelHost, InboundWebhook } from '../../src/domain/channel-host';
import type { InboundContent } from '../../src/domain/messages';
import { parseInput } from '../../src/domain/validation';
import { AppError, NotFoundError, ValidationError } from '../../src/errors';
import { receiveWith } from '../webhook-http';
import { twilioForm, verifyTwilioSignature } from '../twilio/signature';
import { normaliseAddress, phoneCountry } from '../twilio/phone';
import { SMS } from './channel';

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

export function mountSmsWebhooks(app: Express, host: ChannelHost): void {
  // The signature is checked on the body exactly as posted, before validation reshapes it.
  const verify = (request: Parameters<typeof verifyTwilioSignature>[1]) => verifyTwilioSignature(host.credentials, request);

  const inbound: InboundWebhook = {
    channel: SMS,
    verify,
    parse(request) {
      const raw = request.body as Record<string, unknown>;
      const body = parseInput(inboundSchema, raw);
      // Before the council is known, local numbers are read as the first council's country.
      const defaultCountry = phoneCountry(host.defaultCouncil().phoneCountry);
      const from = normaliseAddress(body.From, defaultCountry);
      const to = normaliseAddress(body.To, defaultCountry);
      if (!from || !to) throw new ValidationError('From and To must be phone numbers.');
      const inboxAddress = to.replace(/^whatsapp:/, '');
      return { messages: [{ externalId: body.MessageSid, inboxAddress, channelUserId: from, receivedAt: new Date(), content: contentOf(body), raw }] };
    },
    unknownInbox: (number) => new NotFoundError(`The number ${number}`),
    acknowledge: () => ({ status: 200, contentType: 'text/xml', body: EMPTY_TWIML }),
  };

  // The core keeps delivery state: the channel only says what Twilio reported.
  const status: InboundWebhook = {
    channel: SMS,
    verify,
    parse(request) {
      const reported = parseInput(statusSchema, request.body);
      const { m: messageId } = parseInput(statusQuerySchema, request.query);
      return { statuses: [{ messageId, providerMessageId: reported.MessageSid, status: reported.MessageStatus, provider: 'twilio', ...(reported.ErrorCode ? { errorCode: reported.ErrorCode } : {}) }] };
    },
    acknowledge({ statuses }) {
      const unknown = statuses.find((s) => s.outcome === 'unknown');
      if (unknown) throw new AppError('unknown_status', `Unknown message status ${unknown.report.status.toLowerCase()}.`, 400, true);
      return { status: 204 };
    },
  };

  const router = express.Router();
  router.use('/webhooks/twilio/sms', twilioForm);
  router.post('/webhooks/twilio/sms', receiveWith(host, inbound));
  router.post('/webhooks/twilio/sms/status', receiveWith(host, status));
  app.use(router);
}

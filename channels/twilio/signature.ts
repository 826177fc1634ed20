/**
 * Every Twilio webhook must carry a valid `X-Twilio-Signature` over PUBLIC_URL + path and
 * *every* posted parameter (the `twilio` library's own check, port quirk included);
 * otherwise 403 and nothing is stored. Mounted before any parsing reshapes the body.
 */
import express, { type RequestHandler } from 'express';
import twilio from 'twilio';
import { AuthError } from '../../src/errors';
import type { Services } from '../../src/services';

/** Twilio posts form-encoded bodies; a few hundred fields at most. */
export const twilioForm = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 });

export function requireTwilioSignature(services: Services, channel: 'sms' | 'voice'): RequestHandler {
  const { config } = services;
  return (req, _res, next) => {
    const signature = req.get('x-twilio-signature');
    const url = `${config.PUBLIC_URL}${req.originalUrl}`;
    const params = (req.body ?? {}) as Record<string, unknown>;
    if (!signature || !twilio.validateRequest(config.TWILIO_AUTH_TOKEN, signature, url, params)) {
      services.metrics.inbound.inc({ channel, outcome: 'forged' });
      return next(new AuthError('The request is not signed by Twilio.', 'invalid_signature', 403));
    }
    next();
  };
}

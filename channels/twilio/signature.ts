/**
 * Every Twilio webhook must carry a valid `X-Twilio-Signature` over PUBLIC_URL + path and
 * *every* posted parameter (the `twilio` library's own check, port quirk included);
 * otherwise 403 and nothing is stored. Mounted before any parsing reshapes the body.
 */
import express, { type RequestHandler } from 'express';
import twilio from 'twilio';
import { AuthError } from '../../src/errors';
import type { ChannelCredentials } from '../../src/domain/channel';
import type { Services } from '../../src/services';

/** Twilio posts form-encoded bodies; a few hundred fields at most. */
export const twilioForm = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 });

export function requireTwilioSignature(services: Services, channel: 'sms' | 'voice'): RequestHandler {
  const { config } = services;
  return (req, _res, next) => {
    const signature = req.get('x-twilio-signature');
    const url = `${config.PUBLIC_URL}${req.originalUrl}`;
    const params = (req.body ?? {}) as Record<string, unknown>;
    // Signed with the auth token of the account that owns the council's number: `To` on an
    // inbound message or call, `From` on a status callback of one of our replies.
    const tokens = accountTokens(services.councils, params);
    if (!signature || !tokens.some((token) => twilio.validateRequest(token, signature, url, params))) {
      services.metrics.inbound.inc({ channel, outcome: 'forged' });
      return next(new AuthError('The request is not signed by Twilio.', 'invalid_signature', 403));
    }
    next();
  };
}

function accountTokens(credentials: ChannelCredentials, params: Record<string, unknown>): string[] {
  for (const field of ['To', 'From']) {
    const value = params[field];
    const account = typeof value === 'string' ? credentials.twilioFor(value) : undefined;
    if (account) return [account.authToken];
  }
  // A number no council lists: any of the accounts may have signed it (the route then answers 404).
  return [...new Set(credentials.twilioAccounts().map((a) => a.authToken))];
}

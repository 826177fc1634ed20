/**
 * Every Twilio webhook must carry a valid `X-Twilio-Signature` over PUBLIC_URL + path and
 * *every* posted parameter (the `twilio` library's own check, port quirk included);
 * otherwise 403 and nothing is stored. Checked before any parsing reshapes the body.
 */
import express, { type RequestHandler } from 'express';
import twilio from 'twilio';
import { AuthError } from '../../src/errors';
import type { ChannelCredentials } from '../../src/domain/channel';
import type { ChannelHost, WebhookRequest } from '../../src/domain/channel-host';
import type { ChannelId } from '../../src/domain/messages';
import { webhookRequest } from '../webhook-http';

/** Twilio posts form-encoded bodies; a few hundred fields at most. */
export const twilioForm = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 });

/** The channel's `verify`: throws an AuthError unless one of the councils' Twilio accounts signed the request. */
export function verifyTwilioSignature(credentials: ChannelCredentials, request: WebhookRequest): void {
  const signature = request.header('x-twilio-signature');
  const params = (request.body ?? {}) as Record<string, unknown>;
  // Signed with the auth token of the account that owns the council's number: `To` on an
  // inbound message or call, `From` on a status callback of one of our replies.
  const tokens = accountTokens(credentials, params);
  if (!signature || !tokens.some((token) => twilio.validateRequest(token, signature, request.publicUrl, params))) {
    throw new AuthError('The request is not signed by Twilio.', 'invalid_signature', 403);
  }
}

/** The same check as a middleware, for a channel's routes that are call steps rather than one inbound message (voice). */
export function requireTwilioSignature(host: ChannelHost, channel: ChannelId): RequestHandler {
  return (req, _res, next) => {
    try {
      host.verify(channel, () => verifyTwilioSignature(host.credentials, webhookRequest(host.settings, req)));
      next();
    } catch (error) {
      next(error);
    }
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

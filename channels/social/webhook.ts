/**
 * Meta's webhook (CONTRACT.md §2): the verification handshake, and Messenger, Instagram and
 * Page feed events signed with `X-Hub-Signature-256` over the *raw* body. Meta signs the bytes
 * it sends (non-ASCII escaped as \uXXXX), so the HMAC is taken before any JSON parsing.
 * A batch is processed entry by entry, message by message; each is stored under its `mid`
 * (or comment id), so a redelivered batch is acknowledged and processed once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Express } from 'express';
import type { ChannelHost, InboundWebhook, ParsedInbound, WebhookRequest } from '../../src/domain/channel-host';
import { parseInput } from '../../src/domain/validation';
import { AuthError, ValidationError } from '../../src/errors';
import { receiveWith } from '../webhook-http';
import { normaliseEntry, webhookSchema } from './payload';
import { SOCIAL } from './channel';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function mountSocialWebhooks(app: Express, host: ChannelHost): void {
  const { logger, credentials } = host;

  // Each council's Page may belong to its own Meta app: the body is signed with one app's
  // secret, and only the entries of pages of that app are taken from it.
  const verify = (request: WebhookRequest): string => {
    const header = (request.header('x-hub-signature-256') ?? '').toLowerCase();
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const secrets = [...new Set(credentials.metaPages().map((p) => p.appSecret))];
    const signedWith = /^sha256=[0-9a-f]{64}$/.test(header) ? secrets.find((secret) => sameSecret(header, `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)) : undefined;
    if (!signedWith) throw new AuthError('The request is not signed by Meta.', 'invalid_signature', 403);
    return signedWith;
  };

  const events: InboundWebhook<string> = {
    channel: SOCIAL,
    verify,
    parse(request, appSecret) {
      let json: unknown;
      try {
        json = JSON.parse((request.body as Buffer).toString('utf8'));
      } catch {
        throw new ValidationError('The body is not valid JSON.', 'invalid_json');
      }
      const body = parseInput(webhookSchema, json);
      const messages: ParsedInbound[] = [];
      for (const entry of body.entry) {
        // The council is the page's: found by its credentials (so no inbox check below).
        const page = credentials.metaFor(entry.id);
        if (!page || page.appSecret !== appSecret) {
          logger.warn({ entryId: entry.id }, 'meta.unknown_page');
          continue;
        }
        for (const message of normaliseEntry(body.object, entry, page.pageId)) messages.push({ ...message, inboxAddress: page.pageId });
      }
      return { messages };
    },
    acknowledge: () => ({ status: 200, contentType: 'text/plain', body: 'EVENT_RECEIVED' }),
  };

  const router = express.Router();

  router.get('/webhooks/meta', (req, res) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    if (mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string' || !credentials.metaPages().some((p) => sameSecret(token, p.verifyToken))) {
      throw new AuthError('The verify token does not match.', 'invalid_verify_token', 403);
    }
    // Echoed byte for byte, as plain text.
    res.type('text/plain').send(challenge);
  });

  router.post('/webhooks/meta', express.raw({ type: () => true, limit: '2mb' }), receiveWith(host, events));

  app.use(router);
}

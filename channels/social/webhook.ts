/**
 * Meta's webhook (CONTRACT.md §2): the verification handshake, and Messenger, Instagram and
 * Page feed events signed with `X-Hub-Signature-256` over the *raw* body. Meta signs the bytes
 * it sends (non-ASCII escaped as \uXXXX), so the HMAC is taken before any JSON parsing.
 * A batch is processed entry by entry, message by message; each is stored under its `mid`
 * (or comment id), so a redelivered batch is acknowledged and processed once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import { ingestInbound } from '../../src/conversations/ingest';
import { AuthError, ValidationError } from '../../src/errors';
import type { Services } from '../../src/services';
import { parseInput } from '../../src/validation';
import { normaliseEntry, webhookSchema } from './payload';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function mountSocialWebhooks(app: Express, services: Services): void {
  const { config, logger } = services;
  const pageIds = new Set([config.META_PAGE_ID, ...(config.META_INSTAGRAM_ID ? [config.META_INSTAGRAM_ID] : [])]);

  const verifySignature: RequestHandler = (req, _res, next) => {
    const header = req.get('x-hub-signature-256') ?? '';
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const expected = `sha256=${createHmac('sha256', config.META_APP_SECRET).update(body).digest('hex')}`;
    if (!/^sha256=[0-9a-fA-F]{64}$/.test(header) || !sameSecret(header.toLowerCase(), expected)) {
      services.metrics.inbound.inc({ channel: 'social', outcome: 'forged' });
      return next(new AuthError('The request is not signed by Meta.', 'invalid_signature', 403));
    }
    next();
  };

  const router = express.Router();

  router.get('/webhooks/meta', (req, res) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    if (mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string' || !sameSecret(token, config.META_VERIFY_TOKEN)) {
      throw new AuthError('The verify token does not match.', 'invalid_verify_token', 403);
    }
    // Echoed byte for byte, as plain text.
    res.type('text/plain').send(challenge);
  });

  router.post('/webhooks/meta', express.raw({ type: () => true, limit: '2mb' }), verifySignature, async (req, res) => {
    let json: unknown;
    try {
      json = JSON.parse((req.body as Buffer).toString('utf8'));
    } catch {
      throw new ValidationError('The body is not valid JSON.', 'invalid_json');
    }
    const body = parseInput(webhookSchema, json);
    for (const entry of body.entry) {
      if (!pageIds.has(entry.id)) {
        logger.warn({ entryId: entry.id }, 'meta.unknown_page');
        continue;
      }
      for (const message of normaliseEntry(body.object, entry, config.META_PAGE_ID)) {
        await ingestInbound(services, { ...message, inboxAddress: config.META_PAGE_ID });
      }
    }
    res.status(200).type('text/plain').send('EVENT_RECEIVED');
  });

  app.use(router);
}

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
  const { logger } = services;
  const credentials = services.councils;

  // Each council's Page may belong to its own Meta app: the body is signed with one app's
  // secret, and only the entries of pages of that app are taken from it.
  const verifySignature: RequestHandler = (req, res, next) => {
    const header = (req.get('x-hub-signature-256') ?? '').toLowerCase();
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const secrets = [...new Set(credentials.metaPages().map((p) => p.appSecret))];
    const signedWith = /^sha256=[0-9a-f]{64}$/.test(header) ? secrets.find((secret) => sameSecret(header, `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)) : undefined;
    if (!signedWith) {
      services.metrics.inbound.inc({ channel: 'social', outcome: 'forged' });
      return next(new AuthError('The request is not signed by Meta.', 'invalid_signature', 403));
    }
    res.locals.metaAppSecret = signedWith;
    next();
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

  router.post('/webhooks/meta', express.raw({ type: () => true, limit: '2mb' }), verifySignature, async (req, res) => {
    let json: unknown;
    try {
      json = JSON.parse((req.body as Buffer).toString('utf8'));
    } catch {
      throw new ValidationError('The body is not valid JSON.', 'invalid_json');
    }
    const body = parseInput(webhookSchema, json);
    for (const entry of body.entry) {
      const page = credentials.metaFor(entry.id);
      if (!page || page.appSecret !== res.locals.metaAppSecret) {
        logger.warn({ entryId: entry.id }, 'meta.unknown_page');
        continue;
      }
      for (const message of normaliseEntry(body.object, entry, page.pageId)) {
        await ingestInbound(services, { ...message, inboxAddress: page.pageId });
      }
    }
    res.status(200).type('text/plain').send('EVENT_RECEIVED');
  });

  app.use(router);
}

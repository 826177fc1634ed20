/**
 * The webchat's HTTP side: photo uploads from the chat page, the page council websites embed
 * (`/webchat/embed`, allowed in frames from WEBCHAT_EMBED_ORIGINS) and the embed snippet
 * (`<script src="/widget.js" data-council="…">`).
 *
 * A photo is a same-origin POST of the image itself with the session token in a header. Its type
 * is checked from its first bytes (not the declared type), it is capped at 5 MB, its GPS is read
 * and stripped as for MMS, and it is stored under the media id the router looks for; then it is
 * ingested as a media message, so it reaches the flow and the agent like an MMS photo.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { z } from 'zod';
import type { ChannelHost } from '../../src/domain/channel-host';
import { ids } from '../../src/domain/ids';
import { parseInput } from '../../src/domain/validation';
import { AuthError, ValidationError } from '../../src/errors';
import { WebchatLimits } from './limits';
import { sessionHash, widgetInbox } from './namespace';
import { WEBCHAT } from './channel';

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
const webRoot = [path.resolve(__dirname, '..', '..', 'web'), path.resolve(__dirname, '..', '..', '..', 'web')].find((p) => existsSync(p))!;

/** The image types a chat may send, recognised by their signatures. */
export function imageType(data: Buffer): string | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.length >= 12 && data.toString('ascii', 0, 4) === 'RIFF' && data.toString('ascii', 8, 12) === 'WEBP') return 'image/webp';
  if (data.length >= 6 && /^GIF8[79]a$/.test(data.toString('ascii', 0, 6))) return 'image/gif';
  return undefined;
}

const uploadHeaders = z.object({
  'x-session-token': z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'is not a session token'),
  'x-client-message-id': z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, - or _'),
  'x-caption': z.string().max(500).optional(),
  /** The council's widget the chat was opened with (absent: the default council's). */
  'x-widget-key': z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
});

export function mountWebchatHttp(app: Express, host: ChannelHost): void {
  const config = host.settings;
  // The webchat's limits, shared by every web process (Redis).
  const limits = new WebchatLimits(host);

  app.post('/webchat/upload', express.raw({ type: () => true, limit: MAX_PHOTO_BYTES }), async (req, res) => {
    // Same origin only: a browser always sends Origin on a cross-site POST.
    const origin = req.get('origin');
    if (origin && origin !== config.PUBLIC_URL && origin !== `${req.protocol}://${req.get('host')}`) throw new AuthError('Uploads are accepted from the chat page only.', 'cross_origin', 403);
    const headers = parseInput(uploadHeaders, req.headers);
    const channelUserId = sessionHash(headers['x-session-token']);
    const widget = widgetInbox(host, headers['x-widget-key']);
    const resident = widget ? await host.residents.find(WEBCHAT, widget.widgetKey, channelUserId) : null;
    if (!resident) throw new AuthError('Start a chat first.', 'no_session', 401);
    await limits.photo(resident.identityId, limits.addressOf(req));
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const contentType = imageType(body);
    if (!contentType) throw new ValidationError('Please choose a photo (JPEG, PNG, WebP or GIF).', 'not_an_image');

    const externalId = `${channelUserId}-${headers['x-client-message-id']}`;
    const eventId = ids.inboundEvent(WEBCHAT, externalId);
    const mediaId = await host.storeUpload(eventId, body, contentType);
    const caption = headers['x-caption']?.trim();
    const result = await host.ingest({
      channel: WEBCHAT,
      externalId,
      inboxAddress: widget!.widgetKey,
      channelUserId,
      receivedAt: new Date(),
      content: { kind: 'media', urls: [`/api/v1/media/${mediaId}`], contentTypes: [contentType], ...(caption ? { text: caption } : {}) },
      raw: { clientMessageId: headers['x-client-message-id'], size: body.byteLength },
    });
    res.status(201).json({ messageId: result.messageId, duplicate: result.duplicate });
  });

  // The page a council's site shows in its frame: the same chat, allowed in frames from the council's origins.
  // A council that lists its site's origins (TENANTS_FILE `webchat.allowedOrigins`) is framed by those alone.
  app.get('/webchat/embed', (req, res) => {
    res.removeHeader('X-Frame-Options');
    const key = typeof req.query.council === 'string' ? req.query.council : undefined;
    const own = key ? host.councilForWidget(key)?.webchat.allowedOrigins : undefined;
    const origins = own?.length ? own : config.WEBCHAT_EMBED_ORIGINS;
    const csp = String(res.getHeader('Content-Security-Policy') ?? '').replace(/frame-ancestors [^;]*/, `frame-ancestors 'self' ${origins.join(' ')}`);
    res.setHeader('Content-Security-Policy', csp);
    res.sendFile(path.join(webRoot, 'webchat.html'));
  });
  app.get('/widget.js', (_req, res) => {
    // Loaded by councils' own sites: the one file here other origins may embed.
    res.set({ 'cache-control': 'public, max-age=3600', 'cross-origin-resource-policy': 'cross-origin' }).sendFile(path.join(webRoot, 'static', 'widget.js'));
  });
}

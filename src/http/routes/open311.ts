/**
 * Open311 GeoReport v2 (CONTRACT.md §6) over the same cases residents create in chat:
 * services are the report categories; requests are reports. `.json` and `.xml`; errors are
 * `[{ code, description }]`. Creating a request needs an `api_key`. Without a key, requests
 * carry no personal data (src/privacy/public-record.ts): the category, status, dates, the street
 * and a rounded position, and the description with names, numbers and house numbers removed.
 * A council system's `api_key` sees the full record (and each such read is audited).
 */
import { Router, type Request, type Response } from 'express';
import express from 'express';
import { create as xml } from 'xmlbuilder';
import { z } from 'zod';
import { CATEGORIES, categoriesTaken } from '../../../flows/report-issue';
import { OPEN_STATUSES, statusWords } from '../../domain/cases';
import { AuthError, NotFoundError, ValidationError } from '../../errors';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { errorResponse } from '../error-status';
import { ids } from '../../ids';
import { Case, Media, type CaseDoc } from '../../models';
import type { Services } from '../../services';
import { phoneCountryOf, type CouncilSettings } from '../../councils/settings';
import { parseInput } from '../../validation';
import { auditEach } from '../../privacy/audit';
import { publicStreet, publicText, roundedPosition } from '../../privacy/public-record';
import type { CountryCode } from 'libphonenumber-js';

type Format = 'json' | 'xml';

/** Comma-delimited lists, as GeoReport v2 allows for `service_code` and `status`. */
const commaList = <T extends z.ZodType<unknown, string>>(item: T) => z.string().max(500).transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean)).pipe(z.array(item).min(1));
const listQuery = z.object({
  service_request_id: z.string().max(500).optional(),
  service_code: commaList(z.string().min(1).max(50)).optional(),
  status: commaList(z.enum(['open', 'closed'])).optional(),
  start_date: z.iso.datetime({ offset: true }).optional(),
  api_key: z.string().max(200).optional(),
  jurisdiction_id: z.string().max(100).optional(),
  end_date: z.iso.datetime({ offset: true }).optional(),
});

const createBody = z
  .object({
    api_key: z.string().min(1).max(200),
    jurisdiction_id: z.string().max(100).optional(),
    service_code: z.string().min(1).max(50),
    lat: z.coerce.number().min(-90).max(90).optional(),
    long: z.coerce.number().min(-180).max(180).optional(),
    address_string: z.string().trim().min(3).max(300).optional(),
    description: z.string().trim().max(4000).default(''),
    media_url: z.url().optional(),
  })
  .refine((b) => (b.lat !== undefined && b.long !== undefined) || b.address_string, 'a location is required: lat and long, or address_string');

/** `Idempotency-Key` (IETF httpapi draft): printable, up to 200 characters. */
const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'Idempotency-Key must be 1–200 printable characters').optional();

function send(res: Response, format: Format, root: string, item: string, rows: Array<Record<string, unknown>>, status = 200): void {
  if (format === 'json') {
    res.status(status).json(rows);
    return;
  }
  const doc = xml(root, { encoding: 'UTF-8' });
  for (const row of rows) {
    const node = doc.ele(item);
    for (const [key, value] of Object.entries(row)) if (value !== undefined && value !== null) node.ele(key, {}, String(value));
  }
  res.status(status).type('application/xml').send(doc.end({ pretty: false }));
}

/** GeoReport v2: a search spans at most 90 days, and the last 90 days when no dates are given. */
const SEARCH_DAYS = 90;
const DAY_MS = 86_400_000;
/** How long a photo link in a keyed answer works. */
const MEDIA_LINK_DAYS = 7;

/** A signed, expiring link to one stored photo, for council systems holding an api_key. */
export function mediaLink(services: Services, mediaId: string, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + MEDIA_LINK_DAYS * 86_400;
  return `${services.config.PUBLIC_URL}/open311/v2/media/${encodeURIComponent(mediaId)}?expires=${expires}&signature=${mediaSignature(services.config.APP_SECRET, mediaId, expires)}`;
}
function mediaSignature(secret: string, mediaId: string, expires: number): string {
  return createHmac('sha256', secret).update(`open311-media.${mediaId}.${expires}`).digest('base64url');
}

/** `country`: the council's, so local phone numbers in public text are recognised (and hidden). */
function toRequest(c: CaseDoc, council: CouncilSettings, country: CountryCode | undefined, services: Services, full: boolean): Record<string, unknown> {
  const category = CATEGORIES.find((k) => k.value === c.category);
  const note = c.history?.at(-1)?.note;
  return {
    service_request_id: c._id,
    status: OPEN_STATUSES.includes(c.status) ? 'open' : 'closed',
    status_notes: note ? (full ? note : publicText(note, country)) : statusWords(c.status),
    service_name: category?.label ?? c.category,
    service_code: c.category,
    description: full ? c.description : publicText(c.description, country),
    agency_responsible: council.name,
    requested_datetime: new Date(c.createdAt).toISOString(),
    // The last change of status (a follower joining is no update to the request).
    updated_datetime: new Date(c.history?.at(-1)?.at ?? c.updatedAt).toISOString(),
    address: full ? (c.location?.text ?? null) : publicStreet(c.location?.text),
    lat: full ? (c.location?.lat ?? null) : roundedPosition(c.location?.lat),
    long: full ? (c.location?.lng ?? null) : roundedPosition(c.location?.lng),
    // Photos may show people, plates or homes: linked only for council systems with a key.
    media_url: full ? (c.mediaUrls?.[0] ?? (c.photos?.[0] ? mediaLink(services, c.photos[0]) : null)) : null,
  };
}

export function open311Routes(services: Services): Router {
  const router = Router();
  /**
   * The jurisdiction (GeoReport v2 `jurisdiction_id`): a council's id; without one, the first
   * council. Each council's requests and keys are its own: one council's key reads nothing of another's.
   */
  const jurisdictionOf = (req: Request): CouncilSettings => {
    const asked = (req.query.jurisdiction_id ?? (req.body as Record<string, unknown> | undefined)?.jurisdiction_id) as unknown;
    if (asked === undefined || asked === '') return services.councils.default.council;
    if (typeof asked !== 'string' || !services.councils.has(asked)) throw new NotFoundError(`Jurisdiction ${String(asked)}`);
    return services.councils.council(asked);
  };
  const keyIsFor = (council: CouncilSettings, key: string | undefined): boolean => Boolean(key && council.open311.apiKeys.includes(key));
  /** The council system asking with a valid `api_key`, which may see whole records; else undefined. */
  const keyHolder = (req: Request, council: CouncilSettings): string | undefined => {
    const key = typeof req.query.api_key === 'string' ? req.query.api_key : undefined;
    return keyIsFor(council, key) ? `open311-${ids.contact(key!).slice(-8)}` : undefined;
  };
  const view = async (req: Request, council: CouncilSettings, found: CaseDoc[]) => {
    const holder = keyHolder(req, council);
    if (holder) await auditEach({ _id: holder, role: 'open311' }, 'case.read', found.map((c) => ({ contactId: c.contactId, target: c._id })));
    const country = phoneCountryOf(council);
    return found.map((c) => toRequest(c, council, country, services, Boolean(holder)));
  };
  // `.json`/`.xml` are part of each path; the format is read once, errors use it too.
  const formatOf = (req: Request): Format => (String(req.params.format) === 'xml' ? 'xml' : 'json');
  const fail = (res: Response, format: Format, error: unknown) => {
    const { status, body, logged } = errorResponse(error);
    const description = body.message;
    if (logged) services.logger.error({ err: error }, 'open311.error');
    send(res, format, 'errors', 'error', [{ code: status, description }], status);
  };
  const handle = (work: (req: Request, res: Response, format: Format) => Promise<void> | void) => async (req: Request, res: Response) => {
    const format = formatOf(req);
    try {
      await work(req, res, format);
    } catch (error) {
      fail(res, format, error);
    }
  };

  /** The services (report categories) a jurisdiction takes. */
  const servicesOf = (council: CouncilSettings) => categoriesTaken(council.reportCategories);

  router.get('/services.:format', handle((req, res, format) => {
    send(res, format, 'services', 'service', servicesOf(jurisdictionOf(req)).map((c) => ({ service_code: c.value, service_name: c.label, description: `Report: ${c.label.toLowerCase()}`, metadata: false, type: 'realtime', keywords: c.value.replace('-', ','), group: 'Streets and waste' })));
  }));

  router.get('/services/:code.:format', handle((req, res, format) => {
    const category = servicesOf(jurisdictionOf(req)).find((c) => c.value === String(req.params.code));
    if (!category) throw new NotFoundError(`Service ${String(req.params.code)}`);
    if (format === 'json') res.json({ service_code: category.value, attributes: [] });
    else res.type('application/xml').send(xml('service_definition', { encoding: 'UTF-8' }).ele('service_code', {}, category.value).up().ele('attributes').up().end({ pretty: false }));
  }));

  router.get('/requests.:format', handle(async (req, res, format) => {
    const query = parseInput(listQuery, req.query);
    const council = jurisdictionOf(req);
    const filter: Record<string, unknown> = { councilId: council.id, kind: 'report' };
    if (query.service_request_id) {
      // GeoReport v2: a list of ids overrides every other argument.
      filter._id = { $in: query.service_request_id.split(',').map((id) => id.trim().toUpperCase()) };
    } else {
      if (query.service_code) filter.category = { $in: query.service_code };
      const statuses = new Set(query.status ?? []);
      if (statuses.size === 1 && statuses.has('open')) filter.status = { $in: OPEN_STATUSES };
      if (statuses.size === 1 && statuses.has('closed')) filter.status = { $nin: OPEN_STATUSES };
      const end = query.end_date ? new Date(query.end_date) : new Date();
      const start = query.start_date ? new Date(query.start_date) : new Date(end.getTime() - SEARCH_DAYS * DAY_MS);
      if (end.getTime() - start.getTime() > SEARCH_DAYS * DAY_MS) throw new ValidationError(`start_date and end_date may be at most ${SEARCH_DAYS} days apart.`);
      filter.createdAt = { $gte: start, $lte: end };
    }
    const found = await Case.find(filter).sort({ createdAt: -1 }).limit(1000).lean<CaseDoc[]>();
    send(res, format, 'service_requests', 'request', await view(req, council, found));
  }));

  router.get('/requests/:id.:format', handle(async (req, res, format) => {
    const council = jurisdictionOf(req);
    const found = await Case.findById(String(req.params.id).toUpperCase()).lean<CaseDoc>();
    if (!found || found.kind !== 'report' || found.councilId !== council.id) throw new NotFoundError(`Request ${String(req.params.id)}`);
    send(res, format, 'service_requests', 'request', await view(req, council, [found]));
  }));

  router.post('/requests.:format', express.urlencoded({ extended: false, limit: '64kb' }), express.json({ limit: '64kb' }), handle(async (req, res, format) => {
    const body = parseInput(createBody, req.body ?? {});
    const tenant = services.councils.tenant(jurisdictionOf(req).id);
    const { council } = tenant;
    if (!keyIsFor(council, body.api_key)) throw new AuthError('The api_key is not valid.', 'invalid_api_key', 403);
    if (!servicesOf(council).some((c) => c.value === body.service_code)) throw new NotFoundError(`Service ${body.service_code}`);
    const client = `open311-${ids.contact(body.api_key).slice(-8)}`;
    // A retried POST with the same Idempotency-Key names the same request, so it is made once.
    const key = parseInput(idempotencyKey, req.get('idempotency-key') ?? undefined);
    const seed = key ? `open311-${client}-key-${key}` : `open311-${client}-${Date.now()}-${randomBytes(6).toString('hex')}`;
    const replayed = key ? Boolean(await Case.exists({ _id: ids.reference(council.referencePrefix, seed) })) : false;
    const record = await tenant.cases.create(
      {
        category: body.service_code,
        description: body.description,
        location: { ...(body.address_string ? { text: body.address_string } : {}), ...(body.lat !== undefined && body.long !== undefined ? { lat: body.lat, lng: body.long } : {}) },
        photoCount: body.media_url ? 1 : 0,
        ...(body.media_url ? { mediaUrls: [body.media_url] } : {}),
      },
      { contactId: client, identityId: client, conversationId: '', channel: 'open311', address: '' },
      seed,
    );
    if (replayed) res.set('Idempotent-Replayed', 'true');
    else await services.journal.note('case.created', record.reference, { councilId: council.id, contactId: client, channel: 'open311', data: { reference: record.reference, category: record.category, status: record.status } });
    send(res, format, 'service_requests', 'request', [{ service_request_id: record.reference, service_notice: `Thank you. ${council.name} will review this report.`, account_id: null }], 201);
  }));

  // A report's photo, through the signed link a keyed answer gave (no key in the URL itself).
  router.get('/media/:id', handle(async (req, res) => {
    const mediaId = String(req.params.id);
    const expires = Number(req.query.expires);
    const given = typeof req.query.signature === 'string' ? Buffer.from(req.query.signature) : Buffer.alloc(0);
    const expected = Buffer.from(mediaSignature(services.config.APP_SECRET, mediaId, expires));
    if (!Number.isFinite(expires) || expires * 1000 < Date.now() || given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AuthError('That photo link is not valid or has expired.', 'invalid_link', 403);
    const media = await Media.findById(mediaId).lean();
    if (!media?.data || !/^image\/(jpeg|png|webp|gif)$/.test(media.contentType ?? '')) throw new NotFoundError('That photo');
    res.set({ 'content-type': media.contentType!, 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'" });
    res.send(Buffer.from((media.data as unknown as { buffer: Uint8Array }).buffer ?? media.data));
  }));

  router.use(handle(() => {
    throw new NotFoundError('That Open311 resource');
  }));
  return router;
}

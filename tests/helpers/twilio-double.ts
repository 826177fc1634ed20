/**
 * A local HTTP double of Twilio's REST API for messages, speaking its wire format
 * (form-encoded requests with Basic auth, JSON resources and errors), so the real `twilio`
 * SDK is exercised end to end. Numbers in `refuse` get Twilio's error instead.
 *
 * The Messages list (`GET …/Messages.json`) is served as Twilio serves it: filters `To`,
 * `From`, `DateSent`, `DateSent<` and `DateSent>` (a `YYYY-MM-DD` GMT day or the SDK's
 * `YYYY-MM-DDTHH:mm:ssZ`), newest first, paged by `PageSize`/`Page`/`PageToken` with
 * `next_page_uri` and the other paging fields. A created message is `queued` (no `date_sent`)
 * until it is dispatched, at once unless its number is in `holdQueued`.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import { serve } from './serve';

export interface SentSms { To: string; From: string; Body: string; StatusCallback?: string; sid: string; auth: string }

/** A Message resource as the double stores it (Twilio's fields that a list returns). */
interface StoredMessage { sid: string; accountSid: string; to: string; from: string; body: string; status: string; direction: string; dateCreated: Date; dateSent: Date | null; numSegments: string }

/**
 * How a create request for a number misbehaves, as when a worker dies mid-request:
 * `after-create` takes the message and never answers; `before-create` never answers and never takes it.
 */
export type Hang = 'after-create' | 'before-create';

/** A REST request on a call: `update` of a live call (e.g. to connect an agent) or `create` of a new one. */
export interface CallRequest { kind: 'update' | 'create'; callSid: string; Twiml?: string; Url?: string; To?: string; From?: string; auth: string }

export interface TwilioDouble {
  url: string;
  sent: SentSms[];
  calls: CallRequest[];
  refused: string[];
  refuse: Map<string, { code: number; message: string; status: number }>;
  /** Media served at `/2010-04-01/Accounts/<sid>/Messages/<MM>/Media/<ME>` (Basic auth required). */
  media: Map<string, { contentType: string; data: Buffer }>;
  mediaRequests: Array<{ path: string; auth: string }>;
  /** Answer this many requests with Twilio's 500 before accepting again. */
  failNext: { count: number };
  /** Create requests for these numbers hang (see Hang); `hanging` lists those received so far. */
  hang: Map<string, Hang>;
  hanging: Array<{ To: string; Body: string; StatusCallback?: string }>;
  /** Numbers whose messages stay `queued` (no `date_sent`), as under a sender's rate limit. */
  holdQueued: Set<string>;
  /** Messages-list requests received, with their query. */
  listRequests: Array<Record<string, string>>;

  stop: () => Promise<void>;
}

export async function startTwilioDouble(): Promise<TwilioDouble> {
  const failNext = { count: 0 };
  const media = new Map<string, { contentType: string; data: Buffer }>();
  const mediaRequests: Array<{ path: string; auth: string }> = [];
  const sent: SentSms[] = [];
  const calls: CallRequest[] = [];
  const refused: string[] = [];
  const refuse = new Map<string, { code: number; message: string; status: number }>();
  const hang = new Map<string, Hang>();
  const hanging: Array<{ To: string; Body: string; StatusCallback?: string }> = [];
  const holdQueued = new Set<string>();
  const listRequests: Array<Record<string, string>> = [];
  const stored: StoredMessage[] = [];

  /** Records a taken message (and, unless held, dispatches it: `sent` with a `date_sent`). */
  function take(accountSid: string, body: Record<string, string>, auth: string): StoredMessage {
    const sid = `SM${randomBytes(16).toString('hex')}`;
    sent.push({ To: body.To ?? '', From: body.From ?? '', Body: body.Body ?? '', ...(body.StatusCallback ? { StatusCallback: body.StatusCallback } : {}), sid, auth });
    const message: StoredMessage = { sid, accountSid, to: body.To ?? '', from: body.From ?? '', body: body.Body ?? '', status: 'queued', direction: 'outbound-api', dateCreated: new Date(), dateSent: null, numSegments: '1' };
    stored.push(message);
    if (!holdQueued.has(message.to)) setImmediate(() => Object.assign(message, { status: 'sent', dateSent: new Date() }));
    return message;
  }

  const resource = (m: StoredMessage) => ({
    sid: m.sid,
    account_sid: m.accountSid,
    to: m.to,
    from: m.from,
    body: m.body,
    status: m.status,
    num_segments: m.numSegments,
    num_media: '0',
    direction: m.direction,
    api_version: '2010-04-01',
    price: null,
    price_unit: 'USD',
    error_code: null,
    error_message: null,
    messaging_service_sid: null,
    date_created: m.dateCreated.toUTCString(),
    date_updated: (m.dateSent ?? m.dateCreated).toUTCString(),
    date_sent: m.dateSent ? m.dateSent.toUTCString() : null,
    uri: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`,
    subresource_uris: { media: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Media.json` },
  });

  /** Twilio's DateSent filters: a GMT day (`YYYY-MM-DD`) compares whole days, a timestamp compares instants. */
  function dateFilter(value: string | undefined, op: '=' | '<=' | '>='): (m: StoredMessage) => boolean {
    if (value === undefined) return () => true;
    const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
    const bound = new Date(dayOnly ? `${value}T00:00:00Z` : value).getTime();
    if (Number.isNaN(bound)) throw new Error(`bad DateSent ${value}`);
    return (m) => {
      if (!m.dateSent) return false; // not sent yet: no date to match
      const t = m.dateSent.getTime();
      if (dayOnly) {
        const day = Date.UTC(m.dateSent.getUTCFullYear(), m.dateSent.getUTCMonth(), m.dateSent.getUTCDate());
        return op === '=' ? day === bound : op === '<=' ? day <= bound : day >= bound;
      }
      const second = Math.floor(t / 1000) * 1000; // Twilio's dates have whole seconds
      return op === '=' ? second === bound : op === '<=' ? second <= bound : second >= bound;
    };
  }

  const app = express();
  app.get('/2010-04-01/Accounts/:accountSid/Messages.json', (req, res) => {
    const query = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)]));
    listRequests.push(query);
    if (!req.get('authorization')) {
      res.status(401).json({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
      return;
    }
    const pageSize = Math.min(1000, Math.max(1, Number(query.PageSize ?? 50)));
    const page = Number(query.Page ?? 0);
    const start = query.PageToken ? Number(query.PageToken.replace(/^PT/, '')) : page * pageSize;
    const filters = [dateFilter(query.DateSent, '='), dateFilter(query['DateSent<'], '<='), dateFilter(query['DateSent>'], '>=')];
    const matching = stored
      .filter((m) => m.accountSid === req.params.accountSid && (!query.To || m.to === query.To) && (!query.From || m.from === query.From) && filters.every((f) => f(m)))
      .reverse() // newest first
      .sort((a, b) => b.dateCreated.getTime() - a.dateCreated.getTime());
    const slice = matching.slice(start, start + pageSize);
    const base = `/2010-04-01/Accounts/${req.params.accountSid}/Messages.json`;
    const keep = Object.entries(query).filter(([k]) => k !== 'Page' && k !== 'PageToken' && k !== 'PageSize');
    const pageUri = (n: number, token?: number) => `${base}?${new URLSearchParams([...keep, ['PageSize', String(pageSize)], ['Page', String(n)], ...(token !== undefined ? [['PageToken', `PT${token}`]] : [])]).toString()}`;
    res.json({
      messages: slice.map(resource),
      uri: pageUri(page, query.PageToken ? start : undefined),
      first_page_uri: pageUri(0),
      next_page_uri: start + pageSize < matching.length ? pageUri(page + 1, start + pageSize) : null,
      previous_page_uri: page > 0 ? pageUri(page - 1, Math.max(0, start - pageSize)) : null,
      page,
      page_size: pageSize,
      start,
      end: start + Math.max(0, slice.length - 1),
    });
  });
  app.use(express.urlencoded({ extended: false }));
  app.post('/2010-04-01/Accounts/:accountSid/Messages.json', (req, res) => {
    const body = req.body as Record<string, string>;
    if (failNext.count > 0) {
      failNext.count--;
      res.status(500).json({ code: 20500, message: 'Internal Server Error', more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 });
      return;
    }
    const refusal = refuse.get(body.To ?? '');
    if (refusal) {
      refused.push(body.To ?? '');
      res.status(refusal.status).json({ code: refusal.code, message: refusal.message, more_info: `https://www.twilio.com/docs/errors/${refusal.code}`, status: refusal.status });
      return;
    }
    const hangs = hang.get(body.To ?? '');
    if (hangs) {
      // The request is received and never answered (the connection is cut when the double stops).
      hanging.push({ To: body.To ?? '', Body: body.Body ?? '', ...(body.StatusCallback ? { StatusCallback: body.StatusCallback } : {}) });
      if (hangs === 'after-create') take(String(req.params.accountSid), body, req.get('authorization') ?? '');
      return;
    }
    const message = take(String(req.params.accountSid), body, req.get('authorization') ?? '');
    res.status(201).json({ ...resource(message), status: 'queued', date_sent: null });
  });
  const callResource = (accountSid: string, sid: string, body: Record<string, string>, status: string) => ({
    sid,
    account_sid: accountSid,
    to: body.To ?? '+61400000000',
    from: body.From ?? '+61480000000',
    status,
    direction: body.To ? 'outbound-api' : 'inbound',
    api_version: '2010-04-01',
    date_created: new Date().toUTCString(),
    uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`,
  });
  app.post('/2010-04-01/Accounts/:accountSid/Calls.json', (req, res) => {
    const body = req.body as Record<string, string>;
    const sid = `CA${randomBytes(16).toString('hex')}`;
    calls.push({ kind: 'create', callSid: sid, ...body, auth: req.get('authorization') ?? '' });
    res.status(201).json(callResource(String(req.params.accountSid), sid, body, 'queued'));
  });
  app.post('/2010-04-01/Accounts/:accountSid/Calls/:callSid.json', (req, res) => {
    const body = req.body as Record<string, string>;
    calls.push({ kind: 'update', callSid: String(req.params.callSid), ...body, auth: req.get('authorization') ?? '' });
    res.status(200).json(callResource(String(req.params.accountSid), String(req.params.callSid), {}, 'in-progress'));
  });
  app.get('/2010-04-01/Accounts/:accountSid/Messages/:messageSid/Media/:mediaSid', (req, res) => {
    mediaRequests.push({ path: req.path, auth: req.get('authorization') ?? '' });
    const file = media.get(req.path);
    if (!req.get('authorization')) {
      res.status(401).json({ code: 20003, message: 'Authenticate', status: 401 });
      return;
    }
    if (!file) {
      res.status(404).json({ code: 20404, message: 'The requested resource was not found', status: 404 });
      return;
    }
    res.type(file.contentType).send(file.data);
  });
  return { ...(await serve(app)), sent, calls, refused, refuse, failNext, media, mediaRequests, hang, hanging, holdQueued, listRequests };
}

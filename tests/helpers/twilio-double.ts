/**
 * A local HTTP double of Twilio's REST API for messages, speaking its wire format
 * (form-encoded requests with Basic auth, JSON resources and errors), so the real `twilio`
 * SDK is exercised end to end. Numbers in `refuse` get Twilio's error instead.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import { serve } from './serve';

export interface SentSms { To: string; From: string; Body: string; StatusCallback?: string; sid: string; auth: string }

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
  const app = express();
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
    const sid = `SM${randomBytes(16).toString('hex')}`;
    sent.push({ To: body.To ?? '', From: body.From ?? '', Body: body.Body ?? '', ...(body.StatusCallback ? { StatusCallback: body.StatusCallback } : {}), sid, auth: req.get('authorization') ?? '' });
    res.status(201).json({
      sid,
      account_sid: req.params.accountSid,
      to: body.To,
      from: body.From,
      body: body.Body,
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${req.params.accountSid}/Messages/${sid}.json`,
    });
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
  return { ...(await serve(app)), sent, calls, refused, refuse, failNext, media, mediaRequests };
}

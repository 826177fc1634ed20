/**
 * Signed SMS webhook traffic, as Twilio sends it (form-encoded, `X-Twilio-Signature` over the
 * URL and every parameter), fired at three receivers in the same run:
 * - the floor: bare `node:http` that checks the signature and LPUSHes the message to Redis;
 * - Botkit 4 with its Twilio SMS adapter (botbuilder-adapter-twilio-sms), a bot that takes the message;
 * - the engine (`POST /webhooks/twilio/sms`: verify, store the event, mark it pending, enqueue).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import twilio from 'twilio';

export const SMS_TOKEN = 'bench-auth-token-0123456789abcdef';
export const SMS_ACCOUNT = `AC${'1'.repeat(32)}`;
export const COUNCIL_NUMBER = '+61480000000';

export interface Webhook { path: string; body: string; signature: string; from: string; sid: string }

/** One inbound SMS webhook, signed for `publicUrl + path`. */
export function signedSms(publicUrl: string, path: string, from: string, text: string, sid = `SM${randomBytes(16).toString('hex')}`): Webhook {
  const params: Record<string, string> = {
    ToCountry: 'AU', NumMedia: '0', FromCountry: 'AU', To: COUNCIL_NUMBER, NumSegments: '1', MessageSid: sid, SmsMessageSid: sid, SmsSid: sid,
    AccountSid: SMS_ACCOUNT, From: from, ApiVersion: '2010-04-01', Body: text, SmsStatus: 'received',
  };
  return { path, body: new URLSearchParams(params).toString(), signature: twilio.getExpectedTwilioSignature(SMS_TOKEN, `${publicUrl}${path}`, params), from, sid };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs one webhook; resolves with the status code and the time from `issuedAt` to the answer. */
export function post(baseUrl: string, hook: Webhook, issuedAt = performance.now()): Promise<{ status: number; ms: number }> {
  const url = new URL(hook.path, baseUrl);
  return new Promise((resolve) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(hook.body), 'x-twilio-signature': hook.signature } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - issuedAt }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - issuedAt }));
    req.end(hook.body);
  });
}

export interface IngressResult { requests: number; perSecond: number; p50: number; p99: number; max: number; statuses: Record<string, number> }

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Sends every webhook with `concurrency` requests in flight; each is timed from its own send. */
export async function drive(baseUrl: string, hooks: Webhook[], concurrency: number): Promise<IngressResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < hooks.length) {
        const hook = hooks[next++]!;
        const { status, ms } = await post(baseUrl, hook);
        latencies.push(ms);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { requests: hooks.length, perSecond: hooks.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies), statuses };
}

/** A burst: every webhook issued at once (up to the client's 256 sockets); each timed from the burst's start. */
export async function burst(baseUrl: string, hooks: Webhook[]): Promise<IngressResult> {
  const t0 = performance.now();
  const results = await Promise.all(hooks.map((h) => post(baseUrl, h, t0)));
  const seconds = (performance.now() - t0) / 1000;
  const statuses: Record<string, number> = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const latencies = results.map((r) => r.ms);
  return { requests: hooks.length, perSecond: hooks.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies), statuses };
}

/** The floor: parse, check the signature, LPUSH, answer empty TwiML. Nothing else. */
export async function startSmsFloor(redisUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const redis = new Redis(redisUrl);
  const key = `floor-sms-${randomBytes(3).toString('hex')}`;
  let publicUrl = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      if (!twilio.validateRequest(SMS_TOKEN, signature, `${publicUrl}${req.url}`, params)) {
        res.writeHead(403).end();
        return;
      }
      redis.lpush(key, JSON.stringify(params)).then(
        () => res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Response/>'),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: publicUrl,
    stop: async () => {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await redis.del(key);
      await redis.quit();
    },
  };
}

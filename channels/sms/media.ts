/**
 * Downloads MMS photos without opening an SSRF hole: only URLs under this account's own
 * Twilio message media (`https://api.twilio.com/2010-04-01/Accounts/<our SID>/Messages/…`)
 * are fetched, with the account's Basic auth; a redirect (Twilio hands out short-lived signed
 * URLs) is followed at most twice and only to https hosts that are not IP literals or
 * localhost; each file is capped at 5 MB (Twilio's limit for a whole message).
 */
import type { ChannelSettings } from '../../src/domain/channel-host';
import type { ChannelCredentials } from '../../src/domain/channel';

export const MAX_MEDIA_BYTES = 5 * 1024 * 1024;
const MAX_REDIRECTS = 2;

import type { MediaFetch } from '../../src/domain/channel';

/** Is this a media URL of our own Twilio account? */
export function isOwnTwilioMedia(url: string, accountSid: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === 'https:' &&
      parsed.hostname === 'api.twilio.com' &&
      parsed.port === '' &&
      parsed.username === '' &&
      parsed.pathname.startsWith(`/2010-04-01/Accounts/${accountSid}/Messages/`) &&
      !parsed.pathname.includes('..')
    );
  } catch {
    return false;
  }
}

function isSafeRedirect(location: URL): boolean {
  const host = location.hostname.toLowerCase();
  const ipLiteral = /^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[');
  return location.protocol === 'https:' && !ipLiteral && host !== 'localhost' && !host.endsWith('.localhost') && !host.endsWith('.internal');
}

async function readCapped(response: Response): Promise<Buffer | undefined> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_MEDIA_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    total += next.value.byteLength;
    if (total > MAX_MEDIA_BYTES) {
      await reader?.cancel();
      return undefined;
    }
    chunks.push(Buffer.from(next.value));
  }
  return Buffer.concat(chunks);
}

export async function fetchTwilioMedia(config: ChannelSettings, credentials: ChannelCredentials, url: string): Promise<MediaFetch> {
  // Only media of one of the councils' own Twilio accounts, fetched with that account's credentials.
  const accounts = [{ accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN }, ...credentials.twilioAccounts()];
  const account = accounts.find((a) => isOwnTwilioMedia(url, a.accountSid));
  if (!account) return { ok: false, reason: 'not_twilio_media', detail: 'not a media URL of this Twilio account' };
  // The same base-URL rewrite as the REST client, so tests reach the local double.
  let target = new URL(url.replace(/^https:\/\/api\.twilio\.com/, config.TWILIO_API_URL.replace(/\/$/, '')));
  let headers: Record<string, string> = { authorization: `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}` };
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await fetch(target, { headers, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') ?? '', target);
      if (!isSafeRedirect(location)) return { ok: false, reason: 'unsafe_redirect', detail: `redirect to ${location.host} refused` };
      target = location;
      headers = {}; // a signed URL needs no credentials, and they must not leak to another host
      continue;
    }
    if (!response.ok) return { ok: false, reason: 'http_error', detail: `HTTP ${response.status}` };
    const data = await readCapped(response);
    if (!data) return { ok: false, reason: 'too_large', detail: `over ${MAX_MEDIA_BYTES} bytes` };
    return { ok: true, contentType: response.headers.get('content-type') ?? 'application/octet-stream', data };
  }
  return { ok: false, reason: 'unsafe_redirect', detail: 'too many redirects' };
}

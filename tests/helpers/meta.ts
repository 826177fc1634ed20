/** Meta's webhook serialisation and signature, as Meta does them. */
import { createHmac } from 'node:crypto';

/** JSON with non-ASCII as \uXXXX escapes: the bytes Meta sends and signs. */
export const metaJson = (body: unknown) => JSON.stringify(body).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** `X-Hub-Signature-256`: HMAC-SHA256 of the raw body with the app secret. */
export const metaSignature = (raw: string, secret: string) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

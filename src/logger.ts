/**
 * pino JSON logging. Messages are dotted events (`inbound.stored`); phone numbers are masked
 * and message bodies redacted wherever they appear under the usual keys. Any other free text
 * in a log line (an error message quoting what a resident wrote, say) goes through the same
 * redaction as text sent to a model (src/ai/redact.ts).
 */
import pino, { type Logger } from 'pino';
import { redactPersonalDetails } from './ai/redact';

/** Free text has a space; ids, codes and numbers don't, and are left as they are (and fast). */
function redactFreeText(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return /\s/.test(value) ? redactPersonalDetails(value, undefined) : value;
  if (value instanceof Error) return { type: value.name, message: redactFreeText(value.message, depth + 1) };
  if (depth < 2 && value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactFreeText(v, depth + 1)]));
  }
  return value;
}

const PHONE = /\+?\d[\d\s-]{6,}\d/g;

/** Keeps the country code and last two digits: +61480000012 → +61*******12. */
export function maskPhone(value: string): string {
  return value.replace(PHONE, (match) => {
    const digits = match.replace(/[^\d+]/g, '');
    return digits.slice(0, 3) + '*'.repeat(Math.max(0, digits.length - 5)) + digits.slice(-2);
  });
}

export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid, ...bindings },
    hooks: {
      // The message itself (`logger.warn('…')` with free text) is redacted like any field.
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? (redactFreeText(a) as string) : a)) as Parameters<typeof method>);
      },
    },
    redact: {
      paths: ['text', 'body', 'raw', '*.text', '*.body', '*.raw', 'password', '*.password', 'token', '*.token', 'authorization'],
      censor: '[redacted]',
    },
    formatters: {
      log(object) {
        for (const key of ['phone', 'address', 'from', 'to', 'channelUserId']) {
          const value = object[key];
          if (typeof value === 'string') object[key] = maskPhone(value);
        }
        return redactFreeText(object) as Record<string, unknown>;
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };

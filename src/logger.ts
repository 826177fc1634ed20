/**
 * pino JSON logging. Messages are dotted events (`inbound.stored`); phone numbers are masked
 * and message bodies redacted wherever they appear under the usual keys.
 */
import pino, { type Logger } from 'pino';

const PHONE = /\+?\d[\d\s-]{6,}\d/g;

/** Keeps the country code and last two digits: +61480000012 → +61*******12. */
export function maskPhone(value: string): string {
  return value.replace(PHONE, (match) => {
    const digits = match.replace(/[^\d+]/g, '');
    return digits.slice(0, 3) + '*'.repeat(Math.max(0, digits.length - 5)) + digits.slice(-2);
  });
}

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { pid: process.pid, ...bindings },
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
        return object;
      },
    },
  });
}

export type { Logger };

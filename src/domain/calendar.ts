/**
 * Dates as people read them, formatted with Intl. Building an `Intl.DateTimeFormat` costs far
 * more than using one (it was 0.7 ms of every message's CPU in the office-hours check alone),
 * and a formatter never changes, so each locale-and-options pair is built once and kept.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, formatter);
  }
  return formatter;
}

/** The calendar date (YYYY-MM-DD) at `at` in a timezone. */
export function isoDateIn(at: Date, timeZone: string): string {
  return dateFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

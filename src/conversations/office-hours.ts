/**
 * Office hours ("Mon-Fri 08:30-17:00" in the council's time zone): is a person likely to
 * answer now, and when is the next opening? Uses the platform's Intl time-zone data.
 */
import { z } from 'zod';
import { dateFormat } from '../domain/calendar';

/** "Mon-Fri 08:30-17:00": a day range and a time range in the council's zone ("24:00" is the end of the day). */
export const officeHoursSchema = z
  .string()
  .regex(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)-(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must look like "Mon-Fri 08:30-17:00" (24:00 for the end of the day)');

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

interface Hours { days: Set<number>; open: number; close: number }

export function parseOfficeHours(spec: string): Hours {
  const match = /^(\w{3})-(\w{3}) (\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(spec);
  if (!match) throw new Error(`bad office hours: ${spec}`);
  const first = DAYS.indexOf(match[1] as (typeof DAYS)[number]);
  const last = DAYS.indexOf(match[2] as (typeof DAYS)[number]);
  const days = new Set<number>();
  for (let d = first; ; d = (d + 1) % 7) {
    days.add(d);
    if (d === last) break;
  }
  // "24:00" closes at the end of the day, so "Mon-Sun 00:00-24:00" is open at every minute.
  return { days, open: Number(match[3]) * 60 + Number(match[4]), close: Number(match[5]) * 60 + Number(match[6]) };
}

export function localParts(now: Date, timeZone: string): { day: number; minutes: number } {
  const parts = dateFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: DAYS.indexOf(get('weekday') as (typeof DAYS)[number]), minutes: (Number(get('hour')) % 24) * 60 + Number(get('minute')) };
}

export function isOpen(now: Date, spec: string, timeZone: string): boolean {
  const hours = parseOfficeHours(spec);
  const { day, minutes } = localParts(now, timeZone);
  return hours.days.has(day) && minutes >= hours.open && minutes < hours.close;
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function speakTime(minutes: number): string {
  if (minutes % 1440 === 0) return 'midnight';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const suffix = h < 12 ? 'am' : 'pm';
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return m === 0 ? `${h12}${suffix}` : `${h12}:${String(m).padStart(2, '0')}${suffix}`;
}

/** "today at 8:30am", "tomorrow at 8:30am" or "on Monday at 8:30am". */
export function nextOpening(now: Date, spec: string, timeZone: string): string {
  const hours = parseOfficeHours(spec);
  const { day, minutes } = localParts(now, timeZone);
  for (let ahead = 0; ahead < 8; ahead++) {
    const d = (day + ahead) % 7;
    if (!hours.days.has(d)) continue;
    if (ahead === 0 && minutes >= hours.open) continue;
    const when = ahead === 0 ? 'today' : ahead === 1 ? 'tomorrow' : `on ${DAY_NAMES[d]}`;
    return `${when} at ${speakTime(hours.open)}`;
  }
  return 'soon';
}

/** "Monday to Friday, 8:30am to 5pm" for residents. */
export function describeHours(spec: string): string {
  const hours = parseOfficeHours(spec);
  const days = [...hours.days];
  const span = days.length === 1 ? DAY_NAMES[days[0]!] : `${DAY_NAMES[days[0]!]} to ${DAY_NAMES[days[days.length - 1]!]}`;
  if (hours.open === 0 && hours.close >= 1440) return `${span}, all day`;
  return `${span}, ${speakTime(hours.open)} to ${speakTime(hours.close)}`;
}

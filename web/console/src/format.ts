import { STATUS_LABELS } from '../../../src/domain/workspace';
import { channelInfo } from './channels';

export const channelName = (channel: string) => channelInfo(channel)?.label ?? channel;
export const statusName = (status: string) => (STATUS_LABELS as Record<string, string>)[status] ?? status;

export function languageName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** "4 min 05 s", "under a minute" for reading; the live timer uses `clock`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : m > 0 ? `${m} min ${String(r).padStart(2, '0')} s` : `${r} s`;
}

export function minutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m < 1 ? 'under a minute' : m === 1 ? '1 minute' : `${m} minutes`;
}

export const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
export const dateTime = (iso: string) => new Date(iso).toLocaleString([], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

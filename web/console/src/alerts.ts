/**
 * Alerts: the page title carries a count (waiting plus unread), an optional sound (off until
 * the agent turns it on), and desktop notifications, whose permission is asked once, when the
 * agent chooses to turn them on (browsers only allow it after a click).
 */
const BASE_TITLE = 'Switchboard agent workspace';

export function setTitleCount(count: number): void {
  document.title = count > 0 ? `(${count}) ${BASE_TITLE}` : BASE_TITLE;
}

export const soundOn = () => localStorage.getItem('sb-sound') === 'on';
export const setSound = (on: boolean) => localStorage.setItem('sb-sound', on ? 'on' : 'off');

let audio: AudioContext | undefined;
export function chime(): void {
  if (!soundOn()) return;
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.4);
  } catch {
    // No audio device: the title and notifications still say it.
  }
}

export type NotifyState = 'unsupported' | 'default' | 'granted' | 'denied';
export const notifyState = (): NotifyState => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);

/** Asks once; the answer is kept by the browser (and we remember that we asked). */
export async function askNotifications(): Promise<NotifyState> {
  if (typeof Notification === 'undefined') return 'unsupported';
  localStorage.setItem('sb-notify-asked', 'yes');
  return Notification.requestPermission();
}

export function notify(title: string, body: string, tag: string, onClick?: () => void): void {
  if (notifyState() !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      onClick?.();
      n.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker: the title still counts.
  }
}

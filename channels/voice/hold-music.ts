/**
 * The engine's own hold music, used when HOLD_MUSIC_URL is unset: a quiet 36-second loop of
 * soft chords, made once in memory as a telephone-quality WAV (8 kHz, 16-bit mono, which
 * Twilio's <Play> accepts). Its length sets how often a waiting caller hears their place in
 * the queue: the wait TwiML says it, plays this once, and Twilio fetches the wait URL again.
 */
const SAMPLE_RATE = 8000;
export const HOLD_CLIP_SECONDS = 36;
/** C, A minor, F, G: two seconds each, looped. */
const CHORDS = [
  [261.63, 329.63, 392.0],
  [220.0, 261.63, 329.63],
  [174.61, 220.0, 261.63],
  [196.0, 246.94, 293.66],
];
const CHORD_SECONDS = 2;

let clip: Buffer | undefined;

export function holdMusicWav(): Buffer {
  if (clip) return clip;
  const samples = SAMPLE_RATE * HOLD_CLIP_SECONDS;
  const data = Buffer.alloc(samples * 2);
  const perChord = SAMPLE_RATE * CHORD_SECONDS;
  for (let i = 0; i < samples; i++) {
    const chord = CHORDS[Math.floor(i / perChord) % CHORDS.length]!;
    const t = (i % perChord) / SAMPLE_RATE;
    // A soft attack and a long release, so chords fade into each other without clicks.
    const envelope = Math.min(1, t / 0.25) * Math.min(1, (CHORD_SECONDS - t) / 0.6);
    // Each note of the chord enters a little after the one before: a slow arpeggio.
    let value = 0;
    chord.forEach((frequency, n) => {
      const start = n * 0.18;
      if (t >= start) value += Math.sin(2 * Math.PI * frequency * (i / SAMPLE_RATE)) * Math.min(1, (t - start) / 0.2);
    });
    data.writeInt16LE(Math.round((value / chord.length) * envelope * 0.25 * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // PCM chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  clip = Buffer.concat([header, data]);
  return clip;
}

/**
 * Which language a message is in (ISO 639-1), with tinyld (an embedded n-gram detector, no
 * download). Short Latin-script messages are assumed English unless the detector is sure:
 * "pothole on smith st" must not read as Finnish. Scripts English never uses decide at once.
 */
import { detectAll } from 'tinyld';

const NON_LATIN_SCRIPTS: Array<[RegExp, string]> = [
  [/[\u0600-\u06FF]/, 'ar'],
  [/[\u0370-\u03FF]/, 'el'],
  [/[\u0900-\u097F]/, 'hi'],
  [/[\uAC00-\uD7AF]/, 'ko'],
  [/[\u3040-\u30FF]/, 'ja'],
  [/[\u4E00-\u9FFF]/, 'zh'],
  [/[\u0E00-\u0E7F]/, 'th'],
  [/[\u0400-\u04FF]/, 'ru'],
  [/[\u0A00-\u0A7F]/, 'pa'],
  [/[\u0B80-\u0BFF]/, 'ta'],
  [/[\u0980-\u09FF]/, 'bn'],
];
/** Vietnamese letters no other common language uses. */
const VIETNAMESE = /[ăắằẳẵặđơớờởỡợưứừửữựảẩẫậẻẽẹềểễệỉịỏổỗộủũụỳỷỹỵ]/i;
/**
 * `isKnownWord` tells English words residents use (the classifier's vocabulary): a message
 * mostly made of them is English however the n-grams look ("chk status RC-604418 thx").
 */
export function detectLanguage(text: string, isKnownWord: (word: string) => boolean = () => false): string {
  const letters = text.replace(/[^\p{L}\s]/gu, ' ').trim();
  if (!letters) return 'en';
  const nonLatin = letters.replace(/[A-Za-z\s]/g, '');
  for (const [script, code] of NON_LATIN_SCRIPTS) if (script.test(nonLatin) && nonLatin.length >= letters.replace(/\s/g, '').length / 3) return code;
  if (VIETNAMESE.test(letters)) return 'vi';
  const words = letters.toLowerCase().split(/\s+/).filter(Boolean);
  const known = words.filter((w) => isKnownWord(w)).length;
  if (words.length < 3 || known >= words.length * 0.35) return 'en';
  const [best] = detectAll(letters);
  return best && best.lang !== 'en' && best.accuracy >= 0.5 ? best.lang : 'en';
}

/** Language names agents read ("Spanish"), from the code. */
export function languageName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

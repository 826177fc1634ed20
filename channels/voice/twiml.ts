/** TwiML for the phone menu and the queue, built only with the SDK's VoiceResponse, in the council's voice and locale. */
import twilio from 'twilio';
import type { PhoneVoice } from '../../src/domain/channel';
import type { Choice } from '../../src/domain/messages';
import { speakable, speakableText, type SpokenOptions } from './render';

/** Seconds of silence before a prompt counts as "no input". */
const GATHER_TIMEOUT = 6;

export type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;
type SayAttributes = NonNullable<Parameters<VoiceResponse['say']>[0]>;
type GatherAttributes = NonNullable<Parameters<VoiceResponse['gather']>[0]>;

export function newResponse(): VoiceResponse {
  return new twilio.twiml.VoiceResponse();
}

/** The voice and the recogniser's language are the council's (Twilio checks the names). */
export function voiceOf(voice: PhoneVoice) {
  const sayAs = { language: voice.language, ...(voice.name ? { voice: voice.name } : {}) } as SayAttributes;
  const language = voice.language as GatherAttributes['language'];

  const say = (response: VoiceResponse | ReturnType<VoiceResponse['gather']>, text: string) => {
    if (text.trim()) response.say(sayAs, text);
  };

  return {
    sayAs,
    /** A prompt that takes one key or a spoken answer; silence comes back to `silenceUrl` (the same URL by default) with neither. */
    prompt(response: VoiceResponse, content: { text: string; choices?: Choice[] }, actionUrl: string, options: SpokenOptions & { silenceUrl?: string; hints?: string } = {}): VoiceResponse {
      const gather = response.gather({
        input: ['dtmf', 'speech'],
        numDigits: 1,
        action: actionUrl,
        method: 'POST',
        timeout: GATHER_TIMEOUT,
        speechTimeout: 'auto',
        language,
        hints: options.hints ?? 'person, camping, permit, question, bins, pothole, report, status, yes, no',
      });
      say(gather, speakable(content, options));
      response.redirect({ method: 'POST' }, options.silenceUrl ?? actionUrl);
      return response;
    },
    /** A key-only choice (call-back or text); falls through to what follows if nothing is pressed. */
    keyChoice(response: VoiceResponse, text: string, actionUrl: string, timeout = GATHER_TIMEOUT): VoiceResponse {
      say(response.gather({ input: ['dtmf'], numDigits: 1, action: actionUrl, method: 'POST', timeout }), speakableText(text));
      return response;
    },
    say(response: VoiceResponse, text: string): VoiceResponse {
      say(response, speakableText(text));
      return response;
    },
  };
}

export type Voice = ReturnType<typeof voiceOf>;

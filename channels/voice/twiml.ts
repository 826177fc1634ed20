/** TwiML for the phone menu and the queue, built only with the SDK's VoiceResponse. */
import twilio from 'twilio';
import type { Choice } from '../../src/domain/messages';
import { speakable, speakableText } from './render';

export const VOICE = { language: 'en-GB' as const, voice: 'Polly.Amy' as const };
/** Seconds of silence before a prompt counts as "no input". */
const GATHER_TIMEOUT = 6;

export type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;

export function newResponse(): VoiceResponse {
  return new twilio.twiml.VoiceResponse();
}

/** A prompt that takes one key or a spoken answer; silence comes back to the same URL with neither. */
export function prompt(response: VoiceResponse, say: { text: string; choices?: Choice[] }, actionUrl: string): VoiceResponse {
  const gather = response.gather({
    input: ['dtmf', 'speech'],
    numDigits: 1,
    action: actionUrl,
    method: 'POST',
    timeout: GATHER_TIMEOUT,
    speechTimeout: 'auto',
    language: 'en-GB',
    hints: 'person, agent, camping, bins, pothole, report, case status',
  });
  gather.say(VOICE, speakable(say));
  response.redirect({ method: 'POST' }, actionUrl);
  return response;
}

/** A key-only choice (call-back or text), with what to do if nothing is pressed. */
export function keyChoice(response: VoiceResponse, text: string, actionUrl: string, timeout = GATHER_TIMEOUT): VoiceResponse {
  response.gather({ input: ['dtmf'], numDigits: 1, action: actionUrl, method: 'POST', timeout }).say(VOICE, speakableText(text));
  return response;
}

export function say(response: VoiceResponse, text: string): VoiceResponse {
  if (text.trim()) response.say(VOICE, speakableText(text));
  return response;
}

/**
 * The first thing a resident who may be at risk is told: the emergency number, then the crisis
 * line for their situation, then that a person has their message as urgent. Short enough for
 * one SMS, and speakable ("triple zero" on the phone).
 */
import type { RiskKind } from '../ai/safeguarding';
import type { CouncilInfo } from '../services';

/** Australia's national lines (defaults; a council can set its own with CRISIS_LINES). */
export const NATIONAL_CRISIS_LINES: Record<RiskKind, string> = {
  self_harm: 'Lifeline is there 24/7 on 13 11 14.',
  family_violence: '1800RESPECT is there 24/7 on 1800 737 732.',
  abuse_neglect: 'For a child, call the Child Protection Helpline on 132 111. For an older person, call 1800 353 374.',
  welfare: 'For a welfare check, call the Police Assistance Line on 131 444.',
  homelessness: 'Link2home can help find a bed tonight: 1800 152 152, 24/7.',
  threat: 'Police can be reached on 000 now, or 131 444 if no one is in danger.',
  unspecified: 'Lifeline is there 24/7 on 13 11 14.',
};

export function crisisNotice(council: CouncilInfo, risk: RiskKind, spoken: boolean): string {
  const emergency = spoken ? 'If you or anyone else is in danger now, hang up and call triple zero.' : 'If you or anyone else is in danger now, call 000.';
  return `${emergency} ${council.crisisLines[risk]} I've passed your message to our team as urgent.`;
}

/** A message we cannot read, and no model to read it: English, the interpreter line, and a person. */
export function interpreterNotice(council: CouncilInfo): string {
  return `Sorry, I can only reply in English. For help in your language, call ${council.interpreterLine} and ask for ${council.name}. Or choose "Talk to a person".`;
}

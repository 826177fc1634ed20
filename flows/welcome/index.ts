/**
 * The greeting and main menu. It lists the flows this engine offers (from the registry),
 * starts the one a resident picks, and offers a person after two misunderstandings.
 */
import { OUT_OF_SCOPE, type FlowDefinition, type StepContext, type StepInput, type StepResult } from '../../src/domain/flow';
import type { Choice } from '../../src/domain/messages';
import { copy } from './copy';
import utterances from './utterances.json';

const welcomeFlowId = 'welcome';
const GREETING = /^(hi|hello|hey|good (morning|afternoon|evening)|g'?day)\b/i;

function menuChoices(context: StepContext): Choice[] {
  return [
    ...context.menu.map((item) => ({ value: item.flowId, label: item.label })),
    { value: 'agent', label: copy.talkToPerson },
  ];
}

/** Matches a menu choice by value, by its number ("2"), or by its label's words. */
function pickFromMenu(input: StepInput, choices: Choice[]): Choice | undefined {
  const text = input.content.kind === 'choice' ? input.content.value : input.text.trim().toLowerCase();
  const byNumber = /^\d+$/.test(text) ? choices[Number(text) - 1] : undefined;
  return (
    byNumber ??
    choices.find((c) => c.value === text) ??
    choices.find((c) => text.length >= 4 && c.label.toLowerCase().includes(text))
  );
}

const greet = (input: StepInput, context: StepContext): StepResult => {
  // A first message that already says what it is about goes straight to that flow, greeting or not.
  const intent = input.understood?.intent;
  if (intent && intent !== OUT_OF_SCOPE && intent !== welcomeFlowId) {
    return { say: [copy.hello(context.council.name)], startFlow: intent };
  }
  const referral = input.understood?.referral;
  if (referral) return { say: [copy.referral(referral.topic, referral.agency)], choices: menuChoices(context), next: 'menu' };
  // Off-topic first message: say so, and what we can do, rather than a bare greeting.
  if (intent === OUT_OF_SCOPE && input.content.kind !== 'call') {
    return { say: [copy.hello(context.council.name), copy.outOfScope(context.menu.map((m) => m.label.toLowerCase()))], choices: menuChoices(context), next: 'menu' };
  }
  return { say: [copy.greeting(context.council.name), copy.menuPrompt], choices: menuChoices(context), next: 'menu' };
};

const menu = (input: StepInput, context: StepContext): StepResult => {
  const choices = menuChoices(context);
  const picked = pickFromMenu(input, choices);
  if (picked?.value === 'agent') return { say: [], handoff: { reason: 'Resident chose "Talk to a person" from the menu' } };
  if (picked) return { say: [], startFlow: picked.value };
  if (GREETING.test(input.text.trim()) || /^(start|menu)\b/i.test(input.text.trim())) {
    return greet(input, context);
  }
  // Free text: the flow it is about, if any. Out of scope is an answer, never a wrong flow.
  const intent = input.understood?.intent;
  if (intent && intent !== OUT_OF_SCOPE && intent !== 'welcome') {
    return { say: [], startFlow: intent };
  }
  const referral = input.understood?.referral;
  if (referral) return { say: [copy.referral(referral.topic, referral.agency)], choices, missed: true, next: 'menu' };
  if (input.text.trim() && input.content.kind !== 'call') {
    return { say: [copy.outOfScope(context.menu.map((m) => m.label.toLowerCase()))], choices, missed: true, next: 'menu' };
  }
  return { say: [copy.notUnderstood, copy.menuPrompt], choices, missed: true, next: 'menu' };
};

export const welcomeFlow: FlowDefinition = {
  id: welcomeFlowId,
  version: 1,
  // Greetings, thanks and goodbyes on their own: the classifier learns them as this flow.
  examples: utterances,
  start: 'greet',
  steps: { greet, menu },
};

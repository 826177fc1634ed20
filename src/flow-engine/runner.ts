/**
 * Runs one flow step for one resident input and returns what to say and the next state.
 * Pure of I/O: the router stores the outcome. The conversation skills every flow shares live
 * here, the same on every channel:
 *  - an offered choice is answered the way it was offered: its number, its label (any case,
 *    small typos), or a yes/no word for a yes/no question;
 *  - a message that is plainly another request (another flow's trigger words, or a confident
 *    guess that the current step would not take as an answer) asks whether to switch; the
 *    current flow is kept and resumed when the other one ends;
 *  - two misunderstandings in a row offer a person; a third queues one.
 */
import type { FlowState } from '../domain/conversation';
import { OUT_OF_SCOPE, type FlowDefinition, type StepContext, type StepInput } from '../domain/flow';
import type { Choice } from '../domain/messages';
import { choiceAnswered, isCancel, isHelp, isNo, isYes } from '../ai/extract';
import { MAIN_FLOW_ID, type FlowRegistry } from './registry';
import { choicesLength, TWO_SMS_SEGMENTS } from './reply-length';

export interface RunOutcome {
  say: string[];
  choices?: Choice[];
  state: FlowState;
  handoff?: { reason: string };
  /** The step that produced `say` (the runner's own questions name the step they were asked at). */
  handledBy: { flow: string; step: string };
  /** Flows started this turn, in order (a menu choice starts one, a switch another). */
  entered: string[];
  /** A flow that ended this turn, and whether it did what the resident came for. */
  ended?: { flow: string; step: string; completed: boolean; missed: boolean };
}

const OFFER_AFTER_MISSES = 2;
const QUEUE_AFTER_MISSES = 3;
/** A guess this sure, from the understanding, is another request even without trigger words. */
const SURE_INTENT = 0.85;

/** The runner's own answers: they never reach a step. */
export const PERSON = 'agent';
const CARRY_ON = 'carry-on';
const SWITCH = 'switch';

export const runnerCopy = {
  offerPerson: 'Would you like to talk to a person?',
  // Button labels fit Messenger's 20-character quick replies whole.
  yesPerson: 'Yes, a person please',
  noCarryOn: 'No, carry on',
  stillLost: "Sorry, I'm still not getting it. I'll pass you to a person.",
  carryOn: "OK, let's carry on.",
  anythingElse: 'OK. What else can I help with?',
  switchOffer: (other: string, current: string) => `That sounds like a new request: ${other}. Do that now? Your ${current} is kept for after.`,
  yesSwitch: 'Yes, do that now',
  backTo: (topic: string, question: string) => `Back to your ${topic}: ${question}`,
  unavailable: 'Sorry, that option is not available right now.',
};
const PERSON_OFFER: Choice[] = [
  { value: PERSON, label: runnerCopy.yesPerson },
  { value: CARRY_ON, label: runnerCopy.noCarryOn },
];
const SWITCH_OFFER: Choice[] = [
  { value: SWITCH, label: runnerCopy.yesSwitch },
  { value: CARRY_ON, label: runnerCopy.noCarryOn },
];

const topicOf = (flow: FlowDefinition | undefined) => flow?.topic ?? 'request';
const lastLine = (say: string[]) => say[say.length - 1];

/** Which offered choice the input picks, if it is wholly an answer to it. */
function pickedChoice(input: StepInput, offered: Choice[]): Choice | undefined {
  if (input.content.kind === 'choice') {
    const value = input.content.value;
    return offered.find((c) => c.value === value) ?? { value, label: input.content.label ?? value };
  }
  if (input.content.kind !== 'text' && input.content.kind !== 'speech') return undefined;
  // The runner's own yes/no questions: a yes is the first option, a no is "carry on".
  const own = offered.find((c) => c.value === PERSON || c.value === SWITCH);
  if (own && !offered.some((c) => c.value === 'yes')) {
    if (isYes(input.text)) return own;
    if (isNo(input.text)) return offered.find((c) => c.value === CARRY_ON) ?? { value: CARRY_ON, label: runnerCopy.noCarryOn };
  }
  return choiceAnswered(input.text, offered);
}

/** Another flow this message is plainly about, if any (never the menu, never a question: those are answered in place). */
async function otherRequest(registry: FlowRegistry, flow: FlowDefinition, input: StepInput, context: StepContext): Promise<FlowDefinition | undefined> {
  if (flow.id === MAIN_FLOW_ID || (input.content.kind !== 'text' && input.content.kind !== 'speech') || !input.text.trim()) return undefined;
  // Leaving, asking for help and answering yes or no are part of the current flow.
  if (isCancel(input.text) || isHelp(input.text) || isYes(input.text) || isNo(input.text)) return undefined;
  const trigger = registry.triggered(input.text);
  const guess = input.understood;
  let candidate: { flowId: string; decisive: boolean } | undefined;
  if (trigger && trigger.flowId !== flow.id) candidate = trigger;
  else if (!trigger && guess && guess.score >= SURE_INTENT && ![flow.id, MAIN_FLOW_ID, OUT_OF_SCOPE, 'faq'].includes(guess.intent)) candidate = { flowId: guess.intent, decisive: false };
  if (!candidate || candidate.flowId === MAIN_FLOW_ID) return undefined;
  const other = registry.get(candidate.flowId);
  if (!other) return undefined;
  if (flow.claims && (await flow.claims(input, context, { decisive: candidate.decisive }))) return undefined;
  return other;
}

export async function runFlowStep(
  registry: FlowRegistry,
  current: FlowState | undefined,
  firstInput: StepInput,
  context: Omit<StepContext, 'slots' | 'menu'>,
): Promise<RunOutcome> {
  let state: FlowState = current ?? { id: MAIN_FLOW_ID, step: registry.get(MAIN_FLOW_ID)!.start, slots: {}, misses: 0 };
  let input = firstInput;
  const say: string[] = [];
  const menu = registry.menu();
  const stepContext = (s: FlowState): StepContext => ({ ...context, slots: s.slots, menu });
  const { offered = [], switchTo, asked, ...rest } = state;
  state = rest;
  const trail: Pick<RunOutcome, 'handledBy' | 'entered' | 'ended'> = { handledBy: { flow: state.id, step: state.step }, entered: [] };
  // What a step said just before it started another flow ("Hi, I'm the … assistant."): a courtesy
  // that goes when the whole reply would otherwise run past two SMS segments.
  const courtesy: string[] = [];
  const done = (outcome: Omit<RunOutcome, 'handledBy' | 'entered' | 'ended'>): RunOutcome => {
    const length = outcome.say.join('\n').length + choicesLength(outcome.choices);
    const say = courtesy.length && length > TWO_SMS_SEGMENTS ? outcome.say.filter((line) => !courtesy.includes(line)) : outcome.say;
    return { ...outcome, say, ...trail };
  };

  const picked = offered.length || input.content.kind === 'choice' ? pickedChoice(input, offered) : undefined;
  if (picked?.value === PERSON) return done({ say, state: { ...state, misses: 0 }, handoff: { reason: 'Resident chose to talk to a person' } });
  if (picked?.value === CARRY_ON) {
    // "No" to a person or to switching: ask again what was being asked.
    if (asked?.text) return done({ say: [runnerCopy.carryOn, asked.text], ...(asked.choices ? { choices: asked.choices } : {}), state: { ...state, misses: 0, asked, ...(asked.choices ? { offered: asked.choices } : {}) } });
    return done({ say: [runnerCopy.anythingElse], state: { ...state, misses: 0 } });
  }
  if (picked?.value === SWITCH && switchTo && registry.get(switchTo.flowId)) {
    // Set the current flow aside and start the other with the message that asked for it.
    const next = registry.get(switchTo.flowId)!;
    state = { id: next.id, step: next.start, slots: {}, misses: 0, paused: { ...state, ...(asked ? { asked } : {}) } };
    trail.entered.push(next.id);
    input = { content: { kind: 'text', text: switchTo.text }, text: switchTo.text, understood: { intent: next.id, score: 1 } };
  } else if (picked && offered.some((c) => c.value === picked.value) && input.content.kind !== 'choice') {
    // A typed "2" or "bayside" is the choice itself, as if its button had been pressed.
    input = { ...input, content: { kind: 'choice', value: picked.value, label: picked.label }, text: picked.label };
  } else {
    const flow = registry.get(state.id) ?? registry.get(MAIN_FLOW_ID)!;
    const other = await otherRequest(registry, flow, input, stepContext(state));
    if (other && !flow.topic) {
      // Nothing worth keeping (a question, a look-up): go straight to the new request.
      state = { id: other.id, step: other.start, slots: {}, misses: 0, ...(state.paused ? { paused: state.paused } : {}) };
      trail.entered.push(other.id);
    } else if (other) {
      return done({
        say: [runnerCopy.switchOffer(other.menuLabel?.toLowerCase() ?? topicOf(other), topicOf(flow))],
        choices: SWITCH_OFFER,
        state: { ...state, ...(asked ? { asked } : {}), offered: SWITCH_OFFER, switchTo: { flowId: other.id, text: input.text } },
      });
    }
  }

  // A step may start another flow; bound the hops so a bad definition cannot loop forever.
  for (let hop = 0; hop < 4; hop++) {
    const flow = registry.get(state.id) ?? registry.get(MAIN_FLOW_ID)!;
    const stepName = flow.steps[state.step] ? state.step : flow.start;
    const step = flow.steps[stepName]!;
    trail.handledBy = { flow: flow.id, step: stepName };
    const result = await step(input, stepContext(state));
    say.push(...result.say);
    const slots = { ...state.slots, ...(result.slots ?? {}) };
    const misses = result.missed ? state.misses + 1 : 0;

    if ('handoff' in result) return done({ say, state: { ...state, slots, misses: 0 }, handoff: result.handoff });
    if ('startFlow' in result) {
      const next = registry.get(result.startFlow);
      if (next) {
        courtesy.push(...result.say);
        state = { id: next.id, step: next.start, slots: {}, misses: 0, ...(state.paused ? { paused: state.paused } : {}) };
        trail.entered.push(next.id);
        continue;
      }
      return done({ say: [...say, runnerCopy.unavailable], state: { ...state, misses }, choices: [PERSON_OFFER[0]!] });
    }
    if ('end' in result) {
      trail.ended = { flow: flow.id, step: stepName, completed: !result.missed && !result.unfinished, missed: Boolean(result.missed) };
      const paused = state.paused;
      if (paused) {
        // The request that interrupted is done: back to the one set aside.
        const question = paused.asked?.text;
        const choices = [...(paused.asked?.choices ?? []), ...(result.choices ?? []).filter((c) => !(paused.asked?.choices ?? []).some((p) => p.value === c.value))];
        if (question) say.push(runnerCopy.backTo(topicOf(registry.get(paused.id)), question));
        return done({ say, ...(choices.length ? { choices } : {}), state: { ...paused, misses: 0, ...(choices.length ? { offered: choices } : {}) } });
      }
      const main = registry.get(MAIN_FLOW_ID)!;
      return done({
        say,
        ...(result.choices ? { choices: result.choices } : {}),
        state: { id: main.id, step: 'menu' in main.steps ? 'menu' : main.start, slots: {}, misses: 0, ...(result.choices ? { offered: result.choices } : {}) },
      });
    }
    const askedNow = { text: lastLine(result.say), ...(result.choices ? { choices: result.choices } : {}) };
    const nextState: FlowState = { id: flow.id, step: result.next, slots, misses, asked: askedNow, ...(result.choices ? { offered: result.choices } : {}), ...(state.paused ? { paused: state.paused } : {}) };
    if (misses >= QUEUE_AFTER_MISSES) {
      return done({ say: [runnerCopy.stillLost], state: { ...nextState, misses: 0 }, handoff: { reason: `Resident was not understood ${misses} times in a row` } });
    }
    if (misses >= OFFER_AFTER_MISSES) {
      // Two in a row: say so and offer a person (the question comes back on "no, carry on").
      const apology = result.say.length > 1 ? result.say.slice(0, -1) : result.say;
      return done({ say: [...say.slice(0, say.length - result.say.length), ...apology, runnerCopy.offerPerson], choices: PERSON_OFFER, state: { ...nextState, offered: PERSON_OFFER } });
    }
    return done({ say, ...(result.choices ? { choices: result.choices } : {}), state: nextState });
  }
  throw new Error(`flow ${state.id} started flows more than 4 times in one turn`);
}

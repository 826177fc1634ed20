/**
 * Runs one flow step for one resident input and returns what to say and the next state.
 * Pure of I/O: the router stores the outcome. Handles flow switches and the
 * "two misunderstandings in a row → offer a person" rule for every flow.
 */
import type { FlowState } from '../domain/conversation';
import type { StepContext, StepInput } from '../domain/flow';
import type { Choice } from '../domain/messages';
import { MAIN_FLOW_ID, type FlowRegistry } from './registry';

export interface RunOutcome {
  say: string[];
  choices?: Choice[];
  state: FlowState;
  handoff?: { reason: string };
}

const MAX_MISSES = 2;
const OFFER_PERSON: Choice = { value: 'agent', label: 'Talk to a person' };

export async function runFlowStep(
  registry: FlowRegistry,
  current: FlowState | undefined,
  input: StepInput,
  context: Omit<StepContext, 'slots' | 'menu'>,
): Promise<RunOutcome> {
  let state: FlowState = current ?? { id: MAIN_FLOW_ID, step: registry.get(MAIN_FLOW_ID)!.start, slots: {}, misses: 0 };
  const say: string[] = [];
  // A step may start another flow; bound the hops so a bad definition cannot loop forever.
  for (let hop = 0; hop < 4; hop++) {
    const flow = registry.get(state.id) ?? registry.get(MAIN_FLOW_ID)!;
    const step = flow.steps[state.step] ?? flow.steps[flow.start]!;
    const result = await step(input, { ...context, slots: state.slots, menu: registry.menu() });
    say.push(...result.say);
    const slots = { ...state.slots, ...(result.slots ?? {}) };
    const misses = result.missed ? state.misses + 1 : 0;

    if ('handoff' in result) return { say, state: { ...state, slots, misses: 0 }, handoff: result.handoff };
    if ('startFlow' in result) {
      const next = registry.get(result.startFlow);
      if (next) {
        state = { id: next.id, step: next.start, slots: {}, misses: 0 };
        continue;
      }
      return { say: [...say, 'Sorry, that option is not available right now.'], state: { ...state, misses }, choices: [OFFER_PERSON] };
    }
    if ('end' in result) {
      const main = registry.get(MAIN_FLOW_ID)!;
      return { say, choices: result.choices, state: { id: main.id, step: 'menu' in main.steps ? 'menu' : main.start, slots: {}, misses: 0 } };
    }
    const nextState: FlowState = { id: flow.id, step: result.next, slots, misses };
    if (misses >= MAX_MISSES) {
      // Two misunderstandings in a row: offer a person alongside whatever the step offered.
      const choices = [...(result.choices ?? []).filter((c) => c.value !== OFFER_PERSON.value), OFFER_PERSON];
      return { say: [...say, 'Would you like to talk to a person?'], choices, state: nextState };
    }
    return { say, choices: result.choices, state: nextState };
  }
  throw new Error(`flow ${state.id} started flows more than 4 times in one turn`);
}

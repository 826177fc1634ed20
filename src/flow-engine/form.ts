/**
 * Slot-filling flows, as data. A form flow names its slots (how each is asked, read and
 * checked), how to confirm, and what to do once confirmed; this module gives every such flow
 * the same conversation skills:
 *  - every message is read for *every* slot, so "actually 3 nights" corrects at any point;
 *  - typed validation, with the question asked again and the reason given;
 *  - cancel, help, and a question asked mid-flow answered before the flow resumes;
 *  - a confirmation step before any action; two misunderstandings in a row offer a person
 *    (the runner's rule, from `missed`).
 * Values an LLM proposed (`understand().slots`) go through the same readers and checks.
 */
import type { FlowDefinition, FlowTriggers, StepContext, StepInput, StepResult } from '../domain/flow';
import type { Choice } from '../domain/messages';
import { isCancel, isHelp, isNo, isYes } from '../ai/extract';

export type Slots = Record<string, unknown>;

export interface SlotSpec {
  name: string;
  /** The question; short enough for SMS, speakable for voice. */
  ask: string | ((slots: Slots, context: StepContext) => string);
  choices?: (slots: Slots, context: StepContext) => Choice[];
  /** Reads this slot from any message (corrections included); undefined when absent. */
  read(input: StepInput, context: StepContext, slots: Slots): unknown | Promise<unknown>;
  /** Reads a direct answer to this slot's own question (e.g. a bare "3"). */
  answer?(input: StepInput, context: StepContext, slots: Slots): unknown;
  /** Why a value is not acceptable (the council's rules), or undefined when it is. */
  check?(value: unknown, slots: Slots, context: StepContext): string | undefined;
  /** Optional slots are asked but may be skipped with "skip" / "no". */
  optional?: boolean;
  /** Only asked (and read) when this holds, e.g. a follow-up question about a duplicate. */
  when?(slots: Slots): boolean;
}

export interface FormFlowSpec {
  id: string;
  version: number;
  menuLabel?: string;
  examples: string[];
  triggers?: FlowTriggers;
  intro?: string;
  help: string;
  slots: SlotSpec[];
  /** Runs when every slot is filled, before confirming (e.g. availability); may clear slots and explain. */
  precheck?(slots: Slots, context: StepContext): Promise<{ ok: true } | { ok: false; say: string[]; clear: string[]; set?: Slots; choices?: Choice[] }>;
  /** The question that confirms the action. */
  confirm(slots: Slots, context: StepContext): string;
  /** Does the action (idempotently, keyed by `context.services.seed`) and says the result. */
  complete(slots: Slots, context: StepContext): Promise<{ say: string[]; handoff?: { reason: string } }>;
  /** A slot whose value starts another path (e.g. "follow the existing report"): checked after each merge. */
  shortcut?(slots: Slots, context: StepContext): Promise<{ say: string[]; end: true; choices?: Choice[] } | undefined>;
}

const ASKING = '__asking';
const CONFIRMING = '__confirming';
const YES_NO: Choice[] = [
  { value: 'yes', label: 'Yes' },
  { value: 'no', label: 'No' },
];

function askText(slot: SlotSpec, slots: Slots, context: StepContext): string {
  return typeof slot.ask === 'function' ? slot.ask(slots, context) : slot.ask;
}

/** Choice buttons carry their value as text, so one reader handles typed and tapped answers. */
function asTextInput(input: StepInput): StepInput {
  return input.content.kind === 'choice' ? { ...input, text: input.content.value } : input;
}

export function defineFormFlow(spec: FormFlowSpec): FlowDefinition {
  const applies = (slot: SlotSpec, slots: Slots) => !slot.when || slot.when(slots);
  const nextMissing = (slots: Slots) => spec.slots.find((s) => applies(s, slots) && slots[s.name] === undefined && !(s.optional && slots[`${s.name}__skipped`]));

  const ask = (slot: SlotSpec, slots: Slots, context: StepContext, before: string[] = [], missed = false): StepResult => ({
    say: [...before, askText(slot, slots, context)],
    ...(slot.choices ? { choices: slot.choices(slots, context) } : {}),
    slots: { ...slots, [ASKING]: slot.name, [CONFIRMING]: false },
    missed,
    next: 'collect',
  });

  /** Every slot filled: check, then ask to confirm. */
  const toConfirm = async (slots: Slots, context: StepContext, before: string[]): Promise<StepResult> => {
    if (spec.precheck) {
      const check = await spec.precheck(slots, context);
      if (!check.ok) {
        const cleared = { ...slots, ...(check.set ?? {}) };
        for (const name of check.clear) delete cleared[name];
        const slot = nextMissing(cleared);
        if (slot) return { ...ask(slot, cleared, context, [...before, ...check.say]), ...(check.choices ? { choices: check.choices } : {}) };
      }
    }
    return { say: [...before, spec.confirm(slots, context)], choices: YES_NO, slots: { ...slots, [ASKING]: null, [CONFIRMING]: true }, next: 'collect' };
  };

  const collect = async (rawInput: StepInput, context: StepContext): Promise<StepResult> => {
    const input = asTextInput(rawInput);
    const slots: Slots = { ...context.slots };
    const text = input.text.trim();
    const started = slots[ASKING] === undefined && !slots[CONFIRMING];

    if (!started && isCancel(text)) return { say: ["OK, I've stopped that. Nothing was booked or sent."], end: true };
    if (!started && isHelp(text)) {
      const slot = nextMissing(slots);
      return slot ? ask(slot, slots, context, [spec.help]) : { say: [spec.help, spec.confirm(slots, context)], choices: YES_NO, slots, next: 'collect' };
    }

    // Read every slot from the message, plus the answer to the question just asked.
    const said: string[] = [];
    let understood = false;
    const asking = spec.slots.find((s) => s.name === slots[ASKING]);
    for (const slot of spec.slots) {
      if (!applies(slot, slots)) continue;
      let value = await slot.read(input, context, slots);
      if (value === undefined && slot === asking && slot.answer) value = slot.answer(input, context, slots);
      if (value === undefined && slot === asking && slot.optional && /^\s*(skip|no|none|nope|n\/a)\b/i.test(text)) {
        slots[`${slot.name}__skipped`] = true;
        understood = true;
        continue;
      }
      if (value === undefined) continue;
      // The same value again (say, a model re-proposing it) is not news.
      if (slots[slot.name] !== undefined && JSON.stringify(slots[slot.name]) === JSON.stringify(value)) continue;
      const problem = slot.check?.(value, slots, context);
      if (problem) {
        said.push(problem);
        delete slots[slot.name];
        understood = true;
        continue;
      }
      if (slots[slot.name] !== undefined && !started) said.push("Got it, I've changed that.");
      slots[slot.name] = value;
      understood = true;
    }

    const shortcut = spec.shortcut ? await spec.shortcut(slots, context) : undefined;
    if (shortcut) return { say: [...said, ...shortcut.say], end: true, ...(shortcut.choices ? { choices: shortcut.choices } : {}) };

    if (slots[CONFIRMING] && !understood) {
      if (isYes(text)) {
        const done = await spec.complete(slots, context);
        if (done.handoff) return { say: done.say, handoff: done.handoff };
        return { say: done.say, end: true };
      }
      if (isNo(text)) {
        return { say: ["OK. Tell me what to change (for example \"actually 3 nights\"), or say cancel."], slots, next: 'collect' };
      }
    }

    if (!understood && !started) {
      // A question in the middle of a flow: answer it, then carry on where we were.
      const topic = await context.services.understand(text);
      if (topic.intent === 'faq' && text.length > 8) {
        const passages = context.services.knowledge.search(text);
        const answer = passages.length ? await context.services.knowledge.answer(text, passages) : undefined;
        if (answer) {
          const slot = nextMissing(slots);
          const resume = slot ? askText(slot, slots, context) : spec.confirm(slots, context);
          return { say: [answer.text, `Back to your ${spec.menuLabel?.toLowerCase() ?? 'request'}: ${resume}`], slots, next: 'collect', ...(slot?.choices ? { choices: slot.choices(slots, context) } : slot ? {} : { choices: YES_NO }) };
        }
      }
    }

    const slot = nextMissing(slots);
    if (!understood && !started) {
      // Not understood: say so, ask again (two in a row offers a person).
      if (slot) return ask(slot, slots, context, [...said, "Sorry, I didn't catch that."], true);
      return { say: [...said, "Sorry, I didn't catch that.", spec.confirm(slots, context)], choices: YES_NO, slots, missed: true, next: 'collect' };
    }
    const intro = started && spec.intro ? [spec.intro] : [];
    if (slot) return ask(slot, slots, context, [...intro, ...said]);
    return toConfirm(slots, context, [...intro, ...said]);
  };

  return { id: spec.id, version: spec.version, ...(spec.menuLabel ? { menuLabel: spec.menuLabel } : {}), examples: spec.examples, ...(spec.triggers ? { triggers: spec.triggers } : {}), start: 'collect', steps: { collect } };
}

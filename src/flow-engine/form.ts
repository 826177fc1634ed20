/**
 * Slot-filling flows, as data. A form flow names its slots (how each is asked, read and
 * checked), how to confirm, and what to do once confirmed; this module gives every such flow
 * the same conversation skills:
 *  - every message is read for every slot, but a filled slot changes only when the message
 *    is about it (its reader found a value), and each change is said back;
 *  - typed validation, with the question asked again and the reason given;
 *  - a value that may be wrong (a place that does not look like one) is confirmed first;
 *  - "never mind" / "start again", help, and a question asked mid-flow answered before the
 *    flow resumes;
 *  - a confirmation step before any action. Misunderstandings are marked `missed`; the runner
 *    offers a person after two and queues one after a third.
 * Values an LLM proposed (`understand().slots`) go through the same readers and checks.
 */
import type { FlowDefinition, FlowTriggers, StepContext, StepInput, StepResult } from '../domain/flow';
import type { Choice } from '../domain/messages';
import { isCancel, isHelp, isNo, isYes } from '../ai/extract';
import { choicesLength } from './reply-length';

export type Slots = Record<string, unknown>;

export interface SlotSpec {
  name: string;
  /** The question; short enough for SMS, speakable for voice. */
  ask: string | ((slots: Slots, context: StepContext) => string);
  choices?: (slots: Slots, context: StepContext) => Choice[];
  /** Reads this slot from any message (corrections included); undefined when the message is not about it. */
  read(input: StepInput, context: StepContext, slots: Slots): unknown | Promise<unknown>;
  /** Reads a direct answer to this slot's own question (e.g. a bare "3"). */
  answer?(input: StepInput, context: StepContext, slots: Slots): unknown;
  /** Why a value is not acceptable (the council's rules), or undefined when it is. */
  check?(value: unknown, slots: Slots, context: StepContext): string | undefined;
  /** A yes/no question when a value may be wrong (e.g. 'Is "behind the shops" the place?'). */
  confirmValue?(value: unknown, slots: Slots): string | undefined;
  /** What is said back when a filled slot changes ("Changed to 3 nights from Friday 4 December."). */
  changed?(slots: Slots, context: StepContext): string;
  /** Asked for in the resident's own words: while it is asked, any text is the answer, not a new topic. */
  freeText?: boolean;
  /** Optional slots are asked but may be skipped with "skip" / "no". */
  optional?: boolean;
  /** Only asked (and read) when this holds, e.g. a follow-up question about a duplicate. */
  when?(slots: Slots): boolean;
}

export interface FormFlowSpec {
  id: string;
  version: number;
  menuLabel?: string;
  /** What the resident is doing here ("camping booking"), for "Back to your …". */
  topic: string;
  examples: string[];
  triggers?: FlowTriggers;
  intro?: string;
  help: string;
  /** Said after "No" at the confirmation: what can be changed, in this flow's terms. */
  changeHint: string;
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
/** A value read but waiting for the resident's yes. */
const PENDING = '__pending';
const YES_NO: Choice[] = [
  { value: 'yes', label: 'Yes' },
  { value: 'no', label: 'No' },
];
export const formCopy = {
  stopped: "OK, I've stopped that. Nothing was booked or sent.",
  notCaught: "Sorry, I didn't catch that.",
  changed: "OK, I've changed that.",
  ok: 'OK.',
  back: (topic: string, question: string) => `Back to your ${topic}: ${question}`,
};

const QUESTION_FILLER = new Set(['what', 'when', 'where', 'which', 'there', 'allowed', 'does', 'have', 'with', 'your', 'about', 'that', 'this', 'from', 'they', 'them', 'will', 'would', 'could', 'should', 'much']);
const stems = (text: string) => new Set((text.toLowerCase().match(/[a-z]{4,}/g) ?? []).filter((w) => !QUESTION_FILLER.has(w)).map((w) => w.slice(0, 5)));

/**
 * A mid-flow answer keeps only the sentences that speak to the question (and its source link),
 * so the answer and the question it returns to fit in two SMS.
 */
export function focusedAnswer(question: string, answer: string, budget: number): string {
  const link = /\s((?:More|Source): \S+)$/.exec(answer);
  const body = link ? answer.slice(0, link.index) : answer;
  const maxChars = Math.max(100, budget - (link ? link[1]!.length + 1 : 0));
  if (body.length <= maxChars) return answer;
  const asked = stems(question);
  const sentences = body.split(/(?<=[.!?])\s+/);
  const scored = sentences.map((text, i) => ({ text, i, score: [...stems(text)].filter((w) => asked.has(w)).length }));
  const best = [...scored].sort((a, b) => b.score - a.score || a.i - b.i);
  const kept: typeof scored = [];
  for (const sentence of best) {
    if (kept.length && (sentence.score === 0 || [...kept, sentence].reduce((n, k) => n + k.text.length + 1, 0) > maxChars)) continue;
    kept.push(sentence);
  }
  const text = kept.sort((a, b) => a.i - b.i).map((k) => k.text).join(' ');
  return link ? `${text} ${link[1]}` : text;
}

function askText(slot: SlotSpec, slots: Slots, context: StepContext): string {
  return typeof slot.ask === 'function' ? slot.ask(slots, context) : slot.ask;
}

/** Choice buttons carry their value as text, so one reader handles typed and tapped answers. */
function asTextInput(input: StepInput): StepInput {
  return input.content.kind === 'choice' ? { ...input, text: input.content.value } : input;
}

const SKIP = /^\s*(skip|no|none|nope|nah|n\/a|no photo|i can'?t|cannot|can'?t)\b/i;

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
  const confirmQuestion = (slots: Slots, context: StepContext, before: string[], missed = false): StepResult => ({
    say: [...before, spec.confirm(slots, context)],
    choices: YES_NO,
    slots: { ...slots, [ASKING]: null, [CONFIRMING]: true },
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
    return confirmQuestion(slots, context, before);
  };

  const started = (slots: Slots) => slots[ASKING] === undefined && !slots[CONFIRMING];

  /** Would this message be taken as an answer here? (Then it is not a change of topic.) */
  const claims = async (rawInput: StepInput, context: StepContext, trigger: { decisive: boolean }): Promise<boolean> => {
    const input = asTextInput(rawInput);
    const slots = context.slots;
    if (started(slots)) return false;
    const asking = spec.slots.find((s) => s.name === slots[ASKING]);
    if (asking?.freeText && !trigger.decisive) return true;
    for (const slot of spec.slots) {
      if (!applies(slot, slots) || slot.freeText) continue;
      const value = await slot.read(input, context, slots);
      if (value !== undefined && JSON.stringify(value) !== JSON.stringify(slots[slot.name])) return true;
    }
    return false;
  };

  const collect = async (rawInput: StepInput, context: StepContext): Promise<StepResult> => {
    const input = asTextInput(rawInput);
    const slots: Slots = { ...context.slots };
    const text = input.text.trim();
    const isNew = started(slots);

    if (!isNew && isCancel(text)) return { say: [formCopy.stopped], end: true, unfinished: true };
    if (!isNew && isHelp(text)) {
      const slot = nextMissing(slots);
      return slot ? ask(slot, slots, context, [spec.help]) : confirmQuestion(slots, context, [spec.help]);
    }

    // A value waiting for a yes: yes keeps it, no asks again, anything else is read as usual.
    const pending = slots[PENDING] as { slot: string; value: unknown } | undefined;
    delete slots[PENDING];
    if (pending) {
      const slot = spec.slots.find((s) => s.name === pending.slot)!;
      if (isYes(text)) {
        slots[slot.name] = pending.value;
        const next = nextMissing(slots);
        return next ? ask(next, slots, context, [formCopy.ok]) : toConfirm(slots, context, [formCopy.ok]);
      }
      if (isNo(text)) return ask(slot, slots, context, [formCopy.ok]);
    }

    // Read every slot from the message, plus the answer to the question just asked.
    const said: string[] = [];
    const changed: SlotSpec[] = [];
    let confirmAsk: string | undefined;
    let understood = false;
    const asking = spec.slots.find((s) => s.name === slots[ASKING]);
    // The answer to a question in the resident's own words (a description) is just that: the
    // place or the kind of problem it mentions changes nothing already given ("deep hole by the
    // drain" is not a blocked drain, "near the lights" not a new place).
    const answerOf = async (slot: SlotSpec) => (await slot.read(input, context, slots)) ?? (slot === asking ? slot.answer?.(input, context, slots) : undefined);
    const ownAnswer = asking?.freeText && applies(asking, slots) ? await answerOf(asking) : undefined;
    for (const slot of spec.slots) {
      if (!applies(slot, slots)) continue;
      if (ownAnswer !== undefined && slot !== asking && slots[slot.name] !== undefined) continue;
      let value = slot === asking && ownAnswer !== undefined ? ownAnswer : await answerOf(slot);
      if (value === undefined && slot === asking && slot.optional && SKIP.test(text)) {
        slots[`${slot.name}__skipped`] = true;
        understood = true;
        continue;
      }
      if (value === undefined) continue;
      // The same value again (say, a model re-proposing it every turn) is not news, nor an answer.
      if (slots[slot.name] !== undefined && JSON.stringify(slots[slot.name]) === JSON.stringify(value)) continue;
      understood = true;
      const problem = slot.check?.(value, slots, context);
      if (problem) {
        said.push(problem);
        delete slots[slot.name];
        continue;
      }
      const question = slot.confirmValue?.(value, slots);
      if (question && !confirmAsk) {
        slots[PENDING] = { slot: slot.name, value };
        confirmAsk = question;
        continue;
      }
      if (slots[slot.name] !== undefined && !isNew) changed.push(slot);
      slots[slot.name] = value;
    }
    // Every change is said back in the flow's own words, once.
    for (const line of new Set(changed.map((slot) => slot.changed?.(slots, context) ?? formCopy.changed))) said.push(line);

    const shortcut = spec.shortcut ? await spec.shortcut(slots, context) : undefined;
    if (shortcut) return { say: [...said, ...shortcut.say], end: true, ...(shortcut.choices ? { choices: shortcut.choices } : {}) };

    if (confirmAsk) return { say: [...said, confirmAsk], choices: YES_NO, slots: { ...slots, [ASKING]: slots[ASKING] ?? null }, next: 'collect' };

    if (slots[CONFIRMING] && !understood) {
      if (isYes(text)) {
        const done = await spec.complete(slots, context);
        if (done.handoff) return { say: done.say, handoff: done.handoff };
        return { say: done.say, end: true };
      }
      if (isNo(text)) return { say: [spec.changeHint], slots, next: 'collect' };
    }

    if (!understood && !isNew) {
      // A question in the middle of a flow: answer it, then carry on where we were.
      const topic = input.understood ?? (await context.services.understand(text));
      if (topic.intent === 'faq' && text.length > 8) {
        const passages = context.services.knowledge.search(text);
        const answer = passages.length ? await context.services.knowledge.answer(text, passages) : undefined;
        if (answer) {
          const slot = nextMissing(slots);
          const resume = slot ? askText(slot, slots, context) : spec.confirm(slots, context);
          const choices = slot ? slot.choices?.(slots, context) : YES_NO;
          // Two SMS segments (306 GSM characters) for the answer, the question and its numbered choices.
          const back = formCopy.back(spec.topic, resume);
          const rest = back.length + 1 + choicesLength(choices);
          return { say: [focusedAnswer(text, answer.text, 300 - rest), back], slots, next: 'collect', ...(choices ? { choices } : {}) };
        }
      }
    }

    const slot = nextMissing(slots);
    if (!understood && !isNew) {
      // Not understood: say so and ask again, with the choices (the runner counts the misses).
      if (slot) return ask(slot, slots, context, [...said, formCopy.notCaught], true);
      return confirmQuestion(slots, context, [...said, formCopy.notCaught], true);
    }
    const intro = isNew && spec.intro ? [spec.intro] : [];
    if (slot) return ask(slot, slots, context, [...intro, ...said]);
    return toConfirm(slots, context, [...intro, ...said]);
  };

  return {
    id: spec.id,
    version: spec.version,
    ...(spec.menuLabel ? { menuLabel: spec.menuLabel } : {}),
    topic: spec.topic,
    examples: spec.examples,
    ...(spec.triggers ? { triggers: spec.triggers } : {}),
    claims,
    start: 'collect',
    steps: { collect },
  };
}

/**
 * Where a form flow is, for journeys and funnels: the slot being asked, `confirm`, or the
 * step itself (a form flow has one step, `collect`; its place is kept in the slots).
 */
export function journeyStep(state: { step: string; slots?: Record<string, unknown> | null }): string {
  const asking = state.slots?.[ASKING];
  if (typeof asking === 'string') return asking;
  if (state.slots?.[CONFIRMING]) return 'confirm';
  return state.step;
}

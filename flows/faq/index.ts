/**
 * faq: answers from the council's own pages (flows/faq/knowledge/), always with the source
 * link; with an LLM configured, a short draft written only from the retrieved passages. When
 * nothing in the pages answers the question, it says so and offers a person.
 */
import type { FlowDefinition, StepContext, StepInput, StepResult } from '../../src/domain/flow';
import { focusedAnswer } from '../../src/flow-engine/form';
import utterances from './utterances.json';

const copy = {
  ask: 'What would you like to know? For example "when is bin day" or "tip opening hours".',
  notFound: "I couldn't find that in our information. Would you like to talk to a person?",
  more: 'Anything else I can help with?',
};

const isMenuPick = (input: StepInput) => input.content.kind === 'choice' || /^\s*(faq|questions?( about council services)?|\d)\s*$/i.test(input.text);

async function answer(input: StepInput, context: StepContext): Promise<StepResult> {
  const passages = context.services.knowledge.search(input.text);
  const found = passages.length ? await context.services.knowledge.answer(input.text, passages) : undefined;
  if (!found) return { say: [copy.notFound], choices: [{ value: 'agent', label: 'Talk to a person' }], missed: true, end: true };
  // At most two SMS segments: the answering sentences, the link and "Anything else".
  return { say: [focusedAnswer(input.text, found.text, 300 - copy.more.length - 1), copy.more], end: true };
}

export const faqFlow: FlowDefinition = {
  id: 'faq',
  version: 1,
  menuLabel: 'Ask a question',
  // The knowledge pages' own sample questions are added to these at start-up.
  examples: ['I have a question', 'can you tell me', 'what are the opening hours', 'how much does it cost', 'where is the', 'how do I apply for', ...utterances],
  start: 'start',
  steps: {
    start: (input, context) => (isMenuPick(input) ? { say: [copy.ask], next: 'question' } : answer(input, context)),
    question: answer,
  },
};

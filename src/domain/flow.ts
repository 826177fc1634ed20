/**
 * Flows are data plus small step functions. A step gets the resident's input and a context
 * with injected services, and returns what to say and where to go next. Steps never import
 * mongoose, twilio or openai; they never branch on channel names.
 */
import type { Choice, InboundContent } from './messages';

export interface StepInput {
  content: InboundContent;
  /** Plain text of the input (choice labels and transcripts included). */
  text: string;
}

export interface StepContext {
  slots: Record<string, unknown>;
  council: { name: string; officeHours: string };
  /** Flows this engine offers, for menus. */
  menu: Array<{ flowId: string; label: string }>;
}

export type StepResult = {
  say: string[];
  choices?: Choice[];
  slots?: Record<string, unknown>;
  /** True when the bot did not understand the input (two in a row offers a person). */
  missed?: boolean;
} & ({ next: string } | { end: true } | { handoff: { reason: string } } | { startFlow: string });

export type Step = (input: StepInput, context: StepContext) => StepResult | Promise<StepResult>;

export interface FlowDefinition {
  id: string;
  version: number;
  /** One line for the main menu; absent for flows not offered there. */
  menuLabel?: string;
  start: string;
  steps: Record<string, Step>;
}

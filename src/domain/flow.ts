/**
 * Flows are data plus small step functions. A step gets the resident's input and a context
 * with injected services, and returns what to say and where to go next. Steps never import
 * mongoose, twilio or openai; they never branch on channel names.
 */
import type { Choice, InboundContent } from './messages';

/** The flow every conversation starts in and returns to: the main menu. */
export const MAIN_FLOW_ID = 'welcome';

export interface StepInput {
  content: InboundContent;
  /** Plain text of the input (choice labels and transcripts included). */
  text: string;
  /** What the message seems to be about, and any slot values a model proposed (to be checked). */
  understood?: IntentGuess;
}

export interface StepContext {
  slots: Record<string, unknown>;
  /** `reportCategories`: the kinds of problem this council takes reports of (absent: all). */
  council: { name: string; officeHours: string; timezone: string; reportCategories?: string[] };
  /** Flows this engine offers, for menus. */
  menu: Array<{ flowId: string; label: string }>;
  /** The council's services a flow may use (injected: flows never touch storage directly). */
  services: FlowServices;
}

/** The resident this turn is for. */
export interface ResidentRef {
  contactId: string;
  identityId: string;
  conversationId: string;
  channel: string;
  address: string;
}

/** The intent of a message no flow should take. */
export const OUT_OF_SCOPE = 'out_of_scope';

export interface IntentGuess {
  intent: string;
  score: number;
  /** Values a language model proposed for slots; flows validate them like any other input. */
  slots?: Record<string, unknown>;
  /** ISO 639-1 code of the message's language. */
  language?: string;
  /** Another organisation's service ("passports" → the Australian Passport Office). */
  referral?: { topic: string; agency: string };
}

export interface KnowledgePassage {
  pageId: string;
  title: string;
  text: string;
  sourceUrl: string;
  reviewed: string;
  score: number;
}

export interface CaseRecord {
  reference: string;
  /** Whose case (REST views show it; flows never need it). */
  councilId?: string;
  kind: 'report' | 'permit';
  category: string;
  status: string;
  summary: string;
  createdAt: Date;
  history: Array<{ status: string; at: Date; note?: string }>;
}

export interface FlowServices {
  /** This turn's inbound event: effects keyed by it happen once, however often the turn is retried. */
  seed: string;
  now: Date;
  resident: ResidentRef;
  /** Which flow (or out_of_scope) a message is about. */
  understand(text: string): Promise<IntentGuess>;
  /** Where this turn's photos were taken (EXIF GPS), once downloaded; waits a few seconds at most. */
  photoPosition(expectedPhotos: number): Promise<{ lat: number; lng: number } | undefined>;
  knowledge: {
    search(question: string): KnowledgePassage[];
    /** An answer grounded in passages (an LLM draft when configured, else the best passage). */
    answer(question: string, passages: KnowledgePassage[]): Promise<{ text: string; sources: KnowledgePassage[] } | undefined>;
  };
  permits: {
    campgrounds(): Campground[];
    /** Books `nights` nights from `arrive` or says which nights are full. Idempotent per seed. */
    book(request: PermitRequest): Promise<{ ok: true; reference: string } | { ok: false; fullNights: string[] }>;
    /** Nights with no place left in the range, to offer alternatives. */
    fullNights(campgroundId: string, arrive: string, nights: number): Promise<string[]>;
    cancel(reference: string): Promise<'cancelled' | 'not_found' | 'not_yours' | 'already_cancelled'>;
  };
  cases: {
    create(report: NewReport): Promise<CaseRecord>;
    /** Open reports of this category near this place (same street, or within 150 m). */
    nearby(category: string, location: ReportLocation): Promise<CaseRecord | undefined>;
    follow(reference: string): Promise<void>;
    find(reference: string): Promise<CaseRecord | undefined>;
    /** The case if this resident may see it (same contact), else 'not_yours'. */
    findForResident(reference: string): Promise<CaseRecord | 'not_found' | 'not_yours'>;
    latestForResident(): Promise<CaseRecord | undefined>;
  };
}

export interface Campground {
  id: string;
  name: string;
  /** Sites per night. */
  capacity: number;
  maxNights: number;
  maxPartySize: number;
  /** Fee per site per night, in cents. */
  feePerNightCents: number;
  /** Closed for the season between these month-days (inclusive), e.g. ['06-01', '08-31']. */
  closed?: [string, string];
}

export interface PermitRequest {
  campgroundId: string;
  arrive: string;
  nights: number;
  partySize: number;
}

export interface ReportLocation {
  text?: string;
  lat?: number;
  lng?: number;
}

export interface NewReport {
  category: string;
  description: string;
  location: ReportLocation;
  photoCount: number;
  /** Stored media ids of the photos (filled in by the engine from the conversation). */
  photos?: string[];
  /** Photo URLs a council system gave (Open311). */
  mediaUrls?: string[];
}

export type StepResult = {
  say: string[];
  choices?: Choice[];
  slots?: Record<string, unknown>;
  /** True when the bot did not understand the input (two in a row offer a person, a third queues one). */
  missed?: boolean;
  /** With `end`: the flow stopped without doing what the resident came for (they said "never mind"). */
  unfinished?: boolean;
} & ({ next: string } | { end: true } | { handoff: { reason: string } } | { startFlow: string });

export type Step = (input: StepInput, context: StepContext) => StepResult | Promise<StepResult>;

export interface FlowTriggers {
  words: RegExp;
  decisive?: boolean;
}

export interface FlowDefinition {
  id: string;
  version: number;
  /** One line for the main menu; absent for flows not offered there. */
  menuLabel?: string;
  /** Example utterances: the embedded NLU is trained on them at start-up. */
  examples?: string[];
  /**
   * Words that point at this flow ("pothole"). They settle an unsure guess; `decisive` ones (a
   * reference number, "cancel … permit") win over the classifier's guess too.
   */
  triggers?: FlowTriggers;
  /** What the resident is doing in this flow, for "Back to your camping booking" ("camping booking"). */
  topic?: string;
  /**
   * Would the flow, where it is now, take this message as an answer (a slot value, a
   * description being asked for)? Then words pointing at another flow are not a change of topic;
   * `decisive` words (a reference number, "cancel … permit") still are, unless they answer a slot.
   */
  claims?(input: StepInput, context: StepContext, trigger: { decisive: boolean }): Promise<boolean>;
  start: string;
  steps: Record<string, Step>;
}

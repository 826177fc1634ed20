/**
 * The figures public-sector contact centres are judged by, computed from journey events over
 * a date range: contacts, containment, handoff reasons, the funnel of each flow, time to first
 * reply and to resolution, queue waits and abandonment, survey scores, repeat contact (failure
 * demand) and cost to serve against the same contacts had they all phoned.
 *
 * A contact is a conversation started in the range (its `contact.started`); what happened to it
 * counts up to `to`. Each conversation has one outcome:
 *  - `handedToPerson`: it reached a person's queue (for any reason);
 *  - `containedByAssistant`: no person, and the assistant finished at least one flow for it
 *    (a permit booked, a question answered, a report filed, a status given);
 *  - `abandoned`: no person, nothing finished, and the conversation has closed (the resident
 *    went quiet, stopped, or hung up);
 *  - `inProgress`: none of these yet.
 * Read on the analytics path only (supervisors), never on a resident's turn.
 */
import type { HandoffKind, JourneyData, JourneyEventType } from '../domain/journey';
import { JourneyEventRecord } from '../models';
import { contactCost, SOCITM, type CostTable } from './costs';
import { isoDateIn } from '../domain/calendar';

export const REPEAT_WINDOW_DAYS = 7;
const DAY_MS = 86_400_000;
const MAIN_FLOW = 'welcome';

export interface AnalyticsQuery {
  from: Date;
  to: Date;
  councilId: string;
  channel?: string;
  flow?: string;
  timezone: string;
}

interface StoredEvent {
  _id: string;
  type: JourneyEventType;
  at: Date;
  contactId: string;
  conversationId?: string;
  channel?: string;
  flow?: string;
  step?: string;
  data?: JourneyData;
}

interface ConversationFacts {
  id: string;
  contactId: string;
  channel: string;
  startedAt: Date;
  firstReplyMs?: number;
  entered: Set<string>;
  completed: number;
  handoff?: HandoffKind;
  claimed: boolean;
  queueWaitMs?: number;
  firstAgentReplyMs?: number;
  resolved?: { at: Date; outcome?: string; by?: string };
  survey?: number;
  topics: Set<string>;
}

export interface Timing {
  count: number;
  medianSeconds: number | null;
  meanSeconds: number | null;
  p90Seconds: number | null;
}

export interface FunnelStep {
  step: string;
  reached: number;
  droppedHere: number;
}
export interface Funnel {
  flow: string;
  entered: number;
  completed: number;
  abandoned: number;
  inProgress: number;
  completionRate: number | null;
  steps: FunnelStep[];
}

export interface AnalyticsSummary {
  from: string;
  to: string;
  councilId: string;
  filters: { channel?: string; flow?: string };
  conversations: number;
  containedByAssistant: number;
  handedToPerson: number;
  containmentRate: number | null;
  abandoned: number;
  inProgress: number;
  repeatContacts: number;
  repeatContactRate: number | null;
  byChannel: Record<string, { conversations: number; handedToPerson: number; containedByAssistant: number; abandoned: number; handledByPerson: number; cost: number }>;
  byDay: Array<{ date: string; conversations: number; containedByAssistant: number; handedToPerson: number }>;
  handoffReasons: Record<string, number>;
  funnel: Funnel[];
  timing: { firstReply: Timing; firstAgentReply: Timing; resolution: Timing };
  queue: { queued: number; claimed: number; abandoned: number; abandonmentRate: number | null; wait: Timing };
  survey: { answered: number; meanScore: number | null; scores: Record<'1' | '2' | '3' | '4' | '5', number> };
  costToServe: {
    actual: number;
    ifAllByPhone: number;
    saving: number;
    currency: string;
    byChannel: Record<string, { contacts: number; byAssistant: number; byPerson: number; cost: number }>;
    table: CostTable;
  };
}

const meanOf = (values: number[] = []) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.MAX_SAFE_INTEGER);
const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;
const rate = (part: number, whole: number) => (whole > 0 ? round(part / whole, 4) : null);

function timing(values: number[]): Timing {
  if (values.length === 0) return { count: 0, medianSeconds: null, meanSeconds: null, p90Seconds: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const mid = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { count: values.length, medianSeconds: round(mid / 1000, 3), meanSeconds: round(values.reduce((a, b) => a + b, 0) / values.length / 1000, 3), p90Seconds: round(at(0.9) / 1000, 3) };
}

/** What a conversation was about, for repeat contact: the flows it used and the cases and permits it touched. */
function topicsOf(event: StoredEvent): string[] {
  if (event.type === 'flow.entered' && event.flow && event.flow !== MAIN_FLOW && event.flow !== 'case-status') return [`flow:${event.flow}`];
  if (event.data?.reference && /^(case|permit)\./.test(event.type)) return [`ref:${event.data.reference}`];
  return [];
}

/** `phoneChannel`: the channel that calls residents, whose price "if every contact had been a call" is (absent: the SOCITM telephone price). */
export async function analyticsSummary(query: AnalyticsQuery, costs: { table: CostTable; currency: string; phoneChannel?: string }): Promise<AnalyticsSummary> {
  const windowStart = new Date(query.from.getTime() - REPEAT_WINDOW_DAYS * DAY_MS);
  const events = await JourneyEventRecord.find({ councilId: query.councilId, at: { $gte: windowStart, $lt: query.to } })
    .sort({ at: 1, n: 1 })
    .lean<StoredEvent[]>();

  const facts = new Map<string, ConversationFacts>();
  for (const e of events) {
    if (e.type === 'contact.started' && e.conversationId) {
      facts.set(e.conversationId, {
        id: e.conversationId,
        contactId: e.contactId,
        channel: e.channel ?? 'unknown',
        startedAt: new Date(e.at),
        ...(e.data?.firstReplyMs !== undefined ? { firstReplyMs: e.data.firstReplyMs } : {}),
        entered: new Set(),
        completed: 0,
        claimed: false,
        topics: new Set(),
      });
    }
  }
  const funnels = new Map<string, { entered: number; completed: number; abandoned: number; reached: Map<string, Set<string>>; dropped: Map<string, number>; position: Map<string, number[]> }>();
  const funnelOf = (flow: string) => {
    let f = funnels.get(flow);
    if (!f) funnels.set(flow, (f = { entered: 0, completed: 0, abandoned: 0, reached: new Map(), dropped: new Map(), position: new Map() }));
    return f;
  };
  const inRange = (c: ConversationFacts) => c.startedAt >= query.from && c.startedAt < query.to;

  for (const e of events) {
    const c = e.conversationId ? facts.get(e.conversationId) : undefined;
    if (!c) continue;
    for (const topic of topicsOf(e)) c.topics.add(topic);
    const d = e.data ?? {};
    switch (e.type) {
      case 'flow.entered':
        if (e.flow) c.entered.add(e.flow);
        break;
      case 'flow.completed':
        if (e.flow && e.flow !== MAIN_FLOW) c.completed++;
        break;
      case 'handoff.requested':
        c.handoff ??= d.reasonKind ?? 'other';
        break;
      case 'conversation.claimed':
        if (!c.claimed && d.waitMs !== undefined) c.queueWaitMs = d.waitMs;
        c.claimed = true;
        break;
      case 'agent.first_reply':
        if (c.firstAgentReplyMs === undefined && d.waitMs !== undefined) c.firstAgentReplyMs = d.waitMs;
        break;
      case 'conversation.resolved':
        c.resolved ??= { at: new Date(e.at), ...(d.outcome ? { outcome: d.outcome } : {}), ...(d.by ? { by: d.by } : {}) };
        break;
      case 'survey.answered':
        if (d.score) c.survey = d.score;
        break;
      default:
        break;
    }
  }

  const matches = (c: ConversationFacts) => (!query.channel || c.channel === query.channel) && (!query.flow || c.entered.has(query.flow));
  const chosen = [...facts.values()].filter((c) => inRange(c) && matches(c));
  const chosenIds = new Set(chosen.map((c) => c.id));

  // Funnels: flow runs of the chosen conversations. A step's place in the funnel is how far into
  // its run residents usually reach it (ties after the count of residents who reached it).
  const runStep = new Map<string, number>();
  for (const e of events) {
    if (!e.conversationId || !chosenIds.has(e.conversationId) || !e.flow || e.flow === MAIN_FLOW) continue;
    if (query.flow && e.flow !== query.flow) continue;
    const f = funnelOf(e.flow);
    const run = `${e.conversationId}-${e.flow}`;
    if (e.type === 'flow.entered') {
      f.entered++;
      runStep.set(run, 0);
    }
    if (e.type === 'flow.completed') f.completed++;
    if (e.type === 'flow.abandoned') {
      f.abandoned++;
      if (e.step) f.dropped.set(e.step, (f.dropped.get(e.step) ?? 0) + 1);
    }
    if (e.type === 'step.reached' && e.step) {
      if (!f.reached.has(e.step)) f.reached.set(e.step, new Set());
      f.reached.get(e.step)!.add(e.conversationId);
      const position = runStep.get(run) ?? 0;
      runStep.set(run, position + 1);
      f.position.set(e.step, [...(f.position.get(e.step) ?? []), position]);
    }
  }

  const outcomeOf = (c: ConversationFacts) => (c.handoff ? 'handed' : c.completed > 0 ? 'contained' : c.resolved ? 'abandoned' : 'open');
  const byChannel: AnalyticsSummary['byChannel'] = {};
  const costByChannel: AnalyticsSummary['costToServe']['byChannel'] = {};
  const byDay = new Map<string, { conversations: number; containedByAssistant: number; handedToPerson: number }>();
  const handoffReasons: Record<string, number> = {};
  let actual = 0;
  for (const c of chosen) {
    const outcome = outcomeOf(c);
    const ch = (byChannel[c.channel] ??= { conversations: 0, handedToPerson: 0, containedByAssistant: 0, abandoned: 0, handledByPerson: 0, cost: 0 });
    const cost = contactCost(costs.table, c.channel, c.claimed);
    ch.conversations++;
    if (outcome === 'handed') ch.handedToPerson++;
    if (outcome === 'contained') ch.containedByAssistant++;
    if (outcome === 'abandoned') ch.abandoned++;
    if (c.claimed) ch.handledByPerson++;
    ch.cost = round(ch.cost + cost);
    const cc = (costByChannel[c.channel] ??= { contacts: 0, byAssistant: 0, byPerson: 0, cost: 0 });
    cc.contacts++;
    if (c.claimed) cc.byPerson++;
    else cc.byAssistant++;
    cc.cost = round(cc.cost + cost);
    actual += cost;
    const day = isoDateIn(c.startedAt, query.timezone);
    const dd = byDay.get(day) ?? { conversations: 0, containedByAssistant: 0, handedToPerson: 0 };
    dd.conversations++;
    if (outcome === 'contained') dd.containedByAssistant++;
    if (outcome === 'handed') dd.handedToPerson++;
    byDay.set(day, dd);
    if (c.handoff) handoffReasons[c.handoff] = (handoffReasons[c.handoff] ?? 0) + 1;
  }

  // Repeat contact: the same person back within 7 days about something an earlier conversation was about.
  const byContact = new Map<string, ConversationFacts[]>();
  for (const c of facts.values()) byContact.set(c.contactId, [...(byContact.get(c.contactId) ?? []), c]);
  const isRepeat = (c: ConversationFacts) =>
    (byContact.get(c.contactId) ?? []).some((earlier) => earlier.id !== c.id && earlier.startedAt < c.startedAt && c.startedAt.getTime() - earlier.startedAt.getTime() <= REPEAT_WINDOW_DAYS * DAY_MS && [...c.topics].some((t) => earlier.topics.has(t)));
  const repeatContacts = chosen.filter(isRepeat).length;

  const handed = chosen.filter((c) => c.handoff);
  const queueAbandoned = handed.filter((c) => c.resolved?.outcome === 'abandoned').length;
  const scores = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } as AnalyticsSummary['survey']['scores'];
  const answered = chosen.filter((c) => c.survey);
  for (const c of answered) scores[String(c.survey) as keyof typeof scores]++;
  const phonePrice = costs.phoneChannel ? contactCost(costs.table, costs.phoneChannel, true) : SOCITM.telephone;
  const counts = { contained: 0, handed: 0, abandoned: 0, open: 0 };
  for (const c of chosen) counts[outcomeOf(c)]++;

  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    councilId: query.councilId,
    filters: { ...(query.channel ? { channel: query.channel } : {}), ...(query.flow ? { flow: query.flow } : {}) },
    conversations: chosen.length,
    containedByAssistant: counts.contained,
    handedToPerson: counts.handed,
    containmentRate: rate(counts.contained, chosen.length),
    abandoned: counts.abandoned,
    inProgress: counts.open,
    repeatContacts,
    repeatContactRate: rate(repeatContacts, chosen.length),
    byChannel,
    byDay: [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([date, d]) => ({ date, ...d })),
    handoffReasons,
    funnel: [...funnels.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([flow, f]) => ({
        flow,
        entered: f.entered,
        completed: f.completed,
        abandoned: f.abandoned,
        inProgress: Math.max(0, f.entered - f.completed - f.abandoned),
        completionRate: rate(f.completed, f.entered),
        steps: [...new Set([...f.reached.keys(), ...f.dropped.keys()])]
          .map((step) => ({ step, reached: f.reached.get(step)?.size ?? 0, droppedHere: f.dropped.get(step) ?? 0 }))
          .sort((a, b) => b.reached - a.reached || meanOf(f.position.get(a.step)) - meanOf(f.position.get(b.step)) || a.step.localeCompare(b.step)),
      })),
    timing: {
      firstReply: timing(chosen.flatMap((c) => (c.firstReplyMs !== undefined ? [c.firstReplyMs] : []))),
      firstAgentReply: timing(chosen.flatMap((c) => (c.firstAgentReplyMs !== undefined ? [c.firstAgentReplyMs] : []))),
      resolution: timing(chosen.flatMap((c) => (c.resolved ? [Math.max(0, c.resolved.at.getTime() - c.startedAt.getTime())] : []))),
    },
    queue: {
      queued: handed.length,
      claimed: handed.filter((c) => c.claimed).length,
      abandoned: queueAbandoned,
      abandonmentRate: rate(queueAbandoned, handed.length),
      wait: timing(handed.flatMap((c) => (c.queueWaitMs !== undefined ? [c.queueWaitMs] : []))),
    },
    survey: { answered: answered.length, meanScore: answered.length ? round(answered.reduce((n, c) => n + c.survey!, 0) / answered.length) : null, scores },
    costToServe: {
      actual: round(actual),
      ifAllByPhone: round(chosen.length * phonePrice),
      saving: round(chosen.length * phonePrice - actual),
      currency: costs.currency,
      byChannel: costByChannel,
      table: costs.table,
    },
  };
}

/** The summary as CSV rows `section,key,channel,value` (one figure a row, for spreadsheets). */
export function summaryCsv(s: AnalyticsSummary): string {
  const rows: Array<[string, string, string, string | number | null]> = [];
  const add = (section: string, key: string, value: string | number | null, channel = '') => rows.push([section, key, channel, value]);
  add('range', 'from', s.from);
  add('range', 'to', s.to);
  for (const key of ['conversations', 'containedByAssistant', 'handedToPerson', 'containmentRate', 'abandoned', 'inProgress', 'repeatContacts', 'repeatContactRate'] as const) add('contacts', key, s[key]);
  for (const [channel, c] of Object.entries(s.byChannel)) for (const [key, value] of Object.entries(c)) add('channel', key, value, channel);
  for (const [kind, n] of Object.entries(s.handoffReasons)) add('handoff_reason', kind, n);
  for (const f of s.funnel) {
    add('funnel', `${f.flow}.entered`, f.entered);
    for (const step of f.steps) {
      add('funnel', `${f.flow}.${step.step}.reached`, step.reached);
      add('funnel', `${f.flow}.${step.step}.dropped_here`, step.droppedHere);
    }
    add('funnel', `${f.flow}.completed`, f.completed);
    add('funnel', `${f.flow}.abandoned`, f.abandoned);
  }
  for (const [name, t] of Object.entries(s.timing)) for (const [key, value] of Object.entries(t)) add('timing', `${name}.${key}`, value);
  for (const [key, value] of Object.entries(s.queue)) if (typeof value !== 'object') add('queue', key, value);
  for (const [key, value] of Object.entries(s.queue.wait)) add('queue', `wait.${key}`, value);
  add('survey', 'answered', s.survey.answered);
  add('survey', 'meanScore', s.survey.meanScore);
  for (const [score, n] of Object.entries(s.survey.scores)) add('survey', `score_${score}`, n);
  add('cost', 'actual', s.costToServe.actual);
  add('cost', 'ifAllByPhone', s.costToServe.ifAllByPhone);
  add('cost', 'saving', s.costToServe.saving);
  add('cost', 'currency', s.costToServe.currency);
  for (const [channel, c] of Object.entries(s.costToServe.byChannel)) for (const [key, value] of Object.entries(c)) add('cost', key, value, channel);
  const cell = (v: string | number | null) => {
    const text = v === null ? '' : String(v);
    // Quoted when needed; a leading = + - @ is defused so a spreadsheet never runs it as a formula.
    const safe = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
    return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return ['section,key,channel,value', ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}

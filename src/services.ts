/** The services every part of the engine is handed by the composition root (src/engine.ts). */
import type { Config } from './config';
import type { Logger } from './logger';
import type { Redis } from './redis';
import type { Queues } from './queues/queues';
import type { TurnLease } from './queues/turn-lease';
import type { PendingTurns } from './queues/pending-turns';
import type { InactivityDeadlines } from './queues/inactivity';
import type { WaitingLine } from './queues/waiting-line';
import type { Broadcaster } from './realtime/broadcaster';
import type { FlowRegistry } from './flow-engine/registry';
import type { ChannelRegistry } from './domain/channel';
import type { Metrics } from './metrics';

import type { RiskKind } from './ai/safeguarding';
import type { LanguageModel } from './ai/llm';
import type { CouncilDirectory } from './councils/directory';
import type { Journal } from './journey/journal';
import type { ReverseGeocoder } from './geo/reverse-geocode';

export interface CouncilInfo {
  id: string;
  name: string;
  timezone: string;
  officeHours: string;
  queues: string[];
  /** Crisis lines for residents at risk, by kind of risk (national lines unless the council sets its own). */
  crisisLines: Record<RiskKind, string>;
  /** "TIS National on 131 450": offered when a resident writes in another language. */
  interpreterLine: string;
  /** Ready-made replies agents can insert and edit. */
  cannedResponses: Array<{ title: string; text: string }>;
}

/** The registry of channels: the port lives in the domain (src/domain/channel.ts). */
export type { ChannelRegistry } from './domain/channel';

export interface Services {
  config: Config;
  logger: Logger;
  redis: Redis;
  queues: Queues;
  lease: TurnLease;
  pending: PendingTurns;
  /** When bot conversations close for inactivity (one sorted set, not a job per message). */
  inactivity: InactivityDeadlines;
  /** Residents waiting for a person, per council and queue: their place in constant time. */
  waitingLine: WaitingLine;
  broadcaster: Broadcaster;
  flows: FlowRegistry;
  channels: ChannelRegistry;
  metrics: Metrics;
  /** The councils served and each one's content (understanding, knowledge, cases, permits). */
  councils: CouncilDirectory;
  /** The configured model, if any (each council's understanding uses the same one). */
  llm?: LanguageModel;
  /** Journey events, recorded off the hot path (src/journey/journal.ts). */
  journal: Journal;
  /** Addresses for shared places (GEOCODER_URL), looked up by a queue job, never on a turn. */
  geocoder?: ReverseGeocoder;
}

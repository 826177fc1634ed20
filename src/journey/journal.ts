/**
 * The journal: journey events go onto the `journey-events` queue (a Redis round trip, after the
 * turn's replies are handed over) and a worker stores them, then hands the ones back-office
 * systems subscribe to onto outbound webhooks. Each event has a deterministic id: the job id and
 * the stored `_id` both come from it, so a replayed turn or a retried job stores it once.
 */
import type { JourneyData, JourneyEvent, JourneyEventType } from '../domain/journey';
import { shortHash } from '../ids';
import { JourneyEventRecord } from '../models';
import { GroupInsert } from '../models/group-writes';
import type { Queues } from '../queues/queues';
import type { Services } from '../services';
import { dispatchWebhooks } from '../webhooks/dispatch';

/** A journey event as a job carries it (dates as ISO strings). */
export type JourneyJob = Omit<JourneyEvent, 'at'> & { at: string };

/** The id of the fact `label` about `seed` (an inbound event, a claim, a case reference…). */
export function journeyId(seed: string, label: string): string {
  return `j-${shortHash(`${seed}#${label}`, 24)}`;
}

export class Journal {
  constructor(private readonly queues: Queues) {}

  /** Queues events for storing; an empty list costs nothing. */
  async record(events: JourneyEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.queues.addJourney(events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })));
  }

  /** Builds and records one event outside a turn (agent actions, case changes). */
  note(type: JourneyEventType, seed: string, fields: { councilId: string; contactId: string; conversationId?: string; channel?: string; flow?: string; step?: string; data?: JourneyData; at?: Date }): Promise<void> {
    const { at = new Date(), ...rest } = fields;
    return this.record([{ id: journeyId(seed, type), type, at, ...rest }]);
  }
}

/**
 * The `journey-events` job: a turn's events stored once (one unordered insert; ids already stored
 * by an earlier try are skipped), then offered to subscribed webhooks.
 */
/** Journey events of turns decided at the same time share an insert. */
const journeyInserts = new GroupInsert(JourneyEventRecord);

export async function storeJourneyEvents(services: Services, jobs: JourneyJob[]): Promise<void> {
  const events = jobs.map((job) => ({ ...job, at: new Date(job.at) }));
  // With the other journey jobs running at the same time, in one insert (an event already stored is no error).
  await journeyInserts.insert(events.map(({ id, ...fields }) => ({ _id: id, ...fields })));
  await dispatchWebhooks(services, events);
}

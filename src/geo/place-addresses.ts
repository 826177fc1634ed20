/**
 * A shared place gets a short address (src/geo/reverse-geocode.ts) off the resident's turn: once
 * the turn's replies are handed over, a `place-addresses` job is queued for the resident's
 * location message and for any report the turn created; the job stores the address on the
 * message's location (`content.address`) or the report's (`location.address`), and agents
 * watching the conversation see it arrive (`message.updated` with the location). A geocoder that
 * is slow, down or wrong costs the resident nothing: the message stays as it was (coordinates),
 * and the failure is logged.
 */
import type { JourneyEvent } from '../domain/journey';
import { Case, Message, findByKey, setByKey, type CaseDoc, type MessageDoc } from '../models';
import { ERASED } from '../privacy/erase';
import type { GeocodeJob } from '../queues/queues';
import { rooms } from '../realtime/publisher';
import type { Services } from '../services';
import { GeocoderError } from './reverse-geocode';

type StoredLocation = { kind?: string; lat?: unknown; lng?: unknown; text?: string; address?: string };
const hasPoint = <T extends { lat?: unknown; lng?: unknown }>(l: T | null | undefined): l is T & { lat: number; lng: number } => typeof l?.lat === 'number' && typeof l?.lng === 'number';

/**
 * Queues the lookups a turn needs (nothing without a geocoder): never awaited, so neither the
 * turn nor the next one waits on Redis for this.
 */
export function locatePlaces(services: Services, resident: Pick<MessageDoc, '_id' | 'content'>, journey: JourneyEvent[] | undefined): void {
  if (!services.geocoder) return;
  const jobs: GeocodeJob[] = [];
  const content = resident.content as StoredLocation | undefined;
  if (content?.kind === 'location' && hasPoint(content) && !content.address) jobs.push({ target: 'message', id: resident._id });
  // A report made from a shared place or a photo's position (the job skips one without a point).
  for (const event of journey ?? []) if (event.type === 'case.created' && event.data?.reference) jobs.push({ target: 'case', id: event.data.reference });
  for (const job of jobs) {
    void services.queues.addGeocode(job).catch((error: Error) => services.logger.warn({ target: job.target, id: job.id, err: error.message }, 'geocode.enqueue_failed'));
  }
}

/** The `place-addresses` job. Retryable failures are thrown until the last attempt; then logged, and the record is left alone. */
export async function fillAddress(services: Services, job: GeocodeJob, lastAttempt: boolean): Promise<void> {
  if (job.target === 'message') {
    const message = await findByKey<MessageDoc>(Message, job.id);
    const place = message?.content as StoredLocation | undefined;
    if (!message || place?.kind !== 'location' || !hasPoint(place) || place.address) return;
    const address = await lookUp(services, job, place, lastAttempt);
    if (!address) return;
    // By `_id` only: a message erased meanwhile is not written back.
    await setByKey(Message, job.id, { 'content.address': address });
    services.broadcaster.toAgents([rooms.conversation(message.conversationId)], 'message.updated', {
      id: message._id,
      conversationId: message.conversationId,
      location: { lat: place.lat, lng: place.lng, ...(place.text ? { text: place.text } : {}), address },
    });
    return;
  }
  const report = await Case.findById(job.id, { location: 1, contactId: 1 }).lean<Pick<CaseDoc, 'location' | 'contactId'>>();
  if (!report || report.contactId === ERASED || !hasPoint(report.location) || report.location?.address) return;
  const address = await lookUp(services, job, report.location, lastAttempt);
  if (!address) return;
  // Not onto a report anonymised meanwhile (it keeps the street only); not a change of the report either.
  await Case.updateOne({ _id: job.id, contactId: { $ne: ERASED } }, { $set: { 'location.address': address } }, { timestamps: false });
}

async function lookUp(services: Services, job: GeocodeJob, point: { lat: number; lng: number }, lastAttempt: boolean): Promise<string | undefined> {
  const { geocoder, logger, metrics } = services;
  if (!geocoder) return undefined;
  try {
    const { address, cached } = await geocoder.addressAt(point.lat, point.lng);
    metrics.geocoder.inc({ outcome: cached ? 'cached' : address ? 'found' : 'none' });
    return address;
  } catch (error) {
    if (!(error instanceof GeocoderError)) throw error; // Redis or the database: the job is retried
    if (error.retry && !lastAttempt) {
      metrics.geocoder.inc({ outcome: 'retrying' });
      throw error;
    }
    // The coordinates are not logged: they are where a resident is.
    metrics.geocoder.inc({ outcome: 'failed' });
    logger.warn({ target: job.target, id: job.id, err: error.message }, 'geocode.failed');
    return undefined;
  }
}

/**
 * The services one turn's flow step may use, bound to that turn's council (its content and
 * repositories), its resident and its inbound event
 * (the seed that makes bookings and reports happen once however often a turn is retried).
 * On the phone the LLM is skipped: a caller's turn must answer well inside Twilio's 15 s.
 */
import type { FlowServices, IntentGuess, KnowledgePassage, ResidentRef } from '../domain/flow';
import { setTimeout as sleep } from 'node:timers/promises';
import { Media, Message } from '../models';
import type { Tenant } from '../councils/directory';
import type { JourneyData, JourneyEventType } from '../domain/journey';

const PHOTO_WAIT_MS = 4000;

export function flowServicesFor(
  tenant: Tenant,
  turn: { seed: string; now: Date; resident: ResidentRef; live: boolean; reading?: { text: string; reading: IntentGuess }; onEffect?: (type: JourneyEventType, data: JourneyData) => void },
): FlowServices {
  // What the flow did, for the resident's journey (the router records it with the turn).
  const effect = turn.onEffect ?? (() => undefined);
  const { understanding, knowledge, permits, cases } = tenant;
  const allowLlm = !turn.live;
  return {
    seed: turn.seed,
    now: turn.now,
    resident: turn.resident,
    // The router has read this turn's message already: a flow asking again gets that reading.
    understand: async (text) => (turn.reading?.text === text ? turn.reading.reading : understanding.understand(text, { allowLlm })),
    async photoPosition(expectedPhotos) {
      // Photos download in the background; a report waits briefly for their position.
      const deadline = Date.now() + PHOTO_WAIT_MS;
      for (;;) {
        const media = await Media.find({ inboundEventId: turn.seed }, { position: 1 }).lean();
        const found = media.find((m) => m.position?.lat != null && m.position?.lng != null);
        if (found) return { lat: found.position!.lat!, lng: found.position!.lng! };
        if (media.length >= expectedPhotos || Date.now() > deadline) return undefined;
        await sleep(100);
      }
    },
    knowledge: {
      search: (question) => knowledge.search(question),
      async answer(question: string, passages: KnowledgePassage[]) {
        const best = passages[0];
        if (!best) return undefined;
        const drafted = allowLlm && understanding.llm ? await understanding.llm.draftAnswer(question, passages) : undefined;
        // Grounded either way: the model's draft from these passages only, or the best passage itself.
        return drafted ? { text: `${drafted} Source: ${best.sourceUrl}`, sources: passages } : { text: `${best.text} More: ${best.sourceUrl}`, sources: [best] };
      },
    },
    permits: {
      campgrounds: () => permits.list(),
      async book(request) {
        const booked = await permits.book(request, turn.resident, turn.seed);
        if (booked.ok) effect('permit.issued', { reference: booked.reference, category: request.campgroundId });
        return booked;
      },
      fullNights: (campgroundId, arrive, nights) => permits.fullNights(campgroundId, arrive, nights),
      async cancel(reference) {
        const cancelled = await permits.cancel(reference, turn.resident);
        if (cancelled === 'cancelled') effect('permit.cancelled', { reference });
        return cancelled;
      },
    },
    cases: {
      async create(report) {
        // The photos the resident sent in this conversation, so back-office systems can fetch them.
        const photos = report.photoCount > 0 ? (await Message.find({ conversationId: turn.resident.conversationId, direction: 'inbound', mediaIds: { $exists: true } }, { mediaIds: 1 }).limit(50).lean()).flatMap((m) => m.mediaIds ?? []) : [];
        const created = await cases.create({ ...report, ...(photos.length ? { photos } : {}) }, turn.resident, turn.seed);
        effect('case.created', { reference: created.reference, category: created.category, status: created.status });
        return created;
      },
      nearby: (category, location) => cases.nearby(category, location),
      async follow(reference) {
        await cases.follow(reference, turn.resident);
        effect('case.looked_up', { reference });
      },
      find: (reference) => cases.find(reference),
      async findForResident(reference) {
        const found = await cases.findForResident(reference, turn.resident);
        if (typeof found === 'object') effect('case.looked_up', { reference: found.reference, category: found.category, status: found.status });
        return found;
      },
      async latestForResident() {
        const found = await cases.latestForResident(turn.resident);
        if (found) effect('case.looked_up', { reference: found.reference, category: found.category, status: found.status });
        return found;
      },
    },
  };
}

/**
 * The services one turn's flow step may use, bound to that turn's resident and inbound event
 * (the seed that makes bookings and reports happen once however often a turn is retried).
 * On the phone the LLM is skipped: a caller's turn must answer well inside Twilio's 15 s.
 */
import type { FlowServices, IntentGuess, KnowledgePassage, ResidentRef } from '../domain/flow';
import { setTimeout as sleep } from 'node:timers/promises';
import { Media } from '../models';
import type { Services } from '../services';

const PHOTO_WAIT_MS = 4000;

export function flowServicesFor(
  services: Services,
  turn: { seed: string; now: Date; resident: ResidentRef; live: boolean; reading?: { text: string; reading: IntentGuess } },
): FlowServices {
  const { understanding, knowledge, permits, cases } = services;
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
      book: (request) => permits.book(request, turn.resident, turn.seed),
      fullNights: (campgroundId, arrive, nights) => permits.fullNights(campgroundId, arrive, nights),
      cancel: (reference) => permits.cancel(reference, turn.resident),
    },
    cases: {
      create: (report) => cases.create(report, turn.resident, turn.seed),
      nearby: (category, location) => cases.nearby(category, location),
      follow: (reference) => cases.follow(reference, turn.resident),
      find: (reference) => cases.find(reference),
      findForResident: (reference) => cases.findForResident(reference, turn.resident),
      latestForResident: () => cases.latestForResident(turn.resident),
    },
  };
}

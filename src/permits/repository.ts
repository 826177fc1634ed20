/**
 * Camping permits. Capacity is enforced by unique inserts (one `PermitNight` per place per
 * night), never by read-then-update, so concurrent bookings cannot oversell on MongoDB or
 * FerretDB. A booking's reference derives from the turn that made it, so a retried turn finds
 * its own booking instead of making a second one.
 */
import { DEFAULT_COUNCIL_ID } from '../councils/settings';
import { ids } from '../ids';
import { Permit, PermitNight, insertOnce } from '../models';
import type { Campground, PermitRequest, ResidentRef } from '../domain/flow';


/** The calendar dates of a stay: arrive, arrive+1, … (nights of them). */
export function stayDates(arrive: string, nights: number): string[] {
  const first = new Date(`${arrive}T00:00:00Z`);
  return Array.from({ length: nights }, (_, i) => new Date(first.getTime() + i * 86_400_000).toISOString().slice(0, 10));
}

export class PermitRepository {
  /** `councilId`: whose campgrounds these are (two councils may both have a "river-flats"). */
  constructor(private readonly councilId: string, private readonly campgrounds: Campground[]) {}

  /** The campground's key in stored nights: the default council's stay as they always were. */
  private nightKey(campgroundId: string): string {
    return this.councilId === DEFAULT_COUNCIL_ID ? campgroundId : `${this.councilId}.${campgroundId}`;
  }

  list(): Campground[] {
    return this.campgrounds;
  }

  private campground(id: string): Campground {
    const found = this.campgrounds.find((c) => c.id === id);
    if (!found) throw new Error(`unknown campground ${id}`);
    return found;
  }

  async fullNights(campgroundId: string, arrive: string, nights: number): Promise<string[]> {
    const { capacity } = this.campground(campgroundId);
    const dates = stayDates(arrive, nights);
    const key = this.nightKey(campgroundId);
    const taken = await Promise.all(dates.map((date) => PermitNight.countDocuments({ campgroundId: key, date })));
    return dates.filter((_, i) => taken[i]! >= capacity);
  }

  async book(request: PermitRequest, resident: ResidentRef, seed: string): Promise<{ ok: true; reference: string } | { ok: false; fullNights: string[] }> {
    const campground = this.campground(request.campgroundId);
    const reference = ids.reference('CP', seed);
    // Filtered on `_id` alone: FerretDB serves only that from an index; the status is checked here.
    if ((await Permit.findById(reference, { status: 1 }).lean())?.status === 'booked') return { ok: true, reference };
    const key = this.nightKey(campground.id);
    const held = new Set((await PermitNight.find({ permitId: reference }).lean()).map((n) => n.date));
    for (const date of stayDates(request.arrive, request.nights)) {
      if (held.has(date)) continue;
      let placed = false;
      for (let place = 0; place < campground.capacity && !placed; place++) {
        placed = await insertOnce(PermitNight.create({ _id: `${key}-${date}-${place}`, campgroundId: key, date, permitId: reference }));
      }
      if (!placed) {
        // That night is full: give back the places this booking took, so others can have them.
        await PermitNight.deleteMany({ permitId: reference });
        return { ok: false, fullNights: [date] };
      }
    }
    await insertOnce(
      Permit.create({
        _id: reference,
        councilId: this.councilId,
        campgroundId: campground.id,
        arrive: request.arrive,
        nights: request.nights,
        partySize: request.partySize,
        feeCents: campground.feePerNightCents * request.nights,
        contactId: resident.contactId,
        identityId: resident.identityId,
        status: 'booked',
      }),
    );
    return { ok: true, reference };
  }

  async cancel(reference: string, resident: ResidentRef): Promise<'cancelled' | 'not_found' | 'not_yours' | 'already_cancelled'> {
    const permit = await Permit.findById(reference).lean();
    if (!permit || permit.councilId !== this.councilId) return 'not_found';
    if (permit.contactId !== resident.contactId) return 'not_yours';
    if (permit.status === 'cancelled') return 'already_cancelled';
    await Permit.updateOne({ _id: reference }, { $set: { status: 'cancelled' } });
    await PermitNight.deleteMany({ permitId: reference });
    return 'cancelled';
  }
}

/**
 * Residents' reports as cases with a reference and a status history. A report's reference
 * derives from the turn that made it (a retried turn finds the same case). Status changes
 * are told to the reporter and followers on the channel they used (see cases/notify.ts).
 */
import { streetKey } from '../ai/extract';
import type { CaseRecord, NewReport, ReportLocation, ResidentRef } from '../domain/flow';
import { OPEN_STATUSES } from '../domain/cases';
import { stayWords } from '../domain/workspace';
import { ids } from '../ids';
import { Case, Permit, insertOnce, type CaseDoc } from '../models';

type PermitDoc = { _id: string; councilId: string; campgroundId: string; arrive: string; nights: number; status: string; contactId: string; createdAt: Date; updatedAt: Date };

/** A permit shown as a case: booked (and cancelled) with dates. */
function permitRecord(p: PermitDoc): CaseRecord {
  return {
    reference: p._id,
    councilId: p.councilId,
    kind: 'permit',
    category: `camping permit (${p.campgroundId.replace('-', ' ')})`,
    status: p.status,
    summary: stayWords(p),
    createdAt: p.createdAt,
    history: [{ status: 'booked', at: p.createdAt }, ...(p.status === 'cancelled' ? [{ status: 'cancelled', at: p.updatedAt }] : [])],
  };
}


export { referencePrefix } from '../councils/settings';

export function caseRecord(c: CaseDoc): CaseRecord {
  return {
    reference: c._id,
    councilId: c.councilId,
    kind: c.kind as CaseRecord['kind'],
    category: c.category,
    status: c.status,
    summary: [c.location?.text, c.description].filter(Boolean).join(': '),
    createdAt: c.createdAt,
    history: (c.history ?? []).map((h) => ({ status: h.status ?? '', at: h.at ?? c.createdAt, ...(h.note ? { note: h.note } : {}) })),
  };
}

/** Metres between two points (haversine). */
function distance(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

export class CaseRepository {
  /** One council's cases: references start with its `prefix`; another council's are not found. */
  constructor(private readonly councilId: string, private readonly prefix: string) {}

  async create(report: NewReport, resident: ResidentRef, seed: string): Promise<CaseRecord> {
    const reference = ids.reference(this.prefix, seed);
    const now = new Date();
    await insertOnce(
      Case.create({
        _id: reference,
        councilId: this.councilId,
        kind: 'report',
        category: report.category,
        description: report.description,
        location: { ...report.location, ...(report.location.text ? { street: streetKey(report.location.text) } : {}) },
        photoCount: report.photoCount,
        ...(report.photos?.length ? { photos: report.photos } : {}),
        ...(report.mediaUrls?.length ? { mediaUrls: report.mediaUrls } : {}),
        status: 'received',
        history: [{ status: 'received', at: now }],
        contactId: resident.contactId,
        identityId: resident.identityId,
        channel: resident.channel,
        followers: [resident.identityId],
      }),
    );
    return caseRecord((await Case.findById(reference).lean<CaseDoc>())!);
  }

  async nearby(category: string, location: ReportLocation): Promise<CaseRecord | undefined> {
    const open = await Case.find({ councilId: this.councilId, kind: 'report', category, status: { $in: OPEN_STATUSES } }).limit(500).lean<CaseDoc[]>();
    const street = location.text ? streetKey(location.text) : undefined;
    const match = open.find((c) => {
      if (street && c.location?.street === street) return true;
      const here = location.lat !== undefined && location.lng !== undefined ? { lat: location.lat, lng: location.lng } : undefined;
      const there = c.location?.lat != null && c.location?.lng != null ? { lat: c.location.lat, lng: c.location.lng } : undefined;
      return Boolean(here && there && distance(here, there) <= 150);
    });
    return match ? caseRecord(match) : undefined;
  }

  async follow(reference: string, resident: ResidentRef): Promise<void> {
    await Case.updateOne({ _id: reference }, { $addToSet: { followers: resident.identityId } });
  }

  /** A report (`RC-…`) or a permit (`CP-…`), with who may see it. */
  private async load(reference: string): Promise<{ record: CaseRecord; contactId: string; followers: string[] } | undefined> {
    if (reference.startsWith('CP-')) {
      const permit = await Permit.findById(reference).lean<PermitDoc>();
      return permit && permit.councilId === this.councilId ? { record: permitRecord(permit), contactId: permit.contactId, followers: [] } : undefined;
    }
    const found = await Case.findById(reference).lean<CaseDoc>();
    return found && found.councilId === this.councilId ? { record: caseRecord(found), contactId: found.contactId, followers: found.followers ?? [] } : undefined;
  }

  async find(reference: string): Promise<CaseRecord | undefined> {
    return (await this.load(reference))?.record;
  }

  /** Light verification: only the contact who reported it (any of their linked channels) or a follower sees it. */
  async findForResident(reference: string, resident: ResidentRef): Promise<CaseRecord | 'not_found' | 'not_yours'> {
    const found = await this.load(reference);
    if (!found) return 'not_found';
    if (found.contactId !== resident.contactId && !found.followers.includes(resident.identityId)) return 'not_yours';
    return found.record;
  }

  async latestForResident(resident: ResidentRef): Promise<CaseRecord | undefined> {
    const found = await Case.find({ contactId: resident.contactId }).sort({ createdAt: -1 }).limit(1).lean<CaseDoc[]>();
    return found[0] ? caseRecord(found[0]) : undefined;
  }
}

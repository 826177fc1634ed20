/** The demo council's campgrounds and their rules (data, not code). */
import type { Campground } from '../../src/domain/flow';

export const CAMPGROUNDS: Campground[] = [
  { id: 'river-flats', name: 'River Flats', capacity: 12, maxNights: 7, maxPartySize: 6, feePerNightCents: 2500, closed: ['06-01', '08-31'] },
  { id: 'lookout-hill', name: 'Lookout Hill', capacity: 5, maxNights: 3, maxPartySize: 4, feePerNightCents: 1800 },
  { id: 'bayside-reserve', name: 'Bayside Reserve', capacity: 20, maxNights: 14, maxPartySize: 8, feePerNightCents: 3200, closed: ['04-01', '04-30'] },
];

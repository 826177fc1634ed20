/**
 * camping-permit: campground, arrival date, nights and party size, checked against the
 * council's rules (season closures, maximum nights and party size, dates in range) in code,
 * whatever a model proposed; availability checked before confirming, with other campgrounds
 * offered when one is full; the booking itself cannot oversell (see src/permits/repository.ts).
 */
import utterances from './utterances.json';
import { extractBareNumber, extractDate, extractNights, extractPartySize, type IsoDate } from '../../src/ai/extract';
import type { Campground, StepContext, StepInput } from '../../src/domain/flow';
import { defineFormFlow, type Slots } from '../../src/flow-engine/form';
import { copy, day } from './copy';
import { isoDateIn } from '../../src/domain/calendar';

const campgroundOf = (slots: Slots, context: StepContext): Campground | undefined => context.services.permits.campgrounds().find((c) => c.id === slots.campground);
const todayIn = (context: StepContext): IsoDate => isoDateIn(context.services.now, context.council.timezone);
const proposed = (input: StepInput, name: string): unknown => input.understood?.slots?.[name];

/**
 * A campground named in the message: its full name anywhere ("bayside reserve"), or its first
 * word ("bayside") when the message is short or the campground is being asked for, so a
 * description that mentions "the river" does not move a booking.
 */
function findCampground(text: string, context: StepContext, asked: boolean): string | undefined {
  const lower = text.toLowerCase().replace(/[^a-z0-9 -]+/g, ' ');
  const campgrounds = context.services.permits.campgrounds();
  const full = campgrounds.find((c) => lower.includes(c.id) || lower.includes(c.name.toLowerCase()));
  if (full) return full.id;
  if (!asked && lower.trim().split(/\s+/).length > 4) return undefined;
  return campgrounds.find((c) => new RegExp(`\\b${c.name.toLowerCase().split(' ')[0]!}\\b`).test(lower))?.id;
}

function isClosed(campground: Campground, date: IsoDate): boolean {
  if (!campground.closed) return false;
  const md = date.slice(5);
  const [from, to] = campground.closed;
  return from <= to ? md >= from && md <= to : md >= from || md <= to;
}

const asInteger = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);

export const campingPermitFlow = defineFormFlow({
  id: 'camping-permit',
  version: 1,
  menuLabel: 'Camping permits',
  examples: [...utterances, 
    'I want a camping permit', 'book a campsite', 'can I camp at River Flats', 'camping permit for next weekend', 'book a camp site for 2 nights',
    'we want to go camping', 'reserve a camping spot', 'is there space at lookout hill campground', 'campsite booking', 'I need a permit to camp at bayside',
    'camping', 'can we camp friday for 3 nights', 'book camping for 4 people', 'get a camping pass', 'i wanna camp this wkend',
  ],
  // The campgrounds' names with a booking word point here too: "can I book bayside reserve from next friday".
  // A campground named with a word of staying also starts this flow: the names are each council's
  // own, so that trigger is built with its understanding (src/ai/understanding.ts `campgroundTrigger`).
  triggers: { words: /\bcamp(ing|site|ground|s)?\b/i },
  topic: 'camping booking',
  intro: copy.intro,
  help: copy.help,
  changeHint: copy.changeHint,
  slots: [
    {
      name: 'campground',
      ask: copy.askCampground,
      choices: (_slots, context) => context.services.permits.campgrounds().map((c) => ({ value: c.id, label: c.name })),
      read: (input, context, slots) =>
        findCampground(input.text, context, slots.__asking === 'campground') ?? (typeof proposed(input, 'campground') === 'string' ? findCampground(String(proposed(input, 'campground')), context, true) : undefined),
      changed: (slots, context) => copy.changedCampground(campgroundOf(slots, context)?.name ?? ''),
      answer: (input, context) => {
        const n = extractBareNumber(input.text);
        const all = context.services.permits.campgrounds();
        return n !== undefined && n >= 1 && n <= all.length ? all[n - 1]!.id : undefined;
      },
      check: (value, slots, context) => {
        const campground = context.services.permits.campgrounds().find((c) => c.id === value);
        if (!campground) return copy.askCampground;
        if (typeof slots.arrive === 'string' && isClosed(campground, slots.arrive)) return copy.closed(campground.name, ...closedRange(campground));
        return undefined;
      },
    },
    {
      name: 'arrive',
      ask: copy.askArrive,
      read: (input, context) => extractDate(input.text, context.services.now, context.council.timezone) ?? validIso(proposed(input, 'date')),
      changed: (slots) => (slots.nights !== undefined ? copy.changedStay(String(slots.arrive), Number(slots.nights)) : copy.changedArrive(String(slots.arrive))),
      check: (value, slots, context) => {
        const date = String(value);
        if (date < todayIn(context)) return copy.pastDate;
        if (date > addDays(todayIn(context), 366)) return copy.tooFar;
        const campground = campgroundOf(slots, context);
        if (campground && isClosed(campground, date)) return copy.closed(campground.name, ...closedRange(campground));
        return undefined;
      },
    },
    {
      name: 'nights',
      ask: copy.askNights,
      read: (input) => extractNights(input.text) ?? asInteger(proposed(input, 'nights')),
      changed: (slots) => (slots.arrive !== undefined ? copy.changedStay(String(slots.arrive), Number(slots.nights)) : copy.changedNights(Number(slots.nights))),
      answer: (input) => extractBareNumber(input.text),
      check: (value, slots, context) => {
        const nights = asInteger(value);
        if (nights === undefined || nights < 1) return copy.badNights;
        const campground = campgroundOf(slots, context);
        if (campground && nights > campground.maxNights) return copy.tooManyNights(campground.name, campground.maxNights);
        if (nights > 14) return copy.tooManyNights('Our campgrounds', 14);
        return undefined;
      },
    },
    {
      name: 'partySize',
      ask: copy.askParty,
      read: (input) => extractPartySize(input.text) ?? asInteger(proposed(input, 'partySize')),
      changed: (slots) => copy.changedParty(Number(slots.partySize)),
      answer: (input) => extractBareNumber(input.text),
      check: (value, slots, context) => {
        const people = asInteger(value);
        if (people === undefined || people < 1) return copy.badParty;
        const campground = campgroundOf(slots, context);
        if (campground && people > campground.maxPartySize) return copy.tooManyPeople(campground.name, campground.maxPartySize);
        if (people > 8) return copy.tooManyPeople('A site', 8);
        return undefined;
      },
    },
  ],
  async precheck(slots, context) {
    const campground = campgroundOf(slots, context)!;
    // The nights rule depends on the campground, which may have been chosen after the nights.
    if (Number(slots.nights) > campground.maxNights) return { ok: false, say: [copy.tooManyNights(campground.name, campground.maxNights)], clear: ['nights'] };
    if (Number(slots.partySize) > campground.maxPartySize) return { ok: false, say: [copy.tooManyPeople(campground.name, campground.maxPartySize)], clear: ['partySize'] };
    const full = await context.services.permits.fullNights(campground.id, String(slots.arrive), Number(slots.nights));
    if (full.length === 0) return { ok: true };
    const others: Campground[] = [];
    for (const other of context.services.permits.campgrounds()) {
      if (other.id === campground.id || isClosed(other, String(slots.arrive)) || Number(slots.nights) > other.maxNights || Number(slots.partySize) > other.maxPartySize) continue;
      if ((await context.services.permits.fullNights(other.id, String(slots.arrive), Number(slots.nights))).length === 0) others.push(other);
    }
    return {
      ok: false,
      say: [copy.full(campground.name, full), copy.alternatives(others.map((o) => o.name))],
      clear: others.length ? ['campground'] : ['arrive'],
      ...(others.length ? { choices: others.map((o) => ({ value: o.id, label: o.name })) } : {}),
    };
  },
  confirm(slots, context) {
    const campground = campgroundOf(slots, context)!;
    return copy.confirm(campground.name, String(slots.arrive), Number(slots.nights), Number(slots.partySize), campground.feePerNightCents * Number(slots.nights));
  },
  async complete(slots, context) {
    const campground = campgroundOf(slots, context)!;
    const result = await context.services.permits.book({ campgroundId: campground.id, arrive: String(slots.arrive), nights: Number(slots.nights), partySize: Number(slots.partySize) });
    if (!result.ok) return { say: [copy.goneMeanwhile(campground.name)] };
    return { say: [copy.booked(result.reference, campground.name, String(slots.arrive), Number(slots.nights))] };
  },
});

function validIso(value: unknown): IsoDate | undefined {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? value : undefined;
}

function addDays(iso: IsoDate, days: number): IsoDate {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function closedRange(campground: Campground): [string, string] {
  const [from, to] = campground.closed!;
  return [day(`2026-${from}`).replace(/^\w+ /, ''), day(`2026-${to}`).replace(/^\w+ /, '')];
}

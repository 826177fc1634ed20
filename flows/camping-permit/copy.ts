/** Everything the camping-permit flow says: short for SMS, speakable for voice. */
import { dateFormat } from '../../src/domain/calendar';
const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;
export const day = (iso: string) => dateFormat('en-AU', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));

export const copy = {
  intro: "Let's book a camping permit.",
  help: 'I need the campground, the night you arrive, how many nights, and how many people. To stop, say "never mind".',
  changeHint: 'OK. What should I change? For example "3 nights", "arrive Saturday" or "4 people". Or say "start again".',
  changedStay: (arrive: string, nights: number) => `Changed to ${nights} ${nights === 1 ? 'night' : 'nights'} from ${day(arrive)}.`,
  changedNights: (nights: number) => `Changed to ${nights} ${nights === 1 ? 'night' : 'nights'}.`,
  changedArrive: (arrive: string) => `Changed to arriving ${day(arrive)}.`,
  changedParty: (people: number) => `Changed to ${people} ${people === 1 ? 'person' : 'people'}.`,
  changedCampground: (name: string) => `Changed to ${name}.`,
  askCampground: 'Which campground would you like?',
  askArrive: 'Which night do you arrive? For example "Friday 12 December" or "next Friday".',
  askNights: 'How many nights?',
  askParty: 'How many people, including children?',
  pastDate: 'That date has passed.',
  tooFar: 'Permits open 12 months ahead. Please choose an earlier date.',
  closed: (name: string, from: string, to: string) => `${name} is closed from ${from} to ${to}.`,
  tooManyNights: (name: string, max: number) => `${name} allows up to ${max} nights.`,
  badNights: 'The stay must be at least 1 night.',
  tooManyPeople: (name: string, max: number) => `${name} allows up to ${max} people per site.`,
  badParty: 'Please tell me how many people, from 1.',
  full: (name: string, nights: string[]) => `Sorry, ${name} is full on ${nights.map(day).join(', ')}.`,
  alternatives: (names: string[]) => (names.length ? `There are places at ${names.join(' and ')} on those dates. Which would you like?` : 'Please choose another date.'),
  confirm: (name: string, arrive: string, nights: number, people: number, feeCents: number) =>
    `Book ${name} for ${nights} ${nights === 1 ? 'night' : 'nights'} from ${day(arrive)}, for ${people} ${people === 1 ? 'person' : 'people'}? The fee is ${money(feeCents)}, paid on arrival.`,
  booked: (reference: string, name: string, arrive: string, nights: number) =>
    `Booked. Your permit number is ${reference}: ${name}, ${nights} ${nights === 1 ? 'night' : 'nights'} from ${day(arrive)}. If plans change, send "can't make it ${reference}".`,
  goneMeanwhile: (name: string) => `Sorry, the last place at ${name} was just taken. Please try other dates.`,
};

/**
 * report-issue: what kind of problem, where (an address, a shared location, a WhatsApp pin),
 * an optional photo and a short description. An open report of the same kind nearby is
 * offered instead of a duplicate; otherwise a case is created with a reference, and the
 * resident is told on this channel whenever its status changes.
 */
import utterances from './utterances.json';
import { extractAddress, isNo, isYes, looksLikePlace } from '../../src/ai/extract';
import { statusWords } from '../../src/domain/cases';
import { OUT_OF_SCOPE, type ReportLocation, type StepContext, type StepInput } from '../../src/domain/flow';
import { defineFormFlow, type Slots } from '../../src/flow-engine/form';

/**
 * A fault described in a public place, in any words: something the council looks after and what
 * is wrong with it, either way round, within a sentence ("a bench near the playground has a broken
 * slat", "the toilets at the foreshore are blocked", "dead kangaroo on bayside rd"). Residents
 * describe a problem far more often than they name a report category. Private things (a car, a
 * phone, a TV) are left out: their faults are not the council's.
 */
const PUBLIC_THING = String.raw`bench(?:es)?|seats?|toilets?|loos?|playground|swings?|slides?|signs?|signposts?|bins?|kerbs?|grass|median(?: strip)?|verges?|nature strip|trees?|branch(?:es)?|fences?|bridges?|bus (?:stop|shelter)|car ?park|taps?|bubblers?|fountains?|pipes?|oval|jetty|boat ramp|skate ?park|bbq|barbecue|kangaroo|roo|possum|wombat|fox|couch|sofa|fridge|mattress|trolley`;
const FAULT = String.raw`broken|broke|damaged|blocked|overflowing|leak(?:ing|s)?|smashed|vandali[sz]ed|fallen(?: over| down)?|fell (?:over|down|off)|knocked (?:over|down)|skipped|overgrown|knee[- ]high|dead|dumped|stinks?|flooded|cracked|loose|sticking out|hanging off|rusted through|unsafe|(?:not|never|hasn'?t|haven'?t|wasn'?t|weren'?t) (?:been )?(?:collected|emptied|mowed|mown|fixed|cleaned|picked up)`;
// "left an old couch on the verge": left, before the thing, is dumping.
const FAULT_BEFORE = String.raw`${FAULT}|left`;
const FAULT_IN_A_PUBLIC_PLACE = new RegExp(String.raw`\b(?:${PUBLIC_THING})\b[^.!?]{0,60}?\b(?:${FAULT})\b|\b(?:${FAULT_BEFORE})\b[^.!?]{0,40}?\b(?:${PUBLIC_THING})\b`, 'i');

export const CATEGORIES: Array<{ value: string; label: string; phrase: string; words: RegExp }> = [
  { value: 'pothole', label: 'Pothole', phrase: 'a pothole', words: /\bpot ?holes?\b|\bhole in the road\b/i },
  { value: 'dumped-rubbish', label: 'Dumped rubbish', phrase: 'dumped rubbish', words: /\bdump(ed|ing)?\b|\bfly[- ]?tipping\b|\billegal(ly)? dump|\babandoned (mattress|couch|furniture|trolley)|\brubbish (left|dumped)\b|\bmattress\b/i },
  { value: 'street-light', label: 'Street light', phrase: 'a street light fault', words: /\bstreet ?lights?\b|\blight (is )?(out|broken|flickering)\b|\blamp ?post\b/i },
  { value: 'drain', label: 'Blocked drain', phrase: 'a blocked drain', words: /\bdrains?\b|\bstorm ?water\b|\bflooding\b|\bgutter\b/i },
  { value: 'graffiti', label: 'Graffiti', phrase: 'graffiti', words: /\bgraffiti\b|\btag(ged|ging)\b|\bvandal/i },
  { value: 'footpath', label: 'Footpath', phrase: 'a footpath problem', words: /\bfoot ?paths?\b|\bsidewalk\b|\bpavement\b|\btrip hazard\b/i },
  { value: 'missed-bin', label: 'Missed bin', phrase: 'a missed bin', words: /\b(missed|forgot|didn'?t|not|weren'?t|wasn'?t) (collect|empt|pick)|\bbins? (not|weren'?t|wasn'?t) (collected|emptied)|\bmissed bin\b/i },
  { value: 'fallen-tree', label: 'Fallen tree', phrase: 'a fallen tree', words: /\b(fallen|fell|down|broken) (tree|branch)|\btree (fell|down|fallen|blocking)|\bbranch (fell|down|on)\b/i },
  { value: 'other', label: 'Something else', phrase: 'a problem', words: /\bsomething else\b|\bother\b/i },
];

const copy = {
  intro: "Let's report it.",
  help: 'Tell me what the problem is, where it is, and send a photo if you can. To stop, say "never mind".',
  changeHint: 'OK. What should I change: the kind of problem, the place or the description? Or say "start again".',
  askCategory: 'What kind of problem is it?',
  askLocation: 'Where is it? Give the street address or nearest corner, share your location, or send a photo taken there.',
  confirmPlace: (text: string) => `Is "${text}" where it is?`,
  askPhoto: 'If you can, send a photo now. Or say skip.',
  askDescription: 'In a few words, what is the problem? For example how big it is, or any danger.',
  askFollow: (reference: string, status: string) =>
    `This looks like it's already reported: reference ${reference} (${statusWords(status)}). Would you like updates on that report instead? Say yes for updates, or no to report it anyway.`,
  following: (reference: string) => `OK. We'll message you here when report ${reference} changes. Thank you.`,
  confirm: (phrase: string, where: string, description: string) => `Report ${phrase} at ${where}: "${shorten(description, 90)}"?`,
  created: (reference: string) => `Thanks. Your report number is ${reference}. We'll message you here when it changes. To check on it, send "status ${reference}".`,
  shortDescription: 'Please add a few words about the problem.',
  changedPlace: (where: string) => `Changed the place to ${where}.`,
  changedCategory: (phrase: string) => `Changed to ${phrase}.`,
  changedDescription: 'Changed the description.',
};

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3).replace(/\s+\S*$/, '')}...`;
}

/** Words that describe a problem rather than a place ("wide", "broken", "blew a tyre"). */
const PROBLEM_WORDS = /\b(broken|broke|damaged?|danger(ous)?|hazard|unsafe|wide|deep|big|huge|massive|large|blew|blown|blocked|leak(ing|s)?|smell(s|y)?|stink(s|ing)?|overflow(ing)?|fell|fallen|hurt|injur\w*|tyres?|cracks?|cracked|dumped|everywhere|again|weeks?|days?|months?|flooding|flooded|sharp|rubbish|mess|metres?|m wide|cm|dark|pitch black|flicker\w*|out|missing|stolen|ugly|offensive)\b/i;
const soundsLikeProblem = (text: string) => PROBLEM_WORDS.test(text) || CATEGORIES.some((c) => c.value !== 'other' && c.words.test(text));

/** The categories a council takes (TENANTS_FILE `reportCategories`; absent: all), "Something else" always last. */
export function categoriesTaken(taken: string[] | undefined): typeof CATEGORIES {
  return taken ? CATEGORIES.filter((c) => c.value === 'other' || taken.includes(c.value)) : CATEGORIES;
}
const categoriesFor = (context: StepContext) => categoriesTaken(context.council.reportCategories);

/** The category the words name; one this council does not list is "something else" (the words stay in the description). */
function categoryOf(text: string, context: StepContext): string | undefined {
  const named = CATEGORIES.find((c) => c.value !== 'other' && c.words.test(text))?.value;
  return named && !categoriesFor(context).some((c) => c.value === named) ? 'other' : named;
}

async function locationOf(input: StepInput, context: StepContext): Promise<ReportLocation | undefined> {
  if (input.content.kind === 'location') return { lat: input.content.lat, lng: input.content.lng, ...(input.content.text ? { text: input.content.text } : {}) };
  if (input.content.kind === 'media' && input.content.urls.length > 0) {
    // A photo taken on the spot says where it is (its GPS is then stripped from the stored image).
    const position = await context.services.photoPosition(input.content.urls.length);
    const typed = extractAddress(input.text);
    if (position) return { ...position, ...(typed ? { text: typed } : {}) };
  }
  const address = extractAddress(input.text) ?? (typeof input.understood?.slots?.address === 'string' ? extractAddress(String(input.understood.slots.address)) : undefined);
  return address ? { text: address } : undefined;
}

/** Words that ask for a report, name its kind or its place, and carry no description. */
const REQUEST_WORDS = /\b(i|i'?d|i'?m|we|want|wanna|would|like|need|to|can|could|you|please|pls|report|reporting|lodge|log|make|a|an|the|there'?s|there|is|are|was|its|it'?s|it|some|on|at|in|of|my|our|street|road|outside|near|corner|and|just|hi|hello|hey|problem|issue|about|with|for|have|has|got|been)\b/gi;

/**
 * The resident's own description in a message, if it says more than "report a pothole at
 * 12 Smith St": at least two words left once the request, the kind and the place are taken out.
 */
function descriptionIn(text: string): string | undefined {
  const clean = text.trim();
  if (clean.split(/\s+/).length < 3 || /\?\s*$/.test(clean) || isYes(clean) || isNo(clean)) return undefined;
  let rest = clean;
  const address = extractAddress(clean);
  if (address) rest = rest.replace(address.replace(/^the corner of /, ''), ' ');
  for (const c of CATEGORIES) rest = rest.replace(new RegExp(c.words.source, 'gi'), ' ');
  rest = rest.replace(REQUEST_WORDS, ' ').replace(/\b\d+\w*\b/g, ' ').replace(/[^A-Za-z' ]+/g, ' ');
  return rest.trim().split(/\s+/).filter((w) => w.length > 1).length >= 2 ? clean : undefined;
}

const describeLocation = (location: ReportLocation) => location.text ?? `the spot you shared (${location.lat?.toFixed(5)}, ${location.lng?.toFixed(5)})`;
const categoryFor = (value: unknown) => CATEGORIES.find((c) => c.value === value);

export const reportIssueFlow = defineFormFlow({
  id: 'report-issue',
  version: 2,
  menuLabel: 'Report a problem',
  topic: 'report',
  examples: [...utterances,
    'there is a pothole on my street', 'report a pothole', 'someone dumped rubbish outside my house', 'the street light is out', 'blocked drain flooding the road',
    'graffiti on the bus shelter', 'the footpath is broken', 'my bin was not collected', 'a tree fell across the road', 'I want to report a problem',
    'report dumped mattress on nature strip', 'street light flickering on elm st', 'pothole outside 12 smith street', 'bins werent collected today', 'fly tipping in the lane',
    'big hole in the road', 'report illegal dumping', 'branch down on the footpath',
  ],
  triggers: { words: new RegExp([...CATEGORIES.filter((c) => c.value !== 'other').map((c) => c.words.source), FAULT_IN_A_PUBLIC_PLACE.source].join('|'), 'i') },
  intro: copy.intro,
  help: copy.help,
  changeHint: copy.changeHint,
  slots: [
    {
      name: 'category',
      ask: copy.askCategory,
      choices: (_slots, context) => categoriesFor(context).map((c) => ({ value: c.value, label: c.label })),
      read: (input, context) => (input.content.kind === 'choice' && categoriesFor(context).some((c) => c.value === (input.content as { value: string }).value) ? (input.content as { value: string }).value : categoryOf(input.text, context)),
      answer: (input, context) => {
        const n = Number(input.text.trim());
        const offered = categoriesFor(context);
        return Number.isInteger(n) && n >= 1 && n <= offered.length ? offered[n - 1]!.value : /\b(other|else)\b/i.test(input.text) ? 'other' : undefined;
      },
      changed: (slots) => copy.changedCategory(categoryFor(slots.category)?.phrase ?? 'a problem'),
    },
    {
      name: 'location',
      ask: copy.askLocation,
      read: (input, context) => locationOf(input, context),
      // Asked directly: a place in the resident's words ("outside the library on Main Rd")
      // counts when it looks like one; other words are checked with them first.
      answer: (input) => {
        const text = input.text.trim();
        if (input.content.kind !== 'text' && input.content.kind !== 'speech') return undefined;
        if (text.split(/\s+/).length < 2 || text.length > 100 || /\?\s*$/.test(text) || isYes(text) || isNo(text)) return undefined;
        if (input.understood && input.understood.intent !== 'report-issue' && input.understood.intent !== OUT_OF_SCOPE && input.understood.score >= 0.8 && !looksLikePlace(text)) return undefined;
        if (!looksLikePlace(text) && soundsLikeProblem(text)) return undefined;
        return { text: text.replace(/^(it'?s |it is )?(at |on |in )?/i, ''), ...(looksLikePlace(text) ? {} : { unsure: true }) };
      },
      confirmValue: (value) => ((value as ReportLocation & { unsure?: boolean }).unsure ? copy.confirmPlace(String((value as ReportLocation).text)) : undefined),
      changed: (slots) => copy.changedPlace(describeLocation(slots.location as ReportLocation)),
    },
    {
      name: 'followExisting',
      ask: (slots) => copy.askFollow(String(slots.__duplicate), String(slots.__duplicateStatus)),
      when: (slots) => typeof slots.__duplicate === 'string',
      read: () => undefined,
      answer: (input) => (isYes(input.text) ? 'yes' : isNo(input.text) ? 'no' : undefined),
    },
    {
      name: 'photoCount',
      ask: copy.askPhoto,
      optional: true,
      read: (input) => (input.content.kind === 'media' && input.content.urls.length > 0 ? input.content.urls.length : undefined),
    },
    {
      name: 'description',
      ask: copy.askDescription,
      freeText: true,
      // In the resident's words whenever they give it (first message, a photo's caption, or
      // while another question is open), and whatever they say when it is asked for.
      read: (input, _context: StepContext, slots: Slots) => {
        if (slots.description !== undefined && slots.__asking !== undefined) return undefined;
        const text = input.text.trim();
        // Asked where, words that describe no problem are a place (confirmed with the resident).
        if (slots.__asking === 'location' && (looksLikePlace(text) || !soundsLikeProblem(text))) return undefined;
        // Words sent instead of a photo are the description, when it is still missing.
        if (slots.__asking === 'photoCount' && input.content.kind === 'text' && text.split(/\s+/).length >= 2 && !/^(skip|no|none|nope|nah)\b/i.test(text)) return text;
        return descriptionIn(text);
      },
      answer: (input) => (input.text.trim() && input.content.kind !== 'choice' ? input.text.trim() : undefined),
      check: (value) => (String(value).trim().length < 3 ? copy.shortDescription : undefined),
    },
  ],
  async shortcut(slots, context) {
    if (slots.followExisting !== 'yes' || typeof slots.__duplicate !== 'string') return undefined;
    await context.services.cases.follow(slots.__duplicate);
    return { say: [copy.following(slots.__duplicate)], end: true };
  },
  async precheck(slots, context) {
    if (slots.__duplicate !== undefined) return { ok: true };
    const existing = await context.services.cases.nearby(String(slots.category), slots.location as ReportLocation);
    if (!existing || slots.category === 'other') return { ok: true };
    return { ok: false, say: [], clear: [], set: { __duplicate: existing.reference, __duplicateStatus: existing.status } };
  },
  confirm: (slots) => copy.confirm(categoryFor(slots.category)?.phrase ?? 'a problem', describeLocation(slots.location as ReportLocation), String(slots.description ?? '')),
  async complete(slots, context) {
    const location = { ...(slots.location as ReportLocation & { unsure?: boolean }) };
    delete location.unsure;
    const record = await context.services.cases.create({
      category: String(slots.category),
      description: String(slots.description ?? ''),
      location,
      photoCount: Number(slots.photoCount ?? 0),
    });
    return { say: [copy.created(record.reference)] };
  },
});

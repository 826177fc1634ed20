/**
 * report-issue: what kind of problem, where (an address, a shared location, a WhatsApp pin),
 * an optional photo and a short description. An open report of the same kind nearby is
 * offered instead of a duplicate; otherwise a case is created with a reference, and the
 * resident is told on this channel whenever its status changes.
 */
import utterances from './utterances.json';
import { extractAddress, isNo, isYes } from '../../src/ai/extract';
import { statusWords } from '../../src/domain/cases';
import type { ReportLocation, StepContext, StepInput } from '../../src/domain/flow';
import { defineFormFlow, type Slots } from '../../src/flow-engine/form';

export const CATEGORIES: Array<{ value: string; label: string; words: RegExp }> = [
  { value: 'pothole', label: 'Pothole', words: /\bpot ?holes?\b|\bhole in the road\b/i },
  { value: 'dumped-rubbish', label: 'Dumped rubbish', words: /\bdump(ed|ing)?\b|\bfly[- ]?tipping\b|\billegal(ly)? dump|\babandoned (mattress|couch|furniture|trolley)|\brubbish (left|dumped)\b|\bmattress\b/i },
  { value: 'street-light', label: 'Street light', words: /\bstreet ?lights?\b|\blight (is )?(out|broken|flickering)\b|\blamp ?post\b/i },
  { value: 'drain', label: 'Blocked drain', words: /\bdrains?\b|\bstorm ?water\b|\bflooding\b|\bgutter\b/i },
  { value: 'graffiti', label: 'Graffiti', words: /\bgraffiti\b|\btag(ged|ging)\b|\bvandal/i },
  { value: 'footpath', label: 'Footpath', words: /\bfoot ?paths?\b|\bsidewalk\b|\bpavement\b|\btrip hazard\b/i },
  { value: 'missed-bin', label: 'Missed bin', words: /\b(missed|forgot|didn'?t|not|weren'?t|wasn'?t) (collect|empt|pick)|\bbins? (not|weren'?t|wasn'?t) (collected|emptied)|\bmissed bin\b/i },
  { value: 'fallen-tree', label: 'Fallen tree', words: /\b(fallen|fell|down|broken) (tree|branch)|\btree (fell|down|fallen|blocking)|\bbranch (fell|down|on)\b/i },
  { value: 'other', label: 'Something else', words: /\bsomething else\b|\bother\b/i },
];

const copy = {
  intro: "Let's report it.",
  help: 'Tell me what the problem is, where it is, and send a photo if you can. Say cancel to stop.',
  askCategory: 'What kind of problem is it?',
  askLocation: 'Where is it? Give the street address or nearest corner, share your location, or send a photo taken there.',
  askPhoto: 'If you can, send a photo now. Or say skip.',
  askDescription: 'Briefly describe the problem.',
  askFollow: (reference: string, status: string) =>
    `This looks like it's already reported: reference ${reference} (${statusWords(status)}). Would you like updates on that report instead? Say yes for updates, or no to report it anyway.`,
  following: (reference: string) => `OK. We'll message you here when report ${reference} changes. Thank you.`,
  confirm: (category: string, where: string) => `Report ${category.toLowerCase()} at ${where}?`,
  created: (reference: string) => `Thanks. Your report number is ${reference}. We'll message you here when its status changes. To check it, send "status ${reference}".`,
  shortDescription: 'Please add a few words about the problem.',
};

function categoryOf(text: string): string | undefined {
  return CATEGORIES.find((c) => c.value !== 'other' && c.words.test(text))?.value;
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

const describeLocation = (location: ReportLocation) => location.text ?? `the place shown (${location.lat?.toFixed(5)}, ${location.lng?.toFixed(5)})`;
const labelOf = (value: unknown) => CATEGORIES.find((c) => c.value === value)?.label ?? 'Problem';

export const reportIssueFlow = defineFormFlow({
  id: 'report-issue',
  version: 1,
  menuLabel: 'Report a problem',
  examples: [...utterances, 
    'there is a pothole on my street', 'report a pothole', 'someone dumped rubbish outside my house', 'the street light is out', 'blocked drain flooding the road',
    'graffiti on the bus shelter', 'the footpath is broken', 'my bin was not collected', 'a tree fell across the road', 'I want to report a problem',
    'report dumped mattress on nature strip', 'street light flickering on elm st', 'pothole outside 12 smith street', 'bins werent collected today', 'fly tipping in the lane',
    'big hole in the road', 'report illegal dumping', 'branch down on the footpath',
  ],
  triggers: { words: new RegExp(CATEGORIES.filter((c) => c.value !== 'other').map((c) => c.words.source).join('|'), 'i') },
  intro: copy.intro,
  help: copy.help,
  slots: [
    {
      name: 'category',
      ask: copy.askCategory,
      choices: () => CATEGORIES.map((c) => ({ value: c.value, label: c.label })),
      read: (input) => (input.content.kind === 'choice' && CATEGORIES.some((c) => c.value === (input.content as { value: string }).value) ? (input.content as { value: string }).value : categoryOf(input.text)),
      answer: (input) => {
        const n = Number(input.text.trim());
        return Number.isInteger(n) && n >= 1 && n <= CATEGORIES.length ? CATEGORIES[n - 1]!.value : /\b(other|else)\b/i.test(input.text) ? 'other' : undefined;
      },
    },
    {
      name: 'location',
      ask: copy.askLocation,
      read: (input, context) => locationOf(input, context),
      // Asked directly, a plain description of the place is accepted as the address.
      answer: (input) => (input.text.trim().length >= 5 && input.content.kind !== 'media' ? { text: input.text.trim() } : undefined),
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
      read: (input, _context: StepContext, slots: Slots) => (slots.__asking === undefined && !slots.__confirming && input.text.trim().split(/\s+/).length >= 3 ? input.text.trim() : undefined),
      answer: (input) => (input.text.trim() ? input.text.trim() : undefined),
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
  confirm: (slots) => copy.confirm(labelOf(slots.category), describeLocation(slots.location as ReportLocation)),
  async complete(slots, context) {
    const record = await context.services.cases.create({
      category: String(slots.category),
      description: String(slots.description ?? ''),
      location: slots.location as ReportLocation,
      photoCount: Number(slots.photoCount ?? 0),
    });
    return { say: [copy.created(record.reference)] };
  },
});

/**
 * Councils as data (CONTRACT.md §9). `TENANTS_FILE` (JSON or YAML) lists the councils one engine
 * serves; without it, one default council is built from the environment exactly as before.
 * Credentials a council leaves out fall back to the environment's (one Twilio account with a
 * number per council is common in a shared service). Problems are listed together, with the
 * council and field they are in.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import YAML from 'yaml';
import { z } from 'zod';
import type { Config } from '../config';
import { CATEGORIES } from '../../flows/report-issue';
import type { PhoneVoice } from '../domain/channel';
import type { Campground } from '../domain/flow';
import { officeHoursSchema } from '../conversations/office-hours';
import { NATIONAL_CRISIS_LINES } from '../conversations/safeguarding-notice';
import type { CouncilInfo } from '../services';

export const DEFAULT_COUNCIL_ID = 'default';
export const DEFAULT_QUEUES = ['general', 'permits', 'waste', 'roads'];

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +61480000001');
const councilId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and dashes');
const pageId = z.string().regex(/^\d{1,30}$/, 'must be a numeric id');
const origin = z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/, 'must be an origin such as https://www.council.example');
export const timezoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Australia/Sydney');
const riskKinds = z.enum(['self_harm', 'family_violence', 'abuse_neglect', 'welfare', 'homelessness', 'threat', 'unspecified']);
export const crisisLinesSchema = z.partialRecord(riskKinds, z.string().min(5).max(200));
export const campgroundSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/),
  name: z.string().min(2).max(80),
  capacity: z.number().int().min(1).max(10_000),
  maxNights: z.number().int().min(1).max(365),
  maxPartySize: z.number().int().min(1).max(100),
  feePerNightCents: z.number().int().min(0),
  /** Closed from one MM-DD to another (inclusive), every year. */
  closed: z.tuple([z.string().regex(/^\d{2}-\d{2}$/), z.string().regex(/^\d{2}-\d{2}$/)]).optional(),
});
/** The report flow's categories a council takes; an unknown one is a mistake, named with the known ones. */
export const reportCategoriesSchema = z
  .array(z.string().refine((v) => CATEGORIES.some((c) => c.value === v), { error: `must be one of ${CATEGORIES.map((c) => c.value).join(', ')}` }))
  .min(1);
export const cannedResponseSchema = z.strictObject({ title: z.string().min(1).max(80), text: z.string().min(1).max(1000) });

export const retentionDaysSchema = z.number().min(0.0001).max(36_500);
export const localeSchema = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en-AU');
export const voiceSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9.-]{2,60}$/, 'must be a Twilio voice name such as Polly.Olivia-Neural').optional(),
  holdMusicUrl: z.url({ protocol: /^https?$/ }).optional(),
});

/**
 * A natural neural voice Twilio offers for each English locale a council is likely to use, so a
 * council that names only its locale does not sound like another country. Others get Twilio's
 * default voice for the language (a council can name one in `voice.name`).
 */
const VOICE_FOR_LOCALE: Record<string, string> = {
  'en-AU': 'Polly.Olivia-Neural',
  'en-NZ': 'Polly.Aria-Neural',
  'en-GB': 'Polly.Amy-Neural',
  'en-IE': 'Polly.Niamh-Neural',
  'en-US': 'Polly.Joanna-Neural',
  'en-ZA': 'Polly.Ayanda-Neural',
  'en-IN': 'Polly.Kajal-Neural',
};

/**
 * A phone voice in `locale`: what `chosen` names, else what `fallback` has (its voice only when it
 * speaks the same language), else the locale's usual voice. The engine's voice (VOICE_LANGUAGE,
 * VOICE_NAME, HOLD_MUSIC_URL) falls back for councils; a council's own voice for its changes.
 */
export function phoneVoiceOf(locale: string, chosen: z.infer<typeof voiceSchema> | undefined, fallback: PhoneVoice): PhoneVoice {
  const name = chosen?.name ?? (locale === fallback.language ? fallback.name : VOICE_FOR_LOCALE[locale]);
  const holdMusicUrl = chosen?.holdMusicUrl ?? fallback.holdMusicUrl;
  return { language: locale, ...(name ? { name } : {}), ...(holdMusicUrl ? { holdMusicUrl } : {}) };
}

const councilFileEntry = z.strictObject({
  id: councilId,
  name: z.string().min(2).max(80),
  timezone: timezoneSchema.default('Australia/Sydney'),
  officeHours: officeHoursSchema.default('Mon-Fri 08:30-17:00'),
  locale: localeSchema.default('en-AU'),
  /** The phone's text-to-speech voice and hold music (default: a voice for the locale, the engine's HOLD_MUSIC_URL). */
  voice: voiceSchema.optional(),
  /** Days a resident's conversations, messages and media are kept (default RETENTION_DAYS; unset: kept). */
  retentionDays: retentionDaysSchema.optional(),
  /** Two capital letters in front of report references (default: the name's initials, "Riverbend Council" → RC). */
  referencePrefix: z.string().regex(/^[A-Z]{2}$/, 'must be two capital letters').optional(),
  twilio: z
    .strictObject({ phoneNumbers: z.array(e164).min(1), accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID').optional(), authToken: z.string().min(8).optional() })
    .optional(),
  meta: z
    .strictObject({ pageId, instagramId: pageId.optional(), appSecret: z.string().min(8).optional(), pageAccessToken: z.string().min(8).optional(), verifyToken: z.string().min(8).optional() })
    .optional(),
  webchat: z.strictObject({ widgetKeys: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).min(1), allowedOrigins: z.array(origin).default([]) }).optional(),
  open311: z.strictObject({ apiKeys: z.array(z.string().min(8)).min(1) }).optional(),
  queues: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/)).min(1).optional(),
  crisisLines: crisisLinesSchema.optional(),
  interpreterLine: z.string().min(5).optional(),
  /** The kinds of problem this council takes reports of (flows/report-issue CATEGORIES values; default: all). */
  reportCategories: reportCategoriesSchema.optional(),
  /** The flows this council runs (default: all); the main menu offers only these. */
  flows: z.array(z.string().regex(/^[a-z][a-z-]{1,40}$/)).min(1).optional(),
  branding: z.strictObject({ colour: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(), logoUrl: z.url().optional() }).optional(),
  /** A folder of this council's content (knowledge/*.md, campgrounds.json), relative to the file. */
  content: z.string().min(1).optional(),
});

const tenantsFile = z
  .strictObject({ councils: z.array(councilFileEntry).min(1) })
  .superRefine((file, ctx) => {
    // Each inbox belongs to exactly one council: a number, page or widget key listed twice is a mistake.
    const seen = new Map<string, string>();
    const claim = (kind: string, value: string, owner: string, at: Array<string | number>) => {
      const key = `${kind}:${value}`;
      const other = seen.get(key);
      if (other && other !== owner) ctx.addIssue({ code: 'custom', path: at, message: `${kind} ${value} is also listed for council "${other}"` });
      else if (other) ctx.addIssue({ code: 'custom', path: at, message: `${kind} ${value} is listed twice` });
      seen.set(key, owner);
    };
    file.councils.forEach((c, i) => {
      claim('id', c.id, `#${i}`, ['councils', i, 'id']);
      c.twilio?.phoneNumbers.forEach((n, j) => claim('phone number', n, c.id, ['councils', i, 'twilio', 'phoneNumbers', j]));
      if (c.meta) claim('page', c.meta.pageId, c.id, ['councils', i, 'meta', 'pageId']);
      if (c.meta?.instagramId) claim('Instagram account', c.meta.instagramId, c.id, ['councils', i, 'meta', 'instagramId']);
      c.webchat?.widgetKeys.forEach((k, j) => claim('widget key', k, c.id, ['councils', i, 'webchat', 'widgetKeys', j]));
      c.open311?.apiKeys.forEach((k, j) => claim('Open311 key', k, c.id, ['councils', i, 'open311', 'apiKeys', j]));
    });
  });

/** One council with every fallback applied: what the engine runs on. */
export interface CouncilSettings extends CouncilInfo {
  locale: string;
  voice: PhoneVoice;
  /** How long residents' records are kept, in days (undefined: kept). */
  retentionDays?: number;
  referencePrefix: string;
  twilio: { phoneNumbers: string[]; accountSid: string; authToken: string };
  meta: { pageId: string; instagramId?: string; appSecret: string; pageAccessToken: string; verifyToken: string };
  webchat: { widgetKeys: string[]; allowedOrigins: string[] };
  open311: { apiKeys: string[] };
  branding: { colour?: string; logoUrl?: string };
  /** The flows switched on (undefined: every flow). */
  flows?: string[];
  /** Report categories taken (undefined: every one). */
  reportCategories?: string[];
  /** Where its knowledge pages and campgrounds are read from (absent parts: the demo content). */
  contentFolder?: string;
}

/** A council's inboxes: each number (SMS and phone), its page, each widget key. */
export function inboxesOf(c: CouncilSettings): Array<{ channel: string; address: string; name: string }> {
  return [
    ...c.webchat.widgetKeys.map((key) => ({ channel: 'webchat', address: key, name: `${c.name} website chat` })),
    ...c.twilio.phoneNumbers.flatMap((n) => [
      { channel: 'sms', address: n, name: `${c.name} SMS` },
      { channel: 'voice', address: n, name: `${c.name} phone` },
    ]),
    ...(c.meta.pageId ? [{ channel: 'social', address: c.meta.pageId, name: `${c.name} Facebook and Instagram` }] : []),
  ];
}

const countries = new Map<string, CountryCode | undefined>();

/**
 * The country whose local numbers (`0412 345 678`) a council's residents write: its own number's
 * (the default council's is TWILIO_PHONE_NUMBER), else its locale's region (`en-AU` → AU).
 * Undefined when neither says: then only international numbers are read.
 */
export function phoneCountryOf(c: Pick<CouncilSettings, 'twilio' | 'locale'>): CountryCode | undefined {
  const number = c.twilio.phoneNumbers[0];
  // Read on every webhook, and parsing a number is not free: a council's answer is kept (councils are few).
  const key = `${number ?? ''} ${c.locale}`;
  if (!countries.has(key)) countries.set(key, countryFrom(number, c.locale));
  return countries.get(key);
}

function countryFrom(number: string | undefined, locale: string): CountryCode | undefined {
  const fromNumber = number ? parsePhoneNumberFromString(number)?.country : undefined;
  if (fromNumber) return fromNumber;
  // Only a region the tag names: a bare `en` says nothing about the country.
  let region: string | undefined;
  try {
    region = new Intl.Locale(locale).region;
  } catch {
    region = undefined;
  }
  return region && isSupportedCountry(region) ? region : undefined;
}

/** The demo content shipped with the engine: flows/faq/knowledge and the demo campgrounds. */
export interface DemoContent {
  knowledgeFolder: string;
  campgrounds: Campground[];
}

/** "Riverbend Council" → "RC". */
export function referencePrefix(councilName: string): string {
  const letters = councilName.split(/\s+/).filter(Boolean).map((w) => w[0]!.toUpperCase());
  return (letters.join('') + 'XX').slice(0, 2);
}

const cannedDefaults = (name: string) => [
  { title: 'Greeting', text: `Hi, thanks for contacting ${name}. How can I help?` },
  { title: 'Looking into it', text: "Thanks. I'm looking into this now and will reply here shortly." },
  { title: 'Need the address', text: 'Could you tell me the street address, or the nearest corner, please?' },
  { title: 'Reference number', text: 'Do you have a reference number? It starts with two letters, for example RB-1234.' },
  { title: 'Passed to the team', text: "I've passed this to the team responsible. They'll contact you within 2 business days." },
  { title: 'Anything else', text: 'Is there anything else I can help you with today?' },
];

/** The one council of an engine without TENANTS_FILE, from the §1 variables (as before councils were data). */
function fromEnvironment(config: Config): CouncilSettings {
  return {
    id: DEFAULT_COUNCIL_ID,
    name: config.COUNCIL_NAME,
    timezone: config.COUNCIL_TIMEZONE,
    officeHours: config.OFFICE_HOURS,
    locale: config.VOICE_LANGUAGE,
    voice: { language: config.VOICE_LANGUAGE, name: config.VOICE_NAME, ...(config.HOLD_MUSIC_URL ? { holdMusicUrl: config.HOLD_MUSIC_URL } : {}) },
    ...(config.RETENTION_DAYS !== undefined ? { retentionDays: config.RETENTION_DAYS } : {}),
    referencePrefix: referencePrefix(config.COUNCIL_NAME),
    queues: DEFAULT_QUEUES,
    crisisLines: { ...NATIONAL_CRISIS_LINES, ...config.CRISIS_LINES },
    interpreterLine: config.INTERPRETER_LINE,
    cannedResponses: cannedDefaults(config.COUNCIL_NAME),
    twilio: { phoneNumbers: [config.TWILIO_PHONE_NUMBER], accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN },
    meta: { pageId: config.META_PAGE_ID, ...(config.META_INSTAGRAM_ID ? { instagramId: config.META_INSTAGRAM_ID } : {}), appSecret: config.META_APP_SECRET, pageAccessToken: config.META_PAGE_ACCESS_TOKEN, verifyToken: config.META_VERIFY_TOKEN },
    webchat: { widgetKeys: ['default'], allowedOrigins: [] },
    open311: { apiKeys: config.OPEN311_API_KEYS },
    branding: {},
  };
}

function fromFileEntry(entry: z.infer<typeof councilFileEntry>, config: Config, fileDir: string): CouncilSettings {
  const env = fromEnvironment(config);
  const retentionDays = entry.retentionDays ?? env.retentionDays;
  return {
    id: entry.id,
    name: entry.name,
    timezone: entry.timezone,
    officeHours: entry.officeHours,
    locale: entry.locale,
    voice: phoneVoiceOf(entry.locale, entry.voice, env.voice),
    ...(retentionDays !== undefined ? { retentionDays } : {}),
    referencePrefix: entry.referencePrefix ?? referencePrefix(entry.name),
    queues: entry.queues ?? DEFAULT_QUEUES,
    crisisLines: { ...env.crisisLines, ...entry.crisisLines },
    interpreterLine: entry.interpreterLine ?? env.interpreterLine,
    cannedResponses: cannedDefaults(entry.name),
    // A council without its own number has no SMS or phone inbox (it may be webchat only).
    twilio: { phoneNumbers: entry.twilio?.phoneNumbers ?? [], accountSid: entry.twilio?.accountSid ?? env.twilio.accountSid, authToken: entry.twilio?.authToken ?? env.twilio.authToken },
    meta: entry.meta
      ? { pageId: entry.meta.pageId, ...(entry.meta.instagramId ? { instagramId: entry.meta.instagramId } : {}), appSecret: entry.meta.appSecret ?? env.meta.appSecret, pageAccessToken: entry.meta.pageAccessToken ?? env.meta.pageAccessToken, verifyToken: entry.meta.verifyToken ?? env.meta.verifyToken }
      : { pageId: '', appSecret: env.meta.appSecret, pageAccessToken: env.meta.pageAccessToken, verifyToken: env.meta.verifyToken },
    webchat: entry.webchat ?? { widgetKeys: [entry.id], allowedOrigins: [] },
    open311: entry.open311 ?? { apiKeys: [] },
    branding: entry.branding ?? {},
    ...(entry.flows ? { flows: entry.flows } : {}),
    ...(entry.reportCategories ? { reportCategories: entry.reportCategories } : {}),
    ...(entry.content ? { contentFolder: path.resolve(fileDir, entry.content) } : {}),
  };
}

/** Parses a tenants file's text (JSON or YAML); throws with every problem listed. */
export function parseTenants(text: string, fileName: string, config: Config): CouncilSettings[] {
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(fileName) ? YAML.parse(text) : JSON.parse(text);
  } catch (error) {
    throw new Error(`TENANTS_FILE ${fileName} is not valid ${/\.ya?ml$/i.test(fileName) ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  const parsed = tenantsFile.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`TENANTS_FILE ${fileName} has problems:\n${problems}`);
  }
  const dir = path.dirname(path.resolve(fileName));
  const councils = parsed.data.councils.map((c) => fromFileEntry(c, config, dir));
  for (const c of councils) {
    if (c.contentFolder && !existsSync(c.contentFolder)) throw new Error(`TENANTS_FILE ${fileName}: council "${c.id}" names content folder ${c.contentFolder}, which does not exist`);
  }
  return councils;
}

/** The councils this engine serves: from TENANTS_FILE, else the one default council. */
export function loadCouncilSettings(config: Config): CouncilSettings[] {
  if (!config.TENANTS_FILE) return [fromEnvironment(config)];
  return parseTenants(readFileSync(config.TENANTS_FILE, 'utf8'), config.TENANTS_FILE, config);
}

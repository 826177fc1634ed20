/**
 * The councils one engine serves and each one's content: knowledge pages, campgrounds, the
 * embedded understanding built from them, and its case and permit repositories (a `Tenant`).
 * Inboxes are found from the settings (a number, a page, a widget key), never by a guess.
 * Staff changes (office hours, campgrounds, knowledge pages: src/http/routes/councils.ts) are
 * stored on the council's record and announced over Redis, so every process rebuilds that
 * council; until the rebuild is ready, the previous content keeps answering.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { buildUnderstanding, type Understanding } from '../ai/understanding';
import type { LanguageModel } from '../ai/llm';
import { trainOffThread, type Trainer } from '../ai/trainer';
import { CaseRepository } from '../cases/repository';
import type { ChannelCredentials, MetaPage, TwilioAccount } from '../domain/channel';
import type { Campground } from '../domain/flow';
import { NotFoundError } from '../errors';
import type { FlowRegistry } from '../flow-engine/registry';
import { ids } from '../ids';
import { KnowledgeBase, type KnowledgePageSource } from '../knowledge';
import type { Logger } from '../logger';
import { Council, KnowledgePage } from '../models';
import { PermitRepository } from '../permits/repository';
import { officeHoursSchema } from '../conversations/office-hours';
import { seal, unseal } from '../sealed-secrets';
import type { Redis } from '../redis';
import { DEFAULT_COUNCIL_ID, campgroundSchema, inboxesOf, cannedResponseSchema, reportCategoriesSchema, crisisLinesSchema, localeSchema, phoneVoiceOf, retentionDaysSchema, timezoneSchema, voiceSchema, type CouncilSettings, type DemoContent } from './settings';

export interface Tenant {
  council: CouncilSettings;
  /** The flows this council runs. */
  flows: FlowRegistry;
  knowledge: KnowledgeBase;
  understanding: Understanding;
  permits: PermitRepository;
  cases: CaseRepository;
}

/** What staff may change without a deploy (stored as the council's `overrides`). */
export const councilPatchSchema = z.strictObject({
  name: z.string().min(2).max(80).optional(),
  timezone: timezoneSchema.optional(),
  officeHours: officeHoursSchema.optional(),
  /** The language callers are spoken to and heard in; the voice follows it unless `voice.name` is given. */
  locale: localeSchema.optional(),
  voice: voiceSchema.optional(),
  /** Days residents' records are kept; a shorter period takes effect at the next retention run. */
  retentionDays: retentionDaysSchema.optional(),
  queues: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/)).min(1).max(30).optional(),
  interpreterLine: z.string().min(5).max(200).optional(),
  crisisLines: crisisLinesSchema.optional(),
  campgrounds: z.array(campgroundSchema).max(200).optional(),
  reportCategories: reportCategoriesSchema.optional(),
  cannedResponses: z.array(cannedResponseSchema).max(200).optional(),
  /** Provider secrets: written here, never shown again (stored sealed under APP_SECRET). */
  secrets: z
    .strictObject({
      twilioAuthToken: z.string().min(8).max(200),
      metaAppSecret: z.string().min(8).max(200),
      metaPageAccessToken: z.string().min(8).max(1000),
      metaVerifyToken: z.string().min(8).max(200),
    })
    .partial()
    .optional(),
});
export type CouncilPatch = z.infer<typeof councilPatchSchema>;
type SecretName = keyof NonNullable<CouncilPatch['secrets']>;
const SECRETS_PURPOSE = 'council-secrets';

const campgroundsFile = z.array(campgroundSchema).min(1);

export class CouncilDirectory implements ChannelCredentials {
  private readonly tenants = new Map<string, Tenant>();
  private readonly inboxes = new Map<string, string>();
  private readonly rebuilding = new Map<string, Promise<void>>();
  private subscriber?: Redis;

  private constructor(
    private readonly settings: CouncilSettings[],
    private readonly demo: DemoContent,
    private readonly flows: FlowRegistry,
    private readonly logger: Logger,
    private readonly appSecret: string,
    private readonly llm?: LanguageModel,
    /** Where the classifiers train: a worker thread, so a rebuild never holds up the other councils' residents. */
    private readonly train: Trainer = trainOffThread,
  ) {
    for (const c of settings) for (const inbox of inboxesOf(c)) this.inboxes.set(ids.inbox(inbox.channel, inbox.address), c.id);
  }

  static async load(settings: CouncilSettings[], deps: { demo: DemoContent; flows: FlowRegistry; logger: Logger; appSecret: string; llm?: LanguageModel; train?: Trainer }): Promise<CouncilDirectory> {
    const directory = new CouncilDirectory(settings, deps.demo, deps.flows, deps.logger, deps.appSecret, deps.llm, deps.train);
    // Councils build one after another: each trains its own classifier (about 2 s of CPU, in a worker thread).
    for (const c of settings) await directory.rebuild(c.id);
    return directory;
  }

  /** The first council: webchat without a widget key, and Open311 without a jurisdiction. */
  get default(): Tenant {
    return this.tenant(this.settings[0]!.id);
  }

  all(): Tenant[] {
    return this.settings.map((c) => this.tenant(c.id));
  }

  has(councilId: string): boolean {
    return this.tenants.has(councilId);
  }

  /** The council's tenant; an unknown id is a 404 (ids of councils leak nothing either). */
  tenant(councilId: string): Tenant {
    const found = this.tenants.get(councilId);
    if (!found) throw new NotFoundError(`The council "${councilId}"`);
    return found;
  }

  council(councilId: string): CouncilSettings {
    return this.tenant(councilId).council;
  }

  /** Whose inbox this is (`sms-+61…`, `social-<page>`, `webchat-<widget key>`), if anyone's. */
  forInbox(inboxId: string): Tenant | undefined {
    const id = this.inboxes.get(inboxId);
    return id ? this.tenants.get(id) : undefined;
  }

  forPhoneNumber(number: string): Tenant | undefined {
    return this.forInbox(ids.inbox('sms', number));
  }

  forPage(pageId: string): Tenant | undefined {
    return this.all().find((t) => t.council.meta.pageId === pageId || t.council.meta.instagramId === pageId);
  }

  /** The council of a widget key. An engine without TENANTS_FILE has one council, whatever key a page names. */
  forWidgetKey(key: string): Tenant | undefined {
    const single = this.settings.length === 1 && this.settings[0]!.id === DEFAULT_COUNCIL_ID;
    return this.forInbox(ids.inbox('webchat', key)) ?? (single ? this.default : undefined);
  }

  /** The council's main number (texts the engine starts, such as a link code or a campaign). */
  smsNumber(councilId: string): string | undefined {
    return this.council(councilId).twilio.phoneNumbers[0];
  }

  twilioFor(number: string): TwilioAccount | undefined {
    const c = this.forPhoneNumber(number.replace(/^whatsapp:/, ''))?.council;
    return c ? { accountSid: c.twilio.accountSid, authToken: c.twilio.authToken } : undefined;
  }

  /** Every distinct Twilio account the councils use. */
  twilioAccounts(): TwilioAccount[] {
    const bySid = new Map(this.all().map((t) => [`${t.council.twilio.accountSid}:${t.council.twilio.authToken}`, { accountSid: t.council.twilio.accountSid, authToken: t.council.twilio.authToken }]));
    return [...bySid.values()];
  }

  metaFor(pageOrInstagramId: string): MetaPage | undefined {
    return this.forPage(pageOrInstagramId)?.council.meta;
  }

  metaPages(): MetaPage[] {
    return this.all().map((t) => t.council.meta).filter((m) => m.pageId);
  }

  /** Stores a change to the council, rebuilds it here, and tells every other process. */
  async update(councilId: string, patch: CouncilPatch, redis: Redis, prefix: string): Promise<CouncilSettings> {
    this.tenant(councilId);
    const { secrets, ...rest } = patch;
    const set: Record<string, unknown> = Object.fromEntries(Object.entries(rest).map(([k, v]) => [`overrides.${k}`, v]));
    for (const [name, value] of Object.entries(secrets ?? {})) if (value) set[`sealedSecrets.${name}`] = seal(this.appSecret, SECRETS_PURPOSE, value);
    await Council.updateOne({ _id: councilId }, { $set: set });
    await this.changed(councilId, redis, prefix);
    return this.council(councilId);
  }

  /** Rebuilds the council here and announces it (after its knowledge pages changed, say). */
  async changed(councilId: string, redis: Redis, prefix: string): Promise<void> {
    await this.rebuild(councilId);
    await redis.publish(channelOf(prefix), councilId);
  }

  /** Rebuilds a council whenever another process says it changed. */
  async listen(redis: Redis, prefix: string): Promise<void> {
    this.subscriber = redis.duplicate();
    this.subscriber.on('message', (_channel, councilId: string) => {
      if (this.has(councilId)) void this.rebuild(councilId).catch((error: unknown) => this.logger.error({ err: error, councilId }, 'council.rebuild_failed'));
    });
    await this.subscriber.subscribe(channelOf(prefix));
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
    await Promise.all(this.rebuilding.values());
  }

  /** Builds the council's tenant from its settings, its stored overrides and its stored knowledge pages. */
  private rebuild(councilId: string): Promise<void> {
    // One rebuild at a time per council; a change during a rebuild runs another after it.
    const previous = this.rebuilding.get(councilId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const base = this.settings.find((c) => c.id === councilId)!;
      const record = await Council.findById(councilId, { overrides: 1, sealedSecrets: 1 }).lean<{ overrides?: CouncilPatch; sealedSecrets?: Partial<Record<SecretName, string>> }>();
      const overrides = councilPatchSchema.safeParse(record?.overrides ?? {});
      if (!overrides.success) this.logger.warn({ councilId, problems: overrides.error.issues.length }, 'council.overrides_ignored');
      const { secrets: _none, ...changes } = overrides.success ? overrides.data : {};
      const secret = (name: SecretName): string | undefined => {
        const sealed = record?.sealedSecrets?.[name];
        return sealed ? unseal(this.appSecret, SECRETS_PURPOSE, sealed) : undefined;
      };
      const council: CouncilSettings = {
        ...base,
        ...changes,
        crisisLines: { ...base.crisisLines, ...changes.crisisLines },
        // A new locale brings its usual voice, unless a voice is named too.
        voice: phoneVoiceOf(changes.locale ?? base.voice.language, changes.voice, base.voice),
        twilio: { ...base.twilio, authToken: secret('twilioAuthToken') ?? base.twilio.authToken },
        meta: { ...base.meta, appSecret: secret('metaAppSecret') ?? base.meta.appSecret, pageAccessToken: secret('metaPageAccessToken') ?? base.meta.pageAccessToken, verifyToken: secret('metaVerifyToken') ?? base.meta.verifyToken },
      } as CouncilSettings;
      const stored = await KnowledgePage.find({ councilId }).sort({ _id: 1 }).lean();
      const knowledge = new KnowledgeBase(this.knowledgeFolder(base), stored.map((p): KnowledgePageSource => ({ id: p.slug, title: p.title, source: p.source, reviewed: p.reviewed, body: p.body, questions: p.questions ?? [] })));
      const campgrounds = (overrides.success ? overrides.data.campgrounds : undefined) ?? this.campgroundsOf(base);
      const flows = council.flows ? this.flows.only(council.flows) : this.flows;
      const understanding = await buildUnderstanding(flows, knowledge, council.timezone, this.llm, campgrounds.map((c) => c.name), this.train);
      this.tenants.set(councilId, { council, flows, knowledge, understanding, permits: new PermitRepository(councilId, campgrounds), cases: new CaseRepository(councilId, council.referencePrefix) });
      this.logger.info({ councilId, pages: knowledge.pages.length, campgrounds: campgrounds.length }, 'council.ready');
    });
    const settled = next.catch(() => undefined);
    this.rebuilding.set(councilId, settled);
    void settled.then(() => {
      if (this.rebuilding.get(councilId) === settled) this.rebuilding.delete(councilId);
    });
    return next;
  }

  private knowledgeFolder(c: CouncilSettings): string {
    const own = c.contentFolder && path.join(c.contentFolder, 'knowledge');
    return own && existsSync(own) ? own : this.demo.knowledgeFolder;
  }

  private campgroundsOf(c: CouncilSettings): Campground[] {
    const own = c.contentFolder && path.join(c.contentFolder, 'campgrounds.json');
    if (!own || !existsSync(own)) return this.demo.campgrounds;
    const parsed = campgroundsFile.safeParse(JSON.parse(readFileSync(own, 'utf8')));
    if (!parsed.success) throw new Error(`${own}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data as Campground[];
  }
}

const channelOf = (prefix: string) => `${prefix}:councils:changed`;


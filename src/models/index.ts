/**
 * Mongoose schemas. They use only what MongoDB and FerretDB v1.24 both support
 * (ferretdb.md §3): natural-key string `_id`s for anything looked up or deduplicated,
 * plain 1/-1 indexes, no TTL indexes, no transactions, no `select: false` paths.
 */
import mongoose, { Schema, type InferSchemaType, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../errors';
import { GroupSet } from './group-writes';

const opts = { versionKey: false, timestamps: true } as const;

const councilSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    timezone: { type: String, required: true },
    officeHours: { type: String, required: true },
    queues: { type: [String], default: ['general'] },
    /** What staff changed without a deploy (src/councils/directory.ts `councilPatchSchema`); wins over TENANTS_FILE. */
    overrides: { type: Schema.Types.Mixed },
    /** Provider secrets staff replaced, sealed (src/sealed-secrets.ts); never returned by the API. */
    sealedSecrets: { type: Schema.Types.Mixed },
  },
  opts,
);

/**
 * A knowledge page staff added to one council through the admin API: `_id = <councilId>-<slug>`.
 * It joins (or replaces, by slug) the council's pages from its content folder.
 */
const knowledgePageSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: { type: String, required: true, index: true },
    slug: { type: String, required: true },
    title: { type: String, required: true },
    source: { type: String, required: true },
    reviewed: { type: String, required: true },
    body: { type: String, required: true },
    questions: { type: [String], default: [] },
    updatedBy: String,
  },
  opts,
);

/** A council's address on one channel: `<channel>-<address>` (e.g. `webchat-default`, `sms-+6148…`). */
const inboxSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: { type: String, required: true },
    channel: { type: String, required: true },
    address: { type: String, required: true },
    name: { type: String, required: true },
  },
  opts,
);

/** One person, many identities. */
const contactSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: { type: String, required: true },
    name: String,
    phone: String,
  },
  opts,
);

/** One channel address of a contact: `_id = <inboxId>-<channelUserId>`. */
const identitySchema = new Schema(
  {
    _id: { type: String, required: true },
    inboxId: { type: String, required: true },
    channel: { type: String, required: true },
    channelUserId: { type: String, required: true },
    contactId: { type: String, required: true, index: true },
    currentConversationId: String,
    /** The resident texted STOP: nothing more is sent to this address until they opt in again. */
    optedOut: { type: Boolean, default: false },
    /** A chat waiting for the code texted to the phone number the resident gave (see conversations/linking.ts). */
    pendingLink: { type: Schema.Types.Mixed },
  },
  opts,
);

const conversationSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: { type: String, required: true },
    inboxId: { type: String, required: true },
    channel: { type: String, required: true },
    identityId: { type: String, required: true, index: true },
    contactId: { type: String, required: true, index: true },
    status: { type: String, required: true, enum: ['bot', 'queued', 'assigned', 'resolved'], index: true },
    queue: String,
    /** Changes at every escalation: claims are unique per (conversation, handoff). */
    handoffId: String,
    handoffReason: String,
    /** ISO 639-1 code when the resident writes in a language other than English (shown to agents). */
    language: String,
    queuedAt: Date,
    assigneeId: String,
    assigneeName: String,
    assignedAt: Date,
    flow: { type: Schema.Types.Mixed },
    /** The flow the resident was in when a person was asked for, with the details captured so far. */
    capturedFlow: { type: Schema.Types.Mixed },
    lastResidentAt: Date,
    /** Sequence of the resident's latest message: timers compare it to see if the resident spoke since. */
    lastResidentSeq: Number,
    lastResidentText: String,
    /** The model's summary for the agent taking over (when an LLM is configured). */
    handoverSummary: String,
    resolvedAt: Date,
    /** How it ended: resolved, abandoned (hung up while waiting), moved_to_sms, moved_to_phone, completed_by_bot. */
    outcome: String,
    /** Phone conversations: the call and whether the caller is still on it. */
    call: { sid: String, live: Boolean, endedAt: Date },
    /** The caller chose a call-back instead of holding; they keep their place in the queue. */
    callbackRequested: Boolean,
    /** Queue order: 0 safeguarding, 1 a caller on the line, 2 everyone else; oldest first within each. */
    priority: { type: Number, default: 2 },
    /** Opened by a campaign's message: the resident's replies are answered from its document. */
    campaignId: String,
    /** The after-resolution satisfaction question and its answer (1–5). */
    survey: { askedAt: Date, score: Number, answeredAt: Date },
  },
  opts,
);

const messageSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: String,
    conversationId: { type: String, required: true, index: true },
    identityId: { type: String, required: true },
    /** Increases per identity across its conversations: webchat resumes with `sinceSeq`. */
    seq: { type: Number, required: true },
    direction: { type: String, required: true, enum: ['inbound', 'outbound'] },
    channel: { type: String, required: true },
    /** For replies: the resident's and the council's address on the channel. */
    to: String,
    from: String,
    sender: {
      kind: { type: String, required: true, enum: ['contact', 'bot', 'agent', 'system'] },
      id: String,
      name: String,
    },
    text: { type: String, default: '' },
    /** An agent's internal note: shown to agents only, never sent to the resident. */
    internal: Boolean,
    choices: [{ _id: false, value: String, label: String }],
    /** Bot replies: the flow and step that produced them (CONTRACT.md §3, §5). */
    flow: { type: new Schema({ id: { type: String, required: true }, step: String }, { _id: false }), default: undefined },
    content: { type: Schema.Types.Mixed },
    /** A resident's photos: the stored media ids (`media-<inboundEvent>-<n>`), so a report can name them. */
    mediaIds: { type: [String], default: undefined },
    /** Where the resident wrote it, when not in a private chat (e.g. a comment and its post). */
    context: { type: Schema.Types.Mixed },
    /** Outbox state for replies; `received` for the resident's own messages. */
    deliveryStatus: { type: String, required: true, enum: ['received', 'pending', 'sending', 'sent', 'delivered', 'failed', 'unknown'] },
    /** When the provider was last called for it: an in-doubt reply is looked up from here (outbox.ts). */
    sendingAt: Date,
    /** The provider's last reported status (e.g. Twilio's queued, sent, delivered, undelivered). */
    providerStatus: String,
    /** SMS: the encoding and number of segments the carrier bills. */
    billing: { encoding: String, segments: Number },
    providerMessageId: String,
    deliveryError: String,
    /**
     * On a resident's message: the turn decided for it (replies, conversation change, events).
     * Stored in the same insert as the message, before any effect, so a worker that crashes
     * and retries replays this decision instead of deciding again.
     */
    turn: { type: Schema.Types.Mixed },
  },
  opts,
);
messageSchema.index({ identityId: 1, seq: 1 });

/** The inbox: every verified inbound provider event, `_id = <channel>-<externalId>` (the dedup guard). */
const inboundEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    channel: { type: String, required: true },
    inboxId: { type: String, required: true },
    identityId: { type: String, required: true },
    channelUserId: { type: String, required: true },
    externalId: { type: String, required: true },
    receivedAt: { type: Date, required: true },
    arrival: { type: Number, required: true },
    content: { type: Schema.Types.Mixed, required: true },
    raw: { type: Schema.Types.Mixed },
    context: { type: Schema.Types.Mixed },
  },
  opts,
);

/**
 * The durable pending mark for events stored while Redis could not take them (ingest.ts).
 * Normally empty: the sweeper reads it whole, which stays cheap even where FerretDB scans.
 */
const pendingInboundSchema = new Schema(
  {
    _id: { type: String, required: true },
    identityId: { type: String, required: true },
    arrival: { type: Number, required: true },
  },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);

/** The one winner of a claim race: `_id = <conversationId>-<handoffId>`, inserted once. */
const claimSchema = new Schema(
  {
    _id: { type: String, required: true },
    conversationId: { type: String, required: true },
    agentId: { type: String, required: true },
  },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);

/** A resident's attachment, downloaded once: `_id = media-<inboundEventId>-<n>`. */
const mediaSchema = new Schema(
  {
    _id: { type: String, required: true },
    inboundEventId: { type: String, required: true },
    sourceUrl: { type: String, required: true },
    contentType: String,
    size: Number,
    data: Buffer,
    /** Where a photo was taken (from its EXIF GPS, which is then stripped from `data`). */
    position: { lat: Number, lng: Number },
    /** Why it was not downloaded (e.g. `not_twilio_media`, `too_large`). */
    refused: String,
  },
  opts,
);

const agentSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Lower-cased; unique. */
    email: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    passwordHash: { type: String, required: true },
    /** Set with a password an admin chose (a new account, a reset): the agent must choose their own before working. */
    mustChangePassword: { type: Boolean, default: false },
    role: { type: String, required: true, enum: ['agent', 'supervisor', 'admin'] },
    /** The councils this agent serves (a shared service centre serves several); they see nothing of any other. */
    councils: { type: [String], default: undefined },
    queues: { type: [String], default: ['general'] },
    /** Most conversations this agent holds at once. */
    capacity: { type: Number, default: 3, min: 1, max: 50 },
    /** Where accepted phone calls are put through: an E.164 number or a Twilio Client identity. */
    phone: String,
    clientIdentity: String,
    /** A deactivated agent cannot sign in, is offered nothing, and their sessions end. */
    active: { type: Boolean, default: true },
    /** A TOTP second factor (admins and supervisors, optional): the secret is encrypted at rest. */
    secondFactor: {
      type: new Schema({ secret: { type: String, required: true }, enabledAt: Date, lastTimeStep: Number }, { _id: false }),
      default: undefined,
    },
    /** A secret offered at enrolment, until a code from it is confirmed. */
    pendingSecondFactor: { type: String, default: undefined },
  },
  opts,
);

/** A signed-in agent: `_id` is the SHA-256 of the bearer token, which is never stored. */
const agentSessionSchema = new Schema(
  {
    _id: { type: String, required: true },
    agentId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);

/**
 * One of an agent's capacity slots, `_id = <agentId>-<n>` for n < capacity. Taking a
 * conversation inserts the first free slot, so concurrent claims can never exceed capacity
 * (unique inserts are atomic on MongoDB and FerretDB alike); finishing it deletes the slot.
 */
const agentSlotSchema = new Schema(
  {
    _id: { type: String, required: true },
    agentId: { type: String, required: true, index: true },
    conversationId: { type: String, required: true, index: true },
  },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);

/** A camping permit; `_id` is its reference (`CP-123456`), derived from the turn that booked it. */
const permitSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: { type: String, required: true, default: 'default' },
    campgroundId: { type: String, required: true },
    arrive: { type: String, required: true },
    nights: { type: Number, required: true },
    partySize: { type: Number, required: true },
    feeCents: { type: Number, required: true },
    contactId: { type: String, required: true, index: true },
    identityId: { type: String, required: true },
    status: { type: String, required: true, enum: ['booked', 'cancelled'] },
    /** Changes made by agents (who, when, why); the booking itself is `createdAt`. */
    history: [{ _id: false, status: String, at: Date, by: String, note: String }],
  },
  opts,
);

/**
 * One place at a campground on one night: `_id = <campground>-<date>-<n>` for n < capacity.
 * A booking inserts one per night; a unique insert that fails means that place is taken, so
 * concurrent bookings can never oversell (no read-then-update anywhere).
 */
const permitNightSchema = new Schema(
  {
    _id: { type: String, required: true },
    campgroundId: { type: String, required: true },
    date: { type: String, required: true },
    permitId: { type: String, required: true, index: true },
  },
  { versionKey: false },
);
permitNightSchema.index({ campgroundId: 1, date: 1 });

/** A resident's report (pothole, dumped rubbish…); `_id` is its reference (`RC-123456`). */
const caseSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: { type: String, required: true, default: 'default' },
    kind: { type: String, required: true, enum: ['report', 'permit'] },
    category: { type: String, required: true },
    description: { type: String, default: '' },
    /** `address`: looked up from lat/lng after the report was made (src/geo/place-addresses.ts); `text` is what the resident said. */
    location: { text: String, street: String, lat: Number, lng: Number, address: String },
    photoCount: { type: Number, default: 0 },
    /** The report's photos: stored media ids (a resident's) or URLs given by a council system (Open311 `media_url`). */
    photos: { type: [String], default: undefined },
    mediaUrls: { type: [String], default: undefined },
    status: { type: String, required: true },
    /** `note` was sent to the resident; `internalNote` is for staff only. */
    history: [{ _id: false, status: String, at: Date, note: String, internalNote: String, by: String }],
    contactId: { type: String, required: true, index: true },
    identityId: { type: String, required: true },
    channel: { type: String, required: true },
    /** Identities told when the status changes (the reporter, and residents who chose to follow). */
    followers: { type: [String], default: [] },
  },
  opts,
);

/**
 * One journey event (src/domain/journey.ts): `_id` is its deterministic id. Read by contact
 * (the journey view) and by time range (analytics), never on a resident's turn.
 */
const journeyEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    at: { type: Date, required: true, index: true },
    n: Number,
    councilId: { type: String, required: true },
    contactId: { type: String, required: true, index: true },
    conversationId: { type: String, index: true },
    channel: String,
    flow: String,
    step: String,
    data: { type: Schema.Types.Mixed },
  },
  { versionKey: false },
);

/** A back-office endpoint an admin registered for outbound webhooks (Standard Webhooks). */
const webhookEndpointSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: { type: String, required: true },
    url: { type: String, required: true },
    events: { type: [String], required: true },
    /** `whsec_…`: the signing secret, shown once when the endpoint is registered. */
    secret: { type: String, required: true },
    description: String,
    active: { type: Boolean, default: true },
  },
  opts,
);

/**
 * One event for one endpoint: `_id = <endpointId>-<eventId>`, inserted once, so an event is
 * never queued twice for the same endpoint. Its `webhook-id` (`msg_<eventId>`) is what the
 * receiver deduplicates on, the same across retries and replays.
 */
const webhookDeliverySchema = new Schema(
  {
    _id: { type: String, required: true },
    endpointId: { type: String, required: true, index: true },
    messageId: { type: String, required: true },
    type: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true, enum: ['pending', 'succeeded', 'failing', 'failed'] },
    attemptCount: { type: Number, default: 0 },
    lastStatusCode: Number,
    lastError: String,
    deliveredAt: Date,
  },
  opts,
);

/** One HTTP attempt of a delivery: `_id = <deliveryId>-<n>`, inserted (never updated). */
const webhookAttemptSchema = new Schema(
  {
    _id: { type: String, required: true },
    deliveryId: { type: String, required: true, index: true },
    at: { type: Date, required: true },
    statusCode: Number,
    error: String,
    durationMs: Number,
    ok: { type: Boolean, required: true },
  },
  { versionKey: false },
);

/**
 * A resident's consent to be messaged about one topic: `_id = <contactId>-<topic>`. Kept with
 * when and how it was given (or withdrawn); STOP withdraws every topic.
 */
const consentSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: { type: String, required: true },
    contactId: { type: String, required: true, index: true },
    phone: { type: String, required: true },
    topic: { type: String, required: true, index: true },
    given: { type: Boolean, required: true },
    givenAt: Date,
    /** How: web_form, paper, phone, in_person, sms, api. */
    how: String,
    /** Where: the form or event it came from, the agent who recorded it. */
    source: String,
    withdrawnAt: Date,
    withdrawnHow: String,
  },
  opts,
);

/** A proactive SMS campaign to residents who opted in to its topic, answered from its own document. */
const campaignSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: { type: String, required: true },
    topic: { type: String, required: true },
    name: { type: String, required: true },
    message: { type: String, required: true },
    /** Markdown with `##` sections: replies are answered from it (src/knowledge). */
    document: { title: String, source: String, body: String },
    quietHours: { type: String, required: true },
    status: { type: String, required: true, enum: ['draft', 'sending', 'sent'] },
    startedAt: Date,
    createdBy: String,
  },
  opts,
);

/** One campaign message to one number: `_id = <campaignId>-<phone>`, inserted once (never sent twice). */
const campaignSendSchema = new Schema(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true, index: true },
    phone: { type: String, required: true },
    contactId: String,
    status: { type: String, required: true, enum: ['queued', 'sent', 'skipped'] },
    reason: String,
    sentAt: Date,
    messageId: String,
  },
  opts,
);

/**
 * One timed offer of a queued conversation to one agent: `_id = offer-<conversation>-<handoff>-<n>`.
 * Its outcome (accepted, declined, timed_out, withdrawn) is recorded once, so declines and
 * timeouts can be counted and the next agent chosen.
 */
const offerSchema = new Schema(
  {
    _id: { type: String, required: true },
    conversationId: { type: String, required: true },
    handoffId: { type: String, required: true },
    agentId: { type: String, required: true },
    queue: String,
    expiresAt: { type: Date, required: true },
    outcome: { type: String, enum: ['offered', 'accepted', 'declined', 'timed_out', 'withdrawn'], default: 'offered' },
    decidedAt: Date,
  },
  opts,
);

/** A council's ready-made reply: `_id = canned-<slug of the title>`. Empty collection = the built-in defaults. */
const cannedResponseSchema = new Schema(
  {
    _id: { type: String, required: true },
    councilId: { type: String, required: true, default: 'default', index: true },
    title: { type: String, required: true },
    text: { type: String, required: true },
  },
  opts,
);

function model<T extends Schema>(name: string, schema: T, collection: string): Model<InferSchemaType<T>> {
  return (mongoose.models[name] as Model<InferSchemaType<T>>) ?? mongoose.model(name, schema, collection);
}

export const Council = model('Council', councilSchema, 'councils');
export const Inbox = model('Inbox', inboxSchema, 'inboxes');
export const KnowledgePage = model('KnowledgePage', knowledgePageSchema, 'knowledge_pages');
export const Contact = model('Contact', contactSchema, 'contacts');
export const Identity = model('Identity', identitySchema, 'identities');
export const Conversation = model('Conversation', conversationSchema, 'conversations');
export const Message = model('Message', messageSchema, 'messages');
export const InboundEvent = model('InboundEvent', inboundEventSchema, 'inbound_events');
export const PendingInbound = model('PendingInbound', pendingInboundSchema, 'pending_inbound');
export const Claim = model('Claim', claimSchema, 'claims');
export const Media = model('Media', mediaSchema, 'media');
export const Agent = model('Agent', agentSchema, 'agents');
export const Permit = model('Permit', permitSchema, 'permits');
export const PermitNight = model('PermitNight', permitNightSchema, 'permit_nights');
export const Case = model('Case', caseSchema, 'cases');
export type CaseDoc = InferSchemaType<typeof caseSchema> & { _id: string };
export const CannedResponse = model('CannedResponse', cannedResponseSchema, 'canned_responses');
export const Offer = model('Offer', offerSchema, 'offers');
export const JourneyEventRecord = model('JourneyEvent', journeyEventSchema, 'journey_events');
export const WebhookEndpoint = model('WebhookEndpoint', webhookEndpointSchema, 'webhook_endpoints');
export const WebhookDelivery = model('WebhookDelivery', webhookDeliverySchema, 'webhook_deliveries');
export const WebhookAttempt = model('WebhookAttempt', webhookAttemptSchema, 'webhook_attempts');
export type WebhookEndpointDoc = InferSchemaType<typeof webhookEndpointSchema> & { _id: string };
export type WebhookDeliveryDoc = InferSchemaType<typeof webhookDeliverySchema> & { _id: string };
export const Consent = model('Consent', consentSchema, 'consents');
export const Campaign = model('Campaign', campaignSchema, 'campaigns');
export const CampaignSend = model('CampaignSend', campaignSendSchema, 'campaign_sends');
export type CampaignDoc = InferSchemaType<typeof campaignSchema> & { _id: string };
export const AgentSlot = model('AgentSlot', agentSlotSchema, 'agent_slots');
export const AgentSession = model('AgentSession', agentSessionSchema, 'agent_sessions');

export type ConversationDoc = InferSchemaType<typeof conversationSchema> & { _id: string };
export type MessageDoc = InferSchemaType<typeof messageSchema> & { _id: string };
export type InboundEventDoc = InferSchemaType<typeof inboundEventSchema> & { _id: string };
export type AgentDoc = InferSchemaType<typeof agentSchema> & { _id: string };

/**
 * Inserts on natural-key `_id`s are how this engine deduplicates and claims (atomic on MongoDB
 * and FerretDB alike). Returns true when this call inserted, false when the record was already
 * there; any other failure is thrown.
 */
export async function insertOnce(insert: Promise<unknown>): Promise<boolean> {
  try {
    await insert;
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/**
 * The hot path's reads and writes by natural-key `_id`, through the driver under mongoose's
 * collection: the filter is exactly `{ _id }` (the only filter FerretDB serves from an index), and
 * no query is built or document hydrated where the engine reads a plain record it wrote itself.
 */
interface KeyedRecord { _id: string; [field: string]: unknown }
const keyed = (model: { collection: mongoose.Collection }) => model.collection as unknown as mongoose.mongo.Collection<KeyedRecord>;

export function findByKey<T>(model: { collection: mongoose.Collection }, id: string): Promise<T | null> {
  return keyed(model).findOne({ _id: id }) as Promise<T | null>;
}

/**
 * `$set` by `_id` through the driver, stamping `updatedAt` as mongoose's timestamps would. Updates
 * made at the same time (other residents' turns, other replies' delivery marks) share one
 * `bulkWrite` (src/models/group-writes.ts); each caller's update is written when it resolves.
 */
const groupSets = new WeakMap<mongoose.Collection, GroupSet>();
export function setByKey(model: { collection: mongoose.Collection }, id: string, fields: Record<string, unknown>): Promise<unknown> {
  let group = groupSets.get(model.collection);
  if (!group) {
    group = new GroupSet(keyed(model));
    groupSets.set(model.collection, group);
  }
  return group.set(id, fields);
}

/** Inserts complete records (built in full by the engine) in one round trip, in order unless told. */
export function insertRecords(model: { collection: mongoose.Collection }, records: Array<{ _id: string }>, ordered = true): Promise<unknown> {
  return keyed(model).insertMany(records as KeyedRecord[], { ordered, ignoreUndefined: true });
}

/** Connects mongoose and builds the indexes (only the kinds FerretDB supports are declared). */
export async function connectDatabase(uri: string, poolSize = 20): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 10_000, maxPoolSize: poolSize });
  await Promise.all(Object.values(mongoose.models).map((m) => m.createIndexes()));
  return mongoose;
}

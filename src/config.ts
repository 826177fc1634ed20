/**
 * The only reader of `process.env`. One zod schema; every variable optional with a working
 * local default (CONTRACT.md §1). Problems are printed together and the process exits 1.
 */
import { z } from 'zod';
import { officeHoursSchema } from './conversations/office-hours';
import { costOverridesSchema } from './analytics/costs';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  /** HTTP port. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Base URL the outside world uses for this engine; Twilio signatures are checked against it. */
  PUBLIC_URL: z.url().optional(),
  /** web = HTTP + sockets, worker = queue workers, all = both. */
  ROLE: z.enum(['web', 'worker', 'all']).default('all'),
  /**
   * With ROLE=all: how many processes `npm start` runs. `auto` = one process on a single core;
   * on more cores one web process and (cores − 1) worker processes, so the engine uses every
   * core. A number forces that many (1 = everything in one process; 2 or more = one web and the
   * rest workers).
   */
  PROCESSES: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default('auto'),
  /** Redis for queues, leases and socket fan-out (the run/test commands provide a local one). */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
  /** MongoDB (or FerretDB) connection string, including the database name. */
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL'),
  /** Prefix of every BullMQ key, so several engines (or test files) can share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]+$/).default('sb'),
  /** Database connections per process. FerretDB's SQLite backend serialises writes, so a few is fastest there (the local services set 4). */
  MONGODB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** Concurrent jobs per worker process and queue. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** How long a per-resident turn lease lives without renewal; a crashed worker's lease frees after this. */
  TURN_LEASE_MS: z.coerce.number().int().min(500).default(10_000),
  /** BullMQ job lock; a killed worker's jobs are retried after about this long. */
  JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often stored-but-unqueued inbound messages are swept back into the queue. */
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(200).default(5_000),
  /** Close a bot conversation after this long without a message from the resident. */
  INACTIVITY_CLOSE_MINUTES: z.coerce.number().min(0.01).default(60),
  /** How long an agent has to accept a timed offer of a waiting conversation before it moves to the next agent. */
  OFFER_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(30),
  /** Service level on the wallboard: a conversation counts as answered in time when claimed within this many seconds. */
  SERVICE_LEVEL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** Name residents see for the default council. */
  COUNCIL_NAME: z.string().min(1).default('Riverbend Council'),
  /** IANA time zone for office hours. */
  COUNCIL_TIMEZONE: z.string().default('Australia/Sydney'),
  /** When people answer: days and hours, e.g. "Mon-Fri 08:30-17:00". */
  OFFICE_HOURS: officeHoursSchema.default('Mon-Fri 08:30-17:00'),
  /** Seed demo content (the default council, its inboxes and the admin agent) at start-up. */
  SEED_DEMO: bool.default(true),

  TWILIO_ACCOUNT_SID: z.string().default('AC00000000000000000000000000000000'),
  TWILIO_AUTH_TOKEN: z.string().default('local-development-token'),
  TWILIO_PHONE_NUMBER: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be E.164').default('+61480000000'),
  TWILIO_API_URL: z.url().default('https://api.twilio.com'),
  /** The phone voice and the speech recogniser's language (BCP 47): the council's locale. */
  VOICE_LANGUAGE: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en-AU').default('en-AU'),
  /** The text-to-speech voice Twilio reads with (one it offers for VOICE_LANGUAGE, e.g. Polly.Olivia-Neural or Polly.Nicole for en-AU). */
  VOICE_NAME: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a Twilio voice name such as Polly.Olivia-Neural').default('Polly.Olivia-Neural'),
  /** Music for callers waiting in the queue (mp3 or wav, 30–50 s: the place in the queue is said between plays). Unset: the engine's own clip. */
  HOLD_MUSIC_URL: z.url().optional(),
  /** Origins whose pages may show the chat in a frame (the widget.js snippet), space- or comma-separated; "https:" is any https site. */
  WEBCHAT_EMBED_ORIGINS: z
    .string()
    .default('https:')
    .transform((v) => v.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(https?:(\/\/[A-Za-z0-9.-]+(:\d+)?)?|\*)$/, 'must be origins such as https://www.council.example'))),
  /** Keys that council systems use to create Open311 service requests (comma-separated). */
  OPEN311_API_KEYS: z.string().default('local-open311-key').transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean)),
  /** Signs one-time codes (linking a chat to a phone number). Set a long random value in production. */
  APP_SECRET: z.string().min(16).default('local-development-secret-change-me'),
  /** Meta webhooks are verified with the app secret (X-Hub-Signature-256) and the verify token (handshake). */
  META_APP_SECRET: z.string().min(1).default('local-development-app-secret'),
  META_VERIFY_TOKEN: z.string().min(1).default('local-development-verify-token'),
  META_PAGE_ACCESS_TOKEN: z.string().min(1).default('local-development-page-token'),
  /** The council's Facebook Page; its inbox is `social-<page id>`. */
  META_PAGE_ID: z.string().regex(/^\d{1,30}$/, 'must be a numeric page id').default('100000000000001'),
  /** The Instagram professional account linked to the Page, when Instagram messages are on. */
  META_INSTAGRAM_ID: z.string().regex(/^\d{1,30}$/).optional(),
  META_GRAPH_URL: z.url().default('https://graph.facebook.com'),
  /**
   * Crisis lines given first to a resident who may be at risk, per kind of risk (JSON object of
   * self_harm, family_violence, abuse_neglect, welfare, homelessness, threat → text). Unset
   * kinds keep the Australian national lines (src/conversations/safeguarding-notice.ts).
   */
  CRISIS_LINES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return {};
      try {
        return z.partialRecord(z.enum(['self_harm', 'family_violence', 'abuse_neglect', 'welfare', 'homelessness', 'threat', 'unspecified']), z.string().min(5).max(200)).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of risk kind → text' });
        return z.NEVER;
      }
    }),
  /** The interpreter service offered to residents who write in another language. */
  INTERPRETER_LINE: z.string().min(5).default('TIS National on 131 450'),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  OPENAI_MODEL: z.string().default('gpt-4o-mini'),
  /** A model call slower than this falls back to the embedded path. */
  OPENAI_TIMEOUT_MS: z.coerce.number().int().min(200).max(30_000).default(4000),

  /**
   * Which proxies in front of the engine are believed about the client's address
   * (X-Forwarded-For): a hop count ("1": the load balancer) or addresses and subnets
   * ("10.0.0.0/8,loopback"). Unset: none, the connection's own address is the client's.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .refine((v) => v !== 'true', 'must be a hop count or a list of addresses, never "true"')
    .transform((v): false | number | string[] => (/^\d+$/.test(v) ? Number(v) : v.split(',').map((a) => a.trim()).filter(Boolean)))
    .optional()
    .transform((v) => v ?? false),
  /** Failed sign-ins allowed per account, per client address and in all, in each LOGIN_WINDOW_MINUTES. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  LOGIN_MAX_FAILURES_GLOBAL: z.coerce.number().int().min(1).default(500),
  LOGIN_WINDOW_MINUTES: z.coerce.number().min(0.05).default(15),
  /** Webchat abuse limits (shared through Redis): see channels/webchat/limits.ts. */
  WEBCHAT_SESSIONS_PER_ADDRESS_HOUR: z.coerce.number().int().min(1).default(60),
  WEBCHAT_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
  WEBCHAT_HANDOFFS_PER_SESSION_HOUR: z.coerce.number().int().min(1).default(5),
  WEBCHAT_MESSAGES_PER_SESSION_10S: z.coerce.number().int().min(1).default(30),
  WEBCHAT_MESSAGES_PER_ADDRESS_MINUTE: z.coerce.number().int().min(1).default(300),
  /** Bearer token for `/metrics`. Unset: only clients on this machine, not through a proxy (or METRICS_PORT), may read them. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** A separate port for /healthz, /readyz and /metrics on every process (workers too); /metrics then leaves PORT. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Keep residents' conversations, messages and media this many days (then deleted or anonymised). Unset: kept. */
  RETENTION_DAYS: z.coerce.number().min(0.0001).optional(),
  /** How often worker processes apply the retention period. */
  RETENTION_SWEEP_MINUTES: z.coerce.number().min(0.01).default(60),
  /** The first admin agent, created when no agent exists. */
  SEED_ADMIN_EMAIL: z.email().default('admin@council.example'),
  SEED_ADMIN_PASSWORD: z.string().min(8).default('switchboard-demo'),
  /** Agent sign-in lifetime. */
  AGENT_SESSION_HOURS: z.coerce.number().min(0.01).max(24 * 30).default(12),
  /** Optional file describing several councils (not read yet: one default council is built). */
  TENANTS_FILE: z.string().optional(),
  /** Waits before each retry of a failing outbound webhook, in ms (default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 27.6 h in all). */
  WEBHOOK_RETRY_DELAYS_MS: z
    .string()
    .default('5000,300000,1800000,7200000,18000000,36000000,36000000')
    .transform((v) => v.split(',').map((n) => Number(n.trim())))
    .pipe(z.array(z.number().int().min(10)).min(1)),
  /** Webhook attempts in flight at once per worker process (they wait on the network, not the CPU). */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
  /** Attempts in flight at once to any one endpoint, across the engine: a dead endpoint holds no more than these. */
  WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  /** How long an endpoint has to answer one webhook attempt. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /**
   * Cost to serve per contact (src/analytics/costs.ts): a JSON object overriding any of the
   * defaults, e.g. {"voice":{"person":3.10}}; keys are channels, values { assistant?, person? }.
   */
  CONTACT_COSTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return {};
      try {
        return costOverridesSchema.parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of channel → { assistant?, person? } prices' });
        return z.NEVER;
      }
    }),
  /** Campaign texts sent per second at most (the number's SMS throughput; Twilio long codes: about 1). */
  CAMPAIGN_SMS_PER_SECOND: z.coerce.number().min(0.1).max(500).default(1),
  /** When campaigns send nothing, in the council's timezone (`HH:MM-HH:MM`, may wrap midnight). */
  CAMPAIGN_QUIET_HOURS: z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'must be HH:MM-HH:MM').default('20:00-09:00'),
  /** The currency of CONTACT_COSTS (the defaults are SOCITM's figures in pounds). */
  COST_CURRENCY: z.string().regex(/^[A-Z]{3}$/).default('GBP'),
  /**
   * A Nominatim-compatible reverse geocoder (`{base}/reverse?format=jsonv2`) that turns a shared
   * location into a short address for agents (src/geo/reverse-geocode.ts), off the resident's
   * turn. Unset: off, places show as coordinates. The public nominatim.openstreetmap.org allows
   * at most 1 request a second from an application that names itself in its User-Agent; the
   * engine keeps to that and caches answers, but a council with volume should run its own.
   */
  GEOCODER_URL: z.url({ protocol: /^https?$/ }).optional().transform((v) => v?.replace(/\/+$/, '')),
  /** How long the geocoder has to answer one lookup (it is retried twice later if it does not). */
  GEOCODER_TIMEOUT_MS: z.coerce.number().int().min(200).max(30_000).default(5000),
  /** Lookups a second at most, across every worker process (cached answers count too). Raise it only for the council's own server. */
  GEOCODER_PER_SECOND: z.coerce.number().min(0.1).max(100).default(1),
});

export type Config = z.infer<typeof schema> & { PUBLIC_URL: string };

/** Parses an environment; throws with every problem listed. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  const config = result.data;
  return { ...config, PUBLIC_URL: (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '') };
}

/** Reads `process.env` once at boot; prints problems and exits 1 when it is invalid. */
export function loadConfig(): Config {
  try {
    return parseConfig(process.env);
  } catch (error) {
    console.error((error as Error).message);
    console.error('Tip: `npm start` provides REDIS_URL and MONGODB_URI with local servers when they are unset.');
    process.exit(1);
  }
}

/**
 * `npm run bench`, one run, every figure issue 12 asks for, each against its baseline in the
 * same run on the same machine:
 *
 * 1. Understanding: CPU per message of the embedded understanding step (bench/understanding.ts).
 * 2. Webchat: the whole pipeline (socket in → ingest → BullMQ → router → flow → outbox → socket
 *    out, on Redis and FerretDB, the engine as one web and one worker process like `npm start` on
 *    two cores) against a floor (the same Socket.IO transport plus one BullMQ enqueue/dequeue):
 *    closed-loop throughput, 500 residents flat out, and 500 residents at typing pace.
 * 3. Cost per message by channel (webchat, SMS): engine CPU, wall time, database calls and Redis
 *    commands per message (the median of three rounds), on an empty database, then again after seeding a council's history
 *    (100,000 messages across 10,000 residents), and the ratio.
 * 4. Signed SMS webhook ingress: the engine against a bare node:http + Redis floor and Botkit
 *    with its Twilio SMS adapter, on the same signed traffic.
 * 5. A storm: 3,000 signed webhooks (1,000 distinct × 3) in one burst; acknowledgement p99 and
 *    max, and every message answered exactly once.
 * 6. A dead endpoint (issue 16), on a fresh engine and database: webchat reply p99 on new residents
 *    asking for a person (each fires `conversation.queued`), arriving at a steady pace, with no
 *    endpoint registered and with one (for every event, registered by the seeded admin through
 *    `POST /api/v1/webhooks`) that never answers, in alternating phases of the same load (none,
 *    dead, none, dead, none; removed with `DELETE /api/v1/webhooks/:id` after each dead phase);
 *    each phase's p99, the ratio dead ÷ none, and how many deliveries the endpoint was holding.
 *
 * BENCH_ONLY=dead runs only section 6.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { startTwilioDouble } from '../tests/helpers/twilio-double';
import { startBotkit } from './botkit-peer';
import { medianCost, startEngineProcesses, type Cost, type EngineProcesses } from './engine-processes';
import { seedHistory } from './seed-history';
import { COUNCIL_NUMBER, SMS_ACCOUNT, SMS_TOKEN, burst, drive, percentile, post, signedSms, startSmsFloor, type IngressResult } from './sms-ingress';
import { understandingCost } from './understanding';
import { WEBHOOK_EVENT_TYPES } from '../src/webhooks/events';
import { startWebhookReceiver } from '../tests/helpers/webhook-receiver';

const THROUGHPUT_SESSIONS = Number(process.env.BENCH_SESSIONS ?? 50);
const THROUGHPUT_MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20);
const LATENCY_SESSIONS = Number(process.env.BENCH_LATENCY_SESSIONS ?? 500);
const LATENCY_MESSAGES = Number(process.env.BENCH_LATENCY_MESSAGES ?? 4);
/** Paced load: LATENCY_SESSIONS residents, each sending one message every 10–20 s (people type), for PACED_SECONDS. */
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 45);
const SEED_RESIDENTS = Number(process.env.BENCH_SEED_RESIDENTS ?? 10_000);
const SEED_MESSAGES_PER_RESIDENT = Number(process.env.BENCH_SEED_MESSAGES_PER_RESIDENT ?? 10);
const INGRESS_REQUESTS = Number(process.env.BENCH_INGRESS_REQUESTS ?? 3000);
const STORM_DISTINCT = Number(process.env.BENCH_STORM_DISTINCT ?? 1000);
/** Dead endpoint: each phase DEAD_SECONDS long, DEAD_RATE new residents a second asking for a person; DEAD_ROUNDS dead phases, each between two with no endpoint. */
const DEAD_SECONDS = Number(process.env.BENCH_DEAD_SECONDS ?? 15);
const DEAD_RATE = Number(process.env.BENCH_DEAD_RATE ?? 8);
const DEAD_ROUNDS = Number(process.env.BENCH_DEAD_ROUNDS ?? 2);
const DEAD_ONLY = process.env.BENCH_ONLY === 'dead';
if (process.env.BENCH_ONLY && !DEAD_ONLY) throw new Error(`BENCH_ONLY=${process.env.BENCH_ONLY}: only "dead" is known`);
/** The engine's seeded admin (SEED_DEMO), who registers the dead endpoint. */
const ADMIN = { email: 'admin@council.example', password: `bench-${randomBytes(9).toString('hex')}` };

interface Client {
  send(text: string): Promise<number>;
  /** The text of the reply the last `send` resolved on. */
  lastReply(): string | undefined;
  close(): void;
}

type Connect = () => Promise<Client>;

/** A client whose `send` resolves with the round-trip time when the reply arrives. */
function roundTripClient(socket: Socket, send: (text: string, id: string) => void): Client {
  let waiting: ((ms: number) => void) | undefined;
  let started = 0;
  let last: string | undefined;
  socket.on('message.created', (m: { sender: { kind: string }; text?: string }) => {
    if (m.sender.kind === 'contact' || !waiting) return;
    const done = waiting;
    waiting = undefined;
    last = m.text;
    done(performance.now() - started);
  });
  let n = 0;
  return {
    send(text) {
      return new Promise((resolve) => {
        waiting = resolve;
        started = performance.now();
        send(text, `b${++n}`);
      });
    },
    lastReply: () => last,
    close: () => socket.close(),
  };
}

async function run(connectClient: Connect, sessions: number, messages: number): Promise<{ seconds: number; latencies: number[] }> {
  const clients = await Promise.all(Array.from({ length: sessions }, () => connectClient()));
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < messages; i++) latencies.push(await client.send('hello'));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clients.forEach((c) => c.close());
  return { seconds, latencies };
}

/** Every client waits a random 10–20 s between messages, starting at a random offset. */
async function runPaced(connectClient: Connect, sessions: number, seconds: number): Promise<number[]> {
  const clients = await Promise.all(Array.from({ length: sessions }, () => connectClient()));
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await Promise.all(
    clients.map(async (client) => {
      await pause(Math.random() * 15_000);
      while (performance.now() < deadline) {
        latencies.push(await client.send('hello'));
        await pause(10_000 + Math.random() * 10_000);
      }
    }),
  );
  clients.forEach((c) => c.close());
  return latencies;
}

/** The floor: Socket.IO in, BullMQ add → worker → Socket.IO out. No database, no engine logic. */
async function startFloor(redisUrl: string): Promise<{ connect: Connect; stop: () => Promise<void> }> {
  const prefix = `floor_${randomBytes(3).toString('hex')}`;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const server = http.createServer();
  const io = new Server(server);
  const queue = new Queue('floor', { connection, prefix });
  const worker = new Worker(
    'floor',
    async (job) => {
      io.of('/webchat').to(job.data.room).emit('message.created', { sender: { kind: 'bot' }, text: `echo ${job.data.text}` });
    },
    { connection, prefix, concurrency: 16 },
  );
  io.of('/webchat').on('connection', (socket) => {
    void socket.join(socket.id);
    socket.on('message.send', async (payload: { clientMessageId: string; text: string }, ack: (r: unknown) => void) => {
      await queue.add('m', { room: socket.id, text: payload.text }, { jobId: `${socket.id}-${payload.clientMessageId}`, removeOnComplete: true });
      ack({ ok: true });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    connect: async () => {
      const socket = connect(`${url}/webchat`, { transports: ['websocket'], forceNew: true });
      await new Promise<void>((r) => socket.once('connect', () => r()));
      return roundTripClient(socket, (text, id) => socket.emit('message.send', { clientMessageId: id, text }, () => undefined));
    },
    stop: async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      io.close();
      await connection.quit();
    },
  };
}

function webchatConnect(url: string): Connect {
  return async () => {
    const socket = connect(`${url}/webchat`, { transports: ['websocket'], forceNew: true });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    await socket.emitWithAck('session.start', {});
    return roundTripClient(socket, (text, id) => socket.emit('message.send', { clientMessageId: id, text }, () => undefined));
  };
}

interface WebchatResult { label: string; messagesPerSecond: number; p50: number; p99: number; latencyMessagesPerSecond: number; pacedMessages: number; pacedP50: number; pacedP99: number }

async function measureWebchat(label: string, connectClient: Connect): Promise<WebchatResult> {
  await run(connectClient, 10, 3); // warm-up
  const throughput = await run(connectClient, THROUGHPUT_SESSIONS, THROUGHPUT_MESSAGES);
  const latency = await run(connectClient, LATENCY_SESSIONS, LATENCY_MESSAGES);
  const paced = await runPaced(connectClient, LATENCY_SESSIONS, PACED_SECONDS);
  const result = {
    label,
    messagesPerSecond: (THROUGHPUT_SESSIONS * THROUGHPUT_MESSAGES) / throughput.seconds,
    p50: percentile(latency.latencies, 50),
    p99: percentile(latency.latencies, 99),
    latencyMessagesPerSecond: (LATENCY_SESSIONS * LATENCY_MESSAGES) / latency.seconds,
    pacedMessages: paced.length,
    pacedP50: percentile(paced, 50),
    pacedP99: percentile(paced, 99),
  };
  console.log(
    `${label.padEnd(10)} ${result.messagesPerSecond.toFixed(0).padStart(6)} msg/s | ${LATENCY_SESSIONS} sessions flat out: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms (${result.latencyMessagesPerSecond.toFixed(0)} msg/s)` +
      ` | ${LATENCY_SESSIONS} sessions at typing pace: p50 ${result.pacedP50.toFixed(1)} ms, p99 ${result.pacedP99.toFixed(1)} ms (${result.pacedMessages} round trips)`,
  );
  return result;
}

type Double = Awaited<ReturnType<typeof startTwilioDouble>>;

/** SMS residents in a closed loop: each texts, waits for the reply SMS at the Twilio double, texts again. */
async function smsLoop(engine: EngineProcesses, double: Double, residents: number, messages: number, tag: string): Promise<number> {
  const counts = new Map<string, number>();
  // Only this run's replies count: the same residents text again in the next round.
  let seen = double.sent.length;
  const tally = () => {
    for (; seen < double.sent.length; seen++) counts.set(double.sent[seen]!.To, (counts.get(double.sent[seen]!.To) ?? 0) + 1);
  };
  await Promise.all(
    Array.from({ length: residents }, async (_, r) => {
      const from = `+614${tag}${String(r).padStart(5, '0')}`;
      for (let m = 0; m < messages; m++) {
        const res = await post(engine.url, signedSms(engine.env.PUBLIC_URL!, '/webhooks/twilio/sms', from, 'hello'));
        if (res.status !== 200) throw new Error(`SMS webhook answered ${res.status}`);
        const deadline = Date.now() + 60_000;
        for (;;) {
          tally();
          if ((counts.get(from) ?? 0) > m) break;
          if (Date.now() > deadline) throw new Error(`no reply SMS to ${from}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }),
  );
  return residents * messages;
}

async function webchatLoop(engine: EngineProcesses, residents: number, messages: number): Promise<number> {
  await run(webchatConnect(engine.url), residents, messages);
  return residents * messages;
}

function costLine(label: string, c: Cost): string {
  return `${label.padEnd(22)} ${c.cpuMs.toFixed(2).padStart(6)} ms CPU/msg | ${c.wallMs.toFixed(2).padStart(6)} ms wall/msg | ${c.databaseCalls.toFixed(1).padStart(5)} database calls/msg | ${c.redisCommands.toFixed(1).padStart(5)} Redis commands/msg (Redis counts those run inside BullMQ's and our scripts too)`;
}

function ingressLine(label: string, r: IngressResult): string {
  return `${label.padEnd(22)} ${r.perSecond.toFixed(0).padStart(6)} req/s | p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms | statuses ${JSON.stringify(r.statuses)}`;
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL!;
  const mongoUri = process.env.MONGODB_URI!;
  const started = performance.now();
  const results: Record<string, unknown> = {};
  const section = (title: string) => console.log(`\n== ${title} (${((performance.now() - started) / 1000).toFixed(0)} s)`);

  const summary: string[] = [];
  let understanding: Awaited<ReturnType<typeof understandingCost>> | undefined;
  if (!DEAD_ONLY) {
    section('Understanding');
    understanding = await understandingCost();
    results.understanding = understanding;
    console.log(`Understanding: ${understanding.cpuMsPerMessage.toFixed(2)} ms CPU per message over ${understanding.messages} labelled messages (training at start-up: ${Math.round(understanding.trainingCpuMs)} ms CPU)`);
  }

  const double = await startTwilioDouble();
  const name = `bench_${randomBytes(3).toString('hex')}`;
  const uri = benchDatabase(mongoUri, name);
  // Sections 2–5 share this engine; section 6 starts its own (BENCH_ONLY=dead starts only that one).
  const engine = DEAD_ONLY ? undefined : await startEngineProcesses(engineEnv(redisUrl, uri, name, double.url));
  let stopped: Promise<void> | undefined;
  const stopEngine = () => (stopped ??= engine?.stop() ?? Promise.resolve());
  const redis = new Redis(redisUrl);
  try {
    if (engine) {
      section(`Webchat: ${THROUGHPUT_SESSIONS} sessions × ${THROUGHPUT_MESSAGES} messages closed loop; ${LATENCY_SESSIONS} sessions × ${LATENCY_MESSAGES} flat out; ${LATENCY_SESSIONS} at typing pace for ${PACED_SECONDS} s`);
      const floorSystem = await startFloor(redisUrl);
      const floor = await measureWebchat('floor', floorSystem.connect);
      await floorSystem.stop();
      const pipeline = await measureWebchat('pipeline', webchatConnect(engine.url));
      results.webchat = { floor, pipeline };
      console.log(
        `pipeline ÷ floor throughput: ${(pipeline.messagesPerSecond / floor.messagesPerSecond).toFixed(2)}; flat-out p99 ${(pipeline.p99 / floor.p99).toFixed(1)}× the floor's; ` +
          `typing pace p99 ${pipeline.pacedP99.toFixed(1)} ms vs ${floor.pacedP99.toFixed(1)} ms (${(pipeline.pacedP99 / floor.pacedP99).toFixed(1)}× the floor's)`,
      );

      section('Cost per message on the database as the webchat runs left it (median of 3 rounds each)');
      const emptyWebchat = await medianCost(engine, redis, () => webchatLoop(engine, 50, 10));
      console.log(costLine('webchat', emptyWebchat));
      const emptySms = await medianCost(engine, redis, () => smsLoop(engine, double, 50, 6, '1'));
      console.log(costLine('sms', emptySms));

      section(`Seeding ${SEED_RESIDENTS * SEED_MESSAGES_PER_RESIDENT} messages across ${SEED_RESIDENTS} residents`);
      const seeded = await seedHistory(uri, SEED_RESIDENTS, SEED_MESSAGES_PER_RESIDENT, COUNCIL_NUMBER);
      console.log(`seeded ${seeded.messages} messages, ${seeded.events} inbound events, ${seeded.residents} residents (contacts, identities, conversations) in ${seeded.seconds.toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, 1000)); // let FerretDB's WAL settle

      section('Cost per message with that history stored');
      const fullWebchat = await medianCost(engine, redis, () => webchatLoop(engine, 50, 10));
      console.log(costLine('webchat', fullWebchat));
      const fullSms = await medianCost(engine, redis, () => smsLoop(engine, double, 50, 6, '2'));
      console.log(costLine('sms', fullSms));
      const ratio = (a: Cost, b: Cost) => `CPU ${(b.cpuMs / a.cpuMs).toFixed(2)}, wall ${(b.wallMs / a.wallMs).toFixed(2)}, database calls ${(b.databaseCalls / a.databaseCalls).toFixed(2)}`;
      console.log(`at ${seeded.messages} stored messages ÷ before: webchat ${ratio(emptyWebchat, fullWebchat)}; sms ${ratio(emptySms, fullSms)}`);
      const afterSeed = await run(webchatConnect(engine.url), THROUGHPUT_SESSIONS, THROUGHPUT_MESSAGES);
      const afterSeedRate = (THROUGHPUT_SESSIONS * THROUGHPUT_MESSAGES) / afterSeed.seconds;
      console.log(`webchat throughput with the history: ${afterSeedRate.toFixed(0)} msg/s (${(afterSeedRate / pipeline.messagesPerSecond).toFixed(2)} of the same run's before seeding)`);
      results.cost = { seeded, empty: { webchat: emptyWebchat, sms: emptySms }, full: { webchat: fullWebchat, sms: fullSms }, afterSeedMessagesPerSecond: afterSeedRate };

      section(`Signed SMS webhook ingress: ${INGRESS_REQUESTS} distinct webhooks, 64 in flight`);
      const hooksFor = (url: string, path: string, tag: string) => Array.from({ length: INGRESS_REQUESTS }, (_, i) => signedSms(url, path, `+614${tag}${String(i % 500).padStart(5, '0')}`, 'hello'));
      const smsFloor = await startSmsFloor(redisUrl);
      const floorIngress = await drive(smsFloor.url, hooksFor(smsFloor.url, '/sms', '3'), 64);
      await smsFloor.stop();
      console.log(ingressLine('floor (http+Redis)', floorIngress));
      const botkit = await startBotkit(SMS_TOKEN, SMS_ACCOUNT, COUNCIL_NUMBER);
      const botkitIngress = await drive(botkit.url, hooksFor(botkit.url, botkit.path, '4'), 64);
      await botkit.stop();
      console.log(ingressLine(`Botkit (${botkit.received()} taken)`, botkitIngress));
      const engineIngress = await drive(engine.url, hooksFor(engine.env.PUBLIC_URL!, '/webhooks/twilio/sms', '5'), 64);
      console.log(ingressLine('engine', engineIngress));
      console.log(`engine ÷ floor: ${(engineIngress.perSecond / floorIngress.perSecond).toFixed(2)}; engine ÷ Botkit: ${(engineIngress.perSecond / botkitIngress.perSecond).toFixed(2)}; Botkit ÷ floor: ${(botkitIngress.perSecond / floorIngress.perSecond).toFixed(2)}`);
      results.ingress = { floor: floorIngress, botkit: botkitIngress, engine: engineIngress };
      await waitForQuiet(engine, redis, name);

      section(`Storm: ${STORM_DISTINCT} distinct signed webhooks × 3, all at once`);
      const distinct = Array.from({ length: STORM_DISTINCT }, (_, i) => signedSms(engine.env.PUBLIC_URL!, '/webhooks/twilio/sms', `+6146${String(i).padStart(7, '0')}`, 'hello'));
      const stormHooks = [...distinct, ...distinct, ...distinct].sort(() => Math.random() - 0.5);
      const sentBefore = double.sent.length;
      const storm = await burst(engine.url, stormHooks);
      console.log(ingressLine('engine, burst', storm));
      const deadline = Date.now() + 180_000;
      const stormReplies = () => double.sent.slice(sentBefore).filter((m) => m.To.startsWith('+6146'));
      while (stormReplies().length < STORM_DISTINCT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const perNumber = new Map<string, number>();
      for (const m of stormReplies()) perNumber.set(m.To, (perNumber.get(m.To) ?? 0) + 1);
      const doubled = [...perNumber.values()].filter((n) => n > 1).length;
      console.log(`storm: ${perNumber.size} of ${STORM_DISTINCT} residents answered, ${doubled} answered more than once; acknowledgements p99 ${storm.p99.toFixed(0)} ms, max ${storm.max.toFixed(0)} ms (Twilio waits 15 s)`);
      results.storm = { ...storm, answered: perNumber.size, doubled };
      summary.push(
        `pipeline ÷ floor throughput ${(pipeline.messagesPerSecond / floor.messagesPerSecond).toFixed(2)}`,
        `typing-pace p99 ${pipeline.pacedP99.toFixed(0)} ms (${(pipeline.pacedP99 / floor.pacedP99).toFixed(1)}× the floor's)`,
        `cost at ${seeded.messages} messages ÷ before: webchat CPU ${(fullWebchat.cpuMs / emptyWebchat.cpuMs).toFixed(2)} wall ${(fullWebchat.wallMs / emptyWebchat.wallMs).toFixed(2)}, sms CPU ${(fullSms.cpuMs / emptySms.cpuMs).toFixed(2)} wall ${(fullSms.wallMs / emptySms.wallMs).toFixed(2)}`,
        `engine CPU per message: webchat ${fullWebchat.cpuMs.toFixed(2)} ms, sms ${fullSms.cpuMs.toFixed(2)} ms`,
        `SMS ingress ÷ floor ${(engineIngress.perSecond / floorIngress.perSecond).toFixed(2)}, ÷ Botkit ${(engineIngress.perSecond / botkitIngress.perSecond).toFixed(2)}`,
        `storm ack p99 ${storm.p99.toFixed(0)} ms`,
      );
    }

    // A fresh engine, with the other one stopped: the same starting point in the full bench and
    // with BENCH_ONLY=dead, and its own queue prefix takes the dead endpoint's pending retries away with it.
    await stopEngine();
    section(`Dead endpoint: a fresh engine; ${DEAD_RATE} new webchat residents a second asking for a person, ${DEAD_SECONDS} s phases: none, ${Array(DEAD_ROUNDS).fill('dead, none').join(', ')}`);
    const dead = await measureDeadEndpoint(redisUrl, mongoUri, redis, double.url);
    results.deadEndpoint = dead;
    summary.push(
      `dead endpoint: reply p99 ${dead.deadP99.toFixed(0)} ms vs ${dead.noneP99.toFixed(0)} ms with none (dead ÷ none ${dead.ratio.toFixed(2)}); endpoint holding ${dead.phases.filter((p) => p.kind === 'dead').map((p) => p.heldAtEnd).join(', ')} deliveries at the end of the dead phases`,
    );

    section('Summary');
    if (understanding) summary.push(`understanding ${understanding.cpuMsPerMessage.toFixed(2)} ms CPU/msg`);
    console.log([...summary, `bench took ${((performance.now() - started) / 1000).toFixed(0)} s`].join('\n'));
    console.log(JSON.stringify(results));
  } finally {
    await stopEngine();
    await double.stop();
    await dropBenchData(uri, redis, name);
    await redis.quit();
  }
  process.exit(0);
}

function benchDatabase(mongoUri: string, name: string): string {
  const uri = new URL(mongoUri);
  uri.pathname = `/${name}`;
  return uri.toString();
}

/** The bench engine's environment, on its own database and queue prefix `name`. */
function engineEnv(redisUrl: string, databaseUri: string, name: string, twilioApiUrl: string): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    MONGODB_URI: databaseUri,
    QUEUE_PREFIX: name,
    LOG_LEVEL: 'warn',
    OFFICE_HOURS: 'Mon-Sun 00:00-24:00',
    TWILIO_AUTH_TOKEN: SMS_TOKEN,
    TWILIO_ACCOUNT_SID: SMS_ACCOUNT,
    TWILIO_PHONE_NUMBER: COUNCIL_NUMBER,
    TWILIO_API_URL: twilioApiUrl,
    // Every bench client shares 127.0.0.1: the per-address abuse limits would refuse them.
    WEBCHAT_MESSAGES_PER_ADDRESS_MINUTE: '10000000',
    WEBCHAT_SESSIONS_PER_ADDRESS_HOUR: '10000000',
    WEBCHAT_CONNECTIONS_PER_ADDRESS: '100000',
    WEBCHAT_MESSAGES_PER_SESSION_10S: '10000',
    // The seeded admin, who registers section 6's endpoints (one agent record, signed out, otherwise).
    SEED_DEMO: 'true',
    SEED_ADMIN_EMAIL: ADMIN.email,
    SEED_ADMIN_PASSWORD: ADMIN.password,
  };
}

/** Drops a bench engine's database and its Redis keys. */
async function dropBenchData(databaseUri: string, redis: Redis, name: string): Promise<void> {
  const cleanup = await mongoose.createConnection(databaseUri).asPromise();
  await cleanup.db?.dropDatabase().catch(() => undefined);
  await cleanup.close();
  const keys = await redis.keys(`${name}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

/** Waits until the engine has answered everything it was sent (no inbound job waiting or running). */
async function waitForQuiet(engine: EngineProcesses, redis: Redis, prefix: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [waiting, active] = await Promise.all([redis.llen(`${prefix}:inbound-messages:wait`), redis.llen(`${prefix}:inbound-messages:active`)]);
    if ((waiting === 0 && active === 0) || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A new resident's first message that fires a webhook event: the router queues the conversation (`conversation.queued`). */
const ASK_FOR_PERSON = 'I want to talk to a person';

const pause = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface Arrivals { sessions: number; latencies: number[]; queued: number; unanswered: number }

/**
 * An open, paced load: `rate` new webchat residents a second for `seconds` (evenly spread, with
 * jitter), each starting a session and asking for a person; timed from the message to the reply.
 * `queued` counts the replies that say the resident was queued: one `conversation.queued` each.
 */
async function arrivals(connectClient: Connect, rate: number, seconds: number): Promise<Arrivals> {
  const sessions = Math.round(rate * seconds);
  const latencies: number[] = [];
  let queued = 0;
  let unanswered = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: sessions }, async (_, i) => {
      await pause(started + ((i + Math.random()) * 1000) / rate - performance.now());
      const client = await connectClient();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ms = await Promise.race([client.send(ASK_FOR_PERSON), new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 30_000)))]);
      clearTimeout(timer);
      if (ms === undefined) unanswered++;
      else {
        latencies.push(ms);
        if (/asked a person/.test(client.lastReply() ?? '')) queued++;
      }
      client.close();
    }),
  );
  return { sessions, latencies, queued, unanswered };
}

interface DeadPhase {
  kind: 'none' | 'dead';
  sessions: number;
  queued: number;
  unanswered: number;
  p50: number;
  p99: number;
  max: number;
  /** Engine CPU (web + worker) per resident over the phase. */
  cpuMsPerResident: number;
  /** Dead phases: requests the endpoint held unanswered at the phase's end, and at most during it. */
  heldAtEnd?: number;
  heldPeak?: number;
  /** Dead phases: webhook jobs waiting for a free attempt slot at the phase's end. */
  backlogAtEnd?: number;
  /** Dead phases: seconds from removing the endpoint (and dropping what it held) until no webhook attempt was running, waiting or due within a minute. */
  settleSeconds?: number;
}

/**
 * Section 6, on an engine of its own: reply p99 with no endpoint and with a dead one, in
 * alternating phases of the same load.
 */
async function measureDeadEndpoint(redisUrl: string, mongoUri: string, redis: Redis, twilioApiUrl: string) {
  const prefix = `bench_dead_${randomBytes(3).toString('hex')}`;
  const databaseUri = benchDatabase(mongoUri, prefix);
  const engine = await startEngineProcesses(engineEnv(redisUrl, databaseUri, prefix, twilioApiUrl));
  let dead: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
  try {
    const login = await fetch(`${engine.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    if (login.status !== 200) throw new Error(`admin login answered ${login.status}: ${await login.text()}`);
    const { token } = (await login.json()) as { token: string };
    const api = (path: string, init: RequestInit = {}) => fetch(`${engine.url}/api/v1${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    const register = async (url: string): Promise<string> => {
      const res = await api('/webhooks', { method: 'POST', body: JSON.stringify({ url, events: [...WEBHOOK_EVENT_TYPES], description: 'bench' }) });
      if (res.status !== 201) throw new Error(`POST /webhooks answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    };
    const remove = async (id: string) => {
      const res = await api(`/webhooks/${id}`, { method: 'DELETE' });
      if (res.status !== 204) throw new Error(`DELETE /webhooks/${id} answered ${res.status}`);
    };
    const key = (list: string) => `${prefix}:webhook-deliveries:${list}`;
    // BullMQ scores a delayed job by its due time × 0x1000.
    const webhookJobs = async () => {
      const [waiting, active, dueSoon] = await Promise.all([redis.llen(key('wait')), redis.llen(key('active')), redis.zcount(key('delayed'), 0, (Date.now() + 60_000) * 0x1000)]);
      return { waiting, active, dueSoon };
    };
    const connectClient = webchatConnect(engine.url);

    // Warm-up and check: at a live endpoint, each resident asking for a person is one delivery.
    const live = await startWebhookReceiver();
    const liveId = await register(live.url);
    const check = await arrivals(connectClient, DEAD_RATE, 2);
    const deadline = Date.now() + 15_000;
    while (live.received.length < check.queued && Date.now() < deadline) await pause(100);
    await pause(1000); // anything more would show up too
    await remove(liveId);
    await live.stop();
    await waitForQuiet(engine, redis, prefix);
    const types: Record<string, number> = {};
    for (const w of live.received) {
      const type = (JSON.parse(w.body) as { type: string }).type;
      types[type] = (types[type] ?? 0) + 1;
    }
    console.log(`check: ${check.sessions} new residents asked for a person, ${check.queued} queued; a live endpoint received ${live.received.length} deliveries ${JSON.stringify(types)}`);

    const phases: DeadPhase[] = [];
    const latencies = { none: [] as number[], dead: [] as number[] };
    const kinds: Array<'none' | 'dead'> = ['none', ...Array.from({ length: DEAD_ROUNDS }, () => ['dead', 'none'] as const).flat()];
    for (const kind of kinds) {
      dead = kind === 'dead' ? await startWebhookReceiver({ hang: true }) : undefined;
      const id = dead ? await register(dead.url) : undefined;
      let heldPeak = 0;
      const sampler = setInterval(() => (heldPeak = Math.max(heldPeak, dead?.holding.count ?? 0)), 100);
      const cpu = engine.cpuSeconds();
      const load = await arrivals(connectClient, DEAD_RATE, DEAD_SECONDS);
      const cpuMsPerResident = ((engine.cpuSeconds() - cpu) * 1000) / load.sessions;
      clearInterval(sampler);
      latencies[kind].push(...load.latencies);
      const phase: DeadPhase = {
        kind,
        sessions: load.sessions,
        queued: load.queued,
        unanswered: load.unanswered,
        p50: percentile(load.latencies, 50),
        p99: percentile(load.latencies, 99),
        max: percentile(load.latencies, 100),
        cpuMsPerResident,
      };
      if (dead && id) {
        phase.heldAtEnd = dead.holding.count;
        phase.heldPeak = Math.max(heldPeak, phase.heldAtEnd);
        phase.backlogAtEnd = (await webhookJobs()).waiting;
        await remove(id);
        // Drop what it holds (rather than wait out WEBHOOK_TIMEOUT_MS), then let the first retries
        // fail (at once: the endpoint is removed) before the next phase.
        const removed = performance.now();
        await dead.stop();
        dead = undefined;
        for (;;) {
          const jobs = await webhookJobs();
          if ((jobs.waiting === 0 && jobs.active === 0 && jobs.dueSoon === 0) || performance.now() - removed > 40_000) break;
          await pause(250);
        }
        phase.settleSeconds = (performance.now() - removed) / 1000;
      }
      await waitForQuiet(engine, redis, prefix);
      phases.push(phase);
      console.log(
        `${kind.padEnd(4)} ${phase.sessions} residents, ${phase.queued} queued (one event each), ${phase.unanswered} unanswered: reply p50 ${phase.p50.toFixed(1)} ms, p99 ${phase.p99.toFixed(1)} ms, max ${phase.max.toFixed(1)} ms; engine ${phase.cpuMsPerResident.toFixed(1)} ms CPU/resident` +
          (id ? ` | endpoint holding ${phase.heldAtEnd} at the end (at most ${phase.heldPeak}), ${phase.backlogAtEnd} deliveries waiting for an attempt slot; quiet ${phase.settleSeconds!.toFixed(1)} s after removal` : ''),
      );
    }
    const noneP99 = percentile(latencies.none, 99);
    const deadP99 = percentile(latencies.dead, 99);
    const ratio = deadP99 / noneP99;
    console.log(
      `all phases together: p99 ${deadP99.toFixed(1)} ms dead (${latencies.dead.length} replies) vs ${noneP99.toFixed(1)} ms none (${latencies.none.length}); dead ÷ none ${ratio.toFixed(2)}; ` +
        `p50 ${percentile(latencies.dead, 50).toFixed(1)} vs ${percentile(latencies.none, 50).toFixed(1)} ms`,
    );
    return { rate: DEAD_RATE, seconds: DEAD_SECONDS, check: { sessions: check.sessions, queued: check.queued, deliveries: live.received.length, types }, phases, noneP99, deadP99, ratio };
  } finally {
    await dead?.stop();
    await engine.stop();
    await dropBenchData(databaseUri, redis, prefix);
  }
}

void main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});

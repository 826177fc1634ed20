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
 *    commands per message, on an empty database, then again after seeding a council's history
 *    (100,000 messages across 10,000 residents), and the ratio.
 * 4. Signed SMS webhook ingress: the engine against a bare node:http + Redis floor and Botkit
 *    with its Twilio SMS adapter, on the same signed traffic.
 * 5. A storm: 3,000 signed webhooks (1,000 distinct × 3) in one burst; acknowledgement p99 and
 *    max, and every message answered exactly once.
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
import { measureCost, startEngineProcesses, type Cost, type EngineProcesses } from './engine-processes';
import { seedHistory } from './seed-history';
import { COUNCIL_NUMBER, SMS_ACCOUNT, SMS_TOKEN, burst, drive, percentile, post, signedSms, startSmsFloor, type IngressResult } from './sms-ingress';
import { understandingCost } from './understanding';

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

interface Client {
  send(text: string): Promise<number>;
  close(): void;
}

type Connect = () => Promise<Client>;

/** A client whose `send` resolves with the round-trip time when the reply arrives. */
function roundTripClient(socket: Socket, send: (text: string, id: string) => void): Client {
  let waiting: ((ms: number) => void) | undefined;
  let started = 0;
  socket.on('message.created', (m: { sender: { kind: string } }) => {
    if (m.sender.kind === 'contact' || !waiting) return;
    const done = waiting;
    waiting = undefined;
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
  let seen = 0;
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

  section('Understanding');
  const understanding = await understandingCost();
  results.understanding = understanding;
  console.log(`Understanding: ${understanding.cpuMsPerMessage.toFixed(2)} ms CPU per message over ${understanding.messages} labelled messages (training at start-up: ${Math.round(understanding.trainingCpuMs)} ms CPU)`);

  const double = await startTwilioDouble();
  const name = `bench_${randomBytes(3).toString('hex')}`;
  const uri = new URL(mongoUri);
  uri.pathname = `/${name}`;
  const engine = await startEngineProcesses({
    REDIS_URL: redisUrl,
    MONGODB_URI: uri.toString(),
    QUEUE_PREFIX: name,
    LOG_LEVEL: 'warn',
    OFFICE_HOURS: 'Mon-Sun 00:00-23:59',
    TWILIO_AUTH_TOKEN: SMS_TOKEN,
    TWILIO_ACCOUNT_SID: SMS_ACCOUNT,
    TWILIO_PHONE_NUMBER: COUNCIL_NUMBER,
    TWILIO_API_URL: double.url,
    // Every bench client shares 127.0.0.1: the per-address abuse limits would refuse them.
    WEBCHAT_MESSAGES_PER_ADDRESS_MINUTE: '10000000',
    WEBCHAT_SESSIONS_PER_ADDRESS_HOUR: '10000000',
    WEBCHAT_CONNECTIONS_PER_ADDRESS: '100000',
    WEBCHAT_MESSAGES_PER_SESSION_10S: '10000',
  });
  const redis = new Redis(redisUrl);
  try {
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

    section('Cost per message on the database as the webchat runs left it');
    const emptyWebchat = await measureCost(engine, redis, () => webchatLoop(engine, 50, 10));
    console.log(costLine('webchat', emptyWebchat));
    const emptySms = await measureCost(engine, redis, () => smsLoop(engine, double, 50, 6, '1'));
    console.log(costLine('sms', emptySms));

    section(`Seeding ${SEED_RESIDENTS * SEED_MESSAGES_PER_RESIDENT} messages across ${SEED_RESIDENTS} residents`);
    const seeded = await seedHistory(uri.toString(), SEED_RESIDENTS, SEED_MESSAGES_PER_RESIDENT, COUNCIL_NUMBER);
    console.log(`seeded ${seeded.messages} messages, ${seeded.events} inbound events, ${seeded.residents} residents (contacts, identities, conversations) in ${seeded.seconds.toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 1000)); // let FerretDB's WAL settle

    section('Cost per message with that history stored');
    const fullWebchat = await measureCost(engine, redis, () => webchatLoop(engine, 50, 10));
    console.log(costLine('webchat', fullWebchat));
    const fullSms = await measureCost(engine, redis, () => smsLoop(engine, double, 50, 6, '2'));
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

    section('Summary');
    console.log(
      [
        `pipeline ÷ floor throughput ${(pipeline.messagesPerSecond / floor.messagesPerSecond).toFixed(2)}`,
        `typing-pace p99 ${pipeline.pacedP99.toFixed(0)} ms (${(pipeline.pacedP99 / floor.pacedP99).toFixed(1)}× the floor's)`,
        `cost at ${seeded.messages} messages ÷ before: webchat CPU ${(fullWebchat.cpuMs / emptyWebchat.cpuMs).toFixed(2)} wall ${(fullWebchat.wallMs / emptyWebchat.wallMs).toFixed(2)}, sms CPU ${(fullSms.cpuMs / emptySms.cpuMs).toFixed(2)} wall ${(fullSms.wallMs / emptySms.wallMs).toFixed(2)}`,
        `engine CPU per message: webchat ${fullWebchat.cpuMs.toFixed(2)} ms, sms ${fullSms.cpuMs.toFixed(2)} ms`,
        `SMS ingress ÷ floor ${(engineIngress.perSecond / floorIngress.perSecond).toFixed(2)}, ÷ Botkit ${(engineIngress.perSecond / botkitIngress.perSecond).toFixed(2)}`,
        `storm ack p99 ${storm.p99.toFixed(0)} ms`,
        `understanding ${understanding.cpuMsPerMessage.toFixed(2)} ms CPU/msg`,
        `bench took ${((performance.now() - started) / 1000).toFixed(0)} s`,
      ].join('\n'),
    );
    console.log(JSON.stringify(results));
  } finally {
    await engine.stop();
    await double.stop();
    const cleanup = await mongoose.createConnection(uri.toString()).asPromise();
    await cleanup.db?.dropDatabase().catch(() => undefined);
    await cleanup.close();
    const keys = await redis.keys(`${name}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    await redis.quit();
  }
  process.exit(0);
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

void main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});

/**
 * `npm run bench`: the whole webchat pipeline (socket in → ingest → BullMQ → router → flow →
 * outbox → BullMQ → socket out, on Redis and FerretDB) against a bare floor on the same run:
 * the same Socket.IO transport plus one BullMQ enqueue/dequeue and nothing else.
 *
 * Throughput: closed loop, SESSIONS residents each sending MESSAGES messages one after another.
 * Latency: 500 concurrent residents, each round trip timed from send to reply received.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { parseConfig } from '../src/config';
import { startEngine } from '../src/engine';
import { createLogger } from '../src/logger';

const THROUGHPUT_SESSIONS = Number(process.env.BENCH_SESSIONS ?? 50);
const THROUGHPUT_MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20);
const LATENCY_SESSIONS = Number(process.env.BENCH_LATENCY_SESSIONS ?? 500);
const LATENCY_MESSAGES = Number(process.env.BENCH_LATENCY_MESSAGES ?? 4);
/** Paced load: LATENCY_SESSIONS residents, each sending one message every 10–20 s (people type), for PACED_SECONDS. */
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 45);

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

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
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

async function startFullEngine(redisUrl: string, mongoUri: string): Promise<{ connect: Connect; stop: () => Promise<void> }> {
  const name = `bench_${randomBytes(3).toString('hex')}`;
  const uri = new URL(mongoUri);
  uri.pathname = `/${name}`;
  const config = parseConfig({ ...process.env, PORT: '0', REDIS_URL: redisUrl, MONGODB_URI: uri.toString(), QUEUE_PREFIX: name, LOG_LEVEL: 'warn', OFFICE_HOURS: 'Mon-Sun 00:00-23:59' } as NodeJS.ProcessEnv);
  const engine = await startEngine(config, { logger: createLogger('warn') });
  return {
    connect: async () => {
      const socket = connect(`${engine.url}/webchat`, { transports: ['websocket'], forceNew: true });
      await new Promise<void>((r) => socket.once('connect', () => r()));
      await socket.emitWithAck('session.start', {});
      return roundTripClient(socket, (text, id) => socket.emit('message.send', { clientMessageId: id, text }, () => undefined));
    },
    stop: async () => {
      await mongoose.connection.db?.dropDatabase();
      const keys = await engine.services.redis.keys(`${name}*`);
      if (keys.length) await engine.services.redis.del(...keys);
      await engine.stop();
    },
  };
}

async function measure(label: string, start: () => Promise<{ connect: Connect; stop: () => Promise<void> }>) {
  const system = await start();
  await run(system.connect, 10, 3); // warm-up
  const throughput = await run(system.connect, THROUGHPUT_SESSIONS, THROUGHPUT_MESSAGES);
  const latency = await run(system.connect, LATENCY_SESSIONS, LATENCY_MESSAGES);
  const paced = await runPaced(system.connect, LATENCY_SESSIONS, PACED_SECONDS);
  await system.stop();
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

async function main(): Promise<void> {
  if (process.env.BENCH_ONLY === 'pipeline') {
    await measure('pipeline', () => startFullEngine(process.env.REDIS_URL!, process.env.MONGODB_URI!));
    process.exit(0);
  }
  const redisUrl = process.env.REDIS_URL!;
  const mongoUri = process.env.MONGODB_URI!;
  console.log(`Throughput: ${THROUGHPUT_SESSIONS} sessions × ${THROUGHPUT_MESSAGES} messages; latency: ${LATENCY_SESSIONS} concurrent sessions × ${LATENCY_MESSAGES} messages.`);
  const floor = await measure('floor', () => startFloor(redisUrl));
  const full = await measure('pipeline', () => startFullEngine(redisUrl, mongoUri));
  console.log(
    `pipeline/floor throughput ratio: ${(full.messagesPerSecond / floor.messagesPerSecond).toFixed(2)}; ` +
      `flat-out p99 ${(full.p99 / floor.p99).toFixed(1)}× the floor's; paced p99 ${full.pacedP99.toFixed(1)} ms vs ${floor.pacedP99.toFixed(1)} ms (${(full.pacedP99 / floor.pacedP99).toFixed(1)}×)`,
  );
  console.log(JSON.stringify({ floor, pipeline: full }));
  process.exit(0);
}

void main();

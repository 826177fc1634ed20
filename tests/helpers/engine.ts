/**
 * Test harness: each test file gets its own database and queue prefix on the shared real
 * Redis and FerretDB that `npm test` provides (tools/with-services.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import mongoose from 'mongoose';
import { io, type Socket } from 'socket.io-client';
import { sessionHash } from '../../channels/webchat/namespace';
import { parseConfig, type Config } from '../../src/config';
import { startEngine, type Engine } from '../../src/engine';
import { createLogger } from '../../src/logger';
import { saveBotMessages } from './bot-messages';

const root = path.resolve(__dirname, '..', '..');

export function uniqueName(label: string): string {
  return `${label}_${randomBytes(4).toString('hex')}`;
}

/** Env for an engine under test: a fresh database and queue prefix unless given. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const base = process.env.MONGODB_URI;
  const redis = process.env.REDIS_URL;
  if (!base || !redis) throw new Error('Run the tests with `npm test` (it provides REDIS_URL and MONGODB_URI).');
  const name = uniqueName('t');
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    PORT: '0',
    REDIS_URL: redis,
    MONGODB_URI: url.toString(),
    QUEUE_PREFIX: name,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SEED_ADMIN_PASSWORD: 'test-admin-password',
    // Always "open" so escalation copy is predictable in tests.
    OFFICE_HOURS: 'Mon-Sun 00:00-24:00',
    ...overrides,
  };
}

export async function startTestEngine(env: Record<string, string>): Promise<Engine & { config: Config }> {
  const config = parseConfig(env as NodeJS.ProcessEnv);
  const engine = await startEngine(config, { logger: createLogger(config.LOG_LEVEL, { test: true }) });
  return Object.assign(engine, { config });
}

let stoppedEngines = 0;

export async function stopAndDrop(engine: Engine | undefined, dropDatabase = true): Promise<void> {
  if (!engine) return;
  // Kept for the SMS segment report (npm run report:sms-segments) before the database goes.
  const testPath = typeof expect === 'undefined' ? undefined : expect.getState().testPath;
  if (testPath) await saveBotMessages(`${path.basename(testPath, '.test.ts')}-${++stoppedEngines}`);
  if (dropDatabase) await mongoose.connection.db?.dropDatabase().catch(() => undefined);
  await engine.services.redis.keys(`${engine.services.config.QUEUE_PREFIX}*`).then((keys) => (keys.length ? engine.services.redis.del(...keys) : 0)).catch(() => undefined);
  await engine.stop();
}

/** Starts `src/main.ts` in a child process (e.g. ROLE=worker) with the given env. */
export function spawnEngineProcess(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  (child as ChildProcess & { output: () => string }).output = () => output;
  return { child, exited };
}

/** Waits until a spawned engine logged that it started (its workers are running). */
export async function waitForOutput(child: ChildProcess, marker: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const read = () => (child as ChildProcess & { output: () => string }).output();
  while (!read().includes(marker)) {
    if (Date.now() > deadline) throw new Error(`child did not print ${marker}:\n${read()}`);
    if (child.exitCode !== null) throw new Error(`child exited (${child.exitCode}):\n${read()}`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` (25 by default; a probe that queries hundreds of records should poll slower, or the test's own load slows the engine it waits for). */
export async function waitUntil<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000, what = 'condition', everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export type AckResult<T = Record<string, unknown>> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

export interface ChatMessage { id: string; seq: number; conversationId: string; sender: { kind: string; name?: string }; text: string; choices?: Array<{ value: string; label: string }>; flow?: { id: string; step?: string } }

/** A resident in the webchat, speaking CONTRACT.md §3 over a real socket. */
export class WebchatResident {
  readonly socket: Socket;
  readonly received: ChatMessage[] = [];
  readonly updates: Array<Record<string, unknown>> = [];
  sessionToken?: string;
  conversationId?: string;
  private counter = 0;

  /** `origin`: the Origin header a browser on that site would send (none by default, as from a server). */
  constructor(url: string, options: { origin?: string } = {}) {
    this.socket = io(`${url}/webchat`, { transports: ['websocket'], forceNew: true, reconnection: false, ...(options.origin ? { extraHeaders: { origin: options.origin } } : {}) });
    this.socket.on('message.created', (m: ChatMessage) => this.received.push(m));
    this.socket.on('conversation.updated', (u: Record<string, unknown>) => this.updates.push(u));
  }

  emit<T = Record<string, unknown>>(event: string, payload?: unknown): Promise<AckResult<T>> {
    return this.socket.timeout(20_000).emitWithAck(event, payload) as Promise<AckResult<T>>;
  }

  async start(payload: Record<string, unknown> = {}): Promise<{ sessionToken: string; conversationId: string; messages: ChatMessage[]; status: string }> {
    const ack = await this.emit<{ sessionToken: string; conversationId: string; messages: ChatMessage[]; status: string }>('session.start', payload);
    if (!ack.ok) throw new Error(`session.start failed: ${ack.error.code}`);
    this.sessionToken = ack.data.sessionToken;
    this.conversationId = ack.data.conversationId;
    return ack.data;
  }

  say(text: string, clientMessageId = `c${++this.counter}-${randomBytes(3).toString('hex')}`): Promise<AckResult<{ messageId: string }>> {
    return this.emit<{ messageId: string }>('message.send', { clientMessageId, text });
  }

  /** The resident's channel address, as the engine derives it from the session token. */
  sessionHash(): string {
    return sessionHash(this.sessionToken!);
  }

  /** Replies (bot, agent or system) received so far. */
  replies(): ChatMessage[] {
    return this.received.filter((m) => m.sender.kind !== 'contact');
  }

  waitForReply(match: (m: ChatMessage) => boolean, timeoutMs = 15_000): Promise<ChatMessage> {
    return waitUntil(() => this.received.find((m) => m.sender.kind !== 'contact' && match(m)), timeoutMs, 'a matching reply');
  }

  close(): void {
    this.socket.close();
  }
}

export async function loginAgent(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export function agentSocket(url: string, token: string): Promise<Socket> {
  const socket = io(`${url}/agents`, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(error));
  });
}

export function agentCommand<T = Record<string, unknown>>(socket: Socket, event: string, payload: unknown): Promise<AckResult<T>> {
  return socket.timeout(20_000).emitWithAck(event, payload) as Promise<AckResult<T>>;
}

/** Starts an engine for the whole test file (own database and queue prefix) and stops it after. */
export function useTestEngine(overrides: Record<string, string> = {}): () => Awaited<ReturnType<typeof startTestEngine>> {
  let engine: Awaited<ReturnType<typeof startTestEngine>> | undefined;
  beforeAll(async () => {
    engine = await startTestEngine(testEnv(overrides));
  });
  afterAll(async () => {
    await stopAndDrop(engine);
  });
  return () => {
    if (!engine) throw new Error('the test engine has not started');
    return engine;
  };
}

/**
 * The engine under benchmark, as `npm start` runs it on a machine with two cores: one web
 * process and one worker process (`src/main.ts` with ROLE=web and ROLE=worker), on the bench's
 * Redis and database. Their CPU is read from /proc, their database calls from /metrics, and
 * Redis's own counters give the commands per message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../tools/local-services';

const root = path.resolve(__dirname, '..');
const TICKS_PER_SECOND = 100; // Linux USER_HZ

export interface EngineProcesses {
  url: string;
  env: Record<string, string>;
  pids: number[];
  /** Each process's Prometheus endpoint (web, worker). */
  metricsUrls: string[];
  /** CPU seconds used so far by the engine's processes. */
  cpuSeconds(): number;
  /** Database calls so far (web + worker), from each process's /metrics. */
  databaseOperations(): Promise<number>;
  stop(): Promise<void>;
}

function startProcess(env: Record<string, string>, marker: string, nodeArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => {
    if (process.env.BENCH_ENGINE_LOG) appendFileSync(process.env.BENCH_ENGINE_LOG, d);
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes(marker)) {
        clearInterval(timer);
        resolve(child);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`engine process exited (${child.exitCode}):\n${output.slice(-4000)}`));
      }
    }, 50);
  });
}

function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime + stime
  } catch {
    return 0;
  }
}

async function metricSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** `nodeArgs`: extra Node flags for each process, by role (e.g. `--inspect` on its own port when profiling). */
export async function startEngineProcesses(base: Record<string, string>, nodeArgs: (role: 'web' | 'worker') => string[] = () => []): Promise<EngineProcesses> {
  const [webPort, workerPort] = [await freePort(), await freePort()];
  // No seeded admin unless `base` asks for one (SEED_DEMO=true, with SEED_ADMIN_EMAIL/SEED_ADMIN_PASSWORD).
  const env = { PUBLIC_URL: `http://127.0.0.1:${webPort}`, SEED_DEMO: 'false', ...base };
  const web = await startProcess({ ...env, ROLE: 'web', PORT: String(webPort) }, 'Switchboard is running', nodeArgs('web'));
  const worker = await startProcess({ ...env, ROLE: 'worker', PORT: String(workerPort) }, 'is taking jobs', nodeArgs('worker'));
  const children = [web, worker];
  return {
    url: `http://127.0.0.1:${webPort}`,
    env,
    pids: children.map((c) => c.pid!),
    metricsUrls: [`http://127.0.0.1:${webPort}/metrics`, `http://127.0.0.1:${workerPort}/metrics`],
    cpuSeconds: () => children.reduce((s, c) => s + cpuOf(c.pid!), 0),
    databaseOperations: async () =>
      (await metricSum(`http://127.0.0.1:${webPort}/metrics`, 'switchboard_database_operations_total')) +
      (await metricSum(`http://127.0.0.1:${workerPort}/metrics`, 'switchboard_database_operations_total')),
    stop: async () => {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null) return resolve();
              const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
              c.once('exit', () => (clearTimeout(timer), resolve()));
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/**
 * Redis's counters: total_commands_processed and the sum of INFO commandstats. On this Redis (7)
 * both include the commands run inside scripts, so they agree; both are kept in the JSON.
 */
export async function redisCounters(redis: Redis): Promise<{ client: number; all: number }> {
  const stats = await redis.info('stats');
  const client = Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? 0);
  const commandstats = await redis.info('commandstats');
  let all = 0;
  for (const m of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) all += Number(m[2]);
  return { client, all };
}

export interface Cost {
  messages: number;
  /** Wall-clock milliseconds per message at this concurrency (1000 ÷ throughput). */
  wallMs: number;
  /** Engine CPU (web + worker processes) per message. */
  cpuMs: number;
  databaseCalls: number;
  redisCommands: number;
  /** Counting the commands BullMQ's and our scripts run inside Redis. */
  redisCommandsWithScripts: number;
}

/** Runs `work` (which returns how many messages it sent and had answered) and divides what it cost. */
export async function measureCost(engine: EngineProcesses, redis: Redis, work: () => Promise<number>): Promise<Cost> {
  const [cpu0, db0, r0] = [engine.cpuSeconds(), await engine.databaseOperations(), await redisCounters(redis)];
  const started = performance.now();
  const messages = await work();
  const wall = performance.now() - started;
  await new Promise((r) => setTimeout(r, 500)); // the last replies' bookkeeping (sent marks, line release)
  const [cpu1, db1, r1] = [engine.cpuSeconds(), await engine.databaseOperations(), await redisCounters(redis)];
  return {
    messages,
    wallMs: wall / messages,
    cpuMs: ((cpu1 - cpu0) * 1000) / messages,
    databaseCalls: (db1 - db0) / messages,
    redisCommands: (r1.client - r0.client - 4) / messages, // less our own INFO calls
    redisCommandsWithScripts: (r1.all - r0.all - 4) / messages,
  };
}

/**
 * The median of `rounds` runs of `work`, field by field. One run is at the mercy of what ran
 * just before it (JIT warm-up, a collection of the previous section's garbage): on this machine a
 * single webchat round right after seeding cost 1.7× the round before seeding, while three rounds
 * each side showed no growth at all.
 */
export async function medianCost(engine: EngineProcesses, redis: Redis, work: () => Promise<number>, rounds = 3): Promise<Cost> {
  const runs: Cost[] = [];
  for (let n = 0; n < rounds; n++) runs.push(await measureCost(engine, redis, work));
  const median = (pick: (c: Cost) => number) => runs.map(pick).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  return {
    messages: median((c) => c.messages),
    wallMs: median((c) => c.wallMs),
    cpuMs: median((c) => c.cpuMs),
    databaseCalls: median((c) => c.databaseCalls),
    redisCommands: median((c) => c.redisCommands),
    redisCommandsWithScripts: median((c) => c.redisCommandsWithScripts),
  };
}

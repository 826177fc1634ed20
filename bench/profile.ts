/**
 * Where the engine's CPU goes per webchat message: both engine processes run with the
 * inspector on, residents chat in a closed loop, and only the measured loop is profiled
 * (started over the DevTools protocol after a warm-up, so start-up and training are left out).
 * Each profile's self time is summed by package (node_modules/<name>) or by our own folder.
 * `npm run profile` (runs under with-services).
 */
import { connect } from 'socket.io-client';
import { freePort } from '../tools/local-services';
import { startEngineProcesses, type EngineProcesses } from './engine-processes';
import { seedHistory } from './seed-history';

interface ProfileNode { id: number; callFrame: { url: string; functionName: string }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const RESIDENTS = Number(process.env.PROFILE_RESIDENTS ?? 20);
const MESSAGES = Number(process.env.PROFILE_MESSAGES ?? 30);
/** PROFILE_SEED: residents to seed (10 messages each) before a second, compared round; 0 for none. */
const SEED_RESIDENTS = Number(process.env.PROFILE_SEED ?? 0);

function bucket(url: string): string {
  if (!url) return '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return url;
  const own = /\/(src|channels|flows)\/([^/]+)/.exec(url);
  return own ? `${own[1]}/${own[2]}` : url.replace(/^file:\/\//, '');
}

function summarise(profile: CpuProfile): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    // V8's pseudo-frames ("(garbage collector)", "(program)", "(idle)") are named, not located.
    const { functionName, url } = node.callFrame;
    const name = !url && functionName.startsWith('(') ? functionName : bucket(url);
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  totals.delete('(idle)');
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

/** Self time of one package's functions (to see what inside it is busy). */
function selfByFunction(profile: CpuProfile, pkg: string): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const { url, functionName } = byId.get(id)!.callFrame;
    if ((!url && functionName.startsWith('(')) || bucket(url) !== pkg) return;
    const name = `${functionName || '(anonymous)'} ${url.slice(url.lastIndexOf('node_modules/') + 13)}`;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

/** Inclusive time of our own functions (src/, channels/, flows/): the function and everything it calls. */
function ownInclusive(profile: CpuProfile): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at)!.callFrame;
      const own = /\/((?:src|channels|flows)\/.+)$/.exec(url);
      if (!own || url.includes('node_modules')) continue;
      const name = `${functionName || '(anonymous)'} ${own[1]}`;
      if (seen.has(name)) continue;
      seen.add(name);
      totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    }
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

/** Database calls so far, keyed "process collection.operation". */
async function databaseCalls(urls: string[]): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const [i, url] of urls.entries()) {
    for (const m of (await (await fetch(url)).text()).matchAll(/^switchboard_database_operations_total\{collection="([^"]+)",operation="([^"]+)"\} (\d+)/gm)) {
      calls.set(`${i === 0 ? 'web' : 'worker'} ${m[1]}.${m[2]}`, Number(m[3]));
    }
  }
  return calls;
}

/** A DevTools-protocol session with one process's inspector. */
async function inspector(port: number): Promise<{ send<T>(method: string, params?: object): Promise<T>; close(): void }> {
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ((socket.onopen = resolve), (socket.onerror = reject)));
  const pending = new Map<number, (result: unknown) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  };
  let next = 0;
  return {
    send: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        const id = ++next;
        pending.set(id, (result) => resolve(result as T));
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

async function chat(url: string, residents: number, messages: number): Promise<void> {
  await Promise.all(
    Array.from({ length: residents }, async () => {
      const socket = connect(`${url}/webchat`, { transports: ['websocket'], forceNew: true });
      await new Promise<void>((r) => socket.once('connect', () => r()));
      await socket.emitWithAck('session.start', {});
      for (let i = 0; i < messages; i++) {
        const replied = new Promise<void>((r) => {
          const on = (m: { sender: { kind: string } }) => m.sender.kind !== 'contact' && (socket.off('message.created', on), r());
          socket.on('message.created', on);
        });
        socket.emit('message.send', { clientMessageId: `p${i}`, text: 'hello' }, () => undefined);
        await replied;
      }
      socket.close();
    }),
  );
}

/** One profiled closed loop: prints the breakdown, returns each process's ms/msg by package. */
async function profiled(engine: EngineProcesses, ports: { web: number; worker: number }, label: string): Promise<Record<'web' | 'worker', Array<[string, number]>>> {
  const sessions = { web: await inspector(ports.web), worker: await inspector(ports.worker) };
  for (const s of Object.values(sessions)) await s.send('Profiler.enable'), await s.send('Profiler.start');
  const cpu0 = engine.cpuSeconds();
  const calls0 = await databaseCalls(engine.metricsUrls);
  await chat(engine.url, RESIDENTS, MESSAGES);
  const calls1 = await databaseCalls(engine.metricsUrls);
  const messages = RESIDENTS * MESSAGES;
  const cpuMs = ((engine.cpuSeconds() - cpu0) * 1000) / messages;
  console.log(`\n== ${label}: ${messages} webchat messages (${RESIDENTS} residents), engine CPU ${cpuMs.toFixed(2)} ms/msg (web + worker, from /proc)`);
  console.log('database calls per message, by process, collection and operation:');
  for (const [key, n] of [...calls1].map(([k, v]) => [k, v - (calls0.get(k) ?? 0)] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])) console.log(`  ${(n / messages).toFixed(2).padStart(6)}  ${key}`);
  const result = { web: [] as Array<[string, number]>, worker: [] as Array<[string, number]> };
  for (const [role, s] of Object.entries(sessions) as Array<['web' | 'worker', (typeof sessions)['web']]>) {
    const { profile } = await s.send<{ profile: CpuProfile }>('Profiler.stop');
    s.close();
    const rows = summarise(profile);
    result[role] = rows.map(([name, ms]) => [name, ms / messages]);
    const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
    console.log(`\n${role}: ${(total / messages).toFixed(2)} ms/msg on the main thread`);
    for (const [name, ms] of rows.slice(0, 20)) console.log(`  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${(ms / messages).toFixed(3)} ms/msg  ${name}`);
    console.log('  heaviest native functions (self):');
    for (const [name, ms] of selfByFunction(profile, '(native)').slice(0, 8)) console.log(`    ${(ms / messages).toFixed(3)} ms/msg  ${name}`);
    if (process.env.PROFILE_PACKAGE) {
      console.log(`  heaviest functions of ${process.env.PROFILE_PACKAGE} (self):`);
      for (const [name, ms] of selfByFunction(profile, process.env.PROFILE_PACKAGE).slice(0, 15)) console.log(`    ${(ms / messages).toFixed(3)} ms/msg  ${name}`);
    }
    console.log('  heaviest of our own functions, with what they call (inclusive):');
    for (const [name, ms] of ownInclusive(profile).slice(0, 15)) console.log(`    ${(ms / messages).toFixed(3)} ms/msg  ${name}`);
  }
  return result;
}

async function main(): Promise<void> {
  const ports = { web: await freePort(), worker: await freePort() };
  const engine = await startEngineProcesses(
    {
      REDIS_URL: process.env.REDIS_URL!,
      MONGODB_URI: process.env.MONGODB_URI!,
      LOG_LEVEL: 'warn',
      OFFICE_HOURS: 'Mon-Sun 00:00-24:00',
      WEBCHAT_MESSAGES_PER_ADDRESS_MINUTE: '10000000',
      WEBCHAT_SESSIONS_PER_ADDRESS_HOUR: '10000000',
      WEBCHAT_CONNECTIONS_PER_ADDRESS: '100000',
      WEBCHAT_MESSAGES_PER_SESSION_10S: '10000',
    },
    (role) => [`--inspect=127.0.0.1:${ports[role]}`],
  );
  await chat(engine.url, 10, 5); // warm-up: code paths compiled, connections open
  const empty = await profiled(engine, ports, 'on an empty database');
  if (SEED_RESIDENTS > 0) {
    const seeded = await seedHistory(process.env.MONGODB_URI!, SEED_RESIDENTS, 10);
    console.log(`\nseeded ${seeded.messages} messages across ${seeded.residents} residents`);
    const full = await profiled(engine, ports, `with ${seeded.messages} messages stored`);
    console.log('\nwhat grew with the stored history: ms/msg with it vs without, by process and package');
    for (const role of ['web', 'worker'] as const) {
      const before = new Map(empty[role]);
      for (const [name, ms] of full[role].slice(0, 12)) console.log(`  ${role.padEnd(6)} ${(ms).toFixed(3).padStart(7)} vs ${(before.get(name) ?? 0).toFixed(3).padStart(7)}  ${name}`);
    }
  }
  await engine.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

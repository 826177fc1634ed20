/**
 * Provisions the real local services the engine needs in development, tests and CI:
 * a Redis server (installed from Debian when missing) and FerretDB v1.24 on SQLite
 * through the project's own Go launcher (built once, cached by source hash).
 * Everything lives under the ignored `.data/` folder of the project.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, openSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const projectRoot = path.resolve(__dirname, '..');
const dataRoot = path.join(projectRoot, '.data');
const launcherDir = path.join(projectRoot, 'tools', 'ferretdb-launcher');

export interface RunningService {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) {
        reject(new Error(`${name} exited with code ${child.exitCode} before it answered`));
        return;
      }
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`${name} did not answer on port ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function logFile(name: string): number {
  mkdirSync(path.join(dataRoot, 'logs'), { recursive: true });
  return openSync(path.join(dataRoot, 'logs', `${name}.log`), 'a');
}

/** Finds redis-server, installing Debian's package when it is missing (CI runs as root). */
export function ensureRedisServer(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim();
  console.error('[services] redis-server is missing: installing it from Debian (apt-get)…');
  const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'], {
    stdio: 'inherit',
  });
  if (install.status !== 0) throw new Error('Could not install redis-server; install it or set REDIS_URL');
  return 'redis-server';
}

/**
 * Starts a Redis server on a free port with append-only persistence (so a restart keeps
 * queued jobs, as production's AOF does) and `noeviction` (BullMQ's requirement).
 */
export async function startRedis(options: { dir?: string; port?: number } = {}): Promise<RunningService> {
  const binary = ensureRedisServer();
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? path.join(dataRoot, `redis-${port}`);
  mkdirSync(dir, { recursive: true });
  const out = logFile(`redis-${port}`);
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
      '--save', '', '--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
    { stdio: ['ignore', out, out] },
  );
  await waitForPort(port, child, 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, port, process: child, stop: () => stopChild(child) };
}

/** Builds the FerretDB launcher once; later calls reuse the binary while its sources are unchanged. */
export function ensureFerretdbLauncher(): string {
  const hash = createHash('sha256');
  const sources = readdirSync(launcherDir).filter((f) => f === 'go.mod' || f === 'go.sum' || (f.endsWith('.go') && !f.endsWith('_test.go'))).sort();
  for (const file of sources) hash.update(file).update(readFileSync(path.join(launcherDir, file)));
  const binary = path.join(dataRoot, 'bin', `ferretdb-launcher-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(path.dirname(binary), { recursive: true });
  console.error('[services] building the FerretDB launcher (first run only, about two minutes)…');
  const build = spawnSync('go', ['build', '-o', binary, '.'], {
    cwd: launcherDir,
    stdio: 'inherit',
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
  });
  if (build.status !== 0) throw new Error('Could not build the FerretDB launcher (needs Go ≥ 1.24); or set MONGODB_URI');
  return binary;
}

/**
 * Starts FerretDB (SQLite backend) on a free port; each Mongo database is one SQLite file in `dir`.
 * WAL (FerretDB's default) with `synchronous(normal)`: a commit no longer waits for an fsync
 * (inserts 0.74× the time); a power cut may lose the last commits but never corrupts the file.
 * The launcher serves `_id` lookups from an index (tools/ferretdb-launcher/README.md).
 */
export async function startFerretdb(options: { dir?: string; port?: number } = {}): Promise<RunningService> {
  const binary = ensureFerretdbLauncher();
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? path.join(dataRoot, 'ferretdb');
  mkdirSync(dir, { recursive: true });
  const out = logFile(`ferretdb-${port}`);
  const child = spawn(binary, [], {
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      FERRETDB_LISTEN_ADDR: `127.0.0.1:${port}`,
      FERRETDB_SQLITE_URL: `file:${dir}/?_pragma=synchronous(normal)`,
      FERRETDB_LOG_LEVEL: 'warn',
    },
  });
  await waitForPort(port, child, 'ferretdb');
  return { url: `mongodb://127.0.0.1:${port}/switchboard`, port, process: child, stop: () => stopChild(child) };
}

/**
 * Debian's Chromium for browser tests (never a downloaded browser); installed with apt-get when
 * missing. The test command installs it before Jest starts; the lock (and apt's own lock wait)
 * keeps two callers at once from failing on dpkg's lock, as two browser test files once did.
 */
export function ensureChromium(): string {
  const path = '/usr/bin/chromium';
  if (existsSync(path)) return path;
  console.error('[services] chromium is missing: installing it from Debian (apt-get, about a minute)…');
  const script = `test -x ${path} || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium; }`;
  const install = spawnSync('flock', ['/tmp/switchboard-chromium-install.lock', 'sh', '-c', script], { stdio: 'inherit' });
  if (install.status !== 0 || !existsSync(path)) throw new Error('Could not install chromium for the browser tests');
  return path;
}

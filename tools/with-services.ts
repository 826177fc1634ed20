/**
 * `tsx tools/with-services.ts [--ephemeral] -- <command…>` runs a command with REDIS_URL and
 * MONGODB_URI set. When they are already set, it starts nothing (real servers); otherwise it
 * starts a local Redis and FerretDB under `.data/`, runs the command, and stops both cleanly.
 * `--ephemeral` (tests, benchmark) uses a fresh data folder for this run and removes it after,
 * so a run killed half-way can never leave state that breaks the next one. `--browser` (tests)
 * installs Debian's Chromium first when it is missing, before any test needs it.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ensureChromium, projectRoot, startFerretdb, startRedis, type RunningService } from './local-services';

async function main(): Promise<void> {
  const separator = process.argv.indexOf('--');
  const command = separator >= 0 ? process.argv.slice(separator + 1) : [];
  if (command.length === 0) {
    console.error('usage: tsx tools/with-services.ts -- <command> [args…]');
    process.exit(2);
  }

  const flags = process.argv.slice(2, separator >= 0 ? separator : undefined);
  const ephemeral = flags.includes('--ephemeral');
  if (flags.includes('--browser')) {
    try {
      ensureChromium();
    } catch (error) {
      console.error(`[services] ${(error as Error).message}`);
      process.exit(1);
    }
  }
  const dataDir = path.join(projectRoot, '.data', ephemeral ? `run-${process.pid}` : '');
  const removeData = () => {
    if (ephemeral) rmSync(dataDir, { recursive: true, force: true });
  };
  const started: RunningService[] = [];
  const env = { ...process.env };
  try {
    if (!env.REDIS_URL) {
      const redis = await startRedis({ dir: path.join(dataDir, 'redis') });
      started.push(redis);
      env.REDIS_URL = redis.url;
      console.error(`[services] Redis on ${redis.url}`);
    }
    if (!env.MONGODB_URI) {
      const ferret = await startFerretdb({ dir: path.join(dataDir, 'ferretdb') });
      started.push(ferret);
      env.MONGODB_URI = ferret.url;
      // FerretDB on SQLite serialises writes: a few connections keep throughput and cut write p99 4–15×.
      env.MONGODB_POOL_SIZE ??= '4';
      console.error(`[services] FerretDB on ${ferret.url}`);
    }
  } catch (error) {
    console.error(`[services] ${(error as Error).message}`);
    await Promise.all(started.map((s) => s.stop()));
    removeData();
    process.exit(1);
  }

  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env, shell: false });
  const stopAll = async (code: number): Promise<never> => {
    await Promise.all(started.map((s) => s.stop()));
    removeData();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => void stopAll(code ?? (signal ? 1 : 0)));
  child.on('error', (error) => {
    console.error(`[services] could not run ${command[0]}: ${error.message}`);
    void stopAll(127);
  });
}

void main();

/**
 * Process entry point: reads config, starts the engine, and shuts down in order on SIGTERM/SIGINT.
 *
 * With ROLE=all on a machine with more than one core (PROCESSES=auto), this process only
 * supervises: it forks one web process and then the worker processes (node:cluster, each with
 * its own ROLE), so turns, the web and the database driver no longer share one core. Sockets
 * and replies cross processes through Redis (the Socket.IO adapter and emitter), as between
 * machines. A child that dies is started again; SIGTERM stops them all in order.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { loadConfig, type Config } from './config';
import { startEngine } from './engine';

/** How many web and worker processes to fork; 0 means run everything in this process. */
export function processPlan(config: Pick<Config, 'ROLE' | 'PROCESSES'>, cores = availableParallelism()): { web: number; workers: number } {
  if (config.ROLE !== 'all') return { web: 0, workers: 0 };
  const total = config.PROCESSES === 'auto' ? cores : config.PROCESSES;
  if (total <= 1) return { web: 0, workers: 0 };
  return { web: 1, workers: total - 1 };
}

async function runEngine(config: Config): Promise<void> {
  const engine = await startEngine(config);
  const { logger } = engine.services;
  if (engine.port !== undefined) {
    console.log(`Switchboard is running: resident chat ${config.PUBLIC_URL}/  ·  agent console ${config.PUBLIC_URL}/agent`);
    if (config.SEED_DEMO) console.log(`Agent sign-in (demo): ${config.SEED_ADMIN_EMAIL} / ${config.SEED_ADMIN_PASSWORD === 'switchboard-demo' ? 'switchboard-demo' : '(SEED_ADMIN_PASSWORD)'}`);
  }
  if (config.ROLE !== 'web') console.log(`Switchboard ${config.ROLE === 'all' ? 'engine' : 'worker'} process ${process.pid} is taking jobs`);
  process.send?.({ switchboard: 'ready', role: config.ROLE });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'engine.stopping');
    engine.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: error }, 'engine.stop_failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/**
 * A forked worker's own operations port. Under node:cluster, children listening on one port share
 * it, so a worker on the web's PORT would answer half the web's requests with its 404s: each
 * worker takes the next port up instead (PORT + n, or METRICS_PORT + n).
 */
function workerPorts(config: Pick<Config, 'PORT' | 'METRICS_PORT'>, n: number): Record<string, string> {
  if (config.METRICS_PORT !== undefined) return { METRICS_PORT: String(config.METRICS_PORT === 0 ? 0 : config.METRICS_PORT + n) };
  return { PORT: String(config.PORT === 0 ? 0 : config.PORT + n) };
}

async function supervise(config: Config, plan: { web: number; workers: number }): Promise<void> {
  console.log(`Switchboard: ${plan.web} web and ${plan.workers} worker process${plan.workers === 1 ? '' : 'es'} (PROCESSES=1 runs one)`);
  let stopping = false;
  const children = new Set<Worker>();
  const fork = (role: 'web' | 'worker', n = 0): Promise<void> =>
    new Promise((resolve) => {
      const child = cluster.fork({ ROLE: role, PROCESSES: '1', ...(role === 'worker' ? workerPorts(config, n) : {}) });
      children.add(child);
      child.on('message', (m: { switchboard?: string }) => m?.switchboard === 'ready' && resolve());
      child.on('exit', (code, signal) => {
        children.delete(child);
        resolve();
        if (stopping) {
          if (children.size === 0) process.exit(0);
          return;
        }
        console.error(`Switchboard ${role} process ${child.process.pid} exited (${signal ?? code}); starting another`);
        setTimeout(() => void fork(role, n), 1000);
      });
    });
  // The web process seeds the database first; the workers start once it is ready.
  for (let i = 0; i < plan.web; i++) await fork('web');
  await Promise.all(Array.from({ length: plan.workers }, (_, i) => fork('worker', i + 1)));
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    if (children.size === 0) process.exit(0);
    for (const child of children) child.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), 30_000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const plan = cluster.isPrimary ? processPlan(config) : { web: 0, workers: 0 };
  if (plan.web + plan.workers > 0) await supervise(config, plan);
  else await runEngine(config);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error('Switchboard failed to start:', error.message);
    process.exit(1);
  });
}

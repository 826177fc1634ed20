/**
 * How long one council's rebuild (issue 12: content changed through the admin API) holds up the
 * process's event loop, which every resident of every council is waiting on. The real
 * CouncilDirectory on Redis and FerretDB, the councils of councils/demo.json (or TENANTS_FILE),
 * with the classifiers trained on the main thread (as before) and in a worker thread (trainer.ts):
 * start-up (every council built once), then REBUILD_ROUNDS rebuilds of one council each way,
 * each measured by two probes: a 5 ms setInterval (the longest gap past its period) and
 * perf_hooks.monitorEventLoopDelay (max and p99).
 *
 *   npx tsx tools/with-services.ts --ephemeral -- npx tsx bench/rebuild-stall.ts
 */
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseConfig } from '../src/config';
import { CouncilDirectory } from '../src/councils/directory';
import { loadCouncilSettings } from '../src/councils/settings';
import { defaultFlowRegistry } from '../src/flow-engine/registry';
import { createLogger } from '../src/logger';
import { connectDatabase } from '../src/models';
import mongoose from 'mongoose';
import { createRedis } from '../src/redis';
import { trainHere, trainOffThread, type Trainer } from '../src/ai/trainer';
import { CAMPGROUNDS } from '../flows/camping-permit/campgrounds';

const ROUNDS = Number(process.env.REBUILD_ROUNDS ?? 3);
const PROBE_MS = 5;

interface Stall {
  wallMs: number;
  /** Longest gap between two 5 ms ticks, less the 5 ms: what a resident's turn would have waited. */
  probeMaxMs: number;
  histogramMaxMs: number;
  histogramP99Ms: number;
}

/** Runs `work` with both probes on; the probes see only the main thread, where residents are served. */
async function measured(work: () => Promise<unknown>): Promise<Stall> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  let last = performance.now();
  let probeMax = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    probeMax = Math.max(probeMax, now - last - PROBE_MS);
    last = now;
  }, PROBE_MS);
  histogram.enable();
  // Both probes armed before the work starts (the histogram's first sample comes one resolution after enable()).
  await new Promise((resolve) => setTimeout(resolve, 50));
  const start = performance.now();
  await work();
  const wallMs = performance.now() - start;
  // One more tick, so a stall at the very end is seen too.
  await new Promise((resolve) => setTimeout(resolve, PROBE_MS * 3));
  clearInterval(probe);
  histogram.disable();
  return { wallMs, probeMaxMs: probeMax, histogramMaxMs: histogram.max / 1e6, histogramP99Ms: histogram.percentile(99) / 1e6 };
}

const show = (s: Stall) => `longest stall ${s.probeMaxMs.toFixed(0)} ms (interval probe), ${s.histogramMaxMs.toFixed(0)} ms max / ${s.histogramP99Ms.toFixed(0)} ms p99 (monitorEventLoopDelay); ready after ${s.wallMs.toFixed(0)} ms`;

/** The trainer as it was (on the main thread) against the worker thread, in the same run. */
const MODES: Array<{ name: string; train: Trainer }> = [
  { name: 'trained on the main thread (before)', train: trainHere },
  { name: 'trained in a worker thread (after)', train: trainOffThread },
];

async function main(): Promise<void> {
  const config = parseConfig({ ...process.env, TENANTS_FILE: process.env.TENANTS_FILE ?? path.join(__dirname, '..', 'councils', 'demo.json'), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const logger = createLogger(config.LOG_LEVEL);
  await connectDatabase(config.MONGODB_URI, config.MONGODB_POOL_SIZE);
  const redis = createRedis(config.REDIS_URL, logger, 'bench');
  const settings = loadCouncilSettings(config);
  const knowledgeFolder = path.join(__dirname, '..', 'flows', 'faq', 'knowledge');
  const councilId = settings[settings.length - 1]!.id;
  const directories: CouncilDirectory[] = [];
  for (const mode of MODES) {
    const startup = await measured(async () => {
      directories.push(await CouncilDirectory.load(settings, { demo: { knowledgeFolder, campgrounds: CAMPGROUNDS }, flows: defaultFlowRegistry(), logger, appSecret: config.APP_SECRET, train: mode.train }));
    });
    console.log(`Start-up, ${settings.length} councils, ${mode.name}: ${show(startup)}`);
  }
  // Rounds alternate between the two, so a busy moment on a shared machine falls on both alike.
  const rounds: Stall[][] = MODES.map(() => []);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, mode] of MODES.entries()) {
      const stall = await measured(() => directories[i]!.changed(councilId, redis, config.QUEUE_PREFIX));
      rounds[i]!.push(stall);
      console.log(`Rebuild ${round} of "${councilId}", ${mode.name}: ${show(stall)}`);
    }
  }
  for (const [i, mode] of MODES.entries()) {
    const stalls = rounds[i]!.map((s) => s.probeMaxMs).sort((a, b) => a - b);
    const median = stalls[Math.floor(stalls.length / 2)]!;
    console.log(`Rebuild, ${mode.name}: longest stall median ${median.toFixed(0)} ms, worst ${stalls[stalls.length - 1]!.toFixed(0)} ms over ${stalls.length} rebuilds (interval probe)`);
  }
  for (const directory of directories) await directory.close();
  await redis.quit();
  await mongoose.disconnect();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/** Process entry point: reads config, starts the engine, and shuts down in order on SIGTERM/SIGINT. */
import { loadConfig } from './config';
import { startEngine } from './engine';

async function main(): Promise<void> {
  const config = loadConfig();
  const engine = await startEngine(config);
  const { logger } = engine.services;
  if (engine.port !== undefined) {
    console.log(`Switchboard is running: resident chat ${config.PUBLIC_URL}/  ·  agent console ${config.PUBLIC_URL}/agent`);
    if (config.SEED_DEMO) console.log(`Agent sign-in (demo): ${config.SEED_ADMIN_EMAIL} / ${config.SEED_ADMIN_PASSWORD === 'switchboard-demo' ? 'switchboard-demo' : '(SEED_ADMIN_PASSWORD)'}`);
  }
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

main().catch((error: Error) => {
  console.error('Switchboard failed to start:', error.message);
  process.exit(1);
});

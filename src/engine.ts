/**
 * Composition root. Builds the services once and starts the roles asked for:
 * `web` (HTTP, webhooks, sockets), `worker` (queue workers), or `all`. `stop()` shuts down
 * in order: fail readiness, stop intake, finish jobs in flight, close Redis and MongoDB.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import mongoose from 'mongoose';
import { Server } from 'socket.io';
import { channelRegistry, createChannelModules } from '../channels';
import { purgeExpiredSessions } from './agents/auth';
import type { Config } from './config';
import { AgentActions } from './conversations/agent-actions';
import { createChannelHost } from './conversations/channel-host';
import { ConversationRouter } from './conversations/router';
import { defaultFlowRegistry } from './flow-engine/registry';
import { createApp } from './http/app';
import { startOperationsServer } from './http/operations-server';
import { scheduleRetention } from './privacy/retention';
import { createLogger, type Logger } from './logger';
import { createMetrics } from './metrics';
import { connectDatabase } from './models';
import { Queues } from './queues/queues';
import { Journal } from './journey/journal';
import { TurnLease } from './queues/turn-lease';
import { PendingTurns } from './queues/pending-turns';
import { InactivityDeadlines } from './queues/inactivity';
import { WaitingLine } from './queues/waiting-line';
import { startWorkers, type WorkerSet } from './queues/workers';
import { createRedis } from './redis';
import { mountAgentsNamespace } from './realtime/agents-namespace';
import { Broadcaster } from './realtime/broadcaster';
import { CAMPGROUNDS } from '../flows/camping-permit/campgrounds';
import { createLanguageModel } from './ai/llm';
import { createReverseGeocoder } from './geo/reverse-geocode';
import { CouncilDirectory } from './councils/directory';
import { loadCouncilSettings, phoneCountryOf } from './councils/settings';
import { emitterPublisher, serverPublisher, socketChannelKey } from './realtime/publisher';
import { seedDefaults } from './seed';
import type { Services } from './services';

export interface Engine {
  services: Services;
  router: ConversationRouter;
  /** The HTTP port actually bound (web roles). */
  port?: number;
  url?: string;
  /** The port serving /healthz, /readyz and /metrics alone (METRICS_PORT, or PORT on a worker). */
  operationsPort?: number;
  /** The Socket.IO server (web roles), for operations such as draining connections. */
  io?: Server;
  stop(): Promise<void>;
}

const MAX_SOCKET_PAYLOAD = 64 * 1024;
// flows/ sits at the project root: one level up from src, two from dist/src.
const knowledgeFolder = [path.resolve(__dirname, '..', 'flows', 'faq', 'knowledge'), path.resolve(__dirname, '..', '..', 'flows', 'faq', 'knowledge')].find((p) => existsSync(p))!;

export async function startEngine(config: Config, options: { logger?: Logger } = {}): Promise<Engine> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, { role: config.ROLE });
  await connectDatabase(config.MONGODB_URI, config.MONGODB_POOL_SIZE);
  const redis = createRedis(config.REDIS_URL, logger, 'main');
  const settings = loadCouncilSettings(config);
  const { adminCreated } = await seedDefaults(config, settings);
  if (adminCreated) logger.info({ email: config.SEED_ADMIN_EMAIL }, 'seed.admin_created');

  const runsWeb = config.ROLE !== 'worker';
  const runsWorker = config.ROLE !== 'web';
  // Socket.IO must wrap the server's request handler to keep /socket.io/* for itself, so the
  // handler exists before Socket.IO attaches and points at the express app once it is built.
  let handleRequest: http.RequestListener = (_req, res) => res.writeHead(503).end();
  // Idle keep-alive connections are left for the client (or a load balancer, whose idle timeout is
  // usually 60 s) to close: a server that closes them first races a request sent on one just then,
  // which the client sees as ECONNRESET (seen in tests while a council's understanding retrained).
  const httpServer = runsWeb ? http.createServer((req, res) => handleRequest(req, res)) : undefined;
  if (httpServer) Object.assign(httpServer, { keepAliveTimeout: 65_000, headersTimeout: 66_000 });
  const pubClient = runsWeb ? createRedis(config.REDIS_URL, logger, 'socket-pub') : undefined;
  const subClient = runsWeb ? createRedis(config.REDIS_URL, logger, 'socket-sub') : undefined;
  const io = httpServer
    ? new Server(httpServer, {
        maxHttpBufferSize: MAX_SOCKET_PAYLOAD,
        adapter: createAdapter(pubClient!, subClient!, { key: socketChannelKey(config.QUEUE_PREFIX) }),
        serveClient: true,
      })
    : undefined;
  const webPublisher = io ? serverPublisher(io) : undefined;
  const publisher = webPublisher ?? emitterPublisher(redis.duplicate(), config.QUEUE_PREFIX);

  const flows = defaultFlowRegistry();
  // One model serves every council: numbers in what it is sent are read as the first council's country.
  const llm = config.OPENAI_API_KEY || config.OPENAI_BASE_URL
    ? createLanguageModel({ ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}), ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}), model: config.OPENAI_MODEL, timeoutMs: config.OPENAI_TIMEOUT_MS, defaultCountry: settings[0] ? phoneCountryOf(settings[0]) : undefined }, logger)
    : undefined;
  const councils = await CouncilDirectory.load(settings, { demo: { knowledgeFolder, campgrounds: CAMPGROUNDS }, flows, logger, appSecret: config.APP_SECRET, ...(llm ? { llm } : {}) });
  await councils.listen(redis, config.QUEUE_PREFIX);
  const broadcaster = new Broadcaster(publisher);
  const channelModules = createChannelModules({ settings: config, credentials: councils, residents: broadcaster });
  const queues = new Queues(redis, config.QUEUE_PREFIX, config.WEBHOOK_RETRY_DELAYS_MS);
  // Nominatim's usage policy: an application names itself (and where it runs) in its User-Agent.
  const geocoder = config.GEOCODER_URL
    ? createReverseGeocoder({ baseUrl: config.GEOCODER_URL, timeoutMs: config.GEOCODER_TIMEOUT_MS, userAgent: `Switchboard-Geocoder/1.0 (council contact centre; +${config.PUBLIC_URL})`, redis, prefix: config.QUEUE_PREFIX })
    : undefined;
  const services: Services = {
    config,
    logger,
    redis,
    queues,
    journal: new Journal(queues),
    lease: new TurnLease(redis, config.QUEUE_PREFIX, config.TURN_LEASE_MS),
    pending: new PendingTurns(redis, config.QUEUE_PREFIX),
    inactivity: new InactivityDeadlines(redis, config.QUEUE_PREFIX),
    waitingLine: new WaitingLine(redis, config.QUEUE_PREFIX),
    broadcaster,
    flows,
    channels: channelRegistry(channelModules),
    metrics: createMetrics(),
    councils,
    ...(llm ? { llm } : {}),
    ...(geocoder ? { geocoder } : {}),
  };
  const router = new ConversationRouter(services);
  // The one port channels see of the core (src/domain/channel-host.ts).
  const channelHost = createChannelHost(services, router);
  // Round trips by collection and operation on /metrics (the benchmark reads them per message).
  mongoose.set('debug', (collection: string, operation: string) => services.metrics.databaseOperations.inc({ collection, operation }));

  let shuttingDown = false;
  let port: number | undefined;
  if (httpServer && io) {
    const app = createApp(services, {
      isShuttingDown: () => shuttingDown,
      mountChannels: (expressApp) => channelModules.forEach((m) => m.mountHttp?.(expressApp, channelHost)),
    });
    handleRequest = app;
    // With PORT=0 (tests) the default public URL names the port actually bound.
    let publicUrl = config.PUBLIC_URL;
    mountAgentsNamespace(io, services, new AgentActions(services), () => publicUrl);
    for (const m of channelModules) m.mountSockets?.(io, channelHost);
    await new Promise<void>((resolve) => httpServer.listen(config.PORT, resolve));
    port = (httpServer.address() as AddressInfo).port;
    if (/:0$/.test(publicUrl)) publicUrl = publicUrl.replace(/:0$/, `:${port}`);
    logger.info({ port, url: config.PUBLIC_URL }, 'web.listening');
  }

  const workers: WorkerSet | undefined = runsWorker ? startWorkers(services, router) : undefined;
  // Metrics on every process: METRICS_PORT when set; a worker without a web port uses PORT.
  const opsPort = config.METRICS_PORT ?? (runsWeb ? undefined : config.PORT);
  const operations = opsPort !== undefined ? await startOperationsServer(services, opsPort, () => shuttingDown) : undefined;
  // On every worker: a council's period may be set later through the admin API.
  const stopRetention = runsWorker ? scheduleRetention(services, config.RETENTION_SWEEP_MINUTES * 60_000) : undefined;
  const housekeeping = setInterval(() => void purgeExpiredSessions().catch(() => undefined), 10 * 60_000);
  housekeeping.unref();
  if (runsWorker) logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'worker.started');

  return {
    services,
    router,
    ...(port !== undefined ? { port, url: `http://127.0.0.1:${port}` } : {}),
    ...(io ? { io } : {}),
    ...(operations ? { operationsPort: operations.port } : {}),
    async stop() {
      shuttingDown = true;
      await operations?.close();
      clearInterval(housekeeping);
      stopRetention?.();
      llm?.close();
      webPublisher?.close();
      if (io) {
        io.disconnectSockets(true);
        await new Promise<void>((resolve) => io.close(() => resolve()));
      }
      if (workers) {
        // Jobs in flight get ten seconds to finish; then the workers stop anyway (the jobs are
        // retried by another worker). A worker left running past the database's close failed
        // its jobs in a loop for as long as the process lived.
        // (BullMQ's close cannot be forced once a gentle close has begun, so the wait is a pause.)
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([workers.pause(), new Promise((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer);
        await workers.close(true);
      }
      await services.queues.close();
      await councils.close();
      await Promise.all([redis, pubClient, subClient].map((c) => c?.quit().catch(() => undefined)));
      await mongoose.disconnect();
      logger.info('engine.stopped');
    },
  };
}

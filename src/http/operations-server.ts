/**
 * The operations port: /healthz, /readyz and /metrics alone, on METRICS_PORT (every process)
 * or, for a worker process without one, on PORT. Prometheus scrapes every process this way,
 * workers included, whose counters (turns, replies sent) live only there.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Services } from '../services';
import { healthRoutes } from './routes/health';

export async function startOperationsServer(services: Services, port: number, isShuttingDown: () => boolean): Promise<{ port: number; close: () => Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(services, isShuttingDown, 'open'));
  app.use((_req, res) => res.status(404).json({ error: { code: 'not_found', message: 'There is nothing at this address.' } }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(port, resolve));
  const bound = (server.address() as AddressInfo).port;
  services.logger.info({ port: bound }, 'operations.listening');
  return { port: bound, close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }) };
}

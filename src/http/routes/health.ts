/** `/healthz` (process up), `/readyz` (Redis and database reachable), `/metrics` (Prometheus). */
import { Router } from 'express';
import mongoose from 'mongoose';
import type { Services } from '../../services';

export function healthRoutes(services: Services, isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const withTimeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref())]);
    const [redis, database] = await Promise.all([
      withTimeout(services.redis.ping()).then(() => true, () => false),
      withTimeout(mongoose.connection.db!.admin().ping()).then(() => true, () => false),
    ]);
    const ready = redis && database && !isShuttingDown();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', redis, database, shuttingDown: isShuttingDown() });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(services.metrics.registry.contentType).send(await services.metrics.registry.metrics());
  });
  return router;
}

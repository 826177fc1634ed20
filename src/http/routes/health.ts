/**
 * `/healthz` (process up), `/readyz` (Redis and database reachable), `/metrics` (Prometheus).
 * Metrics tell an outsider how busy the council is and which channels it uses, so on the public
 * port they need `Authorization: Bearer <METRICS_TOKEN>`, or, with no token configured, a
 * client on this machine. On the separate METRICS_PORT (every process, workers too) they are
 * open unless METRICS_TOKEN is set.
 */
import { timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import mongoose from 'mongoose';
import type { Services } from '../../services';

const LOOPBACK = /^(?:127\.|::1$|::ffff:127\.)/;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `guarded`: token, else loopback only (never through a proxy); `open`: token when configured; `off`: not served here. */
export type MetricsAccess = 'guarded' | 'open' | 'off';

export function healthRoutes(services: Services, isShuttingDown: () => boolean, metricsAccess: MetricsAccess = 'guarded'): Router {
  const token = services.config.METRICS_TOKEN;
  const mayReadMetrics = (req: Request): boolean => {
    if (token) return sameSecret(req.get('authorization') ?? '', `Bearer ${token}`);
    if (metricsAccess === 'open') return true;
    // A reverse proxy on the same machine also connects from loopback: what it forwards carries
    // its headers, and is someone else's request.
    const forwarded = ['x-forwarded-for', 'forwarded', 'x-real-ip'].some((h) => req.headers[h] !== undefined);
    return !forwarded && LOOPBACK.test(req.socket.remoteAddress ?? '');
  };
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
  router.get('/metrics', async (req, res, next) => {
    if (metricsAccess === 'off') return next();
    if (!mayReadMetrics(req)) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: { code: 'unauthorized', message: 'Metrics need the metrics token.' } });
      return;
    }
    res.type(services.metrics.registry.contentType).send(await services.metrics.registry.metrics());
  });
  return router;
}

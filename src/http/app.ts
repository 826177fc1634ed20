/**
 * The express app: security headers, health and metrics, the REST API, channel webhooks
 * (mounted by each channel), and the static pages. One error handler maps AppErrors to
 * `{ error: { code, message } }` and never leaks a stack trace.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Express } from 'express';
import helmet from 'helmet';
import { errorResponse } from './error-status';
import type { Services } from '../services';
import { apiRoutes } from './routes/api';
import { healthRoutes } from './routes/health';
import { open311Routes } from './routes/open311';

// web/ sits at the project root: two levels up from src/http, three from dist/src/http.
const webRoot = [path.resolve(__dirname, '..', '..', 'web'), path.resolve(__dirname, '..', '..', '..', 'web')].find((p) => existsSync(p))!;

export function createApp(services: Services, options: { isShuttingDown: () => boolean; mountChannels: (app: Express) => void }): Express {
  const app = express();
  app.disable('x-powered-by');
  // Client addresses come from X-Forwarded-For only through the proxies TRUST_PROXY names.
  app.set('trust proxy', services.config.TRUST_PROXY);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { 'script-src': ["'self'"], 'connect-src': ["'self'"], 'img-src': ["'self'", 'data:', 'blob:'], 'style-src': ["'self'"] },
      },
    }),
  );

  // With METRICS_PORT set, /metrics is served there and not here.
  app.use(healthRoutes(services, options.isShuttingDown, services.config.METRICS_PORT === undefined ? 'guarded' : 'off'));
  app.use('/api/v1', express.json({ limit: '64kb' }), apiRoutes(services));
  app.use('/open311/v2', open311Routes(services));
  options.mountChannels(app);

  app.get('/', (_req, res) => res.sendFile(path.join(webRoot, 'webchat.html')));
  // The agent workspace, built by Vite (npm run build:web, run before start and test).
  const consoleRoot = path.join(webRoot, 'console', 'dist');
  // The workspace and the supervisors' analytics page (same sign-in; Chart.js is bundled, never a CDN).
  const consolePage = (file: string): express.RequestHandler => (_req, res) => {
    const page = path.join(consoleRoot, file);
    if (!existsSync(page)) {
      res.status(503).type('text/plain').send('The agent workspace has not been built: run `npm run build:web` (npm start and npm test do it).');
      return;
    }
    res.set('cache-control', 'no-cache').sendFile(page);
  };
  app.get('/agent', consolePage('index.html'));
  app.get('/agent/analytics', consolePage('analytics.html'));
  app.use('/agent/assets', express.static(path.join(consoleRoot, 'assets'), { maxAge: '7d', immutable: true }));
  app.use('/static', express.static(path.join(webRoot, 'static'), { maxAge: '1h' }));

  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'There is nothing at this address.' } });
  });

  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const bodyError = error as { type?: string; status?: number };
    if (bodyError.type === 'entity.too.large' || bodyError.type === 'entity.parse.failed') {
      res.status(bodyError.status ?? 400).json({ error: { code: 'invalid_payload', message: bodyError.type === 'entity.too.large' ? 'The request body is too large.' : 'The request body is not valid JSON.' } });
      return;
    }
    const { status, body, logged } = errorResponse(error);
    if (logged) services.logger.error({ err: error, path: req.path }, 'http.error');
    if (status === 503) res.set('Retry-After', '5');
    res.status(status).json({ error: body });
  };
  app.use(onError);
  return app;
}

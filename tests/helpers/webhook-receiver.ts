/**
 * A back-office system receiving Standard Webhooks: it keeps every request's raw body and
 * headers, and answers each `webhook-id`'s first `failFirst` attempts with a 500.
 */
import express from 'express';
import { serve } from './serve';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  status: number;
  at: number;
}

export async function startWebhookReceiver(options: { failFirst?: number; hang?: boolean } = {}) {
  const received: ReceivedWebhook[] = [];
  /** Requests a dead endpoint is holding unanswered right now. */
  const holding = { count: 0 };
  const app = express();
  app.post('/hooks', express.text({ type: '*/*' }), (req, res) => {
    if (options.hang) {
      // Never answers: a dead endpoint. The engine gives up on each after WEBHOOK_TIMEOUT_MS.
      holding.count++;
      res.on('close', () => holding.count--);
      return;
    }
    const id = req.get('webhook-id') ?? '';
    const earlier = received.filter((r) => r.id === id).length;
    const status = earlier < (options.failFirst ?? 0) ? 500 : 200;
    received.push({ id, timestamp: req.get('webhook-timestamp') ?? '', signature: req.get('webhook-signature') ?? '', body: String(req.body), status, at: Date.now() });
    res.status(status).send(status === 200 ? 'ok' : 'try again');
  });
  const server = await serve(app);
  return { url: `${server.url}/hooks`, received, holding, stop: server.stop };
}

/**
 * Express on the channels' side of the seam: a provider request as the core pipeline sees it
 * (`WebhookRequest`), and the pipeline's answer written back. Each HTTP channel mounts its
 * routes with `receiveWith(host, webhook)`, so every webhook runs the same core steps.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { ChannelHost, ChannelSettings, InboundWebhook, WebhookReply, WebhookRequest } from '../src/domain/channel-host';

export function webhookRequest(settings: Pick<ChannelSettings, 'PUBLIC_URL'>, req: Request): WebhookRequest {
  return {
    publicUrl: `${settings.PUBLIC_URL}${req.originalUrl}`,
    header: (name) => req.get(name),
    query: req.query as Record<string, unknown>,
    body: req.body,
  };
}

export function sendWebhookReply(res: Response, reply: WebhookReply): void {
  res.status(reply.status);
  if (reply.contentType) res.type(reply.contentType);
  if (reply.body !== undefined) res.send(reply.body);
  else res.end();
}

/** The route handler for one provider webhook: the core pipeline with this channel's verify, parse and acknowledgement. */
export function receiveWith<V>(host: ChannelHost, webhook: InboundWebhook<V>): RequestHandler {
  return async (req, res) => sendWebhookReply(res, await host.receive(webhook, webhookRequest(host.settings, req)));
}

/**
 * A local HTTP double of Meta's Graph API Send endpoint (`POST /{version}/{page-id}/messages`),
 * answering as Meta does: `{ recipient_id, message_id }`, or `{ error: { message, type, code } }`.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import { serve } from './serve';

export interface GraphSend {
  version: string;
  pageId: string;
  auth: string;
  recipient: { id?: string; comment_id?: string };
  messaging_type: string;
  tag?: string;
  message: { text?: string; quick_replies?: Array<{ content_type: string; title: string; payload: string }> };
  messageId: string;
}

export interface GraphDouble {
  url: string;
  sent: GraphSend[];
  /** Answer this many sends with Meta's temporary error (HTTP 500, code 2). */
  failNext: { count: number };
  stop(): Promise<void>;
}

export async function startGraphDouble(): Promise<GraphDouble> {
  const sent: GraphSend[] = [];
  const failNext = { count: 0 };
  const app = express();
  app.use(express.json());
  app.post('/:version/:pageId/messages', (req, res) => {
    if (failNext.count > 0) {
      failNext.count--;
      res.status(500).json({ error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, fbtrace_id: 'A1' } });
      return;
    }
    const body = req.body as Omit<GraphSend, 'version' | 'pageId' | 'auth' | 'messageId'>;
    if (!body.recipient || !body.message) {
      res.status(400).json({ error: { message: '(#100) The parameter recipient is required', type: 'OAuthException', code: 100 } });
      return;
    }
    const messageId = `m_${randomBytes(12).toString('base64url')}`;
    sent.push({ ...body, version: String(req.params.version), pageId: String(req.params.pageId), auth: req.get('authorization') ?? '', messageId });
    res.json({ recipient_id: body.recipient.id ?? `psid-for-${body.recipient.comment_id}`, message_id: messageId });
  });
  return { ...(await serve(app)), sent, failNext };
}

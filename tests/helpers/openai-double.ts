/**
 * A local OpenAI-compatible server (`POST /v1/chat/completions`, the wire format the `openai`
 * SDK speaks), whose answers each test chooses: a JSON reply, a slow one, or an error.
 */
import express from 'express';
import { serve } from './serve';

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format?: { type: string; json_schema?: { name: string } };
  auth: string;
}

export type Behaviour = { reply: (request: ChatRequest) => Record<string, unknown> } | { delayMs: number; reply: (request: ChatRequest) => Record<string, unknown> } | { status: number };

export interface OpenAiDouble {
  url: string;
  requests: ChatRequest[];
  behaviour: Behaviour;
  stop(): Promise<void>;
}

export async function startOpenAiDouble(): Promise<OpenAiDouble> {
  const double: Omit<OpenAiDouble, 'url' | 'stop'> = { requests: [], behaviour: { status: 500 } };
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/v1/chat/completions', async (req, res) => {
    const request = { ...(req.body as Omit<ChatRequest, 'auth'>), auth: req.get('authorization') ?? '' };
    double.requests.push(request);
    const behaviour = double.behaviour;
    if ('status' in behaviour) {
      res.status(behaviour.status).json({ error: { message: 'The server had an error while processing your request.', type: 'server_error' } });
      return;
    }
    if ('delayMs' in behaviour) await new Promise((r) => setTimeout(r, behaviour.delayMs));
    if (res.destroyed) return;
    res.json({
      id: `chatcmpl-${Date.now()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(behaviour.reply(request)), refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 },
    });
  });
  return Object.assign(double, await serve(app));
}

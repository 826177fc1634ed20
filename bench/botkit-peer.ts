/**
 * The peer: Botkit 4 with its Twilio SMS adapter (botbuilder-adapter-twilio-sms), dev
 * dependencies used only here. Its webhook checks Twilio's signature, builds the activity, runs
 * Botkit's turn (middleware, dialog state in its memory storage, the `message` handler) and then
 * answers 200. The handler takes the message and sends nothing (replies would go to Twilio's API).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

interface BotkitController {
  on(event: string, handler: (bot: unknown, message: { text?: string }) => Promise<void>): void;
  ready(handler: () => void): void;
  shutdown?(): Promise<void>;
}

export async function startBotkit(authToken: string, accountSid: string, number: string): Promise<{ url: string; path: string; received(): number; stop(): Promise<void> }> {
  const { Botkit } = require('botkit') as { Botkit: new (config: Record<string, unknown>) => BotkitController };
  const { TwilioAdapter } = require('botbuilder-adapter-twilio-sms') as { TwilioAdapter: new (options: Record<string, unknown>) => unknown };
  const app = express();
  app.use(express.urlencoded({ extended: true }));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const path = '/api/messages';
  const adapter = new TwilioAdapter({ twilio_number: number, account_sid: accountSid, auth_token: authToken, validation_url: `${url}${path}` });
  const controller = new Botkit({ adapter, webserver: app, webhook_uri: path });
  let received = 0;
  controller.on('message', async () => {
    received++;
  });
  await new Promise<void>((r) => controller.ready(r));
  return {
    url,
    path,
    received: () => received,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

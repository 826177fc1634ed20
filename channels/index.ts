/**
 * The explicit registry of channels. Each channel brings its adapter (how replies go out)
 * and mounts its own webhooks or socket namespace; nothing in src/ imports a channel.
 */
import type { Express } from 'express';
import type { Server } from 'socket.io';
import type { ConversationRouter } from '../src/conversations/router';
import type { ChannelAdapter, ChannelCredentials } from '../src/domain/channel';
import type { RealtimePublisher } from '../src/realtime/publisher';
import type { ChannelRegistry, Services } from '../src/services';
import type { Config } from '../src/config';
import { createSmsAdapter } from './sms/adapter';
import { mountSmsWebhooks } from './sms/webhook';
import { createSocialAdapter } from './social/adapter';
import { mountSocialWebhooks } from './social/webhook';
import { createVoiceAdapter } from './voice/adapter';
import { mountVoiceWebhooks } from './voice/webhook';
import { createWebchatAdapter } from './webchat/adapter';
import { mountWebchatNamespace } from './webchat/namespace';
import { mountWebchatHttp } from './webchat/http';

export interface ChannelModule {
  adapter: ChannelAdapter;
  mountHttp?(app: Express, services: Services, router: ConversationRouter): void;
  mountSockets?(io: Server, services: Services, router: ConversationRouter): void;
}

/** `credentials`: each council's provider accounts, found by the council address a reply is from. */
export function createChannelModules(deps: { publisher: RealtimePublisher; config: Config; credentials: ChannelCredentials }): ChannelModule[] {
  return [
    { adapter: createWebchatAdapter(deps.publisher), mountSockets: mountWebchatNamespace, mountHttp: mountWebchatHttp },
    { adapter: createSmsAdapter(deps.config, deps.credentials), mountHttp: mountSmsWebhooks },
    { adapter: createVoiceAdapter(deps.config, deps.credentials), mountHttp: mountVoiceWebhooks },
    { adapter: createSocialAdapter(deps.config, deps.credentials), mountHttp: mountSocialWebhooks },
  ];
}

export function channelRegistry(modules: ChannelModule[]): ChannelRegistry {
  const byId = new Map(modules.map((m) => [m.adapter.id as string, m.adapter]));
  return {
    get(id) {
      const adapter = byId.get(id);
      if (!adapter) throw new Error(`no channel adapter for ${id}`);
      return adapter;
    },
    all: () => [...byId.values()],
  };
}

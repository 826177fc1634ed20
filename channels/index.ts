/**
 * The explicit registry of channels. Each channel brings its adapter (how replies go out)
 * and mounts its own webhooks or socket namespace on the core's `ChannelHost` (the narrow port
 * in src/domain/channel-host.ts); nothing in src/ imports a particular channel, and channels
 * import nothing from src/ but the domain and errors (tests/architecture.test.ts).
 * Adding a channel = a folder here (its id, labels and capabilities with its adapter) and one line
 * below: the core learns the engine's channel ids, labels and capabilities from this registry.
 */
import type { Express } from 'express';
import type { Server } from 'socket.io';
import type { ChannelAdapter, ChannelCredentials, ChannelRegistry } from '../src/domain/channel';
import type { ChannelHost, ChannelSettings, ResidentRealtime } from '../src/domain/channel-host';
import type { ChannelId } from '../src/domain/messages';
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
  mountHttp?(app: Express, host: ChannelHost): void;
  mountSockets?(io: Server, host: ChannelHost): void;
}

/**
 * `credentials`: each council's provider accounts, found by the council address a reply is from;
 * `residents`: the resident's open realtime client, for channels that deliver there.
 */
export function createChannelModules(deps: { settings: ChannelSettings; credentials: ChannelCredentials; residents: ResidentRealtime }): ChannelModule[] {
  return [
    { adapter: createWebchatAdapter(deps.residents), mountSockets: mountWebchatNamespace, mountHttp: mountWebchatHttp },
    { adapter: createSmsAdapter(deps.settings, deps.credentials), mountHttp: mountSmsWebhooks },
    { adapter: createVoiceAdapter(deps.settings, deps.credentials), mountHttp: mountVoiceWebhooks },
    { adapter: createSocialAdapter(deps.settings, deps.credentials), mountHttp: mountSocialWebhooks },
  ];
}

/** The registry the core sees: adapters by id, and by what they can do (never by name). */
export function channelRegistry(modules: ChannelModule[]): ChannelRegistry {
  const byId = new Map<string, ChannelAdapter>();
  for (const { adapter } of modules) {
    if (byId.has(adapter.id)) throw new Error(`channel ${adapter.id} is registered twice`);
    byId.set(adapter.id, adapter);
  }
  const adapters = [...byId.values()];
  const has = (id: string): id is ChannelId => byId.has(id);
  return {
    get(id) {
      const adapter = byId.get(id);
      if (!adapter) throw new Error(`no channel adapter for ${id}`);
      return adapter;
    },
    all: () => [...adapters],
    ids: () => adapters.map((a) => a.id),
    has,
    byPhone: (kind) => adapters.find((a) => a.capabilities.phone === kind),
  };
}

/**
 * The core side of the channel seam: the one implementation of the `ChannelHost` port
 * (src/domain/channel-host.ts) that every channel is handed. It holds the core pipeline every
 * provider webhook runs through (verify → parse → inbox → council → ingest → acknowledge) and
 * the few operations channels need beyond it, each a thin call into the core module that owns
 * the records (identity, ingest, outbox, view, cases).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type {
  ChannelHost,
  CouncilView,
  InboxRef,
  Ingested,
  PhoneCall,
  ResidentConversation,
  ResidentRef,
  TurnOutcome,
  WebhookOutcome,
} from '../domain/channel-host';
import type { ConversationStatus } from '../domain/conversation';
import type { ChannelId, Choice, InboundMessage } from '../domain/messages';
import { isNo, isYes } from '../ai/extract';
import { callerReference, textReference } from '../cases/text-reference';
import { phoneCountryOf, type CouncilSettings } from '../councils/settings';
import { AuthError } from '../errors';
import { clientAddressResolver } from '../http/client-address';
import { ids } from '../ids';
import { storeUploadedPhoto } from '../media/uploads';
import { Conversation, findByKey, type ConversationDoc } from '../models';
import { rooms } from '../realtime/publisher';
import { onCommand } from '../realtime/socket-commands';
import type { Services } from '../services';
import { currentConversationOf, ensureIdentity, ensureOpenConversation, findIdentity, type IdentityDoc } from './identity';
import { findInbox } from './inboxes';
import { ingestInbound } from './ingest';
import { recordProviderStatus, sendReply } from './outbox';
import type { ConversationRouter, TurnDecision } from './router';
import { awaitTurn, decidedTurn } from './turn-result';
import { residentHistory } from './view';

function councilView(council: CouncilSettings): CouncilView {
  const phoneNumber = council.twilio.phoneNumbers[0];
  const phoneCountry = phoneCountryOf(council);
  return { id: council.id, name: council.name, ...(phoneNumber ? { phoneNumber } : {}), ...(phoneCountry ? { phoneCountry } : {}), webchat: { widgetKeys: council.webchat.widgetKeys, allowedOrigins: council.webchat.allowedOrigins }, voice: council.voice };
}

function turnOutcome(turn: TurnDecision | undefined): TurnOutcome | undefined {
  if (!turn) return undefined;
  const flowId = (turn.conversation?.flow as { id?: string } | null | undefined)?.id;
  return {
    replies: (turn.replies ?? []).map((r) => ({ ...(typeof r.text === 'string' ? { text: r.text } : {}), ...(r.choices?.length ? { choices: r.choices as Choice[] } : {}) })),
    statusAfter: turn.statusAfter,
    ...(turn.queue ? { queue: turn.queue } : {}),
    ...(turn.staffed !== undefined ? { staffed: turn.staffed } : {}),
    ...(flowId ? { flowId } : {}),
  };
}

export function createChannelHost(services: Services, router: ConversationRouter): ChannelHost {
  const { councils } = services;
  // What the opaque resident handles stand for, so a second call needs no second read.
  const identities = new WeakMap<ResidentRef, IdentityDoc>();
  const conversations = new WeakMap<ResidentConversation, ConversationDoc>();
  let addressOf: ((req: IncomingMessage) => string) | undefined;

  const inboxRef = async (channel: ChannelId, address: string): Promise<InboxRef | undefined> => {
    const inbox = await findInbox(ids.inbox(channel, address));
    return inbox ? { inboxId: inbox.id, councilId: inbox.councilId } : undefined;
  };

  const ingest = async (message: InboundMessage): Promise<Ingested> => {
    const result = await ingestInbound(services, message);
    return { ...result, messageId: ids.turnMessage(result.eventId, 0) };
  };

  const conversationRef = (conversation: ConversationDoc): ResidentConversation => {
    const ref: ResidentConversation = {
      conversationId: conversation._id,
      status: conversation.status as ConversationStatus,
      ...(conversation.queuedAt ? { queuedAt: conversation.queuedAt } : {}),
      ...(typeof conversation.priority === 'number' ? { priority: conversation.priority } : {}),
    };
    conversations.set(ref, conversation);
    return ref;
  };

  const verify = <V>(channel: ChannelId, check: () => V): V => {
    try {
      return check();
    } catch (error) {
      if (error instanceof AuthError) services.metrics.inbound.inc({ channel, outcome: 'forged' });
      throw error;
    }
  };

  return {
    settings: services.config,
    credentials: councils,
    logger: services.logger,

    async receive(webhook, request) {
      const verified = verify(webhook.channel, () => webhook.verify(request));
      const parsed = await webhook.parse(request, verified);
      const messages = parsed.messages ?? [];
      // Every message's council is known before any is stored: an unknown address stores nothing.
      const inboxes: Array<InboxRef | undefined> = [];
      for (const message of messages) {
        if (!webhook.unknownInbox) {
          inboxes.push(undefined);
          continue;
        }
        const inbox = await inboxRef(webhook.channel, message.inboxAddress);
        if (!inbox) throw webhook.unknownInbox(message.inboxAddress);
        inboxes.push(inbox);
      }
      const outcome: WebhookOutcome = { messages: [], statuses: [] };
      for (const [i, message] of messages.entries()) {
        const inbox = inboxes[i];
        outcome.messages.push({ message, ...(inbox ? { inbox } : {}), result: await ingest({ ...message, channel: webhook.channel }) });
      }
      for (const report of parsed.statuses ?? []) outcome.statuses.push({ report, outcome: await recordProviderStatus(services, report) });
      return webhook.acknowledge(outcome, verified);
    },
    verify,

    findInbox: inboxRef,
    ingest,
    recordDelivery: (report) => recordProviderStatus(services, report),
    awaitTurn: async (eventId, timeoutMs) => turnOutcome(await awaitTurn(eventId, timeoutMs)),
    decidedTurn: async (eventId) => turnOutcome(await decidedTurn(eventId)),

    council: (councilId) => councilView(councils.council(councilId)),
    defaultCouncil: () => councilView(councils.default.council),
    councilForWidget(widgetKey) {
      const tenant = widgetKey ? councils.forWidgetKey(widgetKey) : councils.default;
      return tenant ? councilView(tenant.council) : undefined;
    },

    residents: {
      async find(channel, inboxAddress, channelUserId) {
        const identity = await findIdentity(ids.inbox(channel, inboxAddress), channelUserId);
        if (!identity) return null;
        const ref: ResidentRef = { identityId: identity._id };
        identities.set(ref, identity);
        return ref;
      },
      async open(councilId, address, seed, known) {
        const identity = (known ? identities.get(known) : undefined) ?? (await ensureIdentity(councilId, { inboxId: ids.inbox(address.channel, address.inboxAddress), channel: address.channel, channelUserId: address.channelUserId }));
        const conversation = await ensureOpenConversation(councilId, identity, seed);
        return { identityId: identity._id, ...conversationRef(conversation) };
      },
      history: (identityId, sinceSeq) => residentHistory(identityId, sinceSeq),
      async current(identityId) {
        const { conversation } = await currentConversationOf(identityId);
        return conversation ? conversationRef(conversation) : null;
      },
      async notify(conversation, text) {
        const doc = conversations.get(conversation) ?? (await findByKey<ConversationDoc>(Conversation, conversation.conversationId));
        if (doc) await sendReply(services, doc, { kind: 'system' }, { text });
      },
      runTurns: (identityId) => router.drainIdentity(identityId),
      async typing(identityId, typing) {
        const { identity } = await currentConversationOf(identityId).catch(() => ({ identity: null }));
        if (identity?.currentConversationId) {
          services.broadcaster.toAgents([rooms.conversation(identity.currentConversationId)], 'typing', { conversationId: identity.currentConversationId, who: 'resident', typing });
        }
      },
      room: (identityId) => rooms.resident(identityId),
    },

    phone: {
      referenceIn: (call: PhoneCall, spokenText: string) => callerReference(services, call, spokenText),
      textReference: (call, record) => textReference(services, call, record),
    },
    storeUpload: (eventId, data, contentType) => storeUploadedPhoto(eventId, data, contentType),

    sharedLimiter(name, points, duration) {
      // While Redis is down each process limits on its own (in memory) rather than stalling.
      return new RateLimiterRedis({
        storeClient: services.redis,
        keyPrefix: `${services.config.QUEUE_PREFIX}:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration }),
      });
    },
    clientAddress(request) {
      addressOf ??= clientAddressResolver(services.config.TRUST_PROXY);
      return addressOf(request);
    },
    command: (socket, name, schema, handler) => onCommand(socket as unknown as Socket, services.logger, name, schema, handler),
    meansYes: (text) => isYes(text) && !isNo(text),
  };
}

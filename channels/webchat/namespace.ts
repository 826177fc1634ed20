/**
 * The `/webchat` Socket.IO namespace (CONTRACT.md §3). A session token is a random secret
 * held by the browser; the engine keeps only its hash as the resident's channel address,
 * so resuming needs the token and ids cannot be guessed.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { ChannelHost, ChannelSettings } from '../../src/domain/channel-host';
import type { InboundContent } from '../../src/domain/messages';
import { originAllowed, sameOrigin } from '../../src/domain/origins';
import { AppError, ValidationError } from '../../src/errors';
import { continueOnPhone } from '../twilio/continue';
import { WebchatLimits } from './limits';
import { WEBCHAT } from './channel';

export const WEBCHAT_INBOX_ADDRESS = 'default';
export const MAX_TEXT_LENGTH = 2000;

const sessionStartSchema = z.object({
  sessionToken: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'is not a session token').optional(),
  sinceSeq: z.number().int().min(0).optional(),
  locale: z.string().max(20).optional(),
  /** Which council's widget (CONTRACT.md §9); absent: the default council's first widget key. */
  widgetKey: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
});

const continueSchema = z.object({ mode: z.enum(['call', 'text']), number: z.string().min(3).max(32) });

const messageSendSchema = z
  .object({
    clientMessageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, - or _'),
    text: z.string().optional(),
    choice: z.union([z.string().min(1).max(64), z.object({ value: z.string().min(1).max(64), label: z.string().max(80).optional() })]).optional(),
    location: z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).optional(),
  })
  .refine((m) => m.text !== undefined || m.choice !== undefined || m.location !== undefined, 'send text, a choice or a location');

/**
 * The council and inbox address of a widget key (`webchat-<key>`); absent: the default council's
 * first key. Undefined for a key no council lists.
 */
export function widgetInbox(host: Pick<ChannelHost, 'councilForWidget'>, askedKey: string | undefined): { councilId: string; widgetKey: string } | undefined {
  const council = host.councilForWidget(askedKey);
  if (!council) return undefined;
  const keys = council.webchat.widgetKeys;
  return { councilId: council.id, widgetKey: askedKey && keys.includes(askedKey) ? askedKey : (keys[0] ?? WEBCHAT_INBOX_ADDRESS) };
}

/**
 * A browser on another site may not start a council's chat with its widget key: the chat page
 * (our own origin, framed by the council's site) and the origins the council lists (or, without a
 * list, WEBCHAT_EMBED_ORIGINS) may. No Origin header: not a browser, nothing to check.
 */
function assertWidgetOrigin(socket: Socket, councilOrigins: readonly string[], config: Pick<ChannelSettings, 'PUBLIC_URL' | 'WEBCHAT_EMBED_ORIGINS'>): void {
  const origin = socket.handshake.headers.origin;
  if (!origin) return;
  const ownHost = socket.handshake.headers.host;
  const own = sameOrigin(origin, new URL(config.PUBLIC_URL).origin) || (ownHost !== undefined && URL.canParse(origin) && new URL(origin).host === ownHost);
  if (own || originAllowed(origin, councilOrigins.length ? councilOrigins : config.WEBCHAT_EMBED_ORIGINS)) return;
  throw new AppError('forbidden_origin', 'This chat cannot be started from this website.', 403, true);
}

/** The resident's webchat address: a hash of their session token (the token itself is never stored). */
export const sessionHash = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 32);

function toContent(message: z.infer<typeof messageSendSchema>): InboundContent {
  if (message.choice !== undefined) {
    return typeof message.choice === 'string'
      ? { kind: 'choice', value: message.choice }
      : { kind: 'choice', value: message.choice.value, ...(message.choice.label ? { label: message.choice.label } : {}) };
  }
  const text = message.text?.trim() ?? '';
  if (message.location) return { kind: 'location', ...message.location, ...(text ? { text } : {}) };
  return { kind: 'text', text };
}

export function mountWebchatNamespace(io: Server, host: ChannelHost): void {
  const { residents } = host;
  const limits = new WebchatLimits(host);
  io.of('/webchat').use((socket, next) => {
    const address = limits.addressOf(socket.request);
    socket.data.clientAddress = address;
    limits.connect(address).then((release) => (socket.once('disconnect', release), next()), (error: Error) => next(Object.assign(new Error(error.message), { data: { code: 'rate_limited', message: error.message } })));
  });

  io.of('/webchat').on('connection', (socket: Socket) => {
    const clientAddress = socket.data.clientAddress as string;
    // One resident's messages are stored one after another, in the order the socket received
    // them; otherwise a slower insert could let a later message reach the router first.
    let ingestChain: Promise<unknown> = Promise.resolve();
    const inOrder = <T>(work: () => Promise<T>): Promise<T> => {
      const next = ingestChain.then(work, work);
      ingestChain = next.catch(() => undefined);
      return next;
    };
    const session = () => {
      const data = socket.data as { identityId?: string; channelUserId?: string; widgetKey?: string; councilId?: string };
      if (!data.identityId || !data.channelUserId || !data.widgetKey || !data.councilId) throw new AppError('no_session', 'Start a session first (session.start).', 400, true);
      return { identityId: data.identityId, channelUserId: data.channelUserId, widgetKey: data.widgetKey, councilId: data.councilId };
    };

    host.command(socket, 'session.start', sessionStartSchema, async ({ sessionToken, sinceSeq, widgetKey: askedKey }) => {
      // The widget key names the council (its inbox is `webchat-<key>`); an unknown key is refused.
      const widget = widgetInbox(host, askedKey);
      if (!widget) throw new ValidationError('This chat is not set up for any council. Check the widget key on the page.', 'unknown_widget');
      const council = host.council(widget.councilId);
      assertWidgetOrigin(socket, council.webchat.allowedOrigins, host.settings);
      const { widgetKey } = widget;
      let token = sessionToken;
      const known = token ? await residents.find(WEBCHAT, widgetKey, sessionHash(token)) : null;
      if (!known) {
        await limits.sessionStarted(clientAddress);
        token = randomBytes(24).toString('base64url'); // unknown or no token: a new session
      }
      const channelUserId = sessionHash(token!);
      const resident = await residents.open(council.id, { channel: WEBCHAT, inboxAddress: widgetKey, channelUserId }, `webchat-start-${channelUserId}-${Date.now()}`, known);
      socket.data.identityId = resident.identityId;
      socket.data.channelUserId = channelUserId;
      socket.data.widgetKey = widgetKey;
      socket.data.councilId = council.id;
      await socket.join(residents.room(resident.identityId));
      const missed = sinceSeq !== undefined || sessionToken
        ? await residents.history(resident.identityId, sinceSeq ?? 0)
        : [];
      return {
        sessionToken: token,
        conversationId: resident.conversationId,
        status: resident.status,
        messages: missed,
      };
    });

    host.command(socket, 'message.send', messageSendSchema, async (message) => {
      const { identityId, channelUserId, widgetKey } = session();
      if ((message.text?.length ?? 0) > MAX_TEXT_LENGTH) {
        throw new ValidationError(`Messages can be up to ${MAX_TEXT_LENGTH} characters. Please send a shorter message.`, 'message_too_long');
      }
      if (message.text !== undefined && !message.text.trim() && !message.choice && !message.location) {
        throw new ValidationError('The message is empty.', 'empty_message');
      }
      await limits.message(identityId, clientAddress);
      const result = await inOrder(() => host.ingest({
        channel: WEBCHAT,
        externalId: `${channelUserId}-${message.clientMessageId}`,
        inboxAddress: widgetKey,
        channelUserId,
        receivedAt: new Date(),
        content: toContent(message),
        raw: { clientMessageId: message.clientMessageId },
      }));
      return { messageId: result.messageId, duplicate: result.duplicate };
    });

    /** The resident is typing: agents with the conversation open see it (webchat only; throttled by the page). */
    socket.on('typing', async (payload: unknown) => {
      const parsed = z.object({ typing: z.boolean() }).safeParse(payload);
      const identityId = (socket.data as { identityId?: string }).identityId;
      if (!parsed.success || !identityId) return;
      await residents.typing(identityId, parsed.data.typing);
    });

    /**
     * "Call me instead" / "Text me instead": the same call-back and SMS continuation a caller on
     * hold gets, for the number the resident typed; the chat is told what happens next.
     */
    host.command(socket, 'continue.phone', continueSchema, async ({ mode, number }) => {
      const { identityId, channelUserId, widgetKey, councilId } = session();
      await limits.phoneRequest(identityId, clientAddress, number);
      const conversation = await residents.current(identityId);
      const conversationId = conversation?.conversationId ?? '';
      // Waiting for a person already: the phone keeps that place, and the chat leaves the queue.
      const keepPlace = conversation?.status === 'queued' && conversation.queuedAt ? { since: conversation.queuedAt, priority: conversation.priority ?? 2 } : undefined;
      const result = await continueOnPhone(host, { councilNumber: host.council(councilId).phoneNumber, mode, number, seed: `${channelUserId}-${randomBytes(6).toString('hex')}`, from: `webchat conversation ${conversationId}`, ...(keepPlace ? { keepPlace } : {}) });
      if (mode === 'call' && conversation) {
        await residents.notify(conversation,  `Thanks. A person will call you on ${result.masked} as soon as they can.${keepPlace ? ' You keep your place in the queue.' : ''}`);
      }
      // The chat closes as moved to SMS or the phone, exactly as a caller's "text me instead" does.
      if (mode === 'text' || keepPlace) {
        await inOrder(() => host.ingest({
          channel: WEBCHAT,
          externalId: `${channelUserId}-${mode}-${result.seed}`,
          inboxAddress: widgetKey,
          channelUserId,
          receivedAt: new Date(),
          content: { kind: 'call', event: mode === 'text' ? 'text_instead' : 'call_instead' },
          raw: { mode },
        }));
        await residents.runTurns(identityId);
      }
      return { mode, number: result.masked };
    });

    /** The "Talk to a person" button: an inbound event like any other, run at once so the ack can say the status. */
    host.command(socket, 'handoff.request', z.object({}).passthrough(), async () => {
      const { identityId, channelUserId, widgetKey } = session();
      await limits.handoff(identityId);
      await inOrder(() => host.ingest({
        channel: WEBCHAT,
        externalId: `${channelUserId}-handoff-${randomBytes(8).toString('hex')}`,
        inboxAddress: widgetKey,
        channelUserId,
        receivedAt: new Date(),
        content: { kind: 'handoff' },
        raw: {},
      }));
      await residents.runTurns(identityId);
      const conversation = await residents.current(identityId);
      return { status: conversation?.status ?? 'queued', conversationId: conversation?.conversationId };
    });
  });
}

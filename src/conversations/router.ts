/**
 * The one conversation router. Every inbound event, from any channel, becomes one turn:
 * in arrival order per resident (a Redis lease plus a drain of that resident's pending
 * events), decided once (the Turn record), then applied idempotently. A worker killed at
 * any point leaves either no Turn (decide again) or a Turn (replay it): never two replies.
 */
import type { ConversationStatus, FlowState } from '../domain/conversation';
import type { DomainEvent } from '../domain/events';
import { contentText, type InboundContent } from '../domain/messages';
import { wantsPerson } from '../ai/escalation';
import { isDuplicateKeyError } from '../errors';
import { runFlowStep } from '../flow-engine/runner';
import { ids } from '../ids';
import { Conversation, InboundEvent, PendingInbound, Turn, type ConversationDoc, type InboundEventDoc, type MessageDoc } from '../models';
import { nextSeq } from '../queues/turn-lease';
import type { InboundJob } from '../queues/queues';
import type { Services } from '../services';
import { escalate } from './handoff';
import { ensureIdentity, ensureOpenConversation } from './identity';
import { buildReply, commitMessages } from './outbox';

interface TurnRecord {
  _id: string;
  conversationId: string;
  messages: MessageDoc[];
  conversation: Partial<ConversationDoc>;
  events: DomainEvent[];
}

const DRAIN_BATCH = 25;

export class ConversationRouter {
  constructor(private readonly services: Services) {}

  /** Job handler for `inbound-messages`: returns once the event has had its turn (here or elsewhere). */
  async handleInbound(job: InboundJob): Promise<void> {
    const stillPending = async () => (await PendingInbound.exists({ _id: job.inboundEventId })) !== null;
    if (!(await stillPending())) return;
    await this.drainIdentity(job.identityId, stillPending);
  }

  /** Takes the resident's lease and runs every pending turn of theirs, oldest first. */
  async drainIdentity(identityId: string, stillNeeded?: () => Promise<boolean>): Promise<void> {
    await this.services.lease.run(
      identityId,
      async () => {
        for (;;) {
          const batch = await PendingInbound.find({ identityId }).sort({ arrival: 1 }).limit(DRAIN_BATCH).lean();
          if (batch.length === 0) return;
          for (const pending of batch) await this.processEvent(pending._id);
        }
      },
      stillNeeded ? { stillNeeded } : {},
    );
  }

  private async processEvent(eventId: string): Promise<void> {
    const started = process.hrtime.bigint();
    const event = await InboundEvent.findById(eventId).lean<InboundEventDoc>();
    if (!event || event.processedAt) {
      await PendingInbound.deleteOne({ _id: eventId });
      return;
    }
    let turn = await Turn.findById(ids.turn(eventId)).lean<TurnRecord>();
    const replayed = turn !== null;
    if (!turn) {
      const decided = await this.decide(event);
      try {
        await Turn.create(decided);
        turn = decided;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        turn = (await Turn.findById(ids.turn(eventId)).lean<TurnRecord>())!;
      }
    }
    await this.apply(turn, event);
    this.services.metrics.turns.inc({ outcome: replayed ? 'replayed' : 'decided' });
    this.services.metrics.turnSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Decides the turn: the resident's message, the replies, the conversation's new state. Writes only identity/conversation creation. */
  private async decide(event: InboundEventDoc): Promise<TurnRecord> {
    const { council } = this.services;
    const identity = await ensureIdentity(council.id, { inboxId: event.inboxId, channel: event.channel, channelUserId: event.channelUserId });
    const conversation = await ensureOpenConversation(council.id, identity, event._id);
    const content = event.content as InboundContent;
    const text = contentText(content);
    const now = new Date();

    const residentMessage = {
      _id: ids.turnMessage(event._id, 0),
      conversationId: conversation._id,
      identityId: identity._id,
      seq: await nextSeq(this.services.redis, this.services.config.QUEUE_PREFIX, identity._id),
      direction: 'inbound',
      channel: event.channel,
      sender: { kind: 'contact' },
      text,
      content,
      deliveryStatus: 'received',
      createdAt: event.receivedAt,
      updatedAt: event.receivedAt,
    } as MessageDoc;

    const turn: TurnRecord = {
      _id: ids.turn(event._id),
      conversationId: conversation._id,
      messages: [residentMessage],
      conversation: { lastResidentAt: now, lastResidentSeq: residentMessage.seq },
      events: [],
    };
    const reply = async (say: string, choices?: Array<{ value: string; label: string }>) => {
      turn.messages.push(await buildReply(this.services, conversation, { kind: 'bot' }, { text: say, ...(choices ? { choices } : {}) }, ids.turnMessage(event._id, turn.messages.length)));
    };
    const askedForPerson = content.kind === 'handoff' || wantsPerson(text);
    const status = conversation.status as ConversationStatus;

    if (status === 'queued' || status === 'assigned') {
      // A person owns the conversation: the bot stays quiet, except to confirm a repeated ask.
      if (askedForPerson && status === 'queued') await reply("You're in the queue for a person. They'll reply here as soon as they can.");
      return turn;
    }

    if (askedForPerson) {
      const reason = content.kind === 'handoff' ? 'Resident pressed "Talk to a person"' : 'Resident asked for a person';
      const escalation = await escalate(council, conversation, reason, event._id, now);
      Object.assign(turn.conversation, escalation.patch);
      turn.events.push(...escalation.events);
      await reply(escalation.notice);
      return turn;
    }

    const outcome = await runFlowStep(this.services.flows, (conversation.flow as FlowState | null) ?? undefined, { content, text }, {
      council: { name: council.name, officeHours: council.officeHours },
    });
    if (outcome.handoff) {
      const escalation = await escalate(council, conversation, outcome.handoff.reason, event._id, now);
      Object.assign(turn.conversation, escalation.patch);
      turn.events.push(...escalation.events);
      await reply([...outcome.say, escalation.notice].join('\n'));
      return turn;
    }
    turn.conversation.flow = outcome.state;
    if (outcome.say.length > 0) await reply(outcome.say.join('\n'), outcome.choices);
    return turn;
  }

  /** Applies a decided turn. Every step is idempotent, so a replay after a crash is harmless. */
  private async apply(turn: TurnRecord, event: InboundEventDoc): Promise<void> {
    const { services } = this;
    const patch = turn.conversation;
    const updated = await Conversation.findOneAndUpdate({ _id: turn.conversationId }, { $set: patch }, { new: true }).lean<ConversationDoc>();
    await commitMessages(services, turn.messages, updated?.queue ?? null);
    for (const domainEvent of turn.events) services.broadcaster.publish(domainEvent, event.identityId, { toResident: true });

    if (updated?.status === 'bot') {
      const residentSeq = turn.messages[0]?.seq ?? 0;
      await services.queues.addTimer(
        { kind: 'inactivity', conversationId: updated._id, identityId: updated.identityId, residentSeq },
        services.config.INACTIVITY_CLOSE_MINUTES * 60_000,
      );
    }
    await InboundEvent.updateOne({ _id: event._id }, { $set: { processedAt: new Date() } });
    await PendingInbound.deleteOne({ _id: event._id });
  }
}

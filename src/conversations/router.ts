/**
 * The one conversation router. Every inbound event, from any channel, becomes one turn,
 * in arrival order per resident (a Redis lease plus a drain of that resident's pending
 * events, oldest first). A turn is decided once and stored *with the resident's message*
 * in a single insert, before any effect; then it is applied idempotently. A worker killed
 * at any point leaves either no stored message (decide again) or one carrying its turn
 * (replay that decision): nothing is lost and no reply is made twice.
 *
 * Round trips to the database are few on purpose: FerretDB's SQLite backend costs a few
 * milliseconds per request and serialises writes.
 */
import { nextStatus, type ConversationStatus, type FlowState } from '../domain/conversation';
import type { DomainEvent } from '../domain/events';
import { handoffKind, type HandledBy, type JourneyData, type JourneyEvent, type JourneyEventType } from '../domain/journey';
import { journeyId } from '../journey/journal';
import { locatePlaces } from '../geo/place-addresses';
import { focusedAnswer, journeyStep } from '../flow-engine/form';
import { campaignKnowledge } from '../campaigns/campaigns';
import { withdrawAllConsent } from '../campaigns/consent';
import { MAIN_FLOW_ID } from '../flow-engine/registry';
import { contentText, inboundContentSchema, type InboundContent } from '../domain/messages';
import { languageName } from '../ai/language';
import { OUT_OF_SCOPE } from '../ai/nlu';
import { RISK_LABELS } from '../ai/safeguarding';
import { PERSON } from '../ai/understanding';
import { crisisNotice, interpreterNotice } from './safeguarding-notice';
import { flowServicesFor } from '../flow-engine/flow-services';
import { runFlowStep } from '../flow-engine/runner';
import { ids } from '../ids';
import { Campaign, Conversation, Identity, InboundEvent, Message, PendingInbound, findByKey, insertOnce, insertRecords, setByKey, type CampaignDoc, type ConversationDoc, type InboundEventDoc, type MessageDoc } from '../models';
import { nextSeq } from './message-seq';
import type { CarriedEvent, InboundJob } from '../queues/queues';
import type { Services } from '../services';
import type { Tenant } from '../councils/directory';
import { escalate } from './handoff';
import { isOpen } from './office-hours';
import { offerToAvailableAgent } from './offers';
import { ensureIdentity, ensureOpenConversation, phoneOf, type IdentityDoc } from './identity';
import { findInbox } from './inboxes';
import { LINK_CODE_MINUTES, LINK_MAX_TRIES, codeHash, isLinkCode, linkCode, maskedNumber, phoneNumberGiven, type PendingLink } from './linking';
import { announceMessages, buildReply, storeMessages } from './outbox';

/** A resolved conversation waits a day for its one-question survey, and takes one answer. */
const SURVEY_WINDOW_MS = 24 * 3_600_000;
function awaitsSurvey(c: ConversationDoc, now: Date): boolean {
  return c.status === 'resolved' && Boolean(c.survey?.askedAt) && !c.survey?.score && now.getTime() - new Date(c.survey!.askedAt!).getTime() < SURVEY_WINDOW_MS;
}
function surveyAnswer(text: string): number | undefined {
  const match = /^\s*([1-5])\s*[.!]?\s*$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** What a turn decided, stored on the resident's message as `turn`. */
export interface TurnDecision {
  replies: MessageDoc[];
  /** `$set` for the conversation, applied after the messages. */
  conversation: Partial<ConversationDoc>;
  events: DomainEvent[];
  /** `$set` for the resident's identity: consent to be messaged, or a link to a phone number's contact. */
  identity?: { optedOut?: boolean; pendingLink?: PendingLink | null; contactId?: string };
  /** The conversation's status and queue once the turn is applied. */
  statusAfter: ConversationStatus;
  queue?: string;
  /** What handled the turn: a flow's step, a person, or the engine itself (turns stored before this have none). */
  handledBy?: HandledBy;
  /** Journey events of the turn, recorded after its replies are on their way. */
  journey?: JourneyEvent[];
  /**
   * Whether people are answering now (the council's office hours), so a channel that holds the
   * resident while they wait (a call) can offer the queue or the after-hours choices without
   * deciding hours itself. Turns stored before this have none.
   */
  staffed?: boolean;
}

const DRAIN_BATCH = 25;

export class ConversationRouter {
  constructor(private readonly services: Services) {}

  /** Job handler for `inbound-messages`: returns once the event has had its turn (here or elsewhere). */
  async handleInbound(job: InboundJob): Promise<void> {
    const stillPending = () => this.services.pending.has(job.identityId, job.inboundEventId);
    if (!(await stillPending())) return;
    const carried = job.event ? { [job.inboundEventId]: job.event } : undefined;
    await this.drainIdentity(job.identityId, stillPending, carried);
  }

  /** Takes the resident's lease and runs every pending turn of theirs, oldest first. */
  async drainIdentity(identityId: string, stillNeeded?: () => Promise<boolean>, carried?: Record<string, CarriedEvent>): Promise<void> {
    const drain = async () => {
      for (;;) {
        const batch = await this.services.pending.oldest(identityId, DRAIN_BATCH);
        if (batch.length === 0) return;
        for (const eventId of batch) await this.processEvent(identityId, eventId, carried?.[eventId] ?? (await this.services.queues.carriedEvent(eventId).catch(() => undefined)));
      }
    };
    if (stillNeeded) await this.services.lease.holdUnlessDone(identityId, drain, stillNeeded);
    else await this.services.lease.hold(identityId, drain);
  }

  private async processEvent(identityId: string, eventId: string, carried?: CarriedEvent): Promise<void> {
    const started = process.hrtime.bigint();
    // Job data is JSON: the content is read back through its schema, so its dates are dates again
    // (anything the schema does not know is kept; content it refuses is read from the database).
    const parsed = carried ? inboundContentSchema.safeParse(carried.content) : undefined;
    const event = carried && parsed?.success
      ? ({ ...carried, _id: eventId, identityId, receivedAt: new Date(carried.receivedAt), content: { ...(carried.content as object), ...parsed.data } } as InboundEventDoc)
      : await findByKey<InboundEventDoc>(InboundEvent, eventId);
    if (event) {
      const { resident, decision, replayed } = await this.decideOnce(event);
      // Counted once decided (before its replies go), so a reply seen means a turn counted.
      this.services.metrics.turns.inc({ outcome: replayed ? 'replayed' : 'decided' });
      await this.apply(resident, decision, replayed);
      this.services.metrics.turnSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
    // Only events stored while Redis was away have a durable pending record (see ingest.ts).
    if (await this.services.pending.finish(identityId, eventId)) await PendingInbound.deleteOne({ _id: eventId });
  }

  /** Decides the turn and stores it with the resident's message; if one is stored already, that one wins. */
  private async decideOnce(event: InboundEventDoc): Promise<{ resident: MessageDoc; decision: TurnDecision; replayed: boolean }> {
    const { resident, decision } = await this.decide(event);
    const started = decision.journey?.find((e) => e.type === 'contact.started');
    if (started && decision.replies.length > 0) started.data = { ...started.data, firstReplyMs: Math.max(0, Date.now() - new Date(event.receivedAt).getTime()) };
    // One ordered insert: the resident's message (carrying the decision) first, then the replies.
    // If the resident's message is already there, the stored decision is replayed (and its
    // replies stored if a crash cut the first attempt short).
    if (await insertOnce(insertRecords(Message, [{ ...resident, turn: decision }, ...decision.replies]))) {
      return { resident, decision, replayed: false };
    }
    const stored = (await findByKey<MessageDoc & { turn: TurnDecision }>(Message, resident._id))!;
    return { resident: stored, decision: stored.turn, replayed: true };
  }

  /** Decides what to say and do. Its only writes create the resident's identity and conversation on first contact. */
  private async decide(event: InboundEventDoc): Promise<{ resident: MessageDoc; decision: TurnDecision }> {
    // The council is the inbox's: its name, hours, content and understanding answer this turn.
    const tenant = this.services.councils.tenant((await findInbox(event.inboxId))?.councilId ?? this.services.councils.default.council.id);
    const { council } = tenant;
    const identity = await ensureIdentity(council.id, { inboxId: event.inboxId, channel: event.channel, channelUserId: event.channelUserId });
    const stored = event.content as InboundContent;
    // "YES" is a carrier opt-in word, but from a subscribed resident it is just an answer.
    const content: InboundContent =
      stored.kind === 'consent' && stored.action === 'opt_in' && !(identity as IdentityDoc & { optedOut?: boolean }).optedOut ? { kind: 'text', text: stored.text } : stored;
    const current = identity.currentConversationId ? await findByKey<ConversationDoc>(Conversation, identity.currentConversationId) : null;
    // The answer to the satisfaction question belongs to the conversation that asked it.
    const surveyScore = current && awaitsSurvey(current, new Date()) ? surveyAnswer(contentText(content)) : undefined;
    const conversation = surveyScore ? current! : await ensureOpenConversation(council.id, identity, event._id, current);
    const pressed = withOfferedLabel(content, conversation);
    const text = contentText(pressed);
    const now = new Date();

    const resident = {
      _id: ids.turnMessage(event._id, 0),
      councilId: conversation.councilId,
      conversationId: conversation._id,
      identityId: identity._id,
      seq: await nextSeq(this.services.redis, this.services.config.QUEUE_PREFIX, identity._id),
      direction: 'inbound',
      channel: event.channel,
      sender: { kind: 'contact' },
      text,
      content: pressed,
      ...(content.kind === 'media' && content.urls.length ? { mediaIds: content.urls.map((_, n) => ids.media(event._id, n)) } : {}),
      ...(event.context ? { context: event.context } : {}),
      deliveryStatus: 'received',
      createdAt: event.receivedAt,
      updatedAt: event.receivedAt,
    } as MessageDoc;

    const status = conversation.status as ConversationStatus;
    const decision: TurnDecision = {
      replies: [],
      // The preview agents see in the queue, so the list needs no message reads.
      conversation: { lastResidentAt: now, lastResidentSeq: resident.seq, lastResidentText: text.slice(0, 140) },
      events: [],
      statusAfter: status,
      ...(conversation.queue ? { queue: conversation.queue } : {}),
      journey: [],
      staffed: isOpen(now, council.officeHours, council.timezone),
    };
    const journey = (type: JourneyEventType, fields: { flow?: string; step?: string; data?: JourneyData } = {}) => {
      const events = decision.journey!;
      events.push({ id: journeyId(event._id, `${type}-${events.length}`), type, at: now, n: events.length, councilId: council.id, contactId: conversation.contactId, conversationId: conversation._id, channel: conversation.channel, ...fields });
    };
    const handled = (by: HandledBy) => (decision.handledBy = by);
    // The resident's first message in this conversation starts a contact (the survey's answer does not).
    if (!conversation.lastResidentAt && !surveyScore) journey('contact.started');
    const before = (conversation.flow as FlowState | null) ?? undefined;
    /** Set once the message is read: with a model, the resident is answered in their own language. */
    let replyLanguage: string | undefined;
    const reply = async (say: string, choices?: Array<{ value: string; label: string }>, flow?: { id: string; step: string }) => {
      const id = ids.turnMessage(event._id, decision.replies.length + 1);
      const translated = replyLanguage ? (await tenant.understanding.llm?.translate([say], replyLanguage))?.[0] : undefined;
      const built = await buildReply(this.services, conversation, { kind: 'bot' }, { text: translated ?? say, ...(choices ? { choices } : {}) }, { id, residentAddress: identity.channelUserId });
      decision.replies.push(flow ? ({ ...built, flow } as MessageDoc) : built);
    };
    const result = { resident, decision };
    if (surveyScore) {
      handled({ kind: 'engine', what: 'survey' });
      journey('survey.answered', { data: { score: surveyScore } });
      decision.conversation.survey = { ...(conversation.survey ?? {}), score: surveyScore, answeredAt: now };
      await reply('Thanks for your feedback. It helps us improve.');
      return result;
    }
    if (content.kind === 'consent') {
      handled({ kind: 'engine', what: 'consent' });
      // Carrier rules: STOP silences the address at once (the carrier confirms it); START and HELP are answered.
      if (content.action === 'opt_out') decision.identity = { optedOut: true };
      if (content.action === 'opt_in') {
        decision.identity = { optedOut: false };
        await reply(`You're subscribed again to ${council.name} messages. Reply HELP for help or STOP to opt out.`);
      }
      if (content.action === 'help') await reply(`${council.name}: text your question, or AGENT to talk to a person. Reply STOP to opt out.`);
      return result;
    }

    if (content.kind === 'call' && content.event !== 'no_input') {
      const callHandled = await this.callEvent(content.event, content.callId, conversation, decision, reply);
      if (callHandled) {
        handled({ kind: 'engine', what: 'call' });
        return result;
      }
    }

    const spoken = this.services.channels.get(conversation.channel).capabilities.choices === 'spoken';
    // One reading per turn of what the message is about (the model's too, where it may be asked).
    // A photo's caption is read too ("pothole outside 12 Jetty Road" with the picture starts a report).
    const reading = text.trim() && (content.kind === 'text' || content.kind === 'speech' || content.kind === 'media') ? await tenant.understanding.understand(text, { allowLlm: !spoken && status === 'bot' }) : undefined;
    const askedForPerson = content.kind === 'handoff' || reading?.intent === PERSON;
    if (reading && reading.language !== 'en' && tenant.understanding.llm && !spoken) {
      replyLanguage = reading.language;
      decision.conversation.language = reading.language;
    }
    const escalateFor = async (reason: string, sayFirst: string[] = [], urgent = false) => {
      const keepPlace = content.kind === 'handoff' ? content.keepPlace : undefined;
      const escalation = await escalate(council, this.services.waitingLine, conversation, reason, event._id, now, { spoken, residentText: text, urgent, ...(reading ? { language: reading.language } : {}), ...(keepPlace ? { keepPlace } : {}) });
      Object.assign(decision.conversation, escalation.patch);
      decision.events.push(...escalation.events);
      decision.statusAfter = escalation.patch.status as ConversationStatus;
      decision.queue = escalation.patch.queue as string;
      const kind = handoffKind(reason);
      // A flow left for a person is a drop-off at the step the resident had reached.
      const left = flowLeft ?? (before && before.id !== MAIN_FLOW_ID ? { flow: before.id, step: journeyStep(before) } : undefined);
      if (left) journey('flow.abandoned', { ...left, data: { why: 'handed_over' } });
      journey('handoff.requested', { data: { reason, reasonKind: kind } });
      journey('conversation.queued', { data: { reason, reasonKind: kind, queue: escalation.patch.queue as string, priority: escalation.patch.priority as number } });
      decision.handledBy ??= { kind: 'engine', what: 'escalation' };
      await reply([...sayFirst, escalation.notice].join('\n'));
    };
    let flowLeft: { flow: string; step: string } | undefined;

    if (reading?.risk) {
      handled({ kind: 'engine', what: 'safeguarding' });
      // Safeguarding first, in any state and at any hour: the crisis lines, then a person, urgently.
      const reason = `Safeguarding: ${RISK_LABELS[reading.risk]}`;
      if (status === 'assigned') {
        decision.conversation.priority = 0;
        decision.conversation.handoffReason = reason;
        return result;
      }
      if (status === 'queued') {
        Object.assign(decision.conversation, { priority: 0, handoffReason: reason });
        await reply(crisisNotice(council, reading.risk, spoken));
        return result;
      }
      // The crisis lines stand alone as the first message, so nothing can crowd them out.
      await reply(crisisNotice(council, reading.risk, spoken));
      await escalateFor(reason, [], true);
      return result;
    }

    if (status === 'bot' && !phoneOf(identity.channelUserId)) {
      if (await this.phoneLink(tenant, event, identity as IdentityDoc & { pendingLink?: PendingLink | null }, conversation, text, decision, reply)) {
        handled({ kind: 'engine', what: 'phone_link' });
        return result;
      }
    }

    if (status === 'queued' || status === 'assigned') {
      handled({ kind: 'person' });
      // A person owns the conversation: the bot stays quiet, except to confirm a repeated ask.
      if (askedForPerson && status === 'queued') await reply("You're in the queue for a person. They'll reply here as soon as they can.");
      return result;
    }

    if (askedForPerson) {
      const language = reading && reading.language !== 'en' ? ` (in ${languageName(reading.language)})` : '';
      const about = reading?.topic ? `: "${reading.topic}"` : '';
      await escalateFor(content.kind === 'handoff' ? (content.reason ?? 'Resident pressed "Talk to a person"') : `Resident asked for a person${language}${about}`);
      return result;
    }

    if (conversation.campaignId && text.trim() && (content.kind === 'text' || content.kind === 'speech')) {
      // A reply to a campaign's text: answered from the campaign's own document, or a person.
      const campaign = await Campaign.findById(conversation.campaignId).lean<CampaignDoc>();
      if (campaign) {
        const best = campaignKnowledge(campaign).search(text)[0];
        const at = { flow: 'campaign', step: campaign.topic };
        handled({ kind: 'flow', ...at });
        if (best) {
          journey('turn.understood', at);
          await reply(`${focusedAnswer(text, best.text, 300 - best.sourceUrl.length - 7)} More: ${best.sourceUrl}`, undefined, { id: at.flow, step: at.step });
        } else {
          journey('turn.missed', at);
          await escalateFor(`Question about the campaign "${campaign.name}"`);
        }
        return result;
      }
    }

    if (reading && reading.language !== 'en' && reading.intent === OUT_OF_SCOPE && !tenant.understanding.llm) {
      // A message we cannot read and no model to read it: never a menu in English only.
      decision.conversation.language = reading.language;
      handled({ kind: 'engine', what: 'interpreter' });
      journey('turn.missed', { data: { reason: 'language' } });
      await reply(interpreterNotice(council), [{ value: 'agent', label: 'Talk to a person' }]);
      return result;
    }

    const effects: Array<{ type: JourneyEventType; data: JourneyData }> = [];
    const flowServices = flowServicesFor(tenant, {
      onEffect: (type, data) => effects.push({ type, data }),
      seed: event._id,
      now,
      live: spoken,
      resident: { contactId: conversation.contactId, identityId: identity._id, conversationId: conversation._id, channel: conversation.channel, address: identity.channelUserId },
      ...(reading ? { reading: { text, reading } } : {}),
    });
    const outcome = await runFlowStep(tenant.flows, (conversation.flow as FlowState | null) ?? undefined, { content, text, ...(reading ? { understood: reading } : {}) }, {
      council: { name: council.name, officeHours: council.officeHours, timezone: council.timezone, ...(council.reportCategories ? { reportCategories: council.reportCategories } : {}) },
      services: flowServices,
    });
    const after = outcome.state;
    const at = { flow: outcome.handledBy.flow, step: after.id === outcome.handledBy.flow ? journeyStep(after) : outcome.handledBy.step };
    handled({ kind: 'flow', ...at });
    for (const flowId of outcome.entered) journey('flow.entered', { flow: flowId });
    for (const effect of effects) journey(effect.type, { ...at, data: effect.data });
    const { ended } = outcome;
    const missed = after.misses > 0 || Boolean(ended?.missed) || (outcome.handoff !== undefined && handoffKind(outcome.handoff.reason) === 'not_understood');
    journey(missed ? 'turn.missed' : 'turn.understood', at);
    if (ended) {
      // A form flow has one step: where it ended is where the resident was (the confirmation, usually).
      const step = before?.id === ended.flow ? journeyStep(before) : ended.step;
      journey(ended.completed ? 'flow.completed' : 'flow.abandoned', { flow: ended.flow, step, ...(ended.completed ? {} : { data: { why: ended.missed ? 'not_found' : 'stopped' } }) });
    }
    if (outcome.handoff) {
      if (after.id !== MAIN_FLOW_ID) flowLeft = { flow: after.id, step: journeyStep(after) };
      await escalateFor(outcome.handoff.reason, outcome.say);
      return result;
    }
    // The step the resident is now at, when it moved (a funnel counts who reached each step).
    if (after.id !== MAIN_FLOW_ID && !outcome.ended && (after.id !== before?.id || journeyStep(after) !== journeyStep(before))) journey('step.reached', { flow: after.id, step: journeyStep(after) });
    decision.conversation.flow = outcome.state;
    if (outcome.say.length > 0) await reply(outcome.say.join('\n'), outcome.choices, { id: at.flow, step: at.step });
    return result;
  }

  /**
   * A chat resident gives their phone number (we text it a code) or types the code back (the
   * chat joins that number's contact). Returns true when the message was part of linking.
   */
  private async phoneLink(
    tenant: Tenant,
    event: InboundEventDoc,
    identity: IdentityDoc & { pendingLink?: PendingLink | null },
    conversation: ConversationDoc,
    text: string,
    decision: TurnDecision,
    reply: (say: string) => Promise<void>,
  ): Promise<boolean> {
    const { config } = this.services;
    const { council } = tenant;
    // The chat is linked to the resident's number as this council's SMS inbox knows it; a council without a number links nothing.
    const councilNumber = this.services.councils.smsNumber(council.id);
    // Texted from the channel that texts phone numbers (capability `phone: 'text'`), not one named here.
    const texting = this.services.channels.byPhone('text')?.id;
    if (!councilNumber || !texting) return false;
    const smsInbox = ids.inbox(texting, councilNumber);
    const pending = identity.pendingLink;
    if (pending && isLinkCode(text)) {
      if (new Date(pending.expiresAt) < new Date() || pending.tries >= LINK_MAX_TRIES) {
        decision.identity = { pendingLink: null };
        await reply('That code has expired. Type your mobile number again and we will text you a new one.');
      } else if (codeHash(config.APP_SECRET, identity._id, text) === pending.codeHash) {
        const phoneIdentity = await ensureIdentity(council.id, { inboxId: smsInbox, channel: texting, channelUserId: pending.phone });
        decision.identity = { pendingLink: null, contactId: phoneIdentity.contactId };
        decision.conversation.contactId = phoneIdentity.contactId;
        await reply('Thanks. This chat is now linked to your phone number, so our team sees your messages, texts and calls together.');
      } else {
        decision.identity = { pendingLink: { ...pending, tries: pending.tries + 1 } };
        await reply("That code doesn't match. Please check the text we sent and try again.");
      }
      return true;
    }
    const phone = phoneNumberGiven(text, councilNumber);
    if (!phone || !(await findInbox(smsInbox))) return false;
    const code = linkCode(config.APP_SECRET, event._id);
    const phoneIdentity = await ensureIdentity(council.id, { inboxId: smsInbox, channel: texting, channelUserId: phone });
    const textConversation = await ensureOpenConversation(council.id, phoneIdentity, `${event._id}-link`);
    decision.replies.push(
      await buildReply(this.services, textConversation, { kind: 'system' }, { text: `${council.name}: your code is ${code}. Type it in the chat to link it to this number. Didn't ask for it? Ignore this text.` }, { id: ids.turnMessage(event._id, decision.replies.length + 1), residentAddress: phone }),
    );
    decision.identity = { pendingLink: { phone, codeHash: codeHash(config.APP_SECRET, identity._id, code), expiresAt: new Date(Date.now() + LINK_CODE_MINUTES * 60_000), tries: 0 } };
    await reply(`We've texted a 6-digit code to ${maskedNumber(phone)}. Type it here to link this chat to your phone number.`);
    return true;
  }

  /**
   * Phone call events. A new call is recorded and then greeted by the flows (returns false);
   * a hang-up closes the call, and a hang-up while waiting for a person is an abandoned call;
   * a caller waiting can ask for a call-back (keeping their place) or to go on by text.
   */
  private async callEvent(
    event: 'started' | 'ended' | 'callback_requested' | 'text_instead' | 'call_instead',
    callId: string | undefined,
    conversation: ConversationDoc,
    decision: TurnDecision,
    reply: (say: string) => Promise<void>,
  ): Promise<boolean> {
    const status = conversation.status as ConversationStatus;
    const call = (conversation.call ?? {}) as { sid?: string; live?: boolean };
    const close = (outcome: string) => {
      decision.conversation.status = nextStatus(status, 'resolve');
      decision.conversation.outcome = outcome;
      decision.conversation.resolvedAt = new Date();
      decision.statusAfter = 'resolved';
      const payload = { conversationId: conversation._id, status: 'resolved' as const, channel: conversation.channel, outcome, ...(conversation.queue ? { queue: conversation.queue } : {}) };
      decision.events.push({ type: 'conversation.updated', conversationId: conversation._id, councilId: conversation.councilId, ...(conversation.queue ? { queue: conversation.queue } : {}), payload });
      const at = new Date();
      const base = { at, councilId: conversation.councilId, contactId: conversation.contactId, conversationId: conversation._id, channel: conversation.channel };
      const flow = conversation.flow as FlowState | null | undefined;
      decision.journey ??= [];
      if (flow && flow.id !== MAIN_FLOW_ID && status === 'bot') decision.journey.push({ ...base, id: journeyId(conversation._id, 'flow.abandoned-call'), type: 'flow.abandoned', flow: flow.id, step: journeyStep(flow), data: { why: 'left' } });
      decision.journey.push({ ...base, id: journeyId(conversation._id, 'conversation.resolved'), type: 'conversation.resolved', data: { outcome, by: outcome.startsWith('moved_to_') ? 'moved' : 'call_ended' } });
    };
    switch (event) {
      case 'started':
        decision.conversation.call = { sid: callId ?? call.sid, live: true };
        // Someone already waiting for a person (a call-back, say) goes straight back to the queue.
        return status === 'queued' || status === 'assigned';
      case 'ended':
        if (call.sid && callId && call.sid !== callId) return true; // an older call's late callback
        decision.conversation.call = { ...call, live: false, endedAt: new Date() };
        if (status === 'bot') close('completed_by_bot');
        else if (status === 'queued' && !conversation.callbackRequested) close('abandoned');
        return true;
      case 'callback_requested':
        if (status !== 'queued') return false;
        decision.conversation.callbackRequested = true;
        decision.events.push({
          type: 'conversation.updated',
          conversationId: conversation._id,
          councilId: conversation.councilId,
          ...(conversation.queue ? { queue: conversation.queue } : {}),
          payload: { conversationId: conversation._id, status, channel: conversation.channel, callbackRequested: true, ...(conversation.queue ? { queue: conversation.queue } : {}) },
        });
        await reply("Thanks. We'll call you back on this number, and you keep your place in the queue. Goodbye.");
        return true;
      case 'text_instead':
        if (status === 'resolved') return true;
        close('moved_to_sms');
        await reply("OK. We'll send you a text message now, and a person will reply there. Goodbye.");
        return true;
      case 'call_instead':
        // The chat's place in the queue moved to the call-back; this conversation leaves the queue.
        if (status === 'resolved') return true;
        close('moved_to_phone');
        return true;
    }
  }

  /** Applies a decided turn. Every step is idempotent, so a replay after a crash is harmless. */
  private async apply(resident: MessageDoc, decision: TurnDecision, replayed: boolean): Promise<void> {
    const { services } = this;
    if (replayed) await storeMessages(decision.replies);
    await setByKey(Conversation, resident.conversationId, decision.conversation);
    // A caller who hangs up while waiting (or moves to another channel) leaves the line.
    if (decision.statusAfter === 'resolved' && decision.conversation.queue) await services.waitingLine.leave(decision.conversation.councilId ?? '', decision.conversation.queue, resident.conversationId);
    if (decision.identity) await Identity.updateOne({ _id: resident.identityId }, { $set: decision.identity });
    // STOP ends every topic's consent to campaigns too.
    if (decision.identity?.optedOut === true) {
      const identity = await Identity.findById(resident.identityId, { contactId: 1 }).lean();
      if (identity) await withdrawAllConsent(identity.contactId);
    }
    // A verified link moves every conversation of this identity to the person's contact.
    if (decision.identity?.contactId) await Conversation.updateMany({ identityId: resident.identityId }, { $set: { contactId: decision.identity.contactId } });
    await announceMessages(services, [resident, ...decision.replies], decision.queue);
    for (const domainEvent of decision.events) {
      services.broadcaster.publish(domainEvent, resident.identityId, { toResident: true });
      if (domainEvent.type === 'conversation.queued' && domainEvent.queue) {
        const offer = { conversationId: domainEvent.conversationId, queue: domainEvent.queue, channel: resident.channel, ...(resident.text ? { preview: resident.text.slice(0, 140) } : {}) };
        await offerToAvailableAgent(services, offer).catch((error: Error) => services.logger.warn({ err: error.message }, 'offer.failed'));
      }
    }

    // After the replies are on their way: a turn's journey never delays what the resident hears.
    await services.journal.record(decision.journey ?? []);
    // Nor does an address for a shared place: queued, not awaited (src/geo/place-addresses.ts).
    locatePlaces(services, resident, decision.journey);
    if (decision.statusAfter === 'bot') {
      const lastWrote = new Date(decision.conversation.lastResidentAt ?? Date.now()).getTime();
      await services.inactivity.set(resident.conversationId, resident.identityId, lastWrote + services.config.INACTIVITY_CLOSE_MINUTES * 60_000);
    }
  }
}

/**
 * A button press is stored and shown with the label the engine offered for that value, not the
 * label the client sent (a page could send value "no" labelled "Yes"); a value that was not on
 * offer keeps the client's words.
 */
function withOfferedLabel(content: InboundContent, conversation: ConversationDoc): InboundContent {
  if (content.kind !== 'choice') return content;
  const offered = ((conversation.flow as FlowState | null)?.offered ?? []).find((c) => c.value === content.value);
  return offered ? { ...content, label: offered.label } : content;
}

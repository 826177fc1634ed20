/**
 * Twilio's voice webhooks (CONTRACT.md §2). Every step of a call is a signed request that
 * becomes one inbound event (`<CallSid>-<step>`, so a retried request is one turn) and goes
 * through the same router as every other channel; the answer is TwiML that speaks the turn's
 * replies. Each TwiML names the URL of the next step (`?n=` counts the prompts).
 *
 * 0 (or "person") at any prompt queues the caller: in office hours they wait in a Twilio queue
 * with announcements and can choose a call-back (keeping their place) or a text message; out
 * of hours they hear the hours and get the same two options.
 */
import express, { type Express, type Response } from 'express';
import { z } from 'zod';
import type { ChannelHost, InboundWebhook, ParsedInbound, PhoneCall, TurnOutcome, WebhookReply, WebhookRequest } from '../../src/domain/channel-host';
import { MAIN_FLOW_ID, type CaseRecord } from '../../src/domain/flow';
import { ids } from '../../src/domain/ids';
import type { InboundContent } from '../../src/domain/messages';
import { parseInput } from '../../src/domain/validation';
import { NotFoundError, ValidationError } from '../../src/errors';
import { queueTextContinuation } from '../twilio/continue';
import { normaliseAddress, phoneCountry } from '../twilio/phone';
import { requireTwilioSignature, twilioForm } from '../twilio/signature';
import { holdMusicWav } from './hold-music';
import { PERSON_KEY, keypad, speakableText, spokenReference, unsayableQuestion } from './render';
import { newResponse, voiceOf, type VoiceResponse } from './twiml';
import { receiveWith } from '../webhook-http';
import { VOICE } from './channel';

const BASE = '/webhooks/twilio/voice';
/** Twilio gives a webhook 15 s; a turn slower than this is held with a short pause and a Redirect. */
const TURN_WAIT_MS = 8000;
const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

const callSchema = z.looseObject({
  CallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'is not a Twilio call id'),
  From: z.string().max(64).default(''),
  To: z.string().min(3).max(64),
  Digits: z.string().regex(/^[0-9*#]{0,10}$/).optional(),
  SpeechResult: z.string().max(2000).optional(),
  Confidence: z.coerce.number().min(0).max(1).optional(),
  QueuePosition: z.coerce.number().int().min(0).optional(),
  AvgQueueTime: z.coerce.number().min(0).optional(),
  QueueResult: z.string().max(40).optional(),
  CallStatus: z.string().max(40).optional(),
});
type CallParams = z.infer<typeof callSchema>;

const stepQuery = z.object({ n: z.coerce.number().int().min(1).max(500), t: z.string().max(120).optional() });
const offerQuery = z.object({ n: z.coerce.number().int().min(1).max(500), t: z.string().max(120), r: z.string().regex(/^[A-Z]{2}-\d{4,8}$/) });
const resultQuery = z.object({ n: z.coerce.number().int().min(1).max(500), e: z.string().max(120) });

interface Call {
  params: CallParams;
  callId: string;
  /** The caller's E.164 number, or a per-call stand-in when the number is withheld. */
  caller: string;
  callerKnown: boolean;
  council: string;
  /** Whose number was called: that council's name, hours and content answer. */
  councilId: string;
}

/** The call as the core's phone operations name it. */
const phoneCall = (call: Call): PhoneCall => ({ channel: VOICE, callId: call.callId, council: call.council, councilId: call.councilId, caller: call.caller });

export function mountVoiceWebhooks(app: Express, host: ChannelHost): void {
  const config = host.settings;
  const councilOf = (call: Call) => host.council(call.councilId);
  const url = (step: string, query: Record<string, string | number> = {}) => {
    const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    return `${config.PUBLIC_URL}${BASE}${step ? `/${step}` : ''}${search ? `?${search}` : ''}`;
  };
  const queueName = (queue: string) => `switchboard-${queue}`.slice(0, 64);
  /** The council's voice for this call: its language, its text-to-speech voice, its hold music. */
  const voiceFor = (call: Call) => voiceOf(councilOf(call).voice);

  /** The request's call, before its council is known: the parameters, the council's number and the caller. */
  function parseCall(body: unknown): Omit<Call, 'councilId'> {
    const params = parseInput(callSchema, body);
    // Before the council is known, local numbers are read as the first council's country.
    const defaultCountry = phoneCountry(host.defaultCouncil().phoneCountry);
    const councilNumber = normaliseAddress(params.To, defaultCountry);
    if (!councilNumber) throw new ValidationError('To must be a phone number.');
    const caller = normaliseAddress(params.From, defaultCountry);
    return { params, callId: params.CallSid, caller: caller ?? `withheld-${params.CallSid}`, callerKnown: Boolean(caller), council: councilNumber };
  }

  const unknownNumber = (number: string) => new NotFoundError(`The number ${number}`);

  async function readCall(body: unknown): Promise<Call> {
    const call = parseCall(body);
    const inbox = await host.findInbox(VOICE, call.council);
    if (!inbox) throw unknownNumber(call.council);
    return { ...call, councilId: inbox.councilId };
  }

  /** One call step → one inbound event; a retried request (same step) is the same event. */
  const stepMessage = (call: Omit<Call, 'councilId'>, step: string, content: InboundContent): ParsedInbound => ({
    externalId: `${call.params.CallSid}-${step}`,
    inboxAddress: call.council,
    channelUserId: call.caller,
    receivedAt: new Date(),
    content,
    raw: call.params,
  });

  async function ingestStep(call: Call, step: string, content: InboundContent): Promise<string> {
    return (await host.ingest({ channel: VOICE, ...stepMessage(call, step, content) })).eventId;
  }

  const send = (res: Response, twiml: VoiceResponse) => res.type('text/xml').send(twiml.toString());

  /**
   * A call request through the core pipeline like any webhook: parse → inbox → council → ingest,
   * then the answer (TwiML). `event` names the call step it is, if any: a request that is a step
   * only sometimes (the queue's exit, a status callback) has no message when nothing happened
   * that the conversation needs. The signature is checked for every voice URL by the router's
   * middleware below (the same check, through `host.verify`), so `verify` here only starts the
   * request's context.
   */
  type Happened = { name: string; content: InboundContent; n?: number };
  function callEvent(
    event: (call: Omit<Call, 'councilId'>, request: WebhookRequest) => Happened | undefined | Promise<Happened | undefined>,
    answer: (call: Call, eventId: string | undefined, query: unknown, happened: Happened | undefined) => WebhookReply | Promise<WebhookReply>,
  ): InboundWebhook<{ call?: Omit<Call, 'councilId'>; query?: unknown; happened?: Happened }> {
    return {
      channel: VOICE,
      verify: () => ({}),
      async parse(request, context) {
        const call = parseCall(request.body);
        const happened = await event(call, request);
        Object.assign(context, { call, query: request.query, happened });
        return { messages: happened ? [stepMessage(call, happened.name, happened.content)] : [] };
      },
      unknownInbox: unknownNumber,
      async acknowledge({ messages: [taken] }, { call, query, happened }) {
        // With no event there was no inbox to find: the council is looked up for the answer alone.
        const councilId = taken?.inbox?.councilId ?? (await host.findInbox(VOICE, call!.council))?.councilId;
        if (!councilId) throw unknownNumber(call!.council);
        return answer({ ...call!, councilId }, taken?.result.eventId, query, happened);
      },
    };
  }

  /** A call step that is always one inbound event (the call starting, an answer to a menu): the answer awaits the turn and speaks it. */
  const callStep = (step: (call: Omit<Call, 'councilId'>, request: WebhookRequest) => Promise<Happened & { n: number }>) =>
    callEvent(step, async (call, eventId, _query, happened) => twimlReply(await turnTwiml(call, eventId!, happened!.n!)));

  const twimlReply = (twiml: VoiceResponse): WebhookReply => ({ status: 200, contentType: 'text/xml', body: twiml.toString() });

  const spokenReplies = (turn: TurnOutcome) => turn.replies.map((r) => r.text ?? '').join('\n');

  /** After a flow's last word: anything else? Silence then ends the call kindly instead of replaying the menu. */
  function anythingElse(call: Call, twiml: VoiceResponse, before: string, n: number, eventId: string): VoiceResponse {
    const said = speakableText(before);
    const question = said.endsWith('?') ? '' : 'Is there anything else I can help with?';
    return voiceFor(call).prompt(twiml, { text: [before, question, 'Just say it, or press 0 for a person.'].filter(Boolean).join('\n') }, url('gather', { n: n + 1, t: eventId }), { silenceUrl: url('goodbye') });
  }

  const answerTurn = async (res: Response, call: Call, eventId: string, n: number) => void send(res, await turnTwiml(call, eventId, n));

  /** Speaks a turn's outcome: the next prompt, the queue, the out-of-hours options, or goodbye. */
  async function turnTwiml(call: Call, eventId: string, n: number, before = ''): Promise<VoiceResponse> {
    const turn = await host.awaitTurn(eventId, TURN_WAIT_MS);
    const council = councilOf(call);
    const { prompt, keyChoice, say } = voiceOf(council.voice);
    const twiml = newResponse();
    if (!turn) {
      say(twiml, [before, 'One moment, please.'].join('\n'));
      twiml.pause({ length: 1 });
      twiml.redirect({ method: 'POST' }, url('result', { e: eventId, n }));
      return twiml;
    }
    const text = [before, spokenReplies(turn)].filter(Boolean).join('\n');
    if (turn.statusAfter === 'resolved') {
      say(twiml, text || 'Thanks for calling. Goodbye.');
      twiml.hangup();
    } else if (turn.statusAfter === 'queued' || turn.statusAfter === 'assigned') {
      // The core decided whether people are answering (a turn stored before it did: the queue).
      if (turn.staffed ?? true) {
        say(twiml, text || 'Please hold for the next available person.');
        twiml.enqueue({ waitUrl: url('wait'), waitUrlMethod: 'POST', action: url('queue-exit'), method: 'POST' }, queueName(turn.queue ?? 'general'));
      } else {
        keyChoice(twiml, text, url('after-hours'));
        say(twiml, "We've kept your details, and a person will see them when we open. Goodbye.");
        twiml.hangup();
      }
    } else {
      const last = turn.replies[turn.replies.length - 1];
      const choices = (last?.choices ?? []) as Array<{ value: string; label: string }>;
      const atMainMenu = turn.flowId === MAIN_FLOW_ID;
      const unsayable = !choices.length ? unsayableQuestion(text) : undefined;
      if (unsayable) {
        // A question a caller cannot answer (e.g. "send a photo"): the call answers it for them and goes on.
        const skipped = await ingestStep(call, `g${n}-skip`, { kind: 'text', text: unsayable.answer });
        return turnTwiml(call, skipped, n, unsayable.said);
      }
      if (atMainMenu && !choices.length) {
        // A flow just finished. A permit or report of the caller's own can be texted to them.
        const record = call.callerKnown ? await host.phone.referenceIn(phoneCall(call), text) : undefined;
        if (record) offerText(call, twiml, text, record, n, eventId);
        else anythingElse(call, twiml, text, n, eventId);
      } else {
        prompt(twiml, { text, ...(choices.length ? { choices } : {}) }, url('gather', { n: n + 1, t: eventId }), {
          mainMenu: atMainMenu && choices.length > 0,
          ...(n === 1 && atMainMenu ? { welcome: council.name } : {}),
        });
      }
    }
    return twiml;
  }

  function offerText(call: Call, twiml: VoiceResponse, before: string, record: CaseRecord, n: number, eventId: string): VoiceResponse {
    const what = record.kind === 'permit' ? 'your permit number' : 'your report number, and texts when it changes';
    const repeat = record.kind === 'permit' ? `That's ${spokenReference(record.reference)}.` : '';
    const offer = `Would you like a text to this mobile with ${what}? Press 1 or say yes for a text, or press 2 for no.`;
    const action = url('text-offer', { n: n + 1, t: eventId, r: record.reference });
    return voiceFor(call).prompt(twiml, { text: [before, repeat, offer].filter(Boolean).join('\n') }, action, { hints: 'yes, no' });
  }

  /** What a key press or an answer means, against the choices the caller just heard. */
  async function gatheredContent(params: CallParams, previousEventId?: string): Promise<InboundContent> {
    if (params.Digits === PERSON_KEY) return { kind: 'handoff', reason: 'Caller pressed 0 for a person' };
    if (params.Digits) {
      const previous = previousEventId ? await host.decidedTurn(previousEventId) : undefined;
      const lastReply = previous?.replies.at(-1);
      const picked = keypad((lastReply?.choices ?? []) as Array<{ value: string; label: string }>).find((k) => k.key === params.Digits);
      // A key that is not on offer is not a choice (and never another channel's "Reply 5").
      return picked ? { kind: 'choice', value: picked.choice.value, label: picked.choice.label } : { kind: 'text', text: `Pressed ${params.Digits}` };
    }
    if (params.SpeechResult?.trim()) return { kind: 'speech', transcript: params.SpeechResult.trim(), confidence: params.Confidence ?? 0 };
    return { kind: 'call', event: 'no_input' };
  }

  /**
   * A choice made on hold or after hours: 1 is a call-back that keeps the place, 2 goes on by text
   * (the call ends and the same person is queued on SMS). Either is a call step through the core
   * pipeline; the answer speaks the turn's confirmation, then `end`s the call leg.
   */
  const holdChoice = (end: 'leave' | 'hangup') =>
    callEvent(
      (call) =>
        !call.callerKnown
          ? undefined
          : call.params.Digits === '1'
            ? { name: 'callback', content: { kind: 'call', event: 'callback_requested', callId: call.callId } }
            : call.params.Digits === '2'
              ? { name: 'text', content: { kind: 'call', event: 'text_instead', callId: call.callId } }
              : undefined,
      async (call, eventId) => {
        const { say } = voiceFor(call);
        const twiml = newResponse();
        if (!eventId) {
          if (end === 'leave') {
            say(twiml, 'Please stay on the line.');
            twiml.redirect({ method: 'POST' }, url('wait'));
          } else {
            say(twiml, "We've kept your details, and a person will see them when we open. Goodbye.");
            twiml.hangup();
          }
          return twimlReply(twiml);
        }
        if (call.params.Digits === '2') {
          await queueTextContinuation(host, { council: call.council, phone: call.caller, externalId: `${call.params.CallSid}-text`, reason: 'Caller chose to continue by text instead of waiting on the phone', raw: call.params });
        }
        const turn = await host.awaitTurn(eventId, TURN_WAIT_MS);
        say(twiml, turn ? spokenReplies(turn) : "Thanks. We've noted that. Goodbye.");
        if (end === 'leave') twiml.leave();
        else twiml.hangup();
        return twimlReply(twiml);
      },
    );

  // Twilio fetches <Play> audio with a plain GET (unsigned): the engine's own clip, when HOLD_MUSIC_URL is unset.
  app.get(`${BASE}/hold-music.wav`, (_req, res) => {
    res.type('audio/wav').set('cache-control', 'public, max-age=86400').send(holdMusicWav());
  });

  const router = express.Router();
  router.use(BASE, twilioForm, requireTwilioSignature(host, VOICE));

  router.post(BASE, receiveWith(host, callStep(async (call) => ({ name: 'start', content: { kind: 'call', event: 'started', callId: call.callId }, n: 1 }))));

  router.post(
    `${BASE}/gather`,
    receiveWith(host, callStep(async (call, request) => {
      const { n, t } = parseInput(stepQuery, request.query);
      return { name: `g${n}`, content: await gatheredContent(call.params, t), n };
    })),
  );

  // The answer to "would you like a text with your reference?": yes is consent, and the text goes out; 0 is a person.
  router.post(`${BASE}/text-offer`, receiveWith(host, callEvent(
    (call, request) => (call.params.Digits === PERSON_KEY ? { name: `g${parseInput(offerQuery, request.query).n}`, content: { kind: 'handoff', reason: 'Caller pressed 0 for a person' } } : undefined),
    async (call, eventId, query) => {
      const { n, t, r } = parseInput(offerQuery, query);
      if (eventId) return twimlReply(await turnTwiml(call, eventId, n));
      const speech = call.params.SpeechResult?.trim() ?? '';
      const yes = call.params.Digits === '1' || (!call.params.Digits && host.meansYes(speech));
      let said = 'OK, no text.';
      if (yes) {
        const record = call.callerKnown ? await host.phone.referenceIn(phoneCall(call), r) : undefined;
        const result = record ? await host.phone.textReference(phoneCall(call), record) : 'no_sms';
        said =
          result === 'sent'
            ? `Done. We've texted it to your mobile.${record?.kind === 'report' ? " We'll text you there when it changes." : ''}`
            : result === 'opted_out'
              ? "Sorry, this number has opted out of our texts, so we can't send it."
              : "Sorry, we can't send a text to this number.";
      }
      const twiml = newResponse();
      anythingElse(call, twiml, said, n, t);
      return twimlReply(twiml);
    },
  )));

  // Silence after "anything else?": the caller is done.
  router.post(`${BASE}/goodbye`, async (req, res) => {
    const call = await readCall(req.body);
    const twiml = newResponse();
    voiceFor(call).say(twiml, `Thanks for calling ${councilOf(call).name}. Goodbye.`);
    twiml.hangup();
    send(res, twiml);
  });

  // A slow turn: the caller heard "one moment" and Twilio comes back here.
  router.post(`${BASE}/result`, async (req, res) => {
    const call = await readCall(req.body);
    const { n, e } = parseInput(resultQuery, req.query);
    if (!e.startsWith(ids.inboundEvent(VOICE, `${call.params.CallSid}-`))) throw new NotFoundError('That call step');
    await answerTurn(res, call, e, n);
  });

  // Twilio fetches this while the caller holds, and again each time its TwiML ends: the place in
  // the queue, the options, then one play of the hold music (about 36 s), so the place is said
  // again about every 50 seconds.
  router.post(`${BASE}/wait`, async (req, res) => {
    const call = await readCall(req.body);
    const { say, keyChoice } = voiceFor(call);
    const twiml = newResponse();
    const position = call.params.QueuePosition;
    const average = call.params.AvgQueueTime ?? 0;
    if (position) say(twiml, position === 1 ? "You're next in the queue." : `You're number ${position} in the queue.`);
    if (average >= 60) say(twiml, `The expected wait is about ${Math.round(average / 60)} ${Math.round(average / 60) === 1 ? 'minute' : 'minutes'}.`);
    else if (average > 0) say(twiml, 'The expected wait is less than a minute.');
    if (call.callerKnown) {
      keyChoice(twiml, 'To get a call back and keep your place, press 1. To continue by text message instead, press 2. Or stay on the line.', url('wait-choice'), 4);
    }
    twiml.play({}, councilOf(call).voice.holdMusicUrl ?? url('hold-music.wav'));
    send(res, twiml);
  });

  router.post(`${BASE}/wait-choice`, receiveWith(host, holdChoice('leave')));
  router.post(`${BASE}/after-hours`, receiveWith(host, holdChoice('hangup')));

  // The Enqueue's action: the caller left the queue (bridged, chose an option, hung up, or the queue failed).
  // The queue could not hold the caller (full, or an error): their place is kept as a call-back.
  const couldNotHold = (call: Omit<Call, 'councilId'>) => !['hangup', 'bridged', 'leave', 'redirected'].includes(call.params.QueueResult ?? '') && call.callerKnown;
  router.post(`${BASE}/queue-exit`, receiveWith(host, callEvent(
    (call) =>
      call.params.QueueResult === 'hangup'
        ? { name: 'ended', content: { kind: 'call', event: 'ended', callId: call.callId } }
        : couldNotHold(call)
          ? { name: 'callback', content: { kind: 'call', event: 'callback_requested', callId: call.callId } }
          : undefined,
    (call) => {
      const twiml = newResponse();
      if (couldNotHold(call)) voiceFor(call).say(twiml, "Sorry, we can't hold your call right now. We've kept your place and will call you back on this number. Goodbye.");
      twiml.hangup();
      return twimlReply(twiml);
    },
  )));

  // Status callbacks may arrive late and out of order: only the end of the call matters, once.
  router.post(`${BASE}/status`, receiveWith(host, callEvent(
    (call) => (call.params.CallStatus && ENDED.has(call.params.CallStatus) ? { name: 'ended', content: { kind: 'call', event: 'ended', callId: call.callId } } : undefined),
    () => ({ status: 204 }),
  )));

  app.use(router);
}

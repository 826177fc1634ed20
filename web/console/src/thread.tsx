/** The middle pane: who and why, the actions, the whole transcript, and the composer (always in view). */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Socket } from 'socket.io-client';
import { DELIVERY_LABELS, OUTCOME_LABELS, RESOLVE_OUTCOMES, deliveryReason, mapLink, placeLabel, type ThreadMessage } from '../../../src/domain/workspace';
import { api, command, mediaUrl } from './api';
import { channelInfo } from './channels';
import { channelName, statusName, time } from './format';
import type { CannedResponse, Me, Opened } from './types';

interface Props {
  me: Me;
  opened: Opened | null;
  typing: boolean;
  queues: string[];
  canned: CannedResponse[];
  socket: () => Socket | null;
  say: (message: string) => void;
  onClaim: (id: string) => void;
  act: (name: string, payload: Record<string, unknown>, done: string) => Promise<boolean>;
}

export function ThreadPane(props: Props) {
  const { opened, me } = props;
  const timeline = useRef<HTMLOListElement>(null);
  const count = opened?.messages.length ?? 0;
  const lastState = opened?.messages[count - 1]?.deliveryStatus;
  useLayoutEffect(() => {
    const el = timeline.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, lastState, opened?.conversation.id]);

  if (!opened) {
    return (
      <section class="pane thread" aria-labelledby="conversation-title">
        <h2 id="conversation-title" tabIndex={-1}>No conversation open</h2>
        <p id="conversation-hint" class="muted">Choose a conversation from the list to see it here.</p>
      </section>
    );
  }
  const c = opened.conversation;
  const mine = c.status === 'assigned' && c.assignee?.id === me.id;
  const open = c.status === 'queued' || c.status === 'assigned';
  return (
    <section class="pane thread" aria-labelledby="conversation-title">
      <div class="thread-head">
        <div class="thread-title">
          <h2 id="conversation-title" tabIndex={-1}>{opened.who} · {channelName(c.channel)}{opened.councilName ? ` · ${opened.councilName}` : ''}</h2>
          <p class="muted">
            {statusName(c.status)}
            {c.assignee ? ` (${c.assignee.id === me.id ? 'you' : c.assignee.name})` : ''}
            {c.queue ? ` · queue ${c.queue}` : ''}
            {c.outcome ? ` · ${OUTCOME_LABELS[c.outcome] ?? c.outcome}` : ''}
            {c.survey?.score ? ` · rated ${c.survey.score} out of 5` : ''}
          </p>
        </div>
        <Actions {...props} />
      </div>
      <div class="log-wrap" role="log" aria-live="polite" aria-relevant="additions" aria-label="Conversation transcript">
        <ol id="timeline" class="timeline" ref={timeline} tabIndex={0}>
          {opened.messages.map((m) => <Message key={m.id} message={m} />)}
        </ol>
      </div>
      <p id="typing-indicator" class="muted typing" aria-live="polite">{props.typing ? 'The resident is typing…' : ''}</p>
      <Composer {...props} mine={mine} open={open} />
    </section>
  );
}

function Actions(props: Props) {
  const c = props.opened!.conversation;
  const [queue, setQueue] = useState(props.queues[0] ?? 'general');
  const [outcome, setOutcome] = useState<string>('resolved');
  const [agents, setAgents] = useState<Array<{ id: string; name: string; presence?: string; load?: number; capacity: number; active: boolean }>>([]);
  const [target, setTarget] = useState('');
  const supervising = props.me.role !== 'agent';
  useEffect(() => {
    if (!supervising) return;
    void fetchAgents().then((list) => {
      setAgents(list);
      setTarget((t) => t || list[0]?.id || '');
    });
  }, [supervising, c.id]);
  const closed = c.status === 'resolved' || c.status === 'bot';
  return (
    <div class="actions">
      {c.status === 'queued' && <button id="claim" type="button" onClick={() => props.onClaim(c.id)}>Claim</button>}
      <span class="field">
        <label for="outcome">Outcome</label>
        <select id="outcome" value={outcome} onChange={(e) => setOutcome((e.currentTarget as HTMLSelectElement).value)}>
          {RESOLVE_OUTCOMES.map((o) => <option value={o}>{OUTCOME_LABELS[o]}</option>)}
        </select>
        <button id="resolve" type="button" class="secondary" disabled={closed} onClick={() => void props.act('conversation.resolve', { conversationId: c.id, outcome }, 'Resolved. The resident has been asked how we did.')}>Resolve</button>
      </span>
      <details class="more">
        <summary>More actions</summary>
        <div class="more-body">
          <span class="field">
            <label for="transfer-queue">Transfer to queue</label>
            <select id="transfer-queue" value={queue} onChange={(e) => setQueue((e.currentTarget as HTMLSelectElement).value)}>
              {props.queues.map((q) => <option value={q}>{q}</option>)}
            </select>
            <button id="transfer" type="button" class="secondary" disabled={closed} onClick={() => void props.act('conversation.transfer', { conversationId: c.id, queue }, `Transferred to the ${queue} queue.`)}>Transfer</button>
          </span>
          {supervising && (
            <span class="field" id="reassign-field">
              <label for="reassign-agent">Reassign to agent</label>
              <select id="reassign-agent" value={target} onChange={(e) => setTarget((e.currentTarget as HTMLSelectElement).value)}>
                {agents.filter((a) => a.active).map((a) => <option value={a.id}>{`${a.name} (${a.presence ?? 'offline'}, ${a.load ?? 0} of ${a.capacity})`}</option>)}
              </select>
              <button id="reassign" type="button" class="secondary" disabled={closed || !target} onClick={() => void props.act('conversation.transfer', { conversationId: c.id, agentId: target }, `Reassigned to ${agents.find((a) => a.id === target)?.name ?? 'the agent'}.`)}>Reassign</button>
            </span>
          )}
          <button id="return-to-bot" type="button" class="secondary" disabled={c.status !== 'queued' && c.status !== 'assigned'} onClick={() => void props.act('conversation.return_to_bot', { conversationId: c.id }, 'Returned to the assistant.')}>Return to the assistant</button>
        </div>
      </details>
    </div>
  );
}

async function fetchAgents() {
  return (await api<{ agents: Array<{ id: string; name: string; presence?: string; load?: number; capacity: number; active: boolean }> }>('/agents')).agents;
}

function who(m: ThreadMessage): string {
  if (m.internal) return `Internal note by ${m.sender.name ?? 'an agent'}`;
  if (m.sender.kind === 'contact') return 'Resident';
  if (m.sender.kind === 'bot') return 'Assistant';
  if (m.sender.kind === 'system') return 'System';
  return m.sender.name ?? 'Agent';
}

function Message({ message: m }: { message: ThreadMessage }) {
  const kind = m.internal ? 'note' : m.call ? 'call' : m.sender.kind;
  const delivery = m.sender.kind !== 'contact' && !m.internal ? DELIVERY_LABELS[m.deliveryStatus ?? ''] : undefined;
  const failed = m.deliveryStatus === 'failed' || m.deliveryStatus === 'unknown';
  const reason = failed ? deliveryReason(m.deliveryError) : undefined;
  // A place's text is said once: on its own line only when the place line shows the address instead
  // (a place without text has a stored "Location <coordinates>" text, which the place line says better).
  const showText = !m.location || Boolean(m.location.text && m.location.address && m.location.text !== m.location.address);
  return (
    <li class={`msg ${kind}`}>
      <span class="who">{who(m)} · {time(m.createdAt)}</span>
      {m.context?.kind === 'comment' && <span class="context">Comment by {m.context.authorName ?? 'someone'} on post {m.context.postUrl ?? m.context.postId ?? ''}</span>}
      {m.call ? <span class="call-step">Call: {m.text}</span> : showText && m.text && <span class="text">{m.text}</span>}
      {m.location && (
        <span class="place">
          <span>Shared a place: {placeLabel(m.location)}</span>{' '}
          <a href={mapLink(m.location.lat, m.location.lng)} target="_blank" rel="noopener noreferrer">Open map<span class="visually-hidden"> of this place (new tab)</span></a>
        </span>
      )}
      {m.media?.map((item, n) => <Photo url={item.url} n={n} />)}
      {delivery && <span class={`delivery${failed ? ' error' : ''}`}>{delivery}{reason ? `: ${reason}` : ''}</span>}
    </li>
  );
}

/** A resident's photo, fetched from our authorised same-origin route with the agent's token. */
function Photo({ url, n }: { url: string; n: number }) {
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let alive = true;
    let made: string | undefined;
    const load = async (tries: number) => {
      try {
        made = await mediaUrl(url);
        if (alive) setSrc(made);
      } catch (e) {
        // An MMS photo is downloaded off the webhook path: it may take a moment to arrive.
        if (alive && tries > 0) window.setTimeout(() => void load(tries - 1), 1500);
        else if (alive) setError((e as Error).message);
      }
    };
    void load(8);
    return () => {
      alive = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [url]);
  if (src) return <a class="photo" href={src} target="_blank" rel="noopener"><img src={src} alt={`Photo ${n + 1} sent by the resident`} /></a>;
  return <span class="muted">{error || 'Loading photo…'}</span>;
}

function Composer(props: Props & { mine: boolean; open: boolean }) {
  const c = props.opened!.conversation;
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [text, setText] = useState('');
  const [picked, setPicked] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const typingSent = useRef(0);
  const typingStop = useRef<number | undefined>(undefined);
  useEffect(() => {
    setText('');
    setMode('reply');
  }, [c.id]);
  const slash = text.startsWith('/') ? text.slice(1).toLowerCase() : undefined;
  const matches = slash === undefined ? [] : props.canned.filter((r) => r.title.toLowerCase().includes(slash) || r.text.toLowerCase().includes(slash)).slice(0, 6);
  const insert = (r: { text: string }) => {
    setText(r.text);
    area.current?.focus();
  };
  const send = async () => {
    const body = text.trim();
    if (!body) {
      props.say('Write a reply first.');
      area.current?.focus();
      return;
    }
    const note = mode === 'note';
    try {
      await command(props.socket(), note ? 'conversation.note' : 'message.send', { conversationId: c.id, text: body });
      setText('');
      props.say(note ? 'Note added.' : 'Reply sent.');
      window.clearTimeout(typingStop.current);
      typingSent.current = 0;
    } catch (error) {
      props.say((error as Error).message);
    }
  };
  const onInput = (value: string) => {
    setText(value);
    setPicked(0);
    // Only a resident on a live client (delivery `realtime`) sees the agent typing.
    if (mode === 'note' || channelInfo(c.channel)?.capabilities.delivery !== 'realtime' || !props.mine) return;
    if (Date.now() - typingSent.current > 3000) {
      typingSent.current = Date.now();
      void command(props.socket(), 'typing', { conversationId: c.id, typing: true }).catch(() => undefined);
    }
    window.clearTimeout(typingStop.current);
    typingStop.current = window.setTimeout(() => {
      typingSent.current = 0;
      void command(props.socket(), 'typing', { conversationId: c.id, typing: false }).catch(() => undefined);
    }, 4000);
  };
  const onKey = (event: KeyboardEvent) => {
    if (matches.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        setPicked((p) => (p + (event.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length);
        return;
      }
      if (event.key === 'Enter' && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        insert(matches[picked] ?? matches[0]!);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setText(text.slice(1));
        return;
      }
    }
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void send();
    }
  };
  // A channel that answers only in the provider's own request (a call) takes no typed reply: the agent talks.
  const spoken = channelInfo(c.channel)?.capabilities.delivery === 'response';
  const canReply = props.mine && !spoken;
  const help = mode === 'note'
    ? 'Internal note: agents only, never sent to the resident.'
    : canReply
      ? `Sent over ${channelName(c.channel)}. Ctrl and Enter sends; type / for canned responses.`
      : spoken && props.mine
        ? 'A phone call: talk to the caller on the call, or add a note.'
        : 'Claim the conversation to reply; you can add internal notes at any time.';
  return (
    <form id="composer" class={`composer ${mode}`} noValidate onSubmit={(e) => { e.preventDefault(); void send(); }}>
      <fieldset class="mode">
        <legend class="visually-hidden">Write</legend>
        <input type="radio" id="mode-reply" name="mode" value="reply" checked={mode === 'reply'} onChange={() => setMode('reply')} />
        <label for="mode-reply">Reply</label>
        <input type="radio" id="as-note" name="mode" value="note" checked={mode === 'note'} onChange={() => setMode('note')} />
        <label for="as-note">Internal note</label>
      </fieldset>
      {matches.length > 0 && (
        <ul id="canned-list" role="listbox" aria-label="Canned responses" class="canned">
          {matches.map((r, i) => (
            <li id={`canned-${i}`} role="option" aria-selected={i === picked} onMouseDown={(e) => { e.preventDefault(); insert(r); }}>
              <strong>{r.title}</strong> {r.text.slice(0, 80)}
            </li>
          ))}
        </ul>
      )}
      <div class="compose-row">
        <label for="reply" class="visually-hidden">{mode === 'note' ? 'Internal note' : 'Reply to the resident'}</label>
        <textarea
          id="reply"
          ref={area}
          rows={3}
          maxLength={4000}
          value={text}
          aria-describedby="reply-help"
          aria-controls={matches.length ? 'canned-list' : undefined}
          aria-activedescendant={matches.length ? `canned-${picked}` : undefined}
          placeholder={mode === 'note' ? 'Note for other agents…' : 'Reply to the resident…'}
          onInput={(e) => onInput((e.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={onKey}
        />
        <button type="submit">{mode === 'note' ? 'Add note' : 'Send'}</button>
      </div>
      <p id="reply-help" class="muted help">{help}</p>
    </form>
  );
}

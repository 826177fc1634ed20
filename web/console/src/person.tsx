/** The right pane: the person (name editable), why they are here, the request in progress, identities and consent, past conversations, reports and permits. */
import { useEffect, useState } from 'preact/hooks';
import { CASE_STATUSES, statusWords } from '../../../src/domain/cases';
import { OUTCOME_LABELS, PRIORITY_LABELS, type CaseSummary, type JourneyItem, type PersonView } from '../../../src/domain/workspace';
import { api } from './api';
import { channelName, dateTime, languageName, statusName } from './format';
import type { Me, Opened } from './types';

interface Props {
  me: Me;
  opened: Opened | null;
  version: number;
  say: (message: string) => void;
  onOpen: (id: string) => void;
  /** The person changed (e.g. their name): the thread reloads to show it. */
  onChanged: () => void;
}

export function PersonPane(props: Props) {
  const { opened } = props;
  const [person, setPerson] = useState<PersonView | null>(null);
  const [editing, setEditing] = useState(false);
  const contactId = opened?.conversation.contactId;
  const reload = async () => {
    if (!contactId) return;
    try {
      setPerson(await api<PersonView>(`/contacts/${encodeURIComponent(contactId)}`));
    } catch {
      setPerson(null);
    }
  };
  useEffect(() => {
    setEditing(false);
    void reload();
  }, [contactId, props.version]);

  if (!opened) {
    return (
      <aside class="pane person" aria-labelledby="person-title">
        <h2 id="person-title">Person</h2>
        <p class="muted">The resident's details show here.</p>
      </aside>
    );
  }
  const c = opened.conversation;
  const rename = async (event: Event) => {
    event.preventDefault();
    const name = ((event.currentTarget as HTMLFormElement).elements.namedItem('contact-name') as HTMLInputElement).value.trim();
    try {
      setPerson(await api<PersonView>(`/contacts/${encodeURIComponent(c.contactId)}`, { method: 'PATCH', body: { name } }));
      setEditing(false);
      props.say(name ? `Name saved: ${name}.` : 'Name removed.');
      props.onChanged();
      window.setTimeout(() => document.getElementById('edit-name')?.focus(), 0);
    } catch (error) {
      props.say((error as Error).message);
    }
  };
  const others = person?.conversations.filter((o) => o.id !== c.id) ?? [];
  return (
    <aside class="pane person" aria-labelledby="person-title">
      <div class="person-head">
        {editing ? (
          <form class="rename" onSubmit={rename}>
            <label for="contact-name">Name</label>
            <input id="contact-name" name="contact-name" defaultValue={person?.name ?? ''} maxLength={120} autoFocus />
            <button type="submit">Save</button>
            <button type="button" class="secondary" onClick={() => setEditing(false)}>Cancel</button>
          </form>
        ) : (
          <>
            <h2 id="person-title">{person?.name ?? opened.who}</h2>
            <button id="edit-name" type="button" class="link" onClick={() => setEditing(true)}>{person?.name ? 'Edit name' : 'Add name'}</button>
          </>
        )}
      </div>
      <dl id="details" class="details">
        {c.handoffReason && <><dt>Why a person</dt><dd>{c.handoffReason}</dd></>}
        {PRIORITY_LABELS[c.priority ?? 2] && <><dt>Priority</dt><dd>{PRIORITY_LABELS[c.priority ?? 2]}</dd></>}
        {opened.summary && <><dt>{opened.summarySource === 'generated' ? 'Summary (written by AI: check the transcript)' : 'Resident said'}</dt><dd>{opened.summary}</dd></>}
        {c.language && <><dt>Language</dt><dd>{languageName(c.language)}</dd></>}
        {c.callbackRequested && <><dt>Call-back</dt><dd>The caller asked to be called back</dd></>}
      </dl>
      {opened.captured.length > 0 && (
        <section aria-labelledby="captured-title">
          <h3 id="captured-title">Current request</h3>
          <dl class="details captured">
            {opened.captured.map((d) => <><dt>{d.label}</dt><dd>{d.value}</dd></>)}
          </dl>
        </section>
      )}
      <section aria-labelledby="identities-title">
        <h3 id="identities-title">Channels</h3>
        <ul class="plain">
          {(person?.identities ?? []).map((i) => (
            <li>
              <strong>{channelName(i.channel)}</strong> {i.label}
              {i.optedOut && <span class="tag warn">Opted out (texted STOP): nothing can be sent</span>}
            </li>
          ))}
        </ul>
        {(person?.languages.length ?? 0) > 0 && <p class="muted">Writes in {person!.languages.map(languageName).join(', ')}</p>}
      </section>
      {person && person.cases.length > 0 && (
        <section aria-labelledby="cases-title">
          <h3 id="cases-title">Reports</h3>
          <ul class="plain">{person.cases.map((r) => <Report record={r} {...props} onChanged={reload} />)}</ul>
        </section>
      )}
      {person && person.permits.length > 0 && (
        <section aria-labelledby="permits-title">
          <h3 id="permits-title">Permits</h3>
          <ul class="plain">{person.permits.map((p) => <Permit record={p} {...props} onChanged={reload} />)}</ul>
        </section>
      )}
      <Journey contactId={c.contactId} version={props.version} />
      <section aria-labelledby="other-title">
        <h3 id="other-title">Past conversations</h3>
        <ul id="others" class="plain">
          {others.length === 0 && <li class="muted">None.</li>}
          {others.map((o) => (
            <li>
              <button type="button" class="link" aria-label={`Open the earlier ${channelName(o.channel)} conversation of ${dateTime(o.createdAt)}`} onClick={() => props.onOpen(o.id)}>
                {channelName(o.channel)} · {statusName(o.status)} · {dateTime(o.createdAt)}
              </button>
              {o.preview && <span class="preview">{o.preview}</span>}
            </li>
          ))}
        </ul>
      </section>
    </aside>
  );
}

/** The person's whole journey, every channel in time order with how each ended: loaded when opened. */
function Journey({ contactId, version }: { contactId: string; version: number }) {
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<JourneyItem[] | null>(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    setItems(null);
    if (!open) return;
    api<{ items: JourneyItem[] }>(`/contacts/${encodeURIComponent(contactId)}/journey`).then((j) => (setItems(j.items), setProblem('')), (error: Error) => setProblem(error.message));
  }, [contactId, version, open]);
  const outcome = (item: JourneyItem) => OUTCOME_LABELS[item.outcome] ?? (item.kind === 'conversation' ? statusName(item.outcome) : statusWords(item.outcome));
  return (
    <details class="journey" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>Journey: every contact in time order</summary>
      {problem && <p class="error">{problem}</p>}
      {open && !items && !problem && <p class="muted">Loading…</p>}
      {items && (
        <ol class="plain journey-items" aria-label="Journey, oldest first">
          {items.map((item) => (
            <li>
              <span class="muted">{dateTime(item.at)}{item.channel ? ` · ${channelName(item.channel)}` : ''}</span> {item.title}: <strong>{outcome(item)}</strong>
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}

function History({ record }: { record: CaseSummary }) {
  return (
    <details class="history">
      <summary>History<span class="visually-hidden"> of {record.reference}</span></summary>
      <ol>
        {record.history.map((h) => (
          <li>
            {dateTime(h.at)}: {statusWords(h.status)}{h.by ? ` by ${h.by}` : ''}{h.note ? ` — told the resident “${h.note}”` : ''}
            {h.internalNote && <span class="internal"> Internal note: {h.internalNote}</span>}
          </li>
        ))}
      </ol>
    </details>
  );
}

function Report(props: Props & { record: CaseSummary; onChanged: () => Promise<void> }) {
  const { record } = props;
  const [status, setStatus] = useState(record.status);
  const [note, setNote] = useState('');
  const [internalNote, setInternalNote] = useState('');
  const maySpeak = props.me.role !== 'agent';
  const id = record.reference;
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await api(`/cases/${encodeURIComponent(id)}/status`, { method: 'POST', body: { status, ...(note.trim() ? { note: note.trim() } : {}), ...(internalNote.trim() ? { internalNote: internalNote.trim() } : {}) } });
      props.say(`${id} is now ${statusWords(status)}. The resident has been told on their channel.`);
      setNote('');
      setInternalNote('');
      await props.onChanged();
    } catch (error) {
      props.say((error as Error).message);
    }
  };
  return (
    <li class="record">
      <p><strong>{id}</strong> {record.title} · <span class="tag">{record.statusText}</span></p>
      {record.summary && <p class="preview">{record.summary}</p>}
      <History record={record} />
      <form class="case-form" onSubmit={submit}>
        <label for={`status-${id}`}>Status of {id}</label>
        <select id={`status-${id}`} value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)}>
          {CASE_STATUSES.map((s) => <option value={s}>{statusWords(s)}</option>)}
        </select>
        <label for={`note-${id}`}>Note for the resident{maySpeak ? ' (optional, sent with the update)' : ''}</label>
        <textarea id={`note-${id}`} rows={2} maxLength={300} value={note} disabled={!maySpeak} aria-describedby={maySpeak ? undefined : `note-help-${id}`} onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
        {!maySpeak && <p id={`note-help-${id}`} class="muted">Only supervisors and admins can send a note; the resident is still told the new status.</p>}
        <label for={`internal-note-${id}`}>Internal note (staff only, never sent)</label>
        <textarea id={`internal-note-${id}`} rows={2} maxLength={500} value={internalNote} onInput={(e) => setInternalNote((e.currentTarget as HTMLTextAreaElement).value)} />
        <button type="submit" disabled={status === record.status}>Update {id}</button>
      </form>
      <Followers {...props} />
    </li>
  );
}

/** Neighbours who rang about the same pothole hear about it too: each follower is texted once on being added and on every status change. */
function Followers(props: Props & { record: CaseSummary; onChanged: () => Promise<void> }) {
  const { record } = props;
  const [phone, setPhone] = useState('');
  const id = record.reference;
  const followers = record.followers ?? [];
  const add = async (event: Event) => {
    event.preventDefault();
    try {
      await api(`/cases/${encodeURIComponent(id)}/followers`, { method: 'POST', body: { phone: phone.trim() } });
      props.say(`${phone.trim()} now follows ${id} and has been sent a text to say so.`);
      setPhone('');
      await props.onChanged();
    } catch (error) {
      props.say((error as Error).message);
    }
  };
  const remove = async (follower: { id: string; label: string }) => {
    try {
      await api(`/cases/${encodeURIComponent(id)}/followers/${encodeURIComponent(follower.id)}`, { method: 'DELETE' });
      props.say(`${follower.label} no longer hears about ${id}.`);
      await props.onChanged();
    } catch (error) {
      props.say((error as Error).message);
    }
  };
  return (
    <div class="followers">
      <h4 id={`followers-${id}`}>Also told of changes</h4>
      {followers.length === 0 ? (
        <p class="muted">Only the person who reported it.</p>
      ) : (
        <ul aria-labelledby={`followers-${id}`}>
          {followers.map((f) => (
            <li>
              {f.label}{' '}
              <button type="button" class="secondary" onClick={() => void remove(f)}>Remove<span class="visually-hidden"> {f.label} from {id}</span></button>
            </li>
          ))}
        </ul>
      )}
      <form class="follower-form" onSubmit={add}>
        <label for={`follower-${id}`}>Add a follower to {id} (mobile number)</label>
        <input id={`follower-${id}`} type="tel" autocomplete="off" inputMode="tel" value={phone} required minLength={6} maxLength={30} onInput={(e) => setPhone((e.currentTarget as HTMLInputElement).value)} />
        <button type="submit">Add follower</button>
      </form>
    </div>
  );
}

function Permit(props: Props & { record: CaseSummary; onChanged: () => Promise<void> }) {
  const { record } = props;
  const [confirming, setConfirming] = useState(false);
  const id = record.reference;
  const cancel = async () => {
    try {
      await api(`/permits/${encodeURIComponent(id)}/cancel`, { method: 'POST', body: {} });
      props.say(`${id} is cancelled and its places are freed. The resident has been told.`);
      setConfirming(false);
      await props.onChanged();
    } catch (error) {
      props.say((error as Error).message);
    }
  };
  return (
    <li class="record">
      <p><strong>{id}</strong> {record.title} · <span class="tag">{record.statusText}</span></p>
      <p class="preview">{record.summary}</p>
      <History record={record} />
      {record.status === 'booked' && !confirming && <button type="button" class="secondary" onClick={() => setConfirming(true)}>Cancel {id}…</button>}
      {confirming && (
        <div class="confirm" role="group" aria-label={`Cancel ${id}`}>
          <p>Cancel {id}? The resident is told and the places are freed.</p>
          <button type="button" class="danger" onClick={() => void cancel()}>Yes, cancel {id}</button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>Keep it</button>
        </div>
      )}
    </li>
  );
}

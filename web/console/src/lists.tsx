/** The left pane: Waiting, Mine, All open and Resolved, filtered by council (for a shared service), queue and channel, with live waits and unread counts. */
import { useRef } from 'preact/hooks';
import { LIST_LABELS, LIST_VIEWS, OUTCOME_LABELS, PRIORITY_LABELS, type ListItem, type ListResult, type ListView } from '../../../src/domain/workspace';
import { allChannels } from './channels';
import { channelName, clock, dateTime, languageName, statusName } from './format';
import type { Me } from './types';

export interface Filters {
  queue?: string;
  channel?: string;
  /** One of the councils a shared-service agent serves. */
  councilId?: string;
}

interface Props {
  me: Me;
  view: ListView;
  onView: (view: ListView) => void;
  filters: Filters;
  onFilters: (filters: Filters) => void;
  queues: string[];
  list: ListResult | null;
  listAt: number;
  mineUnread: number;
  openId: string | null;
  onOpen: (id: string) => void;
  onClaim: (id: string) => void;
  onTakeNext: () => void;
}

const EMPTY: Record<ListView, string> = { waiting: 'Nobody is waiting.', mine: 'You have no conversations open.', open: 'No open conversations.', resolved: 'Nothing resolved yet.' };

export function ListsPane(props: Props) {
  const { view, list } = props;
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const onKey = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = (index + step + LIST_VIEWS.length) % LIST_VIEWS.length;
    props.onView(LIST_VIEWS[next]!);
    tabs.current[next]?.focus();
  };
  const items = list && list.view === view ? list.items : [];
  return (
    <section class="pane lists" aria-labelledby="lists-title">
      <div class="pane-head">
        <h2 id="lists-title">Conversations</h2>
        <button id="take-next" type="button" onClick={props.onTakeNext}>Take next</button>
      </div>
      <div class="filters">
        {(props.me.councils?.length ?? 0) > 1 && (
          <>
            <label for="filter-council">Council</label>
            <select id="filter-council" value={props.filters.councilId ?? ''} onChange={(e) => props.onFilters({ ...props.filters, councilId: (e.currentTarget as HTMLSelectElement).value || undefined })}>
              <option value="">All my councils</option>
              {props.me.councils!.map((c) => <option value={c.id}>{c.name}</option>)}
            </select>
          </>
        )}
        <label for="filter-queue">Queue</label>
        <select id="filter-queue" value={props.filters.queue ?? ''} onChange={(e) => props.onFilters({ ...props.filters, queue: (e.currentTarget as HTMLSelectElement).value || undefined })}>
          <option value="">All my queues</option>
          {props.queues.filter((q) => props.me.role !== 'agent' || props.me.queues.includes(q)).map((q) => <option value={q}>{q}</option>)}
        </select>
        <label for="filter-channel">Channel</label>
        <select id="filter-channel" value={props.filters.channel ?? ''} onChange={(e) => props.onFilters({ ...props.filters, channel: (e.currentTarget as HTMLSelectElement).value || undefined })}>
          <option value="">All channels</option>
          {allChannels().map((c) => <option value={c.id}>{c.label}</option>)}
        </select>
      </div>
      <div role="tablist" aria-label="Lists" class="tabs">
        {LIST_VIEWS.map((v, i) => {
          const count = list?.counts[v];
          return (
            <button
              type="button"
              role="tab"
              id={`tab-${v}`}
              aria-selected={v === view}
              aria-controls="list-panel"
              tabIndex={v === view ? 0 : -1}
              ref={(el) => { tabs.current[i] = el; }}
              onClick={() => props.onView(v)}
              onKeyDown={(e) => onKey(e, i)}
            >
              {LIST_LABELS[v]}
              {count !== undefined && v !== 'resolved' && <span class="count"> {count}</span>}
              {v === 'mine' && props.mineUnread > 0 && <span class="badge">{props.mineUnread}<span class="visually-hidden"> unread</span></span>}
            </button>
          );
        })}
      </div>
      <div id="list-panel" role="tabpanel" aria-labelledby={`tab-${view}`} class="list-panel">
        <ul id={view} class="cards" aria-label={`${LIST_LABELS[view]} (${items.length})`}>
          {items.length === 0 && <li class="empty">{list ? EMPTY[view] : 'Loading…'}</li>}
          {items.map((item) => <Card item={item} {...props} />)}
        </ul>
      </div>
    </section>
  );
}

function Card(props: Props & { item: ListItem }) {
  const { item } = props;
  const channel = channelName(item.channel);
  const waited = item.waitingSeconds !== undefined ? item.waitingSeconds + (Date.now() - props.listAt) / 1000 : undefined;
  const label = `${channel} conversation: ${(item.preview ?? item.need).slice(0, 60)}`;
  const urgent = item.priority === 0;
  return (
    <li class={`card${urgent ? ' urgent' : ''}${props.openId === item.id ? ' current' : ''}`}>
      <button type="button" class="card-open" aria-label={`Open ${label}`} aria-current={props.openId === item.id ? 'true' : undefined} onClick={() => props.onOpen(item.id)}>
        <span class="card-top">
          <strong class="who">{item.who}</strong>
          {item.unread > 0 && <span class="badge">{item.unread}<span class="visually-hidden"> unread</span></span>}
        </span>
        <span class="need">{item.need}</span>
        {item.preview && !item.need.includes(item.preview.slice(0, 30)) && <span class="preview">{item.preview}</span>}
        <span class="meta">
          {PRIORITY_LABELS[item.priority] && <span class="flag">{PRIORITY_LABELS[item.priority]}</span>}
          {item.council && <span class="council">{item.council.name}</span>}
          <span>{channel}</span>
          {item.queue && <span>{item.queue}</span>}
          {item.language && <span>{languageName(item.language)}</span>}
          {item.callbackRequested && <span>Call-back requested</span>}
          {item.status === 'queued' && waited !== undefined && <span class="wait">Waiting {clock(waited)}</span>}
          {item.status === 'assigned' && item.assignee && <span>{item.assignee.id === props.me.id ? 'You' : item.assignee.name}</span>}
          {item.status === 'resolved' && <span>{OUTCOME_LABELS[item.outcome ?? ''] ?? statusName(item.status)}{item.resolvedAt ? ` ${dateTime(item.resolvedAt)}` : ''}</span>}
        </span>
      </button>
      {item.status === 'queued' && (
        <button type="button" class="claim" aria-label={`Claim ${label}`} onClick={() => props.onClaim(item.id)}>Claim</button>
      )}
    </li>
  );
}

/** Search results in the left pane: conversations and people, each opens in the thread. */
import type { SearchResult } from '../../../src/domain/workspace';
import { channelName, dateTime, statusName } from './format';

interface Props {
  search: { q: string; result: SearchResult | null };
  onOpen: (id: string) => void;
  onClose: () => void;
}

export function SearchResults({ search, onOpen, onClose }: Props) {
  const r = search.result;
  return (
    <section class="pane lists" aria-labelledby="search-title">
      <div class="pane-head">
        <h2 id="search-title">Results for “{search.q}”</h2>
        <button type="button" class="secondary" onClick={onClose}>Back to lists</button>
      </div>
      {!r && <p class="muted">Searching…</p>}
      {r && (
        <div class="list-panel">
          <h3 id="found-people">People ({r.contacts.length})</h3>
          <ul class="cards" aria-labelledby="found-people">
            {r.contacts.length === 0 && <li class="empty">Nobody matches.</li>}
            {r.contacts.map((c) => (
              <li class="card">
                {c.latestConversationId ? (
                  <button type="button" class="card-open" onClick={() => onOpen(c.latestConversationId!)}>
                    <strong class="who">{c.name ?? c.addresses[0] ?? 'Unnamed resident'}</strong>
                    <span class="need">{c.matched}</span>
                    {c.addresses.length > 0 && <span class="meta">{c.addresses.join(', ')}</span>}
                  </button>
                ) : (
                  <span>{c.name ?? c.addresses[0]}</span>
                )}
              </li>
            ))}
          </ul>
          <h3 id="found-conversations">Conversations ({r.conversations.length})</h3>
          <ul class="cards" aria-labelledby="found-conversations">
            {r.conversations.length === 0 && <li class="empty">No conversation matches.</li>}
            {r.conversations.map((c) => (
              <li class="card">
                <button type="button" class="card-open" aria-label={`Open ${channelName(c.channel)} conversation with ${c.who}: ${c.matched.slice(0, 60)}`} onClick={() => onOpen(c.id)}>
                  <strong class="who">{c.who}</strong>
                  <span class="need">{c.matched}</span>
                  <span class="meta"><span>{channelName(c.channel)}</span><span>{statusName(c.status)}</span><span>{dateTime(c.updatedAt)}</span></span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

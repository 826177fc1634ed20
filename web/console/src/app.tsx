/**
 * The agent workspace: sign-in, then three panes (lists | thread | person), search, the
 * supervisor wallboard and administration. Everything residents write is rendered as text
 * (Preact escapes it); links are built only for our own map links.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Socket } from 'socket.io-client';
import type { ChannelInfo, ListResult, ListView, OfferPayload, SearchResult, ThreadMessage } from '../../../src/domain/workspace';
import { api, ApiError, command, connectSocket, loadSession, saveSession, setToken, type Session } from './api';
import { ChangePassword } from './password';
import { askNotifications, chime, notify, notifyState, setSound, setTitleCount, soundOn, type NotifyState } from './alerts';
import { loadChannels } from './channels';
import { channelName } from './format';
import { ListsPane, type Filters } from './lists';
import { ThreadPane } from './thread';
import { PersonPane } from './person';
import { SearchResults } from './search';
import { AdminView } from './admin';
import { Wallboard } from './wallboard';
import { OfferBanner } from './offer';
import type { CannedResponse, Me, Opened } from './types';

type Route = 'conversations' | 'wallboard' | 'admin' | 'password';
const ROUTES: Record<string, Route> = { '#/wallboard': 'wallboard', '#/admin': 'admin', '#/password': 'password' };
const routeOf = (): Route => ROUTES[location.hash] ?? 'conversations';

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [me, setMe] = useState<Me | null>(null);
  const [signinError, setSigninError] = useState('');
  const [askCode, setAskCode] = useState(false);
  const [connection, setConnection] = useState('Connecting…');
  const [expiryWarning, setExpiryWarning] = useState(false);
  const [status, setStatus] = useState('');
  const [route, setRoute] = useState<Route>(routeOf);
  const [view, setView] = useState<ListView>('waiting');
  const [filters, setFilters] = useState<Filters>({});
  const [list, setList] = useState<ListResult | null>(null);
  const [listAt, setListAt] = useState(Date.now());
  const [mineUnread, setMineUnread] = useState(0);
  const [openId, setOpenId] = useState<string | null>(null);
  const [opened, setOpened] = useState<Opened | null>(null);
  const [personVersion, setPersonVersion] = useState(0);
  const [typing, setTyping] = useState(false);
  const [presence, setPresenceShown] = useState<'available' | 'away'>('available');
  const [offers, setOffers] = useState<OfferPayload[]>([]);
  const [search, setSearch] = useState<{ q: string; result: SearchResult | null } | null>(null);
  const [queues, setQueues] = useState<string[]>([]);
  const [canned, setCanned] = useState<CannedResponse[]>([]);
  const [sound, setSoundState] = useState(soundOn());
  const [notifications, setNotifications] = useState<NotifyState>(notifyState());
  const [wallboardTick, setWallboardTick] = useState(0);
  const socketRef = useRef<Socket | null>(null);
  const state = useRef({ openId: null as string | null, view: 'waiting' as ListView, filters: {} as Filters, meId: undefined as string | undefined });
  state.current = { openId, view, filters, meId: me?.id };

  const socket = () => socketRef.current;
  const say = (message: string) => setStatus(message);

  useEffect(() => {
    const onHash = () => setRoute(routeOf());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const signedOut = useCallback((message: string) => {
    socketRef.current?.off();
    socketRef.current?.disconnect();
    socketRef.current = null;
    saveSession(null);
    setToken(null);
    setSession(null);
    setMe(null);
    setOpenId(null);
    setOpened(null);
    setExpiryWarning(false);
    setSigninError(message);
  }, []);

  // ---- Lists --------------------------------------------------------------------------
  const refreshTimer = useRef<number | undefined>(undefined);
  const refreshLists = useCallback(async () => {
    const { view: v, filters: f } = state.current;
    try {
      const payload = { view: v, ...(f.queue ? { queue: f.queue } : {}), ...(f.channel ? { channel: f.channel } : {}), ...(f.councilId ? { councilId: f.councilId } : {}) };
      const [result, mine] = await Promise.all([
        command<ListResult>(socket(), 'conversation.list', payload),
        v === 'mine' ? Promise.resolve(null) : command<ListResult>(socket(), 'conversation.list', { view: 'mine' }),
      ]);
      setList(result);
      setListAt(Date.now());
      const unread = (mine ?? result).items.reduce((sum, item) => sum + item.unread, 0);
      setMineUnread(unread);
      setTitleCount(result.counts.waiting + unread);
    } catch {
      // Reconnecting: the next connection refreshes.
    }
  }, []);
  const scheduleRefresh = useCallback(() => {
    window.clearTimeout(refreshTimer.current);
    refreshTimer.current = window.setTimeout(() => {
      void refreshLists();
      setWallboardTick((n) => n + 1);
    }, 150);
  }, [refreshLists]);
  useEffect(() => {
    void refreshLists();
  }, [view, filters, refreshLists]);

  // ---- One conversation ---------------------------------------------------------------
  const openConversation = useCallback(async (id: string, options: { keepFocus?: boolean } = {}) => {
    if (state.current.openId !== id) {
      setOpened(null);
      setTyping(false);
    }
    setOpenId(id);
    state.current.openId = id;
    if (location.hash !== '' && location.hash !== '#/') location.hash = '#/';
    try {
      const data = await command<Opened>(socket(), 'conversation.open', { conversationId: id });
      // An answer for a conversation the agent has since left must not be drawn over the one open now.
      if (state.current.openId !== id) return;
      setOpened(data);
      setPersonVersion((n) => n + 1);
      if (!options.keepFocus) window.setTimeout(() => document.getElementById('conversation-title')?.focus(), 0);
      scheduleRefresh();
    } catch (error) {
      say((error as Error).message);
    }
  }, [scheduleRefresh]);

  const addMessage = useCallback((message: ThreadMessage) => {
    setOpened((current) => (current && current.conversation.id === message.conversationId && !current.messages.some((m) => m.id === message.id) ? { ...current, messages: [...current.messages, message] } : current));
  }, []);

  // ---- Connection ----------------------------------------------------------------------
  const start = useCallback(async (s: Session) => {
    setToken(s.token);
    let profile: Me;
    try {
      // The channels' words first, so nothing is drawn with a bare channel id.
      [profile] = await Promise.all([api<Me>('/me'), loadChannels((path) => api<{ channels: ChannelInfo[] }>(path))]);
    } catch {
      signedOut('Your sign-in has expired. Please sign in again.');
      return;
    }
    setMe(profile);
    if (profile.mustChangePassword) return;
    void api<{ queues: string[] }>('/queues').then((r) => setQueues(r.queues)).catch(() => undefined);
    void api<{ cannedResponses: CannedResponse[] }>('/canned-responses').then((r) => setCanned(r.cannedResponses)).catch(() => undefined);
    const io = connectSocket(s.token);
    socketRef.current = io;
    io.on('connect', () => {
      setConnection('Connected');
      // After any reconnection: catch up on everything missed.
      void refreshLists();
      if (state.current.openId) void openConversation(state.current.openId, { keepFocus: true });
      setWallboardTick((n) => n + 1);
    });
    io.on('disconnect', (reason: string) => {
      setConnection('Connection lost. Reconnecting…');
      if (reason === 'io server disconnect') signedOut('You have been signed out.');
    });
    io.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      setConnection('Cannot connect. Retrying…');
      if (error.data?.code === 'session_expired' || error.data?.code === 'unauthenticated') signedOut('Your sign-in has expired. Please sign in again.');
    });
    for (const name of ['conversation.updated', 'conversation.claimed', 'conversation.assigned']) {
      io.on(name, (update: { conversationId: string }) => {
        scheduleRefresh();
        if (update.conversationId === state.current.openId) void openConversation(update.conversationId, { keepFocus: true });
      });
    }
    io.on('conversation.queued', (update: { conversationId: string; channel?: string; queue?: string }) => {
      scheduleRefresh();
      if (update.conversationId === state.current.openId) void openConversation(update.conversationId, { keepFocus: true });
      chime();
      notify('A conversation is waiting', `${channelName(update.channel ?? '')}${update.queue ? ` · queue ${update.queue}` : ''}`, update.conversationId, () => void openConversation(update.conversationId));
    });
    io.on('message.created', (message: ThreadMessage) => {
      if (message.conversationId === state.current.openId) {
        addMessage(message);
        if (message.sender.kind === 'contact') {
          void command(socket(), 'conversation.read', { conversationId: message.conversationId, seq: message.seq }).catch(() => undefined);
          // What they said may change the person (consent, a new report): the person pane reloads.
          setPersonVersion((n) => n + 1);
        }
        if (message.sender.kind === 'contact' && document.hidden) {
          chime();
          notify('New message', message.text.slice(0, 120), message.conversationId);
        }
      } else if (message.sender.kind === 'contact') {
        chime();
        notify('New message', message.text.slice(0, 120), message.conversationId, () => void openConversation(message.conversationId));
      }
      scheduleRefresh();
    });
    // A reply's delivery changed, or a shared place's address was found (it arrives after the message).
    io.on('message.updated', (update: { id: string; conversationId: string; deliveryStatus?: string; deliveryError?: string; location?: ThreadMessage['location'] }) => {
      const changed = (m: ThreadMessage): ThreadMessage => ({
        ...m,
        ...(update.deliveryStatus ? { deliveryStatus: update.deliveryStatus } : {}),
        ...(update.deliveryError ? { deliveryError: update.deliveryError } : {}),
        ...(update.location ? { location: update.location } : {}),
      });
      setOpened((current) => (current && current.conversation.id === update.conversationId ? { ...current, messages: current.messages.map((m) => (m.id === update.id ? changed(m) : m)) } : current));
    });
    io.on('typing', (event: { conversationId: string; typing: boolean }) => {
      if (event.conversationId === state.current.openId) setTyping(event.typing);
    });
    io.on('agent.presence', (event: { agentId: string; presence: string }) => {
      if (event.agentId === state.current.meId && (event.presence === 'available' || event.presence === 'away')) setPresenceShown(event.presence);
      setWallboardTick((n) => n + 1);
    });
    io.on('conversation.offered', (payload: OfferPayload) => {
      setOffers((current) => [...current.filter((o) => o.conversationId !== payload.conversationId), payload]);
      say('A conversation has been offered to you.');
      chime();
      notify('Offered to you', `${channelName(payload.channel)} · queue ${payload.queue}${payload.preview ? `: ${payload.preview}` : ''}`, `offer-${payload.conversationId}`);
      scheduleRefresh();
    });
    io.on('conversation.offer_ended', (ended: { conversationId: string; outcome: string }) => {
      setOffers((current) => current.filter((o) => o.conversationId !== ended.conversationId));
      if (ended.outcome === 'timed_out') say('The offer timed out and has gone to the next agent.');
    });
  }, [addMessage, openConversation, refreshLists, scheduleRefresh, signedOut]);

  useEffect(() => {
    if (session) void start(session);
    return () => {
      socketRef.current?.off();
      socketRef.current?.disconnect();
      socketRef.current = null;
    };
  }, [session, start]);

  // Sign-in expiry: a warning 5 minutes before, then signed out.
  useEffect(() => {
    if (!session) return;
    const left = new Date(session.expiresAt).getTime() - Date.now();
    const warn = window.setTimeout(() => setExpiryWarning(true), Math.max(0, left - 5 * 60_000));
    const end = window.setTimeout(() => signedOut('Your sign-in has expired. Please sign in again.'), Math.max(0, left));
    return () => {
      window.clearTimeout(warn);
      window.clearTimeout(end);
    };
  }, [session, signedOut]);

  // The live wait timers tick; lists catch up every 20 s even without events.
  const [, setTick] = useState(0);
  useEffect(() => {
    const tick = window.setInterval(() => setTick((n) => n + 1), 1000);
    const poll = window.setInterval(() => void refreshLists(), 20_000);
    return () => {
      window.clearInterval(tick);
      window.clearInterval(poll);
    };
  }, [refreshLists]);

  // ---- Actions ---------------------------------------------------------------------------
  const claim = async (id: string) => {
    try {
      await command(socket(), 'conversation.claim', { conversationId: id });
      say('You have claimed this conversation.');
      void openConversation(id);
    } catch (error) {
      say((error as ApiError).code === 'already_claimed' ? 'Another agent claimed this conversation first.' : (error as Error).message);
      void refreshLists();
    }
  };
  const takeNext = async () => {
    try {
      const next = await command<{ id: string }>(socket(), 'queue.next', {});
      say('You have the next conversation.');
      void openConversation(next.id);
    } catch (error) {
      say((error as ApiError).code === 'not_found' ? 'Nobody is waiting right now.' : (error as Error).message);
    }
  };
  const act = async (name: string, payload: Record<string, unknown>, done: string) => {
    try {
      await command(socket(), name, payload);
      say(done);
      void refreshLists();
      if (state.current.openId) void openConversation(state.current.openId, { keepFocus: true });
      return true;
    } catch (error) {
      say((error as Error).message);
      return false;
    }
  };
  const acceptOffer = async (offer: OfferPayload) => {
    const id = offer.conversationId;
    setOffers((current) => current.filter((o) => o.conversationId !== id));
    try {
      await command(socket(), 'offer.accept', { conversationId: id });
      say('You have claimed this conversation.');
      void openConversation(id);
    } catch (error) {
      say((error as ApiError).code === 'already_claimed' ? 'Another agent claimed this conversation first.' : (error as Error).message);
    }
  };
  const declineOffer = async (offer: OfferPayload) => {
    const id = offer.conversationId;
    setOffers((current) => current.filter((o) => o.conversationId !== id));
    await command(socket(), 'offer.decline', { conversationId: id }).catch(() => undefined);
    say('Offer declined. It goes to the next agent.');
  };
  const runSearch = async (q: string) => {
    setSearch({ q, result: null });
    try {
      const result = await api<SearchResult>(`/search?q=${encodeURIComponent(q)}`);
      setSearch({ q, result });
      say(`${result.conversations.length} conversation${result.conversations.length === 1 ? '' : 's'} and ${result.contacts.length} ${result.contacts.length === 1 ? 'person' : 'people'} found for “${q}”.`);
    } catch (error) {
      setSearch(null);
      say((error as Error).message);
    }
  };

  // ---- Sign-in -------------------------------------------------------------------------
  const signIn = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const email = (form.elements.namedItem('email') as HTMLInputElement).value.trim();
    const passwordInput = form.elements.namedItem('password') as HTMLInputElement;
    const codeInput = form.elements.namedItem('code') as HTMLInputElement | null;
    if (!email || !passwordInput.value) return setSigninError('Enter your email and password.');
    setSigninError('');
    try {
      const code = askCode && codeInput?.value.trim() ? codeInput.value.trim() : undefined;
      const json = await api<{ token: string; expiresAt: string }>('/auth/login', { method: 'POST', body: { email, password: passwordInput.value, ...(code ? { code } : {}) } });
      passwordInput.value = '';
      setAskCode(false);
      const s = { token: json.token, expiresAt: json.expiresAt };
      saveSession(s);
      setConnection('Connecting…');
      setSession(s);
    } catch (error) {
      setSigninError((error as Error).message);
      // The password was right and this account has a second factor: ask for the code.
      const code = (error as ApiError).code;
      if (code === 'second_factor_required' || code === 'invalid_code') {
        setAskCode(true);
        window.setTimeout(() => {
          const input = document.getElementById('code') as HTMLInputElement | null;
          if (input) {
            input.value = '';
            input.focus();
          }
        }, 0);
      } else passwordInput.focus();
    }
  };
  const signOut = async () => {
    await api('/auth/logout', { method: 'POST' }).catch(() => null);
    signedOut('You have signed out.');
  };

  if (session && me?.mustChangePassword) {
    return (
      <SignInPage>
        <ChangePassword
          intro={`Welcome, ${me.name}. You signed in with a temporary password: choose your own to start.`}
          onDone={() => void start(session)}
          onSignOut={() => void signOut()}
        />
      </SignInPage>
    );
  }

  if (!session || !me) {
    return (
      <SignInPage>
          {!session && (
            <section class="signin" aria-labelledby="signin-title">
              <h2 id="signin-title">Sign in to the agent workspace</h2>
              <form id="signin-form" noValidate onSubmit={signIn}>
                <label for="email">Email</label>
                <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autoComplete="current-password" required />
                {askCode && (
                  <>
                    <label for="code">Code from your authenticator app</label>
                    <input id="code" name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} />
                  </>
                )}
                <p id="signin-error" class="error" role="alert">{signinError}</p>
                <button type="submit">Sign in</button>
              </form>
            </section>
          )}
      </SignInPage>
    );
  }

  const supervising = me.role !== 'agent';
  return (
    <>
      <a class="skip-link" href="#main">Skip to main content</a>
      <header class="top">
        <h1>Switchboard</h1>
        <nav aria-label="Workspace">
          <a href="#/" aria-current={route === 'conversations' ? 'page' : undefined}>Conversations</a>
          {supervising && <a href="#/wallboard" aria-current={route === 'wallboard' ? 'page' : undefined}>Wallboard</a>}
          {me.role === 'admin' && <a href="#/admin" aria-current={route === 'admin' ? 'page' : undefined}>Admin</a>}
          {supervising && <a href="/agent/analytics">Analytics and journeys</a>}
        </nav>
        <form
          role="search"
          class="search"
          onSubmit={(event) => {
            event.preventDefault();
            const q = ((event.currentTarget as HTMLFormElement).elements.namedItem('q') as HTMLInputElement).value.trim();
            if (q.length >= 2) {
              if (route !== 'conversations') location.hash = '#/';
              void runSearch(q);
            } else say('Type at least 2 characters to search.');
          }}
        >
          <label for="search" class="visually-hidden">Search conversations and people</label>
          <input id="search" name="q" type="search" placeholder="Phone, name, RC-/CP- reference or words" maxLength={100} />
          <button type="submit" class="secondary">Search</button>
        </form>
        <div class="session-bar">
          <span class="me">{me.name}</span>
          <label for="presence" class="visually-hidden">My status</label>
          <select id="presence" value={presence} onChange={(e) => void command<{ presence: 'available' | 'away' }>(socket(), 'agent.presence', { presence: (e.currentTarget as HTMLSelectElement).value }).then((r) => (setPresenceShown(r.presence), say(`Your status is now ${r.presence}.`))).catch((error: Error) => say(error.message))}>
            <option value="available">Available</option>
            <option value="away">Away</option>
          </select>
          <span class="check">
            <input id="sound" type="checkbox" checked={sound} onChange={(e) => { const on = (e.currentTarget as HTMLInputElement).checked; setSound(on); setSoundState(on); if (on) chime(); }} />
            <label for="sound">Sound</label>
          </span>
          {notifications === 'default' && (
            <button type="button" class="secondary" onClick={() => void askNotifications().then((s) => { setNotifications(s); say(s === 'granted' ? 'Desktop notifications are on.' : 'Desktop notifications stay off.'); })}>
              Desktop alerts
            </button>
          )}
          <span id="connection" class="connection" role="status">{connection}</span>
          <a href="#/password" aria-current={route === 'password' ? 'page' : undefined}>Change password</a>
          <button id="sign-out" type="button" class="secondary" onClick={() => void signOut()}>Sign out</button>
        </div>
      </header>
      {expiryWarning && <p id="expiry-warning" class="warning" role="alert">Your sign-in ends in 5 minutes. Finish what you are doing, then sign out and in again.</p>}
      <div class="status-line">
        <p id="action-status" class="action-status" role="status" aria-live="polite">{status}</p>
      </div>
      {route === 'conversations' && offers.map((offer, n) => <OfferBanner key={offer.conversationId} n={n} offer={offer} onAccept={() => void acceptOffer(offer)} onDecline={() => void declineOffer(offer)} />)}
      <main id="main" tabIndex={-1} class={route === 'conversations' ? 'workspace' : 'page'}>
        {route === 'conversations' && (
          <>
            {search ? (
              <SearchResults search={search} onOpen={(id) => void openConversation(id)} onClose={() => setSearch(null)} />
            ) : (
              <ListsPane
                me={me}
                view={view}
                onView={setView}
                filters={filters}
                onFilters={setFilters}
                queues={queues}
                list={list}
                listAt={listAt}
                mineUnread={mineUnread}
                openId={openId}
                onOpen={(id) => void openConversation(id)}
                onClaim={(id) => void claim(id)}
                onTakeNext={() => void takeNext()}
              />
            )}
            <ThreadPane
              me={me}
              opened={opened}
              typing={typing}
              queues={queues}
              canned={canned}
              socket={socket}
              say={say}
              onClaim={(id) => void claim(id)}
              act={act}
            />
            <PersonPane me={me} opened={opened} version={personVersion} say={say} onOpen={(id) => void openConversation(id)} onChanged={() => { if (openId) void openConversation(openId, { keepFocus: true }); }} />
          </>
        )}
        {route === 'wallboard' && supervising && <Wallboard tick={wallboardTick} />}
        {route === 'admin' && me.role === 'admin' && <AdminView me={me} queues={queues} say={say} />}
        {route === 'password' && <ChangePassword intro="Your other sign-ins end when you change it; this one goes on." onDone={() => (say('Your password is changed.'), (location.hash = '#/'))} />}
      </main>
    </>
  );
}

/** The page around signing in (and choosing a password): the header and a main landmark, nothing else. */
function SignInPage({ children }: { children: ComponentChildren }) {
  return (
    <>
      <a class="skip-link" href="#main">Skip to main content</a>
      <header class="top">
        <h1>Switchboard</h1>
      </header>
      <main id="main" tabIndex={-1} class="signin-page">
        {children}
      </main>
    </>
  );
}

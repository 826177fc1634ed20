// The live-agent console. Everything a resident (or anyone) wrote is inserted with
// textContent: it is shown literally, never parsed as HTML, and links are never made clickable.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var state = { token: sessionStorage.getItem('sb-token'), expiresAt: sessionStorage.getItem('sb-expires'), me: null, socket: null, openId: null, open: null, shown: {}, timers: [] };
  var CHANNEL = { webchat: 'Website chat', sms: 'SMS', voice: 'Phone', social: 'Facebook or Instagram' };
  var STATUS = { bot: 'With the assistant', queued: 'Waiting', assigned: 'With an agent', resolved: 'Resolved' };
  var PRIORITY = { 0: 'Safeguarding: take first', 1: 'Caller holding on the phone' };

  function text(el, value) { el.textContent = value == null ? '' : String(value); return el; }
  function languageName(code) {
    try { return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) || code; } catch (e) { return code; }
  }

  function make(tag, className, value) { var el = document.createElement(tag); if (className) el.className = className; if (value !== undefined) text(el, value); return el; }
  function say(message) { text($('action-status'), message); }
  function minutes(seconds) { var m = Math.round((seconds || 0) / 60); return m < 1 ? 'under a minute' : m === 1 ? '1 minute' : m + ' minutes'; }

  function api(path, options) {
    options = options || {};
    var headers = { authorization: 'Bearer ' + state.token };
    if (options.body) headers['content-type'] = 'application/json';
    return fetch('/api/v1' + path, { method: options.method || 'GET', headers: headers, body: options.body ? JSON.stringify(options.body) : undefined }).then(function (res) {
      if (res.status === 204) return null;
      return res.json().then(function (json) {
        if (!res.ok) { var error = new Error((json.error && json.error.message) || 'Something went wrong.'); error.code = json.error && json.error.code; throw error; }
        return json;
      });
    });
  }

  function command(name, payload) {
    return new Promise(function (resolve, reject) {
      if (!state.socket || !state.socket.connected) return reject(new Error('Not connected. Trying to reconnect…'));
      state.socket.timeout(15000).emit(name, payload, function (timeoutError, ack) {
        if (timeoutError) return reject(new Error('No answer from the server. Please try again.'));
        if (!ack.ok) { var error = new Error(ack.error.message); error.code = ack.error.code; return reject(error); }
        resolve(ack.data);
      });
    });
  }

  // ---- Sign in and out ----------------------------------------------------------------
  $('signin-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var email = $('email').value.trim();
    var password = $('password').value;
    if (!email || !password) { text($('signin-error'), 'Enter your email and password.'); return; }
    text($('signin-error'), '');
    var body = { email: email, password: password };
    if (!$('code-field').hidden && $('code').value.trim()) body.code = $('code').value.trim();
    fetch('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        return res.json().then(function (json) {
          if (!res.ok) {
            var error = new Error(json.error && json.error.message || 'Sign-in failed.');
            error.code = json.error && json.error.code;
            throw error;
          }
          return json;
        });
      })
      .then(function (json) {
        state.token = json.token;
        state.expiresAt = json.expiresAt;
        sessionStorage.setItem('sb-token', json.token);
        sessionStorage.setItem('sb-expires', json.expiresAt);
        $('password').value = ''; $('code').value = ''; $('code-field').hidden = true;
        start();
      })
      .catch(function (error) {
        text($('signin-error'), error.message);
        // The password was right and this account has a second factor: ask for the code.
        if (error.code === 'second_factor_required' || error.code === 'invalid_code') { $('code-field').hidden = false; $('code').value = ''; $('code').focus(); }
        else $('password').focus();
      });
  });

  function signedOut(message) {
    state.timers.forEach(clearTimeout);
    state.timers = [];
    if (state.socket) { state.socket.off(); state.socket.disconnect(); state.socket = null; }
    state.token = null; state.me = null; state.openId = null;
    sessionStorage.removeItem('sb-token'); sessionStorage.removeItem('sb-expires');
    $('console').hidden = true; $('session-bar').hidden = true; $('expiry-warning').hidden = true;
    $('signin').hidden = false;
    text($('signin-error'), message || '');
    $('email').focus();
  }

  $('sign-out').addEventListener('click', function () {
    api('/auth/logout', { method: 'POST' }).catch(function () { return null; }).then(function () { signedOut('You have signed out.'); });
  });

  function scheduleExpiry() {
    if (!state.expiresAt) return;
    var left = new Date(state.expiresAt).getTime() - Date.now();
    var warnAt = left - 5 * 60 * 1000;
    state.timers.push(setTimeout(function () {
      $('expiry-warning').hidden = false;
      text($('expiry-warning'), 'Your sign-in ends in 5 minutes. Finish what you are doing, then sign out and in again.');
    }, Math.max(0, warnAt)));
    state.timers.push(setTimeout(function () { signedOut('Your sign-in has expired. Please sign in again.'); }, Math.max(0, left)));
  }

  // ---- Start: who am I, then the live connection ----------------------------------------
  function start() {
    api('/me').then(function (me) {
      state.me = me;
      text($('me-name'), me.name + ' (' + me.role + ')');
      $('signin').hidden = true;
      $('console').hidden = false;
      $('session-bar').hidden = false;
      $('supervisor-panel').hidden = me.role === 'agent';
      $('reassign-field').hidden = me.role === 'agent';
      scheduleExpiry();
      loadLists();
      connect();
      $('main').focus();
    }).catch(function () { signedOut(state.token ? 'Your sign-in has expired. Please sign in again.' : ''); });
  }

  function loadLists() {
    api('/queues').then(function (json) {
      var select = $('transfer-queue');
      select.textContent = '';
      json.queues.forEach(function (q) { var o = make('option', '', q); o.value = q; select.appendChild(o); });
    });
    api('/canned-responses').then(function (json) {
      var select = $('canned');
      json.cannedResponses.forEach(function (c) { var o = make('option', '', c.title); o.value = c.text; select.appendChild(o); });
    });
  }

  function connect() {
    var socket = io('/agents', { auth: { token: state.token }, transports: ['websocket', 'polling'] });
    state.socket = socket;
    socket.on('connect', function () {
      text($('connection'), 'Connected');
      // After any reconnection: catch up on everything missed (queue and the open conversation).
      refreshQueue();
      if (state.openId) openConversation(state.openId, { keepFocus: true });
      refreshSupervisor();
    });
    socket.on('disconnect', function (reason) {
      text($('connection'), 'Connection lost. Reconnecting…');
      if (reason === 'io server disconnect') signedOut('You have been signed out.');
    });
    socket.on('connect_error', function (error) {
      text($('connection'), 'Cannot connect. Retrying…');
      if (error && error.data && (error.data.code === 'session_expired' || error.data.code === 'unauthenticated')) signedOut('Your sign-in has expired. Please sign in again.');
    });
    ['conversation.queued', 'conversation.updated', 'conversation.claimed', 'conversation.assigned'].forEach(function (name) {
      socket.on(name, function (update) {
        scheduleRefresh();
        if (update.conversationId === state.openId) openConversation(state.openId, { keepFocus: true });
      });
    });
    socket.on('message.created', function (message) {
      if (message.conversationId === state.openId) addMessage(message);
      else scheduleRefresh();
    });
    socket.on('typing', function (event) {
      if (event.conversationId !== state.openId) return;
      text($('typing-indicator'), event.typing ? 'The resident is typing…' : '');
    });
    socket.on('agent.presence', function () { refreshSupervisor(); });
    socket.on('conversation.offered', function (offer) {
      state.offered = offer.conversationId;
      text($('offer-text'), (CHANNEL[offer.channel] || offer.channel) + ' · queue ' + offer.queue + (offer.preview ? ': ' + offer.preview : ''));
      $('offer').hidden = false;
      say('A conversation has been offered to you.');
      scheduleRefresh();
    });
  }

  // ---- The queue ----------------------------------------------------------------------
  var refreshTimer = null;
  function scheduleRefresh() { clearTimeout(refreshTimer); refreshTimer = setTimeout(function () { refreshQueue(); refreshSupervisor(); }, 150); }

  function queueItem(item, canClaim) {
    var li = make('li', item.priority === 0 ? 'urgent' : '');
    var title = make('strong', '', CHANNEL[item.channel] || item.channel);
    li.appendChild(title);
    var meta = [];
    if (PRIORITY[item.priority]) meta.push(PRIORITY[item.priority]);
    if (item.queue) meta.push('Queue: ' + item.queue);
    if (item.waitingSeconds !== undefined && item.status === 'queued') meta.push('Waiting ' + minutes(item.waitingSeconds));
    if (item.callbackRequested) meta.push('Call-back requested');
    li.appendChild(make('span', 'meta', meta.join(' · ')));
    if (item.preview) li.appendChild(make('span', 'preview', item.preview));
    var open = make('button', 'secondary', 'Open');
    open.type = 'button';
    open.setAttribute('aria-label', 'Open ' + (CHANNEL[item.channel] || item.channel) + ' conversation' + (item.preview ? ': ' + item.preview.slice(0, 60) : ''));
    open.addEventListener('click', function () { openConversation(item.id); });
    li.appendChild(open);
    if (canClaim) {
      var claim = make('button', '', 'Claim');
      claim.type = 'button';
      claim.setAttribute('aria-label', 'Claim ' + (CHANNEL[item.channel] || item.channel) + ' conversation' + (item.preview ? ': ' + item.preview.slice(0, 60) : ''));
      claim.addEventListener('click', function () { claimConversation(item.id); });
      li.appendChild(claim);
    }
    return li;
  }

  function refreshQueue() {
    if (!state.socket) return;
    command('queue.list', {}).then(function (queue) {
      var waiting = $('waiting'), mine = $('mine');
      waiting.textContent = ''; mine.textContent = '';
      queue.waiting.forEach(function (item) { waiting.appendChild(queueItem(item, true)); });
      queue.mine.forEach(function (item) { mine.appendChild(queueItem(item, false)); });
      text($('waiting-count'), '(' + queue.waiting.length + ')');
      if (!queue.waiting.length) waiting.appendChild(make('li', '', 'Nobody is waiting.'));
      if (!queue.mine.length) mine.appendChild(make('li', '', 'You have no conversations open.'));
    }).catch(function () { return null; });
  }

  $('offer-claim').addEventListener('click', function () { $('offer').hidden = true; if (state.offered) claimConversation(state.offered); });
  $('offer-dismiss').addEventListener('click', function () { $('offer').hidden = true; say('Offer dismissed. It stays in the queue.'); });

  $('take-next').addEventListener('click', function () {
    command('queue.next', {}).then(function (view) { say('You have the next conversation.'); openConversation(view.id); })
      .catch(function (error) { say(error.code === 'not_found' ? 'Nobody is waiting right now.' : error.message); });
  });

  function claimConversation(id) {
    command('conversation.claim', { conversationId: id }).then(function () {
      say('You have claimed this conversation.');
      openConversation(id);
    }).catch(function (error) {
      say(error.code === 'already_claimed' ? 'Another agent claimed this conversation first.' : error.message);
      refreshQueue();
    });
  }

  // ---- One conversation -----------------------------------------------------------------
  function addMessage(message) {
    if (state.shown[message.id]) return;
    state.shown[message.id] = true;
    var kind = message.internal ? 'note' : message.sender.kind;
    var li = make('li', kind);
    var who = message.internal ? 'Internal note by ' + (message.sender.name || 'an agent')
      : message.sender.kind === 'contact' ? 'Resident'
      : message.sender.kind === 'bot' ? 'Assistant'
      : message.sender.kind === 'system' ? 'System' : (message.sender.name || 'Agent');
    li.appendChild(make('span', 'who', who + ' · ' + new Date(message.createdAt).toLocaleTimeString()));
    if (message.context && message.context.kind === 'comment') {
      li.appendChild(make('span', 'context', 'Comment by ' + (message.context.authorName || 'someone') + ' on post ' + (message.context.postUrl || message.context.postId || '')));
    }
    li.appendChild(document.createTextNode(message.text));
    // Replies the provider may not have taken (a send cut off and no way to ask) or refused.
    if (message.deliveryStatus === 'unknown') li.appendChild(make('span', 'delivery error', 'May not have been sent: the send was cut off and the provider cannot tell us. Check with the resident.'));
    else if (message.deliveryStatus === 'failed') li.appendChild(make('span', 'delivery error', 'Not sent.'));
    var timeline = $('timeline');
    timeline.appendChild(li);
    timeline.scrollTop = timeline.scrollHeight;
  }

  function detail(list, term, value) {
    if (value === undefined || value === null || value === '') return;
    list.appendChild(make('dt', '', term));
    list.appendChild(make('dd', '', value));
  }

  function renderConversation(data) {
    var c = data.conversation;
    state.open = c;
    text($('conversation-title'), (CHANNEL[c.channel] || c.channel) + ' conversation');
    $('conversation-hint').hidden = true;
    $('conversation-body').hidden = false;
    var details = $('details');
    details.textContent = '';
    detail(details, 'Status', (STATUS[c.status] || c.status) + (c.assignee ? ' (' + c.assignee.name + ')' : ''));
    detail(details, 'Resident', data.resident.address);
    detail(details, 'Queue', c.queue);
    detail(details, 'Priority', PRIORITY[c.priority]);
    detail(details, 'Why a person', c.handoffReason);
    detail(details, 'Language', c.language ? languageName(c.language) : undefined);
    detail(details, data.summarySource === 'generated' ? 'Summary (written by AI: check the transcript)' : 'Resident said', data.summary);
    if (c.callbackRequested) detail(details, 'Call-back', 'The caller asked to be called back');
    if (c.flow) {
      detail(details, 'Flow', c.flow.id + ' (step ' + c.flow.step + ')');
      Object.keys(c.flow.slots || {}).filter(function (key) { return key.indexOf('__') === -1; }).forEach(function (key) {
        var value = c.flow.slots[key];
        detail(details, key, typeof value === 'object' ? JSON.stringify(value) : value);
      });
    }
    if (c.outcome) detail(details, 'Outcome', c.outcome);
    if (c.survey && c.survey.score) detail(details, 'Satisfaction', c.survey.score + ' out of 5');
    data.messages.forEach(addMessage);
    var others = $('others');
    others.textContent = '';
    data.otherConversations.forEach(function (o) {
      var li = make('li', '');
      li.appendChild(make('strong', '', (CHANNEL[o.channel] || o.channel) + ' · ' + (STATUS[o.status] || o.status)));
      li.appendChild(make('span', 'meta', new Date(o.createdAt).toLocaleString()));
      if (o.preview) li.appendChild(make('span', 'preview', o.preview));
      var open = make('button', 'secondary', 'Open');
      open.type = 'button';
      open.setAttribute('aria-label', 'Open the earlier ' + (CHANNEL[o.channel] || o.channel) + ' conversation');
      open.addEventListener('click', function () { openConversation(o.id); });
      li.appendChild(open);
      others.appendChild(li);
    });
    if (!data.otherConversations.length) others.appendChild(make('li', '', 'None.'));
    var mineNow = c.status === 'assigned' && c.assignee && c.assignee.id === state.me.id;
    $('claim').disabled = c.status !== 'queued';
    $('resolve').disabled = c.status === 'resolved' || c.status === 'bot';
    $('transfer').disabled = c.status === 'resolved' || c.status === 'bot';
    $('return-to-bot').disabled = c.status !== 'queued' && c.status !== 'assigned';
    $('composer').querySelector('button[type=submit]').disabled = false;
    text($('reply-help'), mineNow ? 'Sent over the resident\u2019s own channel. Ctrl and Enter sends.' : 'Claim the conversation to reply; you can add internal notes at any time.');
  }

  function openConversation(id, options) {
    options = options || {};
    if (state.openId !== id) {
      state.openId = id; state.shown = {};
      $('timeline').textContent = '';
      text($('typing-indicator'), '');
    }
    return command('conversation.open', { conversationId: id }).then(function (data) {
      // An answer for a conversation the agent has since left must not be drawn over the one open now.
      if (state.openId !== id) return;
      renderConversation(data);
      if (!options.keepFocus) $('conversation-title').focus();
    }).catch(function (error) { say(error.message); });
  }

  function act(name, payload, done) {
    return command(name, payload).then(function (result) { say(done); refreshQueue(); if (state.openId) openConversation(state.openId, { keepFocus: true }); return result; })
      .catch(function (error) { say(error.message); });
  }

  $('claim').addEventListener('click', function () { if (state.openId) claimConversation(state.openId); });
  $('transfer').addEventListener('click', function () { act('conversation.transfer', { conversationId: state.openId, queue: $('transfer-queue').value }, 'Transferred to the ' + $('transfer-queue').value + ' queue.'); });
  $('reassign').addEventListener('click', function () {
    var select = $('reassign-agent');
    act('conversation.transfer', { conversationId: state.openId, agentId: select.value }, 'Reassigned to ' + select.options[select.selectedIndex].text + '.');
  });
  $('resolve').addEventListener('click', function () { act('conversation.resolve', { conversationId: state.openId, outcome: $('outcome').value }, 'Resolved. The resident has been asked how we did.'); });
  $('return-to-bot').addEventListener('click', function () { act('conversation.return_to_bot', { conversationId: state.openId }, 'Returned to the assistant.'); });

  $('canned').addEventListener('change', function () {
    if (!this.value) return;
    $('reply').value = this.value;
    this.value = '';
    $('reply').focus();
  });

  var typingSent = 0, typingStop = null;
  $('reply').addEventListener('input', function () {
    if (!state.openId || $('as-note').checked) return;
    if (Date.now() - typingSent > 3000) { typingSent = Date.now(); command('typing', { conversationId: state.openId, typing: true }).catch(function () { return null; }); }
    clearTimeout(typingStop);
    typingStop = setTimeout(function () { typingSent = 0; command('typing', { conversationId: state.openId, typing: false }).catch(function () { return null; }); }, 4000);
  });
  $('reply').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); $('composer').requestSubmit(); }
  });

  $('composer').addEventListener('submit', function (event) {
    event.preventDefault();
    var body = $('reply').value.trim();
    if (!body) { say('Write a reply first.'); $('reply').focus(); return; }
    var note = $('as-note').checked;
    command(note ? 'conversation.note' : 'message.send', { conversationId: state.openId, text: body }).then(function () {
      $('reply').value = '';
      say(note ? 'Note added.' : 'Reply sent.');
      clearTimeout(typingStop); typingSent = 0;
    }).catch(function (error) { say(error.message); });
  });

  $('presence').addEventListener('change', function () {
    command('agent.presence', { presence: this.value }).then(function (r) { say('Your status is now ' + r.presence + '.'); }).catch(function (error) { say(error.message); });
  });

  // ---- Supervisors ------------------------------------------------------------------------
  function refreshSupervisor() {
    if (!state.me || state.me.role === 'agent') return;
    api('/supervisor/overview').then(function (o) {
      var queues = $('queue-stats'); queues.textContent = '';
      o.queues.forEach(function (q) {
        var tr = make('tr');
        tr.appendChild(make('td', '', q.queue)); tr.appendChild(make('td', '', q.waiting)); tr.appendChild(make('td', '', q.waiting ? minutes(q.longestWaitSeconds) : '–'));
        queues.appendChild(tr);
      });
      var agents = $('agent-stats'); agents.textContent = '';
      var select = $('reassign-agent'); var chosen = select.value; select.textContent = '';
      o.agents.forEach(function (a) {
        var tr = make('tr');
        tr.appendChild(make('td', '', a.name)); tr.appendChild(make('td', '', a.presence)); tr.appendChild(make('td', '', a.load + ' of ' + a.capacity));
        agents.appendChild(tr);
        var option = make('option', '', a.name + ' (' + a.presence + ', ' + a.load + ' of ' + a.capacity + ')'); option.value = a.id; select.appendChild(option);
      });
      if (chosen) select.value = chosen;
      text($('handled'), 'Conversations resolved in the last 24 hours: ' + o.handledLast24Hours);
    }).catch(function () { return null; });
  }
  setInterval(refreshSupervisor, 15000);

  if (state.token) start(); else $('signin').hidden = false;
}());

// The resident chat. Text is always inserted with textContent or text nodes, and links are
// built with DOM APIs (http and https only): nothing a resident, an agent or the bot writes is
// ever parsed as HTML. The session token lives in localStorage, so a reload or a new tab
// resumes the same conversation and replays what was said (session.start, CONTRACT.md §3).
(function () {
  'use strict';
  var log = document.getElementById('log');
  var scroller = document.getElementById('main');
  var statusEl = document.getElementById('status');
  var form = document.getElementById('composer');
  var box = document.getElementById('message');
  var errorEl = document.getElementById('message-error');
  var typingEl = document.getElementById('typing');
  var photoInput = document.getElementById('photo');
  var phoneForm = document.getElementById('phone-form');
  var phoneInput = document.getElementById('phone-number');
  var phoneError = document.getElementById('phone-error');
  var phoneSubmit = document.getElementById('phone-submit');
  var phoneLabel = document.getElementById('phone-label');
  var params = new URLSearchParams(location.search);
  var widgetKey = params.get('council');
  // One session per council: the chat page is the engine's own origin, whichever council's site frames it.
  var TOKEN_KEY = 'sb-session' + (widgetKey && /^[A-Za-z0-9_-]{1,64}$/.test(widgetKey) ? '-' + widgetKey : '');
  var seen = {};
  var lastSeq = 0;
  var started = false;
  var phoneMode = 'call';
  var socket = io('/webchat', { transports: ['websocket', 'polling'] });

  var statusText = {
    bot: 'You are chatting with the council assistant.',
    queued: 'Waiting for a person to join.',
    assigned: 'You are chatting with a person.',
    resolved: 'This conversation is closed. Send a message to start a new one.'
  };
  var timeFormat = new Intl.DateTimeFormat('en-AU', { hour: 'numeric', minute: '2-digit' });
  var dayFormat = new Intl.DateTimeFormat('en-AU', { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });

  function setStatus(text) { statusEl.textContent = text; }

  /** Appends text to `parent`, with http(s) links as real links and everything else as text. */
  function appendText(parent, text) {
    var pattern = /\bhttps?:\/\/[^\s<>"']+/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text))) {
      var href = match[0].replace(/[.,;:!?)\]]+$/, '');
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var url = null;
      try { url = new URL(href); } catch (e) { url = null; }
      if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
        var a = document.createElement('a');
        a.href = url.href;
        a.textContent = href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        parent.appendChild(a);
      } else {
        parent.appendChild(document.createTextNode(href));
      }
      last = match.index + href.length;
      pattern.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function whoFor(sender) {
    if (sender.kind === 'contact') return 'You';
    if (sender.kind === 'agent') return (sender.name || 'Council officer') + ' (council officer)';
    if (sender.kind === 'system') return 'Council';
    return 'Council assistant';
  }

  function timeFor(iso) {
    var at = new Date(iso);
    var time = document.createElement('time');
    time.dateTime = at.toISOString();
    var sameDay = new Date().toDateString() === at.toDateString();
    time.textContent = (sameDay ? timeFormat : dayFormat).format(at);
    return time;
  }

  function atBottom() { return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80; }

  function render(message) {
    if (seen[message.id]) return;
    seen[message.id] = true;
    if (message.seq > lastSeq) lastSeq = message.seq;
    var stick = atBottom();
    var item = document.createElement('li');
    item.className = 'msg ' + message.sender.kind;
    var who = document.createElement('span');
    who.className = 'who';
    who.textContent = whoFor(message.sender);
    item.appendChild(who);
    var body = document.createElement('span');
    body.className = 'text';
    if (message.media && message.media.length) {
      var note = document.createElement('span');
      note.className = 'photo-note';
      note.textContent = message.media.length === 1 ? 'Photo sent' : message.media.length + ' photos sent';
      body.appendChild(note);
      if (message.text) body.appendChild(document.createTextNode('\n'));
    }
    appendText(body, message.text || '');
    item.appendChild(body);
    if (message.choices && message.choices.length) {
      var group = document.createElement('div');
      group.className = 'choices';
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', 'Options');
      message.choices.forEach(function (choice) {
        var button = document.createElement('button');
        button.type = 'button';
        button.textContent = choice.label;
        button.addEventListener('click', function () {
          send({ choice: { value: choice.value, label: choice.label } });
          // The choice is made: keyboard and screen reader users carry on from the message box.
          box.focus();
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    item.appendChild(timeFor(message.createdAt));
    log.appendChild(item);
    if (stick || message.sender.kind === 'contact') scroller.scrollTop = scroller.scrollHeight;
  }

  function id() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }

  function send(payload) {
    errorEl.textContent = '';
    payload.clientMessageId = id();
    socket.timeout(10000).emit('message.send', payload, function (err, ack) {
      if (err) { errorEl.textContent = 'Your message could not be sent. Check your connection and try again.'; return; }
      if (!ack.ok) errorEl.textContent = ack.error.message;
    });
  }

  function start() {
    var token = localStorage.getItem(TOKEN_KEY);
    var payload = {};
    if (token) payload.sessionToken = token;
    // A fresh page asks for the whole history; a reconnect only for what it missed.
    if (token && started) payload.sinceSeq = lastSeq;
    if (widgetKey && /^[A-Za-z0-9_-]{1,64}$/.test(widgetKey)) payload.widgetKey = widgetKey;
    socket.emit('session.start', payload, function (ack) {
      if (!ack.ok) { setStatus('Chat is unavailable: ' + ack.error.message); return; }
      localStorage.setItem(TOKEN_KEY, ack.data.sessionToken);
      started = true;
      ack.data.messages.forEach(render);
      scroller.scrollTop = scroller.scrollHeight;
      setStatus(statusText[ack.data.status] || statusText.bot);
    });
  }

  socket.on('connect', start);
  socket.on('disconnect', function () { setStatus('Connection lost. Reconnecting…'); });
  socket.on('message.created', render);
  socket.on('conversation.updated', function (update) {
    var text = statusText[update.status] || '';
    if (update.status === 'queued' && update.queuePosition) text += ' You are number ' + update.queuePosition + ' in the queue.';
    if (update.status === 'assigned' && update.agentName) text = 'You are chatting with ' + update.agentName + '.';
    setStatus(text);
  });
  // Another tab of this chat (same session) starting again: both show the same conversation.
  window.addEventListener('storage', function (event) { if (event.key === TOKEN_KEY && event.newValue && socket.connected) start(); });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = box.value.trim();
    if (!text) { errorEl.textContent = 'Type a message first.'; box.focus(); return; }
    send({ text: text });
    box.value = '';
  });
  // Typing indicators both ways: the resident's (throttled) for the agent, the agent's shown here.
  var typingSent = 0, typingStop = null;
  box.addEventListener('input', function () {
    if (Date.now() - typingSent > 3000) { typingSent = Date.now(); socket.emit('typing', { typing: true }); }
    clearTimeout(typingStop);
    typingStop = setTimeout(function () { typingSent = 0; socket.emit('typing', { typing: false }); }, 4000);
  });
  socket.on('agent.typing', function (event) { typingEl.textContent = event.typing ? (event.name || 'A council officer') + ' is typing…' : ''; });
  socket.on('message.created', function (message) { if (message.sender.kind === 'agent') typingEl.textContent = ''; });
  box.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });

  document.getElementById('handoff').addEventListener('click', function () {
    socket.emit('handoff.request', {}, function (ack) {
      if (!ack.ok) errorEl.textContent = ack.error.message;
    });
    box.focus();
  });

  // A photo goes to the same-origin upload route with the session token; the server checks its type and size.
  var MAX_PHOTO = 5 * 1024 * 1024;
  document.getElementById('photo-button').addEventListener('click', function () { photoInput.click(); });
  photoInput.addEventListener('change', function () {
    var file = photoInput.files && photoInput.files[0];
    photoInput.value = '';
    if (!file) return;
    errorEl.textContent = '';
    if (!/^image\/(jpeg|png|webp|gif)$/.test(file.type)) { errorEl.textContent = 'Please choose a photo (JPEG, PNG, WebP or GIF).'; return; }
    if (file.size > MAX_PHOTO) { errorEl.textContent = 'That photo is larger than 5 MB. Please choose a smaller one.'; return; }
    var caption = box.value.trim().slice(0, 500);
    var headers = { 'content-type': file.type, 'x-session-token': localStorage.getItem(TOKEN_KEY) || '', 'x-client-message-id': id() };
    if (widgetKey && /^[A-Za-z0-9_-]{1,64}$/.test(widgetKey)) headers['x-widget-key'] = widgetKey;
    // HTTP headers carry plain ASCII only; other captions stay in the box to send as a message.
    if (caption && /^[\x20-\x7e]+$/.test(caption)) headers['x-caption'] = caption;
    setStatus('Sending your photo…');
    fetch('/webchat/upload', { method: 'POST', headers: headers, body: file, credentials: 'same-origin' })
      .then(function (res) {
        if (res.ok) { if (headers['x-caption']) box.value = ''; return null; }
        return res.json().then(function (body) { errorEl.textContent = (body.error && body.error.message) || 'The photo could not be sent.'; });
      })
      .catch(function () { errorEl.textContent = 'The photo could not be sent. Check your connection and try again.'; })
      .then(function () { setStatus(statusText.bot); box.focus(); });
  });

  document.getElementById('location').addEventListener('click', function () {
    errorEl.textContent = '';
    if (!navigator.geolocation) { errorEl.textContent = 'This browser cannot share your location. Type the address instead.'; return; }
    navigator.geolocation.getCurrentPosition(
      function (position) {
        send({ location: { lat: position.coords.latitude, lng: position.coords.longitude } });
        box.focus();
      },
      function () { errorEl.textContent = 'Your location could not be found. Type the address instead.'; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  // "Call me instead" / "Text me instead": the number, then a call-back or an SMS conversation.
  var callButton = document.getElementById('call-me');
  var textButton = document.getElementById('text-me');
  function openPhoneForm(mode) {
    phoneMode = mode;
    phoneForm.hidden = false;
    callButton.setAttribute('aria-expanded', String(mode === 'call'));
    textButton.setAttribute('aria-expanded', String(mode === 'text'));
    phoneLabel.textContent = mode === 'call' ? 'Your phone number for the call' : 'Your mobile number for texts';
    phoneSubmit.textContent = mode === 'call' ? 'Call me' : 'Text me';
    phoneError.textContent = '';
    phoneInput.focus();
  }
  function closePhoneForm(focusTarget) {
    phoneForm.hidden = true;
    callButton.setAttribute('aria-expanded', 'false');
    textButton.setAttribute('aria-expanded', 'false');
    (focusTarget || box).focus();
  }
  callButton.addEventListener('click', function () { openPhoneForm('call'); });
  textButton.addEventListener('click', function () { openPhoneForm('text'); });
  document.getElementById('phone-cancel').addEventListener('click', function () { closePhoneForm(phoneMode === 'call' ? callButton : textButton); });
  phoneForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var number = phoneInput.value.trim();
    if (!number) { phoneError.textContent = 'Type your phone number first.'; phoneInput.focus(); return; }
    phoneSubmit.disabled = true;
    socket.timeout(15000).emit('continue.phone', { mode: phoneMode, number: number }, function (err, ack) {
      phoneSubmit.disabled = false;
      if (err) { phoneError.textContent = 'That could not be sent. Check your connection and try again.'; return; }
      if (!ack.ok) { phoneError.textContent = ack.error.message; phoneInput.focus(); return; }
      phoneInput.value = '';
      closePhoneForm();
    });
  });
})();

// Resident webchat demo. Text is always inserted with textContent: nothing a resident or
// an agent types is ever parsed as HTML.
(function () {
  'use strict';
  var log = document.getElementById('log');
  var statusEl = document.getElementById('status');
  var form = document.getElementById('composer');
  var box = document.getElementById('message');
  var errorEl = document.getElementById('message-error');
  var handoffButton = document.getElementById('handoff');
  var seen = {};
  var lastSeq = Number(localStorage.getItem('sb-last-seq') || 0);
  var socket = io('/webchat', { transports: ['websocket', 'polling'] });

  var statusText = {
    bot: 'You are chatting with the council assistant.',
    queued: 'Waiting for a person to join.',
    assigned: 'You are chatting with a person.',
    resolved: 'This conversation is closed. Send a message to start a new one.'
  };

  function setStatus(text) { statusEl.textContent = text; }

  function render(message) {
    if (seen[message.id]) return;
    seen[message.id] = true;
    if (message.seq > lastSeq) { lastSeq = message.seq; localStorage.setItem('sb-last-seq', String(lastSeq)); }
    var item = document.createElement('li');
    item.className = message.sender.kind;
    var who = document.createElement('span');
    who.className = 'who';
    who.textContent = message.sender.kind === 'contact' ? 'You' : (message.sender.name || (message.sender.kind === 'agent' ? 'Council officer' : 'Council assistant'));
    item.appendChild(who);
    item.appendChild(document.createTextNode(message.text));
    if (message.choices && message.choices.length) {
      var group = document.createElement('div');
      group.className = 'choices';
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', 'Options');
      message.choices.forEach(function (choice) {
        var button = document.createElement('button');
        button.type = 'button';
        button.textContent = choice.label;
        button.addEventListener('click', function () { send({ choice: { value: choice.value, label: choice.label } }, choice.label); });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    item.scrollIntoView({ block: 'end' });
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
    var token = localStorage.getItem('sb-session');
    var payload = token ? { sessionToken: token, sinceSeq: lastSeq } : {};
    socket.emit('session.start', payload, function (ack) {
      if (!ack.ok) { setStatus('Chat is unavailable: ' + ack.error.message); return; }
      localStorage.setItem('sb-session', ack.data.sessionToken);
      ack.data.messages.forEach(render);
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

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = box.value.trim();
    if (!text) { errorEl.textContent = 'Type a message first.'; box.focus(); return; }
    send({ text: text });
    box.value = '';
  });
  // Typing indicators both ways: the resident's (throttled) for the agent, the agent's shown here.
  var typingEl = document.getElementById('typing');
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
  handoffButton.addEventListener('click', function () {
    socket.emit('handoff.request', {}, function (ack) {
      if (!ack.ok) errorEl.textContent = ack.error.message;
    });
  });
})();

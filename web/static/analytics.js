/*
 * Analytics and journeys for supervisors: the figures of GET /api/v1/analytics/summary drawn
 * with Chart.js (served from node_modules), each chart with a text summary and a table of its
 * figures; and one resident's journey from GET /api/v1/contacts/{id}/journey. Uses the console's
 * sign-in (its token in this tab's sessionStorage). Everything from the server is inserted as text.
 */
(function () {
  'use strict';
  var token = sessionStorage.getItem('sb-token');
  var charts = {};
  var $ = function (id) { return document.getElementById(id); };

  var CHANNELS = { webchat: 'Webchat', sms: 'SMS', voice: 'Phone', social: 'Social media' };
  var FLOWS = { 'camping-permit': 'Camping permits', faq: 'Questions', 'report-issue': 'Reporting a problem', 'case-status': 'Checking a report', 'cancel-permit': 'Cancelling a permit', welcome: 'Menu' };
  var REASONS = { asked: 'Asked for a person', button: 'Chose "Talk to a person"', not_understood: 'Not understood', safeguarding: 'Safeguarding', flow: 'A service passed them on', other: 'Other' };
  var STEPS = { partySize: 'Party size', arrive: 'Arrival date', nights: 'Nights', campground: 'Campground', confirm: 'Confirmation', category: 'Kind of problem', location: 'Place', photoCount: 'Photo', description: 'Description', followExisting: 'Follow an existing report', lookUp: 'Reference' };
  var EVENTS = {
    'contact.started': 'Contact started', 'flow.entered': 'Started', 'step.reached': 'Reached', 'flow.completed': 'Finished', 'flow.abandoned': 'Left unfinished',
    'turn.understood': 'Understood', 'turn.missed': 'Not understood', 'handoff.requested': 'Asked for a person', 'conversation.queued': 'Queued for a person',
    'conversation.offered': 'Offered to an agent', 'conversation.claimed': 'Taken by an agent', 'agent.first_reply': 'First reply from a person', 'conversation.resolved': 'Closed',
    'survey.answered': 'Rated the service', 'case.created': 'Report made', 'case.looked_up': 'Report looked up', 'case.status_changed': 'Report status changed', 'case.closed': 'Report closed',
    'permit.issued': 'Permit issued', 'permit.cancelled': 'Permit cancelled'
  };
  // Colours with at least 3:1 contrast on white (WCAG 1.4.11), told apart by position and labels too.
  var COLOURS = ['#005ea5', '#b35900', '#1d6b1d', '#6f3996', '#8a1c1c', '#4a4a4a'];

  function contacts(n) { return n + (n === 1 ? ' contact' : ' contacts'); }
  function label(map, key) { return map[key] || String(key).replace(/[-_]/g, ' '); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; }
  function money(n, currency) { return new Intl.NumberFormat('en-GB', { style: 'currency', currency: currency || 'GBP' }).format(n || 0); }
  function percent(r) { return r === null || r === undefined ? '–' : Math.round(r * 1000) / 10 + '%'; }
  function seconds(s) { if (s === null || s === undefined) return '–'; return s < 90 ? Math.round(s * 10) / 10 + ' s' : Math.round(s / 6) / 10 + ' min'; }

  function api(path) {
    return fetch('/api/v1' + path, { headers: { authorization: 'Bearer ' + token } }).then(function (res) {
      if (res.status === 401) { signedOut(); throw new Error('Your sign-in has ended.'); }
      if (!res.ok) return res.json().catch(function () { return {}; }).then(function (b) { throw new Error((b.error && b.error.message) || 'The server answered ' + res.status + '.'); });
      return res;
    });
  }

  function signedOut() { $('content').hidden = true; $('signed-out').hidden = false; }

  // The first load asks for the council's month so far; its dates (in the council's calendar) fill the form.
  function query() {
    var params = new URLSearchParams();
    if ($('from').value) params.set('from', $('from').value);
    if ($('to').value) params.set('to', $('to').value);
    if ($('channel').value) params.set('channel', $('channel').value);
    if ($('flow').value) params.set('flow', $('flow').value);
    if ($('council').value) params.set('councilId', $('council').value);
    return params.toString();
  }

  function table(id, headings, rows) {
    var t = $(id) || id;
    t.textContent = '';
    var head = el('thead'); var tr = el('tr');
    headings.forEach(function (h) { var th = el('th', h); th.scope = 'col'; tr.appendChild(th); });
    head.appendChild(tr); t.appendChild(head);
    var body = el('tbody');
    rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (cell, i) {
        var c = el(i === 0 ? 'th' : 'td', cell, i === 0 ? '' : 'num');
        if (i === 0) c.scope = 'row';
        row.appendChild(c);
      });
      body.appendChild(row);
    });
    t.appendChild(body);
    return t;
  }

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { labels: { color: '#1b1b1b' } } } }, config.options || {});
    charts[id] = new window.Chart($(id), config);
  }

  function axes(stacked, horizontal) {
    var grid = { color: '#d0d4da' }, ticks = { color: '#1b1b1b', precision: 0 };
    return { indexAxis: horizontal ? 'y' : 'x', scales: { x: { stacked: stacked, grid: grid, ticks: ticks, beginAtZero: true }, y: { stacked: stacked, grid: grid, ticks: ticks, beginAtZero: true } } };
  }

  function tile(term, value, note) {
    var div = el('div'); div.appendChild(el('dt', term));
    var dd = el('dd', value); if (note) dd.appendChild(el('small', note));
    div.appendChild(dd); $('tiles').appendChild(div);
  }

  function render(s) {
    var cost = s.costToServe;
    $('tiles').textContent = '';
    tile('Contacts', s.conversations);
    tile('Resolved by the assistant', percent(s.containmentRate), s.containedByAssistant + ' of ' + s.conversations);
    tile('Passed to a person', s.handedToPerson);
    tile('Left unfinished', s.abandoned);
    tile('Repeat contacts (7 days)', s.repeatContacts, percent(s.repeatContactRate) + ' of contacts');
    tile('Cost to serve', money(cost.actual, cost.currency), money(cost.ifAllByPhone, cost.currency) + ' if all had phoned');
    tile('Saved by channel shift', money(cost.saving, cost.currency));
    tile('Satisfaction', s.survey.meanScore === null ? '–' : s.survey.meanScore + ' / 5', s.survey.answered + (s.survey.answered === 1 ? ' answer' : ' answers'));
    tile('First reply (median)', seconds(s.timing.firstReply.medianSeconds));
    tile('Wait for a person (median)', seconds(s.queue.wait.medianSeconds), s.queue.abandoned + ' left the queue');

    var channels = Object.keys(s.byChannel);
    var names = channels.map(function (c) { return label(CHANNELS, c); });
    var outcome = function (key) { return channels.map(function (c) { return s.byChannel[c][key]; }); };
    draw('outcomes-chart', { type: 'bar', data: { labels: names, datasets: [
      { label: 'Resolved by the assistant', data: outcome('containedByAssistant'), backgroundColor: COLOURS[0] },
      { label: 'Passed to a person', data: outcome('handedToPerson'), backgroundColor: COLOURS[1] },
      { label: 'Left unfinished', data: outcome('abandoned'), backgroundColor: COLOURS[5] }
    ] }, options: axes(true) });
    $('outcomes-summary').textContent = channels.length ? channels.map(function (c) { var b = s.byChannel[c]; return label(CHANNELS, c) + ': ' + contacts(b.conversations) + ', ' + b.containedByAssistant + ' resolved by the assistant, ' + b.handedToPerson + ' passed to a person'; }).join('. ') + '.' : 'No contacts in this range.';
    table('outcomes-table', ['Channel', 'Contacts', 'By the assistant', 'To a person', 'Unfinished', 'Cost'], channels.map(function (c) { var b = s.byChannel[c]; return [label(CHANNELS, c), b.conversations, b.containedByAssistant, b.handedToPerson, b.abandoned, money(b.cost, cost.currency)]; }));

    draw('cost-chart', { type: 'bar', data: { labels: ['Actual', 'If all had phoned'], datasets: [{ label: 'Cost (' + cost.currency + ')', data: [cost.actual, cost.ifAllByPhone], backgroundColor: [COLOURS[2], COLOURS[5]] }] }, options: Object.assign(axes(false), { plugins: { legend: { display: false } } }) });
    $('cost-summary').textContent = 'Actual ' + money(cost.actual, cost.currency) + ' against ' + money(cost.ifAllByPhone, cost.currency) + ' had every contact come by phone: ' + money(cost.saving, cost.currency) + ' saved.';
    table('cost-table', ['Channel', 'Contacts', 'By the assistant', 'By a person', 'Cost'], Object.keys(cost.byChannel).map(function (c) { var b = cost.byChannel[c]; return [label(CHANNELS, c), b.contacts, b.byAssistant, b.byPerson, money(b.cost, cost.currency)]; }));

    var reasons = Object.keys(s.handoffReasons);
    draw('reasons-chart', { type: 'bar', data: { labels: reasons.map(function (r) { return label(REASONS, r); }), datasets: [{ label: 'Conversations', data: reasons.map(function (r) { return s.handoffReasons[r]; }), backgroundColor: COLOURS[1] }] }, options: Object.assign(axes(false, true), { plugins: { legend: { display: false } } }) });
    $('reasons-summary').textContent = reasons.length ? reasons.map(function (r) { return label(REASONS, r) + ': ' + s.handoffReasons[r]; }).join('. ') + '.' : 'Nobody needed a person in this range.';
    table('reasons-table', ['Reason', 'Conversations'], reasons.map(function (r) { return [label(REASONS, r), s.handoffReasons[r]]; }));

    draw('days-chart', { type: 'bar', data: { labels: s.byDay.map(function (d) { return d.date; }), datasets: [
      { label: 'Resolved by the assistant', data: s.byDay.map(function (d) { return d.containedByAssistant; }), backgroundColor: COLOURS[0] },
      { label: 'Passed to a person', data: s.byDay.map(function (d) { return d.handedToPerson; }), backgroundColor: COLOURS[1] },
      { label: 'Other', data: s.byDay.map(function (d) { return d.conversations - d.containedByAssistant - d.handedToPerson; }), backgroundColor: COLOURS[5] }
    ] }, options: axes(true) });
    $('days-summary').textContent = s.byDay.length ? s.byDay.map(function (d) { return d.date + ': ' + d.conversations; }).join(', ') + '.' : 'No contacts in this range.';
    table('days-table', ['Day', 'Contacts', 'By the assistant', 'To a person'], s.byDay.map(function (d) { return [d.date, d.conversations, d.containedByAssistant, d.handedToPerson]; }));

    var funnels = $('funnels');
    Object.keys(charts).filter(function (k) { return k.indexOf('funnel-') === 0; }).forEach(function (k) { charts[k].destroy(); delete charts[k]; });
    funnels.textContent = '';
    if (!s.funnel.length) funnels.appendChild(el('p', 'No service was used in this range.', 'muted'));
    s.funnel.forEach(function (f, i) {
      var id = 'funnel-' + i, titleId = id + '-title', summaryId = id + '-summary';
      var fig = el('figure', undefined, 'chart');
      var cap = el('figcaption', label(FLOWS, f.flow) + ': ' + percent(f.completionRate) + ' finished'); cap.id = titleId; fig.appendChild(cap);
      var box = el('div', undefined, 'canvas-box'); var canvas = el('canvas'); canvas.id = id;
      canvas.setAttribute('role', 'img'); canvas.setAttribute('aria-labelledby', titleId); canvas.setAttribute('aria-describedby', summaryId);
      box.appendChild(canvas); fig.appendChild(box);
      var stages = [['Started', f.entered]].concat(f.steps.map(function (st) { return ['Reached ' + label(STEPS, st.step).toLowerCase(), st.reached]; })).concat([['Finished', f.completed]]);
      var summary = el('p', stages.map(function (st) { return st[0] + ' ' + st[1]; }).join(', ') + '.' + (f.abandoned ? ' Left unfinished: ' + f.steps.filter(function (st) { return st.droppedHere; }).map(function (st) { return st.droppedHere + ' at ' + label(STEPS, st.step).toLowerCase(); }).join(', ') + (f.abandoned > f.steps.reduce(function (n, st) { return n + st.droppedHere; }, 0) ? ' (others before a question)' : '') + '.' : ''), 'muted');
      summary.id = summaryId; fig.appendChild(summary);
      var details = el('details'); details.appendChild(el('summary', 'Show as a table'));
      var t = el('table'); details.appendChild(t); fig.appendChild(details);
      table(t, ['Stage', 'Residents', 'Stopped here'], [['Started', f.entered, '']].concat(f.steps.map(function (st) { return [label(STEPS, st.step), st.reached, st.droppedHere]; })).concat([['Finished', f.completed, '']]));
      funnels.appendChild(fig);
      draw(id, { type: 'bar', data: { labels: stages.map(function (st) { return st[0]; }), datasets: [{ label: 'Residents', data: stages.map(function (st) { return st[1]; }), backgroundColor: COLOURS[i % 3] }] }, options: Object.assign(axes(false, true), { plugins: { legend: { display: false } } }) });
    });
  }

  function load() {
    $('figures-error').textContent = '';
    $('figures-status').textContent = 'Loading the figures…';
    return api('/analytics/summary?' + query()).then(function (r) { return r.json(); }).then(function (s) {
      $('from').value = s.fromDate;
      $('to').value = s.toDate;
      render(s);
      var picked = $('council').selectedOptions[0];
      $('figures-status').textContent = 'Showing ' + contacts(s.conversations) + (picked && !$('council-field').hidden ? ' of ' + picked.textContent : '') + ' from ' + s.fromDate + ' to ' + s.toDate + ' (' + s.timezone + ').';
    }).catch(function (e) { $('figures-status').textContent = ''; $('figures-error').textContent = e.message; });
  }

  function download() {
    api('/analytics/summary.csv?' + query()).then(function (r) { return r.blob(); }).then(function (blob) {
      var a = el('a'); a.href = URL.createObjectURL(blob); a.download = 'switchboard-' + ($('from').value || 'month') + '-' + ($('to').value || 'today') + '.csv';
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
      $('figures-status').textContent = 'The CSV file has been downloaded.';
    }).catch(function (e) { $('figures-error').textContent = e.message; });
  }

  function when(iso) { return new Date(iso).toLocaleString('en-AU', { dateStyle: 'medium', timeStyle: 'short' }); }

  function describeEvent(e) {
    var d = e.data || {};
    var text = label(EVENTS, e.type);
    if (e.type === 'contact.started' && e.channel) text += ' by ' + label(CHANNELS, e.channel);
    if (e.flow && /^(flow|step)\./.test(e.type)) text += ': ' + label(FLOWS, e.flow) + (e.step && e.type !== 'flow.entered' ? ', ' + label(STEPS, e.step).toLowerCase() : '');
    if (d.reference) text += ' ' + d.reference;
    if (d.status) text += ' (' + String(d.status).replace(/_/g, ' ') + ')';
    if (d.reasonKind && e.type === 'handoff.requested') text += ': ' + label(REASONS, d.reasonKind).toLowerCase();
    if (d.score) text += ': ' + d.score + ' out of 5';
    if (e.type === 'conversation.resolved' && d.outcome) text += ': ' + String(d.outcome).replace(/_/g, ' ');
    return text;
  }

  function showJourney(j) {
    var out = $('journey-result');
    out.textContent = '';
    out.appendChild(el('p', 'Channels: ' + (j.identities.map(function (i) { return label(CHANNELS, i.channel) + ' ' + i.address; }).join(', ') || 'none')));
    var list = el('ol', undefined, 'journey-list');
    list.setAttribute('aria-label', 'Journey, oldest first');
    var shown = { 'turn.understood': false, 'step.reached': false };
    j.items.forEach(function (item) {
      var li = el('li');
      li.appendChild(el('span', when(item.at) + (item.channel ? ' · ' + label(CHANNELS, item.channel) : ''), 'when'));
      li.appendChild(el('span', item.title, 'what'));
      li.appendChild(el('span', String(item.outcome).replace(/_/g, ' '), 'outcome'));
      if (item.kind === 'conversation') {
        var events = j.events.filter(function (e) { return e.conversationId === item.id && shown[e.type] !== false; });
        if (events.length) {
          var ul = el('ul', undefined, 'events');
          events.forEach(function (e) { ul.appendChild(el('li', when(e.at).split(', ').pop() + ' ' + describeEvent(e))); });
          li.appendChild(ul);
        }
      }
      list.appendChild(li);
    });
    out.appendChild(list);
  }

  function findJourney(ev) {
    ev.preventDefault();
    var who = $('who').value.trim();
    if (!who) { $('journey-status').textContent = 'Type a phone number, chat address or contact id.'; $('who').focus(); return; }
    $('journey-status').textContent = 'Looking…';
    var contact = /^contact-/.test(who) ? Promise.resolve(who) : api('/conversations?address=' + encodeURIComponent(who)).then(function (r) { return r.json(); }).then(function (b) {
      if (!b.conversations.length) throw new Error('Nobody with that address has contacted the council.');
      return b.conversations[0].contactId;
    });
    contact.then(function (id) { return api('/contacts/' + encodeURIComponent(id) + '/journey'); }).then(function (r) { return r.json(); }).then(function (j) {
      showJourney(j);
      $('journey-status').textContent = 'Showing ' + j.items.length + ' conversations, reports and permits.';
    }).catch(function (e) { $('journey-result').textContent = ''; $('journey-status').textContent = e.message; });
  }

  function start() {
    if (!token) return signedOut();
    api('/me').then(function (r) { return r.json(); }).then(function (me) {
      $('content').hidden = false;
      if (me.role === 'agent') { $('figures').hidden = true; return; }
      // A shared service: one council's figures at a time, chosen here.
      var councils = me.councils || [];
      councils.forEach(function (c) { var o = el('option', c.name); o.value = c.id; $('council').appendChild(o); });
      $('council-field').hidden = councils.length < 2;
      $('range').addEventListener('submit', function (ev) { ev.preventDefault(); load(); });
      $('download').addEventListener('click', download);
      return load();
    }).catch(function () { /* signedOut() already shown for 401 */ });
    $('journey-form').addEventListener('submit', findJourney);
  }

  start();
}());

/**
 * Analytics and journeys for supervisors (web/console/analytics.html, served at /agent/analytics):
 * the figures of GET /api/v1/analytics/summary drawn with Chart.js (bundled by Vite, no CDN), each
 * chart with a text summary and a table of its figures; and one resident's journey from
 * GET /api/v1/contacts/{id}/journey. Uses the console's sign-in (its token in this tab's
 * sessionStorage). Everything from the server is inserted as text.
 */
import { Chart, registerables, type ChartConfiguration, type ChartOptions } from 'chart.js';
import type { AnalyticsSummary } from '../../../../src/analytics/summary';
import type { JourneyData } from '../../../../src/domain/journey';
import type { ChannelInfo, JourneyItem } from '../../../../src/domain/workspace';
import type { Me } from '../types';
import { EVENTS, FILTER_FLOWS, FLOWS, REASONS, STEPS, label } from './vocabulary';
import './analytics.css';

Chart.register(...registerables);
// The page's charts can be found from outside (the browser tests ask Chart.getChart of each canvas).
(window as unknown as { Chart: typeof Chart }).Chart = Chart;

/** A journey as GET /contacts/{id}/journey sends it. */
interface JourneyWire {
  identities: Array<{ channel: string; address: string }>;
  items: JourneyItem[];
  events: Array<{ type: string; at: string; conversationId?: string; channel?: string; flow?: string; step?: string; data?: JourneyData }>;
}

type Cell = string | number;
type BarConfig = ChartConfiguration<'bar', number[], string>;

const token = sessionStorage.getItem('sb-token');
/** Each channel's short name ("Webchat"), in the channel's own words (GET /api/v1/channels). */
let channelWords: Record<string, string> = {};
const charts: Record<string, Chart<'bar', number[], string>> = {};
// Colours with at least 3:1 contrast on white (WCAG 1.4.11), told apart by position and labels too.
const COLOURS = ['#005ea5', '#b35900', '#1d6b1d', '#6f3996', '#8a1c1c', '#4a4a4a'] as const;

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}.`);
  return found as T;
}
const input = (id: string) => $<HTMLInputElement>(id);
const select = (id: string) => $<HTMLSelectElement>(id);

function contacts(n: number): string {
  return n + (n === 1 ? ' contact' : ' contacts');
}
function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: Cell | null, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function money(n: number | null | undefined, currency?: string): string {
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency: currency || 'GBP' }).format(n || 0);
}
function percent(r: number | null | undefined): string {
  return r === null || r === undefined ? '–' : Math.round(r * 1000) / 10 + '%';
}
function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return '–';
  return s < 90 ? Math.round(s * 10) / 10 + ' s' : Math.round(s / 6) / 10 + ' min';
}

async function api(path: string): Promise<Response> {
  const res = await fetch('/api/v1' + path, { headers: { authorization: 'Bearer ' + token } });
  if (res.status === 401) {
    signedOut();
    throw new Error('Your sign-in has ended.');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new Error(body.error?.message || 'The server answered ' + res.status + '.');
  }
  return res;
}

function signedOut(): void {
  $('content').hidden = true;
  $('signed-out').hidden = false;
}

// The first load asks for the council's month so far; its dates (in the council's calendar) fill the form.
function query(): string {
  const params = new URLSearchParams();
  if (input('from').value) params.set('from', input('from').value);
  if (input('to').value) params.set('to', input('to').value);
  if (select('channel').value) params.set('channel', select('channel').value);
  if (select('flow').value) params.set('flow', select('flow').value);
  if (select('council').value) params.set('councilId', select('council').value);
  return params.toString();
}

function table(target: string | HTMLTableElement, headings: string[], rows: Cell[][]): HTMLTableElement {
  const t = typeof target === 'string' ? $<HTMLTableElement>(target) : target;
  t.textContent = '';
  const head = el('thead');
  const tr = el('tr');
  headings.forEach((h) => {
    const th = el('th', h);
    th.scope = 'col';
    tr.appendChild(th);
  });
  head.appendChild(tr);
  t.appendChild(head);
  const body = el('tbody');
  rows.forEach((r) => {
    const row = el('tr');
    r.forEach((cell, i) => {
      const c = i === 0 ? el('th', cell) : el('td', cell, 'num');
      if (i === 0) c.scope = 'row';
      row.appendChild(c);
    });
    body.appendChild(row);
  });
  t.appendChild(body);
  return t;
}

function draw(id: string, config: BarConfig): void {
  charts[id]?.destroy();
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { labels: { color: '#1b1b1b' } } }, ...config.options };
  charts[id] = new Chart($<HTMLCanvasElement>(id), config);
}

function axes(stacked: boolean, horizontal = false): ChartOptions<'bar'> {
  const grid = { color: '#d0d4da' };
  const ticks = { color: '#1b1b1b', precision: 0 };
  return { indexAxis: horizontal ? 'y' : 'x', scales: { x: { stacked, grid, ticks, beginAtZero: true }, y: { stacked, grid, ticks, beginAtZero: true } } };
}
const noLegend = (options: ChartOptions<'bar'>): ChartOptions<'bar'> => ({ ...options, plugins: { legend: { display: false } } });

function tile(term: string, value: Cell, note?: string): void {
  const div = el('div');
  div.appendChild(el('dt', term));
  const dd = el('dd', value);
  if (note) dd.appendChild(el('small', note));
  div.appendChild(dd);
  $('tiles').appendChild(div);
}

function render(s: AnalyticsSummary): void {
  const cost = s.costToServe;
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

  const byChannel = Object.entries(s.byChannel);
  const names = byChannel.map(([c]) => label(channelWords, c));
  const outcome = (key: 'containedByAssistant' | 'handedToPerson' | 'abandoned') => byChannel.map(([, b]) => b[key]);
  draw('outcomes-chart', {
    type: 'bar',
    data: {
      labels: names,
      datasets: [
        { label: 'Resolved by the assistant', data: outcome('containedByAssistant'), backgroundColor: COLOURS[0] },
        { label: 'Passed to a person', data: outcome('handedToPerson'), backgroundColor: COLOURS[1] },
        { label: 'Left unfinished', data: outcome('abandoned'), backgroundColor: COLOURS[5] },
      ],
    },
    options: axes(true),
  });
  $('outcomes-summary').textContent = byChannel.length
    ? byChannel.map(([c, b]) => label(channelWords, c) + ': ' + contacts(b.conversations) + ', ' + b.containedByAssistant + ' resolved by the assistant, ' + b.handedToPerson + ' passed to a person').join('. ') + '.'
    : 'No contacts in this range.';
  table('outcomes-table', ['Channel', 'Contacts', 'By the assistant', 'To a person', 'Unfinished', 'Cost'], byChannel.map(([c, b]) => [label(channelWords, c), b.conversations, b.containedByAssistant, b.handedToPerson, b.abandoned, money(b.cost, cost.currency)]));

  draw('cost-chart', {
    type: 'bar',
    data: { labels: ['Actual', 'If all had phoned'], datasets: [{ label: 'Cost (' + cost.currency + ')', data: [cost.actual, cost.ifAllByPhone], backgroundColor: [COLOURS[2], COLOURS[5]] }] },
    options: noLegend(axes(false)),
  });
  $('cost-summary').textContent = 'Actual ' + money(cost.actual, cost.currency) + ' against ' + money(cost.ifAllByPhone, cost.currency) + ' had every contact come by phone: ' + money(cost.saving, cost.currency) + ' saved.';
  table('cost-table', ['Channel', 'Contacts', 'By the assistant', 'By a person', 'Cost'], Object.entries(cost.byChannel).map(([c, b]) => [label(channelWords, c), b.contacts, b.byAssistant, b.byPerson, money(b.cost, cost.currency)]));

  const reasons = Object.entries(s.handoffReasons);
  draw('reasons-chart', {
    type: 'bar',
    data: { labels: reasons.map(([r]) => label(REASONS, r)), datasets: [{ label: 'Conversations', data: reasons.map(([, n]) => n), backgroundColor: COLOURS[1] }] },
    options: noLegend(axes(false, true)),
  });
  $('reasons-summary').textContent = reasons.length ? reasons.map(([r, n]) => label(REASONS, r) + ': ' + n).join('. ') + '.' : 'Nobody needed a person in this range.';
  table('reasons-table', ['Reason', 'Conversations'], reasons.map(([r, n]) => [label(REASONS, r), n]));

  draw('days-chart', {
    type: 'bar',
    data: {
      labels: s.byDay.map((d) => d.date),
      datasets: [
        { label: 'Resolved by the assistant', data: s.byDay.map((d) => d.containedByAssistant), backgroundColor: COLOURS[0] },
        { label: 'Passed to a person', data: s.byDay.map((d) => d.handedToPerson), backgroundColor: COLOURS[1] },
        { label: 'Other', data: s.byDay.map((d) => d.conversations - d.containedByAssistant - d.handedToPerson), backgroundColor: COLOURS[5] },
      ],
    },
    options: axes(true),
  });
  $('days-summary').textContent = s.byDay.length ? s.byDay.map((d) => d.date + ': ' + d.conversations).join(', ') + '.' : 'No contacts in this range.';
  table('days-table', ['Day', 'Contacts', 'By the assistant', 'To a person'], s.byDay.map((d) => [d.date, d.conversations, d.containedByAssistant, d.handedToPerson]));

  const funnels = $('funnels');
  Object.keys(charts)
    .filter((k) => k.indexOf('funnel-') === 0)
    .forEach((k) => {
      charts[k]?.destroy();
      delete charts[k];
    });
  funnels.textContent = '';
  if (!s.funnel.length) funnels.appendChild(el('p', 'No service was used in this range.', 'muted'));
  s.funnel.forEach((f, i) => {
    const id = 'funnel-' + i;
    const titleId = id + '-title';
    const summaryId = id + '-summary';
    const fig = el('figure', undefined, 'chart');
    const cap = el('figcaption', label(FLOWS, f.flow) + ': ' + percent(f.completionRate) + ' finished');
    cap.id = titleId;
    fig.appendChild(cap);
    const box = el('div', undefined, 'canvas-box');
    const canvas = el('canvas');
    canvas.id = id;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-labelledby', titleId);
    canvas.setAttribute('aria-describedby', summaryId);
    box.appendChild(canvas);
    fig.appendChild(box);
    const stages: Array<[string, number]> = [['Started', f.entered], ...f.steps.map((st): [string, number] => ['Reached ' + label(STEPS, st.step).toLowerCase(), st.reached]), ['Finished', f.completed]];
    const dropped = f.steps.reduce((n, st) => n + st.droppedHere, 0);
    const unfinished = f.abandoned
      ? ' Left unfinished: ' +
        f.steps
          .filter((st) => st.droppedHere)
          .map((st) => st.droppedHere + ' at ' + label(STEPS, st.step).toLowerCase())
          .join(', ') +
        (f.abandoned > dropped ? ' (others before a question)' : '') +
        '.'
      : '';
    const summary = el('p', stages.map((st) => st[0] + ' ' + st[1]).join(', ') + '.' + unfinished, 'muted');
    summary.id = summaryId;
    fig.appendChild(summary);
    const details = el('details');
    details.appendChild(el('summary', 'Show as a table'));
    const t = el('table');
    details.appendChild(t);
    fig.appendChild(details);
    table(t, ['Stage', 'Residents', 'Stopped here'], [['Started', f.entered, ''], ...f.steps.map((st): Cell[] => [label(STEPS, st.step), st.reached, st.droppedHere]), ['Finished', f.completed, '']]);
    funnels.appendChild(fig);
    draw(id, {
      type: 'bar',
      data: { labels: stages.map((st) => st[0]), datasets: [{ label: 'Residents', data: stages.map((st) => st[1]), backgroundColor: COLOURS[i % 3] }] },
      options: noLegend(axes(false, true)),
    });
  });
}

async function load(): Promise<void> {
  $('figures-error').textContent = '';
  $('figures-status').textContent = 'Loading the figures…';
  try {
    const s = (await (await api('/analytics/summary?' + query())).json()) as AnalyticsSummary & { fromDate: string; toDate: string; timezone: string };
    input('from').value = s.fromDate;
    input('to').value = s.toDate;
    render(s);
    const picked = select('council').selectedOptions[0];
    $('figures-status').textContent = 'Showing ' + contacts(s.conversations) + (picked && !$('council-field').hidden ? ' of ' + picked.textContent : '') + ' from ' + s.fromDate + ' to ' + s.toDate + ' (' + s.timezone + ').';
  } catch (e) {
    $('figures-status').textContent = '';
    $('figures-error').textContent = (e as Error).message;
  }
}

async function download(): Promise<void> {
  try {
    const blob = await (await api('/analytics/summary.csv?' + query())).blob();
    const a = el('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'switchboard-' + (input('from').value || 'month') + '-' + (input('to').value || 'today') + '.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    $('figures-status').textContent = 'The CSV file has been downloaded.';
  } catch (e) {
    $('figures-error').textContent = (e as Error).message;
  }
}

function when(iso: string): string {
  return new Date(iso).toLocaleString('en-AU', { dateStyle: 'medium', timeStyle: 'short' });
}

function describeEvent(e: JourneyWire['events'][number]): string {
  const d = e.data || {};
  let text = label(EVENTS, e.type);
  if (e.type === 'contact.started' && e.channel) text += ' by ' + label(channelWords, e.channel);
  if (e.flow && /^(flow|step)\./.test(e.type)) text += ': ' + label(FLOWS, e.flow) + (e.step && e.type !== 'flow.entered' ? ', ' + label(STEPS, e.step).toLowerCase() : '');
  if (d.reference) text += ' ' + d.reference;
  if (d.status) text += ' (' + String(d.status).replace(/_/g, ' ') + ')';
  if (d.reasonKind && e.type === 'handoff.requested') text += ': ' + label(REASONS, d.reasonKind).toLowerCase();
  if (d.score) text += ': ' + d.score + ' out of 5';
  if (e.type === 'conversation.resolved' && d.outcome) text += ': ' + String(d.outcome).replace(/_/g, ' ');
  return text;
}

/** Events too many to list in a journey: every understood turn and every step. */
const HIDDEN_EVENTS = new Set(['turn.understood', 'step.reached']);

function showJourney(j: JourneyWire): void {
  const out = $('journey-result');
  out.textContent = '';
  out.appendChild(el('p', 'Channels: ' + (j.identities.map((i) => label(channelWords, i.channel) + ' ' + i.address).join(', ') || 'none')));
  const list = el('ol', undefined, 'journey-list');
  list.setAttribute('aria-label', 'Journey, oldest first');
  j.items.forEach((item) => {
    const li = el('li');
    li.appendChild(el('span', when(item.at) + (item.channel ? ' · ' + label(channelWords, item.channel) : ''), 'when'));
    li.appendChild(el('span', item.title, 'what'));
    li.appendChild(el('span', String(item.outcome).replace(/_/g, ' '), 'outcome'));
    if (item.kind === 'conversation') {
      const events = j.events.filter((e) => e.conversationId === item.id && !HIDDEN_EVENTS.has(e.type));
      if (events.length) {
        const ul = el('ul', undefined, 'events');
        events.forEach((e) => ul.appendChild(el('li', when(e.at).split(', ').pop() + ' ' + describeEvent(e))));
        li.appendChild(ul);
      }
    }
    list.appendChild(li);
  });
  out.appendChild(list);
}

async function findJourney(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const who = input('who').value.trim();
  if (!who) {
    $('journey-status').textContent = 'Type a phone number, chat address or contact id.';
    input('who').focus();
    return;
  }
  $('journey-status').textContent = 'Looking…';
  try {
    let contactId = who;
    if (!/^contact-/.test(who)) {
      const found = (await (await api('/conversations?address=' + encodeURIComponent(who))).json()) as { conversations: Array<{ contactId: string }> };
      const first = found.conversations[0];
      if (!first) throw new Error('Nobody with that address has contacted the council.');
      contactId = first.contactId;
    }
    const j = (await (await api('/contacts/' + encodeURIComponent(contactId) + '/journey')).json()) as JourneyWire;
    showJourney(j);
    $('journey-status').textContent = 'Showing ' + j.items.length + ' conversations, reports and permits.';
  } catch (e) {
    $('journey-result').textContent = '';
    $('journey-status').textContent = (e as Error).message;
  }
}

/** The channel filter's choices: the engine's channels, in the registry's order. */
function fillChannels(channels: ChannelInfo[]): void {
  channelWords = Object.fromEntries(channels.map((c) => [c.id, c.shortLabel]));
  channels.forEach((c) => {
    const o = el('option', c.shortLabel);
    o.value = c.id;
    select('channel').appendChild(o);
  });
}

/** The filters' choices, from the vocabularies. */
function fillFilters(): void {
  FILTER_FLOWS.forEach((f) => {
    const o = el('option', label(FLOWS, f));
    o.value = f;
    select('flow').appendChild(o);
  });
}

async function start(): Promise<void> {
  fillFilters();
  if (!token) return signedOut();
  $('journey-form').addEventListener('submit', (ev) => void findJourney(ev as SubmitEvent));
  let me: Me;
  try {
    // Channels unavailable (a temporary password, say): they read by their ids.
    const channels = api('/channels').then((r) => r.json() as Promise<{ channels: ChannelInfo[] }>).catch(() => ({ channels: [] }));
    me = (await (await api('/me')).json()) as Me;
    fillChannels((await channels).channels);
  } catch {
    return; // signedOut() already shown for 401
  }
  $('content').hidden = false;
  if (me.role === 'agent') {
    $('figures').hidden = true;
    return;
  }
  // A shared service: one council's figures at a time, chosen here.
  const councils = me.councils || [];
  councils.forEach((c) => {
    const o = el('option', c.name);
    o.value = c.id;
    select('council').appendChild(o);
  });
  $('council-field').hidden = councils.length < 2;
  $('range').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load();
  });
  $('download').addEventListener('click', () => void download());
  await load();
}

void start();

/** The supervisor wallboard: big numbers and simple SVG charts, each with its numbers in words. Live (events and every 10 s). */
import { useEffect, useState } from 'preact/hooks';
import type { WallboardView } from '../../../src/domain/workspace';
import { api } from './api';
import { clock, time } from './format';

const COLOURS = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c', '#0f766e'];

export function Wallboard({ tick }: { tick: number }) {
  const [data, setData] = useState<WallboardView | null>(null);
  const [error, setError] = useState('');
  const load = () => api<WallboardView>('/supervisor/wallboard').then((d) => { setData(d); setError(''); }).catch((e: Error) => setError(e.message));
  useEffect(() => {
    void load();
  }, [tick]);
  useEffect(() => {
    const t = window.setInterval(() => void load(), 10_000);
    return () => window.clearInterval(t);
  }, []);
  if (!data) return <p class="muted">{error || 'Loading the wallboard…'}</p>;
  const waitingNow = data.queues.reduce((n, q) => n + q.waiting, 0);
  const longest = Math.max(0, ...data.queues.map((q) => q.longestWaitSeconds));
  return (
    <div class="wallboard">
      <div class="wall-head">
        <h2>Wallboard</h2>
        <p class="muted">Live · updated {time(data.at)} · <a href="/agent/analytics">Analytics and history</a></p>
      </div>
      <div class="tiles">
        <Tile label="Waiting now" value={String(waitingNow)} />
        <Tile label="Longest wait" value={waitingNow ? clock(longest) : '–'} />
        <Tile label={`Answered within ${clock(data.serviceLevelTargetSeconds)} today`} value={data.serviceLevel.percent === null ? '–' : `${data.serviceLevel.percent}%`} note={`${data.serviceLevel.withinTarget} of ${data.serviceLevel.answered} answered`} />
        <Tile label="Survey today" value={data.survey.average === null ? '–' : `${data.survey.average} / 5`} note={`${data.survey.answered} answer${data.survey.answered === 1 ? '' : 's'}`} />
      </div>
      <div class="charts">
        <section class="panel" aria-labelledby="wb-queues">
          <h3 id="wb-queues">By queue now</h3>
          <table>
            <thead><tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Longest wait</th></tr></thead>
            <tbody>{data.queues.map((q) => <tr><td>{q.queue}</td><td>{q.waiting}</td><td>{q.waiting ? clock(q.longestWaitSeconds) : '–'}</td></tr>)}</tbody>
          </table>
        </section>
        <HistoryChart data={data} />
        <section class="panel" aria-labelledby="wb-agents">
          <h3 id="wb-agents">Agents by state</h3>
          <Bars id="agents" label="Agents by state" rows={[['Available', data.agents.available], ['On conversations', data.agents.busy], ['Away', data.agents.away], ['Offline', data.agents.offline]]} />
        </section>
        <section class="panel" aria-labelledby="wb-today">
          <h3 id="wb-today">Conversations today</h3>
          <Bars id="today" label="Conversations today" rows={[['By the assistant alone', data.today.byAssistant], ['Handed to people', data.today.byPeople], ['Resolved by people', data.today.resolvedByPeople]]} />
        </section>
        <section class="panel" aria-labelledby="wb-survey">
          <h3 id="wb-survey">Survey scores today</h3>
          <Bars id="survey" label="Survey scores today" rows={data.survey.counts.map((n, i) => [`${i + 1} ${['poor', 'fair', 'good', 'very good', 'excellent'][i]}`, n])} />
        </section>
      </div>
    </div>
  );
}

function Tile({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div class="tile">
      <p class="tile-label">{label}</p>
      <p class="tile-value">{value}</p>
      {note && <p class="muted">{note}</p>}
    </div>
  );
}

/** Horizontal bars with the number written beside each (the numbers are the text alternative). */
function Bars({ rows, label, id }: { rows: Array<[string, number]>; label: string; id: string }) {
  const max = Math.max(1, ...rows.map(([, n]) => n));
  const height = rows.length * 28;
  return (
    <svg class="bars" viewBox={`0 0 320 ${height}`} width={320} height={height} role="img" aria-labelledby={`${id}-desc`}>
      <title id={`${id}-desc`}>{`${label}: ${rows.map(([l, n]) => `${l} ${n}`).join(', ')}`}</title>
      {rows.map(([l, n], i) => (
        <g transform={`translate(0 ${i * 28})`}>
          <text x="0" y="17" class="bar-label">{l}</text>
          <rect x="150" y="4" height="18" width={Math.max(2, (n / max) * 130)} fill={COLOURS[i % COLOURS.length]} />
          <text x={Math.max(2, (n / max) * 130) + 156} y="18" class="bar-value">{n}</text>
        </g>
      ))}
    </svg>
  );
}

function HistoryChart({ data }: { data: WallboardView }) {
  const names = data.queues.map((q) => q.queue);
  const points = data.history;
  const max = Math.max(1, ...points.flatMap((p) => names.map((n) => p.queues[n]?.waiting ?? 0)));
  const w = 760;
  const h = 170;
  const x = (i: number) => 30 + (i / Math.max(1, points.length - 1)) * (w - 40);
  const y = (v: number) => h - 20 - (v / max) * (h - 35);
  const peak = names.map((n) => `${n} up to ${Math.max(0, ...points.map((p) => p.queues[n]?.waiting ?? 0))}`).join(', ');
  return (
    <section class="panel wide" aria-labelledby="wb-history">
      <h3 id="wb-history">Waiting over the last 4 hours</h3>
      <svg class="history-chart" viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-labelledby="history-desc">
        <title id="history-desc">{`Conversations waiting every 15 minutes since ${points[0] ? time(points[0].at) : ''}: ${peak}`}</title>
        <line x1="30" y1={h - 20} x2={w - 10} y2={h - 20} stroke="#555" />
        <text x="0" y={y(max) + 4} class="axis">{max}</text>
        <text x="0" y={h - 16} class="axis">0</text>
        {points.length > 0 && <text x="30" y={h - 4} class="axis">{time(points[0]!.at)}</text>}
        {points.length > 0 && <text x={w - 50} y={h - 4} class="axis">now</text>}
        {names.map((n, qi) => (
          <polyline fill="none" stroke={COLOURS[qi % COLOURS.length]} stroke-width="2.5" stroke-dasharray={qi % 2 ? '6 3' : undefined} points={points.map((p, i) => `${x(i)},${y(p.queues[n]?.waiting ?? 0)}`).join(' ')} />
        ))}
      </svg>
      <ul class="legend">
        {names.map((n, qi) => <li><span class={`swatch s${qi % COLOURS.length}${qi % 2 ? ' dashed' : ''}`} aria-hidden="true" />{n}: longest wait in the period {clock(Math.max(0, ...points.map((p) => p.queues[n]?.longestWaitSeconds ?? 0)))}</li>)}
      </ul>
    </section>
  );
}

/**
 * `npm start` on a machine with more than one core: `src/main.ts` (ROLE=all, PROCESSES=2 here,
 * whatever this machine has) supervises a web process and a worker process. A chat message goes
 * in through the web process, its turn runs in the worker process, and the reply comes back
 * through Redis to the socket; a killed worker process is started again and work goes on;
 * SIGTERM stops them all.
 */
import { execFileSync } from 'node:child_process';
import { freePort } from '../tools/local-services';
import { processPlan } from '../src/main';
import { sleep, spawnEngineProcess, testEnv, waitForOutput, waitUntil, WebchatResident } from './helpers/engine';

/** The engine processes the supervisor forked (tsx's esbuild helper is a child too, without a ROLE). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number).filter((child) => roleOf(child) === 'web' || roleOf(child) === 'worker');
  } catch {
    return [];
  }
}

function roleOf(pid: number): string | undefined {
  try {
    const env = execFileSync('cat', [`/proc/${pid}/environ`], { encoding: 'utf8' });
    return /(?:^|\0)ROLE=([a-z]+)/.exec(env)?.[1];
  } catch {
    return undefined;
  }
}

test('the plan: one process on one core, one web and the rest workers on more', () => {
  expect(processPlan({ ROLE: 'all', PROCESSES: 'auto' }, 1)).toEqual({ web: 0, workers: 0 });
  expect(processPlan({ ROLE: 'all', PROCESSES: 'auto' }, 2)).toEqual({ web: 1, workers: 1 });
  expect(processPlan({ ROLE: 'all', PROCESSES: 'auto' }, 4)).toEqual({ web: 1, workers: 3 });
  expect(processPlan({ ROLE: 'all', PROCESSES: 1 }, 8)).toEqual({ web: 0, workers: 0 });
  expect(processPlan({ ROLE: 'web', PROCESSES: 'auto' }, 8)).toEqual({ web: 0, workers: 0 });
});

test('web and worker run as separate processes and a chat goes through both', async () => {
  const port = await freePort();
  const env = testEnv({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ROLE: 'all', PROCESSES: '2', LOG_LEVEL: 'info' });
  const { child, exited } = spawnEngineProcess(env);
  try {
    await waitForOutput(child, 'is taking jobs', 120_000);
    await waitForOutput(child, 'Switchboard is running', 1000);
    const kids = await waitUntil(() => (childrenOf(child.pid!).length === 2 ? childrenOf(child.pid!) : undefined), 10_000, 'two child processes');
    expect(kids.map(roleOf).sort()).toEqual(['web', 'worker']);

    const url = `http://127.0.0.1:${port}`;
    // Every request to the public port reaches the web process (a worker never shares it).
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await fetch(`${url}/agent`)).status);
    expect(statuses).toEqual(Array(10).fill(200));
    const resident = new WebchatResident(url);
    await resident.start();
    await resident.say('hello');
    const first = await resident.waitForReply(() => true, 60_000);
    expect(first.text).toContain('What can I help with today?');

    // A worker process that dies is replaced; the next message is answered by its successor.
    const worker = kids.find((pid) => roleOf(pid) === 'worker')!;
    process.kill(worker, 'SIGKILL');
    await waitUntil(() => {
      const now = childrenOf(child.pid!);
      return now.length === 2 && !now.includes(worker) ? now : undefined;
    }, 60_000, 'a new worker process');
    const before = resident.replies().length;
    await resident.say('hello again');
    await waitUntil(() => resident.replies().length > before, 60_000, 'a reply from the new worker');
    resident.close();

    child.kill('SIGTERM');
    expect(await Promise.race([exited, sleep(30_000).then(() => 'timeout')])).toBe(0);
    expect(kids.every((pid) => childrenOf(child.pid!).indexOf(pid) < 0)).toBe(true);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 240_000);

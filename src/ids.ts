/** Deterministic ids (the builders live in the domain, src/domain/ids.ts) and arrival stamps. */
export { ids, shortHash } from './domain/ids';

let lastArrival = 0;
/** Microsecond-ish arrival stamp: increasing within a process, time-ordered across processes. */
export function nextArrival(): number {
  lastArrival = Math.max(lastArrival + 1, Date.now() * 1000);
  return lastArrival;
}

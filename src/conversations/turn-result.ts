/**
 * For channels that answer inside the provider's own request (voice): wait, briefly, for the
 * router to decide the turn of one inbound event. The decision is stored with the resident's
 * message in one insert, so its appearance is the signal; any process may have decided it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ids } from '../ids';
import { Message } from '../models';
import type { TurnDecision } from './router';

const POLL_MS = 40;

export async function awaitTurn(eventId: string, timeoutMs: number): Promise<TurnDecision | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = await Message.findById(ids.turnMessage(eventId, 0), { turn: 1 }).lean<{ turn?: TurnDecision }>();
    if (stored?.turn) return stored.turn;
    if (Date.now() >= deadline) return undefined;
    await sleep(POLL_MS);
  }
}

/** The turn decided for an event already (a caller's previous step), if it was. */
export async function decidedTurn(eventId: string): Promise<TurnDecision | undefined> {
  return (await Message.findById(ids.turnMessage(eventId, 0), { turn: 1 }).lean<{ turn?: TurnDecision }>())?.turn ?? undefined;
}

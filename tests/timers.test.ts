/**
 * Delayed timer jobs: a bot conversation closes after the resident goes quiet, but not while
 * they keep talking, and a later message starts a fresh conversation.
 */
import { Conversation } from '../src/models';
import { sleep, useTestEngine, waitUntil, WebchatResident } from './helpers/engine';

// 0.03 minutes = 1.8 seconds of silence closes a bot conversation.
const engine = useTestEngine({ INACTIVITY_CLOSE_MINUTES: '0.03' });

test('a quiet bot conversation is closed; one that keeps going is not', async () => {
  const quiet = new WebchatResident(engine().url!);
  const chatty = new WebchatResident(engine().url!);
  const q = await quiet.start();
  const c = await chatty.start();
  await quiet.say('hello');
  for (let i = 0; i < 4; i++) {
    await chatty.say(i % 2 ? 'hello' : 'menu');
    await sleep(500);
  }
  await waitUntil(async () => (await Conversation.findById(q.conversationId).lean())?.status === 'resolved', 10_000, 'quiet conversation closed');
  // The resident's page is told (the event may land just after the database shows the close).
  await waitUntil(() => quiet.updates.find((u) => u.conversationId === q.conversationId && u.status === 'resolved'), 5000, 'the resident told of the close');
  expect((await Conversation.findById(c.conversationId).lean())?.status).toBe('bot');

  // Talking again after the close starts a new conversation for the same resident.
  await quiet.say('hello again');
  const reply = await quiet.waitForReply((m) => m.conversationId !== q.conversationId);
  expect(reply.conversationId).not.toBe(q.conversationId);
  quiet.close();
  chatty.close();
}, 30_000);

/**
 * Safeguarding out of hours (issue 10): the crisis lines come first whatever the time, the
 * conversation still goes to the top of the queue, and the resident is told honestly when a
 * person will read it. Webchat through the real router on Redis and FerretDB.
 */
import { Conversation } from '../src/models';
import { useTestEngine, waitUntil, WebchatResident } from './helpers/engine';

// Office hours that never open: every message arrives "out of hours".
const engine = useTestEngine({ OFFICE_HOURS: 'Mon-Fri 09:00-09:00', CRISIS_LINES: JSON.stringify({ self_harm: 'Riverbend Crisis Line is there 24/7 on 1800 000 111.' }) });
let chat: WebchatResident;
afterAll(() => chat?.close());

test('out of hours: crisis lines first (the council\'s own where set), top priority, and an honest wait', async () => {
  chat = new WebchatResident(engine().url!);
  await chat.start();
  await chat.say("i've been thinking about killing myself");
  const crisis = await chat.waitForReply(() => true);
  expect(crisis.text).toBe("If you or anyone else is in danger now, call 000. Riverbend Crisis Line is there 24/7 on 1800 000 111. I've passed your message to our team as urgent.");
  const notice = await chat.waitForReply((m) => m.id !== crisis.id);
  expect(notice.text).toMatch(/Our team is away right now and back .+ A person will reply here then/);
  const conversation = await waitUntil(() => Conversation.findOne({ _id: chat.conversationId, status: 'queued' }).lean(), 10_000, 'queued');
  expect(conversation).toMatchObject({ priority: 0, handoffReason: 'Safeguarding: risk to life or self-harm' });
});

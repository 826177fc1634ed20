/**
 * Group commit (src/models/group-insert.ts) on the real database: callers writing at the same
 * time share inserts, and each learns, record by record, whether its record was new or already
 * there, which is how a duplicate webhook is acknowledged without a second turn.
 */
import { InboundEvent } from '../src/models';
import { GroupInsert } from '../src/models/group-writes';
import { useTestEngine } from './helpers/engine';

const engine = useTestEngine();

const calls = async () => {
  const text = await (await fetch(`${engine().url}/metrics`)).text();
  return Number(/switchboard_database_operations_total\{collection="inbound_events",operation="insertMany"\} (\d+)/.exec(text)?.[1] ?? 0);
};
const event = (id: string) => ({ _id: id, channel: 'sms', inboxId: 'inbox-group-test', channelUserId: `+6141200${id.slice(-4)}`, externalId: id, receivedAt: new Date(), createdAt: new Date(), updatedAt: new Date() });

test('fifty callers at once share a few inserts, and each is told which of its records were already there', async () => {
  const inserts = new GroupInsert(InboundEvent);
  await inserts.insert([event('group-test-0000'), event('group-test-0001')]);
  const before = await calls();
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => inserts.insert([event(`group-test-${String(i).padStart(4, '0')}`), event(`group-test-new-${String(i).padStart(4, '0')}`)])));
  const used = (await calls()) - before;
  // The first two records were there already; everything else is new.
  expect(results[0]).toEqual([false, true]);
  expect(results[1]).toEqual([false, true]);
  expect(results.slice(2).every((r) => r[0] === true && r[1] === true)).toBe(true);
  expect(await InboundEvent.countDocuments({ inboxId: 'inbox-group-test' })).toBe(100);
  // At least one caller wrote alone (the group forming behind it); the rest waited together.
  expect(used).toBeGreaterThanOrEqual(1);
  expect(used).toBeLessThan(10);
});

test('an insert that fails for another reason fails only the callers in that group, and the next insert works', async () => {
  const inserts = new GroupInsert(InboundEvent);
  // A record the collection's schema cannot take as an insert: an _id that is an object with a $ key.
  const bad = { _id: { $bad: 1 } as unknown as string };
  await expect(inserts.insert([bad])).rejects.toBeDefined();
  expect(await inserts.insert([event('group-test-after')])).toEqual([true]);
});

test('updates made at the same time share a bulkWrite, keep their order for one record, and each caller sees its own written', async () => {
  const { setByKey } = await import('../src/models');
  await new GroupInsert(InboundEvent).insert(Array.from({ length: 20 }, (_, i) => event(`group-set-${String(i).padStart(4, '0')}`)));
  const text = async () => (await (await fetch(`${engine().url}/metrics`)).text());
  const bulk = async () => Number(/switchboard_database_operations_total\{collection="inbound_events",operation="bulkWrite"\} (\d+)/.exec(await text())?.[1] ?? 0);
  const before = await bulk();
  // Twenty records at once, and one record set twice in a row: the later value wins.
  await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => setByKey(InboundEvent, `group-set-${String(i).padStart(4, '0')}`, { arrival: i })),
    setByKey(InboundEvent, 'group-set-0000', { arrival: 100 }),
  ]);
  expect((await bulk()) - before).toBeLessThan(10);
  const stored = await InboundEvent.find({ _id: /^group-set-/ }, { arrival: 1 }).sort({ _id: 1 }).lean<Array<{ arrival: number }>>();
  expect(stored.map((s) => s.arrival)).toEqual([100, ...Array.from({ length: 19 }, (_, i) => i + 1)]);
});

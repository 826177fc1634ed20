/**
 * The embedded database serves `_id` from an index (tools/ferretdb-launcher/README.md): FerretDB's
 * own `explain` returns SQLite's EXPLAIN QUERY PLAN, which must SEARCH with our `_sb_id` index for
 * a filter that is exactly `{ _id }`, for collections created at any time. Skipped on a real MongoDB.
 */
import mongoose from 'mongoose';
import { testEnv, waitUntil } from './helpers/engine';

let connection: mongoose.Connection;
let onFerret = false;

beforeAll(async () => {
  connection = await mongoose.createConnection(testEnv().MONGODB_URI!).asPromise();
  const info = await connection.db!.admin().command({ buildInfo: 1 });
  onFerret = 'ferretdbVersion' in info || JSON.stringify(info).includes('ferretdb');
});

afterAll(async () => {
  await connection.db?.dropDatabase().catch(() => undefined);
  await connection.close();
});

async function plan(collection: string, filter: Record<string, unknown>): Promise<string> {
  const result = await connection.db!.command({ explain: { find: collection, filter }, verbosity: 'queryPlanner' });
  return JSON.stringify(result.queryPlanner);
}

test('a lookup by _id is served by the index, also in a collection created after start-up', async () => {
  if (!onFerret) return;
  const docs = Array.from({ length: 2000 }, (_, i) => ({ _id: `doc-${i}` as unknown as mongoose.Types.ObjectId, n: i, status: i % 2 ? 'a' : 'b' }));
  await connection.db!.collection('probe_late').insertMany(docs);
  const indexed = await waitUntil(async () => {
    // A real query first: an EXPLAIN alone never checks SQLite's schema cookie, so a connection
    // opened before the index was made would still explain the old plan (the queries do re-plan).
    await connection.db!.collection('probe_late').findOne({ _id: 'doc-1500' as never });
    const p = await plan('probe_late', { _id: 'doc-1500' });
    return /USING INDEX \S*_sb_id/.test(p) ? p : undefined;
  }, 10_000, 'the _id index on a new collection');
  expect(indexed).toMatch(/SEARCH/);
  expect(indexed).not.toMatch(/detail=SCAN/);

  // Anything but exactly { _id } is not pushed down at all: the engine's hot paths never filter so.
  expect(await plan('probe_late', { _id: 'doc-1500', status: 'a' })).toMatch(/detail=SCAN/);

  // Reads and writes by _id still see the right documents.
  expect((await connection.db!.collection('probe_late').findOne({ _id: 'doc-1999' as never }))?.n).toBe(1999);
  await connection.db!.collection('probe_late').updateOne({ _id: 'doc-7' as never }, { $set: { n: -7 } });
  expect((await connection.db!.collection('probe_late').findOne({ _id: 'doc-7' as never }))?.n).toBe(-7);
  expect((await connection.db!.collection('probe_late').deleteOne({ _id: 'doc-8' as never })).deletedCount).toBe(1);
  expect(await connection.db!.collection('probe_late').countDocuments()).toBe(1999);
}, 30_000);

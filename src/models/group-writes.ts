/**
 * Group commit for records written by natural key. While one write is on its way to the
 * database, the records that arrive meanwhile wait and then go together in one unordered
 * `insertMany`; each caller learns, record by record, whether it was inserted or was already
 * there (its `_id` taken). At low load every record is written alone at once; under load the
 * database sees a few large inserts instead of many small ones, and the engine pays the
 * driver's per-call cost once per group (FerretDB's SQLite backend runs one writer at a time).
 */
import type mongoose from 'mongoose';

type KeyedCollection = mongoose.mongo.Collection<{ _id: string; [field: string]: unknown }>;

interface Waiting {
  records: Array<{ _id: string }>;
  resolve(inserted: boolean[]): void;
  reject(error: unknown): void;
}

const DUPLICATE_KEY = 11000;

export class GroupInsert {
  private readonly waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly model: { collection: mongoose.Collection },
    private readonly maxRecords = 500,
  ) {}

  /** Inserts the records with whatever else is waiting; resolves, per record, inserted (true) or already there (false). */
  insert(records: Array<{ _id: string }>): Promise<boolean[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ records, resolve, reject });
      if (!this.writing) void this.writeWaiting();
    });
  }

  private async writeWaiting(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const group: Waiting[] = [];
        let size = 0;
        while (this.waiting.length > 0 && (group.length === 0 || size + this.waiting[0]!.records.length <= this.maxRecords)) {
          const next = this.waiting.shift()!;
          group.push(next);
          size += next.records.length;
        }
        await this.write(group);
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(group: Waiting[]): Promise<void> {
    const records = group.flatMap((w) => w.records);
    const settle = (failed: Map<number, { code?: number }>, error?: unknown) => {
      let at = 0;
      for (const caller of group) {
        const outcomes = caller.records.map((_, i) => failed.get(at + i));
        at += caller.records.length;
        // A failure other than "already there" fails that caller (the provider or the job retries).
        if (outcomes.some((e) => e && e.code !== DUPLICATE_KEY)) caller.reject(error);
        else caller.resolve(outcomes.map((e) => !e));
      }
    };
    try {
      await (this.model.collection as unknown as KeyedCollection).insertMany(records, { ordered: false, ignoreUndefined: true });
      settle(new Map());
    } catch (error) {
      const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
      const failed = new Map<number, { code?: number }>();
      for (const e of (writeErrors ? [writeErrors].flat() : []) as Array<{ index: number; code?: number }>) failed.set(e.index, e);
      // Nothing known per record: every caller fails.
      if (failed.size === 0) for (const caller of group) caller.reject(error);
      else settle(failed, error);
    }
  }
}

interface PendingSet {
  id: string;
  fields: Record<string, unknown>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * `$set` by `_id`, grouped the same way: the updates that arrive while one group is on its way go
 * together in one ordered `bulkWrite`, so two updates of one record keep their order. An update
 * that fails fails its caller alone; the ones after it go in the next group.
 */
export class GroupSet {
  private readonly waiting: PendingSet[] = [];
  private writing = false;

  constructor(
    private readonly collection: KeyedCollection,
    private readonly maxUpdates = 200,
  ) {}

  set(id: string, fields: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id, fields, resolve, reject });
      if (!this.writing) void this.writeWaiting();
    });
  }

  private async writeWaiting(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, this.maxUpdates);
        const at = new Date();
        try {
          await this.collection.bulkWrite(
            group.map((u) => ({ updateOne: { filter: { _id: u.id }, update: { $set: { ...u.fields, updatedAt: at } } } })),
            { ordered: true, ignoreUndefined: true },
          );
          group.forEach((u) => u.resolve());
        } catch (error) {
          const failedAt = [(error as { writeErrors?: unknown }).writeErrors ?? []].flat().map((e) => (e as { index?: number }).index).find((i) => typeof i === 'number');
          if (failedAt === undefined) {
            group.forEach((u) => u.reject(error));
            continue;
          }
          group.slice(0, failedAt).forEach((u) => u.resolve());
          group[failedAt]!.reject(error);
          this.waiting.unshift(...group.slice(failedAt + 1));
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

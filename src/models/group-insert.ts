/**
 * Group commit for records written by natural key. While one insert is on its way to the
 * database, the records that arrive meanwhile wait and then go together in one unordered
 * `insertMany`; each caller learns, record by record, whether it was inserted or was already
 * there (its `_id` taken). At low load every record is written alone at once; under load the
 * database sees a few large inserts instead of many small ones, and the engine pays the
 * driver's per-call cost once per group (FerretDB's SQLite backend runs one writer at a time).
 */
import type mongoose from 'mongoose';
import { insertRecords } from './index';

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
      await insertRecords(this.model, records, false);
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

/**
 * The memory backend: the MVCC core over an in-memory log. Nothing survives the process; used by
 * fast unit tests and by `pilothouse server --store memory` for throwaway clusters.
 */
import type { Logger } from '../log';
import type { Batch, Database, LeaseRecord, LoadedState, LogRecord } from './mvcc/database';
import { MvccStore } from './mvcc/store';
import type { Store } from './types';

class MemoryDatabase implements Database {
  readonly kind = 'memory' as const;
  /** Records in (rev, sub) order. */
  private log: LogRecord[] = [];
  private readonly byRev = new Map<string, LogRecord>();
  private readonly leases = new Map<number, LeaseRecord>();
  private currentRevision = 1;
  private compactRevision = 0;

  loadState(): LoadedState {
    return {
      currentRevision: this.currentRevision,
      compactRevision: this.compactRevision,
      leases: [...this.leases.values()],
    };
  }

  scanAll(): Iterable<LogRecord> {
    return this.log;
  }

  *scanFrom(fromRev: number): Iterable<LogRecord> {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.log[mid] as LogRecord).rev < fromRev) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.log.length; i++) yield this.log[i] as LogRecord;
  }

  getValue(rev: number, sub: number) {
    return this.byRev.get(`${rev}:${sub}`)?.value;
  }

  commit(batch: Batch): Promise<void> {
    for (const r of batch.records) {
      this.log.push(r);
      this.byRev.set(`${r.rev}:${r.sub}`, r);
    }
    if (batch.removeRecords.length > 0) {
      const gone = new Set(batch.removeRecords.map(([rev, sub]) => `${rev}:${sub}`));
      for (const k of gone) this.byRev.delete(k);
      this.log = this.log.filter((r) => !gone.has(`${r.rev}:${r.sub}`));
    }
    for (const l of batch.putLeases) this.leases.set(l.id, l);
    for (const id of batch.removeLeases) this.leases.delete(id);
    this.currentRevision = batch.currentRevision;
    if (batch.compactRevision !== undefined) this.compactRevision = batch.compactRevision;
    return Promise.resolve();
  }

  sizes() {
    return { dbSize: 0, dbSizeInUse: 0 };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export function createMemoryStore(opts: { retentionSeconds: number; log: Logger }): Store {
  return new MvccStore({ db: new MemoryDatabase(), log: opts.log, retentionSeconds: opts.retentionSeconds });
}

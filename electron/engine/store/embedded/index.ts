/**
 * The embedded backend: the MVCC core over LMDB (lmdb-js: N-API, prebuilt, the same binary in
 * Node and Electron). One environment file, DATA_DIR/store/pilothouse.mdb, with three tables:
 *   log     [rev, sub] → { k, t, v, c, n, l }   every write (msgpack values, ordered keys)
 *   leases  id → ttl
 *   meta    'currentRevision' | 'compactRevision' | 'format' → number
 * Writes go through lmdb-js's batched asynchronous transactions; a batch is acknowledged only
 * after its transaction is committed and synced, so an acknowledged write survives kill -9. Compaction
 * deletes log records; LMDB reuses the freed pages, so the file stops growing at the working
 * set's size.
 */
import fs from 'node:fs';
import path from 'node:path';
import { open, type Database as LmdbDb, type RootDatabase } from 'lmdb';
import type { Logger } from '../../log';
import type { Batch, Database, LoadedState, LogRecord } from '../mvcc/database';
import { MvccStore } from '../mvcc/store';
import { type Store, StoreError } from '../types';
import { checkLmdbFile } from './file-check';

const FORMAT = 1;
export const DB_FILE = 'pilothouse.mdb';

interface StoredRecord {
  /** key (latin1) */
  k: string;
  /** tombstone */
  t: boolean;
  v: Uint8Array;
  c: number;
  n: number;
  l: number;
}

type LogKey = [number, number];

class LmdbDatabase implements Database {
  readonly kind = 'embedded' as const;

  constructor(
    private readonly file: string,
    private readonly env: RootDatabase,
    private readonly log: LmdbDb<StoredRecord, LogKey>,
    private readonly leases: LmdbDb<number, number>,
    private readonly meta: LmdbDb<number, string>,
  ) {}

  loadState(): LoadedState {
    return {
      currentRevision: this.meta.get('currentRevision') ?? 1,
      compactRevision: this.meta.get('compactRevision') ?? 0,
      leases: [...this.leases.getRange({})].map(({ key, value }) => ({
        id: key as unknown as number,
        ttl: value,
      })),
    };
  }

  private toRecord(key: LogKey, s: StoredRecord): LogRecord {
    if (!Array.isArray(key) || typeof s?.k !== 'string') {
      throw new StoreError('corrupt', `${this.file} holds a malformed record at ${JSON.stringify(key)}`);
    }
    return {
      rev: key[0],
      sub: key[1],
      key: s.k,
      tombstone: s.t,
      value: s.v,
      createRevision: s.c,
      version: s.n,
      lease: s.l,
    };
  }

  *scanAll(): Iterable<LogRecord> {
    let last: LogKey = [0, 0];
    for (const { key, value } of this.log.getRange({})) {
      const k = key as LogKey;
      if (k[0] < last[0] || (k[0] === last[0] && k[1] <= last[1] && last[0] !== 0)) {
        throw new StoreError('corrupt', `${this.file}: revisions out of order at ${k.join(':')}`);
      }
      last = k;
      yield this.toRecord(k, value);
    }
  }

  *scanFrom(fromRev: number): Iterable<LogRecord> {
    for (const { key, value } of this.log.getRange({ start: [fromRev, 0] })) {
      yield this.toRecord(key as LogKey, value);
    }
  }

  getValue(rev: number, sub: number) {
    return this.log.get([rev, sub])?.v;
  }

  private queue: { batch: Batch; resolve: () => void; reject: (e: unknown) => void }[] = [];

  /**
   * Group commit: every batch handed over in one event-loop turn is written in one LMDB
   * transaction, committed and fdatasync'ed synchronously at the end of the turn. One client
   * writing alone pays one sync and no thread hand-off; many clients share one sync per turn.
   * Order is kept: batches commit in call order, turn after turn.
   */
  commit(batch: Batch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ batch, resolve, reject });
    });
  }

  private flush(): void {
    const group = this.queue;
    this.queue = [];
    try {
      this.env.transactionSync(() => {
        for (const { batch } of group) this.write(batch);
      });
    } catch (err) {
      for (const g of group) g.reject(err);
      return;
    }
    for (const g of group) g.resolve();
  }

  private write(batch: Batch): void {
    for (const r of batch.records) {
      this.log.putSync([r.rev, r.sub], {
        k: r.key,
        t: r.tombstone,
        v: r.value,
        c: r.createRevision,
        n: r.version,
        l: r.lease,
      });
    }
    for (const key of batch.removeRecords) this.log.removeSync(key);
    for (const l of batch.putLeases) this.leases.putSync(l.id, l.ttl);
    for (const id of batch.removeLeases) this.leases.removeSync(id);
    this.meta.putSync('currentRevision', batch.currentRevision);
    if (batch.compactRevision !== undefined) this.meta.putSync('compactRevision', batch.compactRevision);
  }

  /** File size, and the pages that hold data (each table, the root, the free list, 2 metas). */
  sizes() {
    interface Stats {
      pageSize: number;
      treeBranchPageCount: number;
      treeLeafPageCount: number;
      overflowPages: number;
    }
    const pages = (st: Stats) => st.treeBranchPageCount + st.treeLeafPageCount + st.overflowPages;
    const root = this.env.getStats() as Stats & { root: Stats; free: Stats };
    const tables = [this.log, this.leases, this.meta].map((db) => db.getStats() as Stats);
    const used = 2 + pages(root.root) + pages(root.free) + tables.reduce((n, st) => n + pages(st), 0);
    const dbSize = fs.statSync(this.file).size;
    return { dbSize, dbSizeInUse: Math.min(dbSize, used * root.pageSize) };
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}

export interface EmbeddedOptions {
  /** Directory of the database (created 0700). */
  dir: string;
  retentionSeconds: number;
  log: Logger;
}

export async function openEmbeddedStore(opts: EmbeddedOptions): Promise<Store> {
  await fs.promises.mkdir(opts.dir, { recursive: true, mode: 0o700 });
  const file = path.join(opts.dir, DB_FILE);
  const problem = checkLmdbFile(file);
  if (problem) {
    throw new StoreError(
      'corrupt',
      `the store database ${problem.file} ${problem.problem}; restore it from a backup or move it away to start empty (all cluster state is in it)`,
    );
  }
  let env: RootDatabase;
  try {
    env = open({
      path: file,
      maxDbs: 4,
      mapSize: 256 * 1024 * 1024,
      // A commit resolves only once synced (not before, as with overlapping sync), and the
      // writes of one event-loop turn share one transaction: our batch atomicity relies on it.
      overlappingSync: false,
      eventTurnBatching: true,
    });
  } catch (err) {
    throw new StoreError(
      'corrupt',
      `the store database ${file} cannot be opened: ${(err as Error).message}`,
      {},
      { cause: err },
    );
  }
  try {
    const log = env.openDB<StoredRecord, LogKey>({ name: 'log', keyEncoding: 'ordered-binary' });
    const leases = env.openDB<number, number>({ name: 'leases', keyEncoding: 'ordered-binary' });
    const meta = env.openDB<number, string>({ name: 'meta' });
    const format = meta.get('format');
    if (format === undefined) await meta.put('format', FORMAT);
    else if (format !== FORMAT) {
      throw new StoreError(
        'corrupt',
        `${file} has store format ${format}; this build reads format ${FORMAT}`,
      );
    }
    const db = new LmdbDatabase(file, env, log, leases, meta);
    return new MvccStore({ db, log: opts.log, retentionSeconds: opts.retentionSeconds });
  } catch (err) {
    await env.close().catch(() => undefined);
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      'corrupt',
      `the store database ${file} cannot be read: ${(err as Error).message}`,
      {},
      { cause: err },
    );
  }
}

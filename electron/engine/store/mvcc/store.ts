/**
 * The MVCC core: etcd v3 semantics over a Database (memory or LMDB). One instance owns its
 * database. All state changes happen synchronously inside one JavaScript turn per request, so
 * requests are serialised without locks; durability is asynchronous and batched by the database.
 *
 * Write pipeline: a write is applied to the in-memory index at once (the next txn compares
 * against it), handed to the database, and acknowledged — and published to watchers — only
 * once it and every earlier write are durable. Plain reads are served at the durable revision,
 * so nobody reads a write that a crash could still take back; reads inside a txn see pending
 * writes, which is safe because the txn is acknowledged only after them.
 */
import type { Logger } from '../../log';
import {
  type Bytes,
  type CompactResponse,
  type Compare,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type KeyValue,
  LIMITS,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseHeader,
  type ResponseOp,
  type Store,
  StoreError,
  type StoreStatus,
  type TxnRequest,
  type TxnResponse,
  type Watch,
  type WatchRequest,
  type WatchMessage,
  type WatchEvent,
  type LeaseGrantResponse,
  type LeaseTimeToLiveResponse,
} from '../types';
import type { Batch, Database, LeaseRecord, LogRecord } from './database';
import { KeyIndex, type Revision } from './key-index';
import { type Key, compareBytes, fromKey, keyRange, toKey } from './keys';
import { Lessor } from './lessor';
import { ERR, checkKey, checkPut, checkSize, checkTxn } from './validate';
import { type RevisionEvents, WatchHub } from './watchers';
import { Compactor } from './compactor';
import { sortKvs } from './sort';

export interface MvccOptions {
  db: Database;
  log: Logger;
  /** History kept before automatic compaction; 0 disables it. */
  retentionSeconds: number;
  /** How often leases are checked for expiry. */
  leaseCheckMs?: number;
  /** Idle time after which watchers with progressNotify get a progress message (etcd: 10 min). */
  progressIntervalMs?: number;
}

interface Pending {
  rev: number;
  done: boolean;
  /** The revision's writes; turned into watch events only when it is published to watchers. */
  records: LogRecord[];
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
  valueKeys: string[];
}

/** The branches a txn takes, decided before it runs. */
interface Decision {
  succeeded: boolean;
  ops: RequestOp[];
  /** Decisions of nested txns, by index in `ops`. */
  nested: Map<number, Decision>;
}

/** A write request being applied: collects records at one new revision. */
class WriteSet {
  readonly records: LogRecord[] = [];
  readonly putLeases: LeaseRecord[] = [];
  readonly removeLeases: number[] = [];
  constructor(readonly rev: number) {}
}

const EMPTY = new Uint8Array(0);

export class MvccStore implements Store {
  private readonly index = new KeyIndex();
  private readonly lessor = new Lessor();
  private readonly hub = new WatchHub();
  private readonly pending: Pending[] = [];
  /** Values of records not yet durable, by "rev:sub". */
  private readonly pendingValues = new Map<string, Bytes>();
  /** Keys written since the last compaction. */
  private readonly dirty = new Set<Key>();
  private currentRev: number;
  private committedRev: number;
  private compactRev: number;
  private failure: StoreError | null = null;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly compactor: Compactor | null;

  constructor(private readonly opts: MvccOptions) {
    const state = opts.db.loadState();
    let maxRev = 1;
    for (const r of opts.db.scanAll()) {
      this.index.append(r.key, toRevision(r));
      this.dirty.add(r.key);
      maxRev = Math.max(maxRev, r.rev);
    }
    this.currentRev = Math.max(state.currentRevision, maxRev, 1);
    this.committedRev = this.currentRev;
    this.compactRev = state.compactRevision;
    for (const l of state.leases) this.lessor.add(l.id, l.ttl);
    this.index.scan({ start: '', end: null, single: false }, (key, h) => {
      const latest = h[h.length - 1];
      if (latest && !latest.tombstone && latest.lease !== 0) this.lessor.attach(latest.lease, key);
      return true;
    });
    const check = setInterval(() => this.expireLeases(), opts.leaseCheckMs ?? 500);
    check.unref();
    this.timers.push(check);
    const progress = setInterval(() => this.periodicProgress(), opts.progressIntervalMs ?? 600_000);
    progress.unref();
    this.timers.push(progress);
    this.compactor =
      opts.retentionSeconds > 0
        ? new Compactor(
            opts.retentionSeconds,
            () => this.committedRev,
            (rev) => this.autoCompact(rev),
          )
        : null;
  }

  private header(rev = this.committedRev): ResponseHeader {
    return { revision: rev };
  }

  private ensureOpen(): void {
    if (this.closed) throw ERR.closed();
    if (this.failure) throw this.failure;
  }

  // ---- reads ---------------------------------------------------------------------------------

  private value(r: Revision): Bytes {
    return this.pendingValues.get(`${r.rev}:${r.sub}`) ?? this.opts.db.getValue(r.rev, r.sub) ?? EMPTY;
  }

  private kv(key: Key, r: Revision, keysOnly = false): KeyValue {
    return {
      key: fromKey(key),
      value: keysOnly ? EMPTY : this.value(r),
      createRevision: r.createRevision,
      modRevision: r.rev,
      version: r.version,
      lease: r.lease,
    };
  }

  private checkReadRevision(rev: number, latest: number): void {
    if (rev > latest) throw ERR.futureRevision(latest);
    if (rev < this.compactRev) throw ERR.compacted(this.compactRev, latest);
  }

  /** etcd's applyRange at revision `at` (0 = `latest`). */
  private rangeAt(req: RangeRequest, latest: number): RangeResponse {
    checkKey(req.key);
    const rev = req.revision && req.revision > 0 ? req.revision : latest;
    this.checkReadRevision(rev, latest);
    const range = keyRange(req.key, req.rangeEnd);
    const filtered =
      !!req.minModRevision || !!req.maxModRevision || !!req.minCreateRevision || !!req.maxCreateRevision;
    const sortOrder =
      req.sortOrder && req.sortOrder !== 'none'
        ? req.sortOrder
        : req.sortTarget && req.sortTarget !== 'key'
          ? 'ascend'
          : 'none';
    const limit = req.limit ?? 0;
    // Without sorting or filters, keys come in order and we can stop collecting at limit+1.
    const collectAll = sortOrder !== 'none' || filtered || limit <= 0;
    const kvs: KeyValue[] = [];
    let count = 0;
    this.index.scan(range, (key, h) => {
      const r = KeyIndex.at(h, rev);
      if (!r) return true;
      count++;
      if (req.countOnly) return true;
      if (!collectAll && kvs.length > limit) return true;
      kvs.push(this.kv(key, r, req.keysOnly));
      return true;
    });
    let out = kvs;
    if (filtered) {
      out = out.filter(
        (kv) =>
          (!req.minModRevision || kv.modRevision >= req.minModRevision) &&
          (!req.maxModRevision || kv.modRevision <= req.maxModRevision) &&
          (!req.minCreateRevision || kv.createRevision >= req.minCreateRevision) &&
          (!req.maxCreateRevision || kv.createRevision <= req.maxCreateRevision),
      );
    }
    if (sortOrder !== 'none') out = sortKvs(out, req.sortTarget ?? 'key', sortOrder);
    let more = false;
    if (limit > 0 && out.length > limit) {
      out = out.slice(0, limit);
      more = true;
    }
    return { header: this.header(latest), kvs: out, more, count };
  }

  range(req: RangeRequest): Promise<RangeResponse> {
    try {
      this.ensureOpen();
      return Promise.resolve(this.rangeAt(req, this.committedRev));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // ---- writes --------------------------------------------------------------------------------

  /** Latest state of a key including pending writes and those of the write set being built. */
  private latest(key: Key): Revision | undefined {
    return KeyIndex.at(this.index.history(key), Number.MAX_SAFE_INTEGER);
  }

  private putIn(ws: WriteSet, req: PutRequest): PutResponse {
    const key = toKey(req.key);
    const prev = this.latest(key);
    if ((req.ignoreValue || req.ignoreLease) && !prev) throw ERR.keyNotFound();
    const lease = req.ignoreLease ? (prev?.lease ?? 0) : (req.lease ?? 0);
    if (lease !== 0 && !this.lessor.get(lease)) throw ERR.leaseNotFound();
    const value = req.ignoreValue && prev ? this.value(prev) : req.value;
    const prevKv = req.prevKv && prev ? this.kv(key, prev) : undefined;
    const record: LogRecord = {
      rev: ws.rev,
      sub: ws.records.length,
      key,
      tombstone: false,
      value,
      createRevision: prev ? prev.createRevision : ws.rev,
      version: prev ? prev.version + 1 : 1,
      lease,
    };
    this.stage(ws, record);
    if (prev && prev.lease !== lease) this.lessor.detach(prev.lease, key);
    if (lease !== 0) this.lessor.attach(lease, key);
    return { header: this.header(ws.rev), ...(prevKv ? { prevKv } : {}) };
  }

  private deleteIn(ws: WriteSet, req: DeleteRangeRequest): DeleteRangeResponse {
    const victims: [Key, Revision][] = [];
    this.index.scan(keyRange(req.key, req.rangeEnd), (key, h) => {
      const r = KeyIndex.at(h, Number.MAX_SAFE_INTEGER);
      if (r) victims.push([key, r]);
      return true;
    });
    const prevKvs = req.prevKv ? victims.map(([k, r]) => this.kv(k, r)) : [];
    for (const [key, r] of victims) {
      this.stageDelete(ws, key);
      if (r.lease !== 0) this.lessor.detach(r.lease, key);
    }
    // Like a range: the txn's revision once it has changed something, the previous one before.
    const rev = ws.records.length > 0 ? ws.rev : this.currentRev;
    return { header: this.header(rev), deleted: victims.length, prevKvs };
  }

  /** Apply a record to the index now; its value stays readable until the record is durable. */
  private stage(ws: WriteSet, record: LogRecord): void {
    ws.records.push(record);
    this.index.append(record.key, toRevision(record));
    this.dirty.add(record.key);
    if (!record.tombstone) this.pendingValues.set(`${record.rev}:${record.sub}`, record.value);
  }

  private stageDelete(ws: WriteSet, key: Key): void {
    this.stage(ws, {
      rev: ws.rev,
      sub: ws.records.length,
      key,
      tombstone: true,
      value: EMPTY,
      createRevision: 0,
      version: 0,
      lease: 0,
    });
  }

  private unstage(ws: WriteSet): void {
    for (const r of [...ws.records].reverse()) {
      const h = this.index.history(r.key);
      if (h && h[h.length - 1]?.rev === r.rev && h[h.length - 1]?.sub === r.sub) h.pop();
      if (h && h.length === 0) this.index.remove(r.key);
      this.pendingValues.delete(`${r.rev}:${r.sub}`);
    }
  }

  private compare(c: Compare): boolean {
    const matches: (Revision | undefined)[] = [];
    if (c.rangeEnd && c.rangeEnd.length > 0) {
      this.index.scan(keyRange(c.key, c.rangeEnd), (_k, h) => {
        const r = KeyIndex.at(h, Number.MAX_SAFE_INTEGER);
        if (r) matches.push(r);
        return true;
      });
    } else {
      matches.push(this.latest(toKey(c.key)));
    }
    // etcd: a range compare holds when it holds for every key in the range; an empty range is
    // compared as one absent key (apply.go applyCompare).
    if (matches.length === 0) return compareOne(c, undefined, undefined);
    return matches.every((r) => compareOne(c, r, r ? this.value(r) : undefined));
  }

  /**
   * Decide every branch of a txn, nested ones included, against the state before it runs —
   * etcd evaluates all compares first (apply.go's compareToPath) and only then applies.
   */
  private decide(t: TxnRequest): Decision {
    const succeeded = t.compare.every((c) => this.compare(c));
    const ops = succeeded ? t.success : t.failure;
    const nested = new Map<number, Decision>();
    ops.forEach((op, i) => {
      if ('txn' in op) nested.set(i, this.decide(op.txn));
    });
    return { succeeded, ops, nested };
  }

  /** Checks etcd makes on the chosen path before applying anything (leases, ignore flags, revisions). */
  private precheck(d: Decision): void {
    d.ops.forEach((op, i) => {
      if ('range' in op) {
        checkKey(op.range.key);
        if (op.range.revision) this.checkReadRevision(op.range.revision, this.currentRev);
      } else if ('put' in op) {
        const p = op.put;
        if (p.lease && !this.lessor.get(p.lease)) throw ERR.leaseNotFound();
        if ((p.ignoreValue || p.ignoreLease) && !this.latest(toKey(p.key))) throw ERR.keyNotFound();
      } else if ('txn' in op) {
        this.precheck(d.nested.get(i) as Decision);
      }
    });
  }

  private txnIn(ws: WriteSet, d: Decision, nested = false): TxnResponse {
    const responses: ResponseOp[] = d.ops.map((op, i) => {
      // A range in a write txn sees the txn's own earlier writes (etcd: beginRev+1 once changed).
      if ('range' in op)
        return { range: this.rangeAt(op.range, ws.records.length > 0 ? ws.rev : this.currentRev) };
      if ('put' in op) return { put: this.putIn(ws, op.put) };
      if ('deleteRange' in op) return { deleteRange: this.deleteIn(ws, op.deleteRange) };
      return { txn: this.txnIn(ws, d.nested.get(i) as Decision, true) };
    });
    // etcd leaves a nested txn's header revision unset.
    return { header: { revision: nested ? 0 : ws.rev }, succeeded: d.succeeded, responses };
  }

  /**
   * Run a write synchronously at the next revision. If it wrote nothing the revision is not
   * used and the result is returned once earlier writes are durable.
   */
  private write<R extends { header: ResponseHeader }>(apply: (ws: WriteSet) => R): Promise<R> {
    try {
      this.ensureOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const ws = new WriteSet(this.currentRev + 1);
    let result: R;
    try {
      result = apply(ws);
    } catch (err) {
      // Requests are checked before anything is staged; should a check be missed, take the
      // staged records back out so the index matches what the database will hold.
      this.unstage(ws);
      return Promise.reject(err);
    }
    if (ws.records.length === 0 && ws.putLeases.length === 0 && ws.removeLeases.length === 0) {
      fixHeaders(result, this.currentRev);
      return this.afterPending().then(() => result);
    }
    if (ws.records.length > 0) this.currentRev = ws.rev;
    else fixHeaders(result, this.currentRev);
    return this.commit(ws).then(() => result);
  }

  private commit(ws: WriteSet): Promise<void> {
    return this.submit(ws.records.length > 0 ? ws.rev : this.currentRev, {
      records: ws.records,
      removeRecords: [],
      putLeases: ws.putLeases,
      removeLeases: ws.removeLeases,
      currentRevision: this.currentRev,
    });
  }

  /**
   * Hand a batch to the database and queue it for acknowledgement at `rev`: resolves once it and
   * every batch before it are durable (see advance), rejects if the database fails.
   */
  private submit(rev: number, batch: Batch): Promise<void> {
    const entry: Pending = {
      rev,
      done: false,
      records: batch.records,
      waiters: [],
      valueKeys: batch.records.map((r) => `${r.rev}:${r.sub}`),
    };
    this.pending.push(entry);
    const acked = new Promise<void>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    this.opts.db.commit(batch).then(
      () => {
        entry.done = true;
        this.advance();
      },
      (err: unknown) => this.fail(err),
    );
    return acked;
  }

  /** Resolves once every write handed to the database so far is durable. */
  private afterPending(): Promise<void> {
    const last = this.pending[this.pending.length - 1];
    if (!last) return Promise.resolve();
    return new Promise((resolve, reject) => last.waiters.push({ resolve, reject }));
  }

  private event(r: LogRecord): { key: Key; event: WatchEvent } {
    const prev = KeyIndex.at(this.index.history(r.key), r.rev - 1);
    const prevKv = prev ? this.kv(r.key, prev) : undefined;
    const kv: KeyValue = r.tombstone
      ? { key: fromKey(r.key), value: EMPTY, createRevision: 0, modRevision: r.rev, version: 0, lease: 0 }
      : {
          key: fromKey(r.key),
          value: r.value,
          createRevision: r.createRevision,
          modRevision: r.rev,
          version: r.version,
          lease: r.lease,
        };
    return { key: r.key, event: { type: r.tombstone ? 'delete' : 'put', kv, ...(prevKv ? { prevKv } : {}) } };
  }

  /** Acknowledge and publish durable writes, strictly in order. */
  private advance(): void {
    const published: RevisionEvents[] = [];
    const acked: Pending[] = [];
    while (this.pending.length > 0 && (this.pending[0] as Pending).done) {
      const entry = this.pending.shift() as Pending;
      this.committedRev = Math.max(this.committedRev, entry.rev);
      for (const k of entry.valueKeys) this.pendingValues.delete(k);
      // Events (and their prev_kv reads) only cost anything when someone watches.
      if (entry.records.length > 0 && this.hub.size > 0) {
        published.push({ rev: entry.rev, events: entry.records.map((r) => this.event(r)) });
      }
      acked.push(entry);
    }
    this.hub.publish(published);
    for (const entry of acked) for (const w of entry.waiters) w.resolve();
  }

  /** A database write failed: nothing after it can be trusted. Fail closed. */
  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = new StoreError(
      'unavailable',
      `the store failed to write and stopped accepting requests: ${(err as Error).message}; restart Pilothouse`,
      {},
      { cause: err },
    );
    this.opts.log.error({ err }, 'store write failed');
    for (const entry of this.pending.splice(0)) for (const w of entry.waiters) w.reject(this.failure);
    for (const w of this.hub.all()) {
      w.listener({ type: 'canceled', header: this.header(), error: this.failure });
      this.hub.remove(w.id);
    }
  }

  put(req: PutRequest): Promise<PutResponse> {
    try {
      checkPut(req);
      checkSize(req.key.length + req.value.length);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write((ws) => this.putIn(ws, req));
  }

  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    try {
      checkKey(req.key);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write((ws) => this.deleteIn(ws, req));
  }

  txn(req: TxnRequest): Promise<TxnResponse> {
    let decision: Decision;
    try {
      checkTxn(req);
      this.ensureOpen();
      decision = this.decide(req);
      this.precheck(decision);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write((ws) => this.txnIn(ws, decision));
  }

  // ---- compaction ----------------------------------------------------------------------------

  compact(revision: number): Promise<CompactResponse> {
    try {
      this.ensureOpen();
      if (revision <= this.compactRev) throw ERR.compacted(this.compactRev, this.currentRev);
      if (revision > this.currentRev) throw ERR.futureRevision(this.currentRev);
    } catch (err) {
      return Promise.reject(err);
    }
    const removed = this.index.compact(revision, this.dirty);
    // Keys whose history is now a single live entry need nothing until written again.
    for (const key of [...this.dirty]) {
      const h = this.index.history(key);
      const only = h?.length === 1 ? h[0] : undefined;
      if (!h || (only && !only.tombstone && only.rev <= revision)) this.dirty.delete(key);
    }
    this.compactRev = revision;
    const acked = this.submit(this.currentRev, {
      records: [],
      removeRecords: removed,
      putLeases: [],
      removeLeases: [],
      currentRevision: this.currentRev,
      compactRevision: revision,
    });
    this.opts.log.debug({ revision, removed: removed.length }, 'store compacted');
    return acked.then(() => ({ header: this.header(this.currentRev) }));
  }

  private autoCompact(rev: number): void {
    if (this.closed || this.failure || rev <= this.compactRev) return;
    this.compact(rev).catch((err: unknown) => this.opts.log.warn({ err }, 'automatic compaction failed'));
  }

  // ---- watch ---------------------------------------------------------------------------------

  watch(req: WatchRequest, listener: (msg: WatchMessage) => void): Promise<Watch> {
    try {
      this.ensureOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const id = this.hub.newId();
    const start = req.startRevision && req.startRevision > 0 ? req.startRevision : this.committedRev + 1;
    const w = {
      id,
      minRev: start,
      range: keyRange(req.key, req.rangeEnd),
      prevKv: !!req.prevKv,
      filters: new Set(req.filters ?? []),
      progressNotify: !!req.progressNotify,
      listener,
      active: false,
    };
    if (start < this.compactRev) {
      listener({ type: 'compacted', header: this.header(), compactRevision: this.compactRev });
      return Promise.resolve({ requestProgress: () => undefined, cancel: () => undefined });
    }
    if (start <= this.committedRev) {
      // Catch up from the log, grouped by revision, then go live — all in this turn.
      const batches: RevisionEvents[] = [];
      for (const r of this.opts.db.scanFrom(start)) {
        if (r.rev > this.committedRev) break;
        let b = batches[batches.length - 1];
        if (!b || b.rev !== r.rev) batches.push((b = { rev: r.rev, events: [] }));
        b.events.push(this.event(r));
      }
      const events = batches.flatMap((b) => WatchHub.select(w, b));
      if (events.length > 0) listener({ type: 'events', header: this.header(), events });
    }
    this.hub.add(w);
    let canceled = false;
    return Promise.resolve({
      requestProgress: () => {
        if (!canceled) listener({ type: 'progress', header: this.header() });
      },
      cancel: () => {
        canceled = true;
        this.hub.remove(id);
      },
    });
  }

  private periodicProgress(): void {
    for (const w of this.hub.all()) {
      if (w.progressNotify && !w.active) w.listener({ type: 'progress', header: this.header() });
      w.active = false;
    }
  }

  // ---- leases --------------------------------------------------------------------------------

  leaseGrant(ttlSeconds: number, id?: number): Promise<LeaseGrantResponse> {
    try {
      this.ensureOpen();
      if (ttlSeconds > LIMITS.maxLeaseTtl) throw ERR.leaseTtlTooLarge();
      if (id && this.lessor.get(id)) throw ERR.leaseExists();
      if (id !== undefined && (id < 0 || !Number.isSafeInteger(id))) {
        throw new StoreError('invalid-argument', `lease id ${id} is not a positive integer below 2^53`);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const leaseId = id || this.lessor.newId();
    const lease = this.lessor.add(leaseId, ttlSeconds);
    return this.write((ws) => {
      ws.putLeases.push({ id: leaseId, ttl: ttlSeconds });
      return { header: this.header(this.currentRev), id: leaseId, ttl: lease.ttl };
    });
  }

  leaseRevoke(id: number): Promise<ResponseHeader> {
    try {
      this.ensureOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const lease = this.lessor.get(id);
    if (!lease) return Promise.reject(ERR.leaseNotFound());
    return this.write((ws) => {
      const keys = [...lease.keys].sort();
      for (const key of keys) {
        const r = this.latest(key);
        if (!r) continue;
        this.stageDelete(ws, key);
      }
      this.lessor.remove(id);
      ws.removeLeases.push(id);
      return { header: this.header(ws.records.length > 0 ? ws.rev : this.currentRev) };
    }).then((r) => r.header);
  }

  leaseKeepAlive(id: number): Promise<{ header: ResponseHeader; id: number; ttl: number }> {
    try {
      this.ensureOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const lease = this.lessor.get(id);
    if (!lease) return Promise.reject(ERR.leaseNotFound());
    this.lessor.renew(lease);
    return Promise.resolve({ header: this.header(), id, ttl: lease.ttl });
  }

  leaseTimeToLive(id: number, keys?: boolean): Promise<LeaseTimeToLiveResponse> {
    const lease = this.lessor.get(id);
    if (!lease) return Promise.resolve({ header: this.header(), id, ttl: -1, grantedTtl: 0, keys: [] });
    return Promise.resolve({
      header: this.header(),
      id,
      ttl: this.lessor.remaining(lease),
      grantedTtl: lease.grantedTtl,
      keys: keys ? [...lease.keys].sort().map(fromKey) : [],
    });
  }

  leaseLeases(): Promise<{ header: ResponseHeader; ids: number[] }> {
    return Promise.resolve({ header: this.header(), ids: [...this.lessor.leases.keys()] });
  }

  private expireLeases(): void {
    if (this.closed || this.failure) return;
    for (const lease of this.lessor.expired()) {
      this.leaseRevoke(lease.id).catch((err: unknown) => {
        if ((err as StoreError).code !== 'lease-not-found')
          this.opts.log.warn({ err }, 'lease expiry failed');
      });
    }
  }

  // ---- status and lifecycle ------------------------------------------------------------------

  status(): Promise<StoreStatus> {
    const sizes = this.opts.db.sizes();
    return Promise.resolve({
      header: this.header(),
      ...sizes,
      compactRevision: this.compactRev,
      backend: this.opts.db.kind,
      version: '',
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.compactor?.stop();
    await this.afterPending().catch(() => undefined);
    for (const w of this.hub.all()) {
      w.listener({ type: 'canceled', header: this.header(), error: ERR.closed() });
      this.hub.remove(w.id);
    }
    await this.opts.db.close();
  }
}

function toRevision(r: LogRecord): Revision {
  return {
    rev: r.rev,
    sub: r.sub,
    tombstone: r.tombstone,
    createRevision: r.createRevision,
    version: r.version,
    lease: r.lease,
  };
}

/** A write that wrote nothing reports the current revision everywhere in its response. */
function fixHeaders(result: { header: ResponseHeader }, rev: number): void {
  if (result.header.revision !== 0) result.header.revision = rev;
  const responses = (result as Partial<TxnResponse>).responses;
  for (const r of responses ?? []) {
    const inner = Object.values(r)[0] as { header: ResponseHeader } | undefined;
    if (inner) fixHeaders(inner, rev);
  }
}

function compareOne(c: Compare, r: Revision | undefined, value: Bytes | undefined): boolean {
  let cmp: number;
  if (c.target === 'value') {
    // etcd: a value compare against a missing key is false whatever the operator.
    if (!r || value === undefined) return false;
    cmp = compareBytes(value, c.value as Bytes);
  } else {
    const actual =
      c.target === 'version'
        ? (r?.version ?? 0)
        : c.target === 'create'
          ? (r?.createRevision ?? 0)
          : c.target === 'mod'
            ? (r?.rev ?? 0)
            : (r?.lease ?? 0);
    const want = c.value as number;
    cmp = actual < want ? -1 : actual > want ? 1 : 0;
  }
  switch (c.result) {
    case 'equal':
      return cmp === 0;
    case 'not_equal':
      return cmp !== 0;
    case 'greater':
      return cmp > 0;
    case 'less':
      return cmp < 0;
  }
}

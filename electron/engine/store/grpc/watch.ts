/**
 * etcdserverpb.Watch: one bidirectional stream carrying many watches, as etcd's
 * serverWatchStream (v3rpc/watch.go) serves it:
 * - create → a `created` response (header = the revision the watch starts after) before any
 *   event of that watch; ids are the client's `watch_id` when non-zero, else the next free id
 *   counting from 0 (mvcc's AutoWatchID); a taken id or a negative start revision gives a
 *   created+canceled response with watch_id -1 and etcd's cancel reason (etcd 3.5);
 * - events arrive in revision order, with prev_kv and filters applied by the Store;
 * - a compacted start revision → created, then {canceled, compact_revision} (no reason, as etcd);
 * - cancel → {canceled} for a known id, nothing for an unknown one;
 * - a progress request → watch-progress.ts.
 * Requests on a stream are handled strictly in order. Fragmentation is not implemented: every
 * response is sent whole (etcd only fragments when the client asks for it).
 *
 * Slow readers: when more than MAX_QUEUED_RESPONSES responses wait for the client, every watch
 * of the stream is paused (its store watch cancelled, the next revision it owes remembered) and
 * resumed from that revision once the queue drains — etcd's "unsynced" watchers, which catch up
 * from history; one that fell behind a compaction meanwhile ends with compact_revision, as in
 * etcd. Memory stays bounded by the queue, not by how far behind the client is.
 */
import type { Duplex } from 'node:stream';
import type { ServerDuplexStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { StoreError, type Watch, type WatchMessage, type WatchRequest } from '../types';
import { eventOut, watchIn } from './codec';
import { RPC_ERRORS, toRpcError } from './errors';
import { responseHeader } from './identity';
import { exactInt64 } from './int64';
import { type ServiceDeps, currentRevision, endWithError, logFailure } from './rpc';
import { ProgressRounds } from './watch-progress';
import type { WatchCreateRequestIn, WatchRequestIn, WatchResponseOut } from './wire';

/** clientv3.InvalidWatchID: the id of failed creates and of stream-wide progress responses. */
const INVALID_WATCH_ID = -1;
/** mvcc.AutoWatchID: "pick an id for me". */
const AUTO_WATCH_ID = 0;
/** mvcc's ErrWatcherDuplicateID. */
const DUPLICATE_ID_REASON = 'mvcc: duplicate watch ID provided on the WatchStream';
/** Responses queued for the client before the stream's watches pause. */
export const MAX_QUEUED_RESPONSES = 1024;

type Call = ServerDuplexStream<WatchRequestIn, WatchResponseOut>;

export function watchService(deps: ServiceDeps): UntypedServiceImplementation {
  return {
    Watch: (call: Call) => {
      new WatchSession(deps, call);
    },
  };
}

interface Entry {
  id: number;
  /** As given to the store; `startRevision` pinned to a number. */
  request: WatchRequest & { startRevision: number };
  /** The store watch; null while paused (or being created). */
  watch: Watch | null;
  /** The created response is out; until then this watch's responses wait in `pending`. */
  announced: boolean;
  pending: WatchResponseOut[];
  /** The first revision not yet handed to the stream: where a paused watch resumes. */
  nextRevision: number;
}

type Attached =
  | { kind: 'ok' }
  | { kind: 'compacted'; compactRevision: number; currentRevision: number }
  | { kind: 'failed'; reason: string };

class WatchSession {
  private readonly watches = new Map<number, Entry>();
  private nextId = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Set while paused; resolves once the paused watches are attached again. */
  private resumed: Promise<void> | null = null;
  private readonly progress: ProgressRounds<Entry>;
  private readonly unregister: () => void;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly call: Call,
  ) {
    this.progress = new ProgressRounds(
      () => this.watches.values(),
      (entry) => entry.watch?.requestProgress(),
      (revision) => this.send({ header: this.header(revision), watch_id: INVALID_WATCH_ID }),
    );
    this.unregister = deps.streams.add((err) => this.end(err));
    call.on('data', (req: WatchRequestIn) => {
      this.queue = this.queue.then(() => this.handle(req)).catch((err: unknown) => this.end(err));
    });
    // A client half-close keeps the stream serving, as in etcd (it ends on cancellation).
    call.on('cancelled', () => this.close());
    call.on('close', () => this.close());
    call.on('finish', () => this.close());
  }

  private header(revision: number) {
    return responseHeader(this.deps.identity, revision);
  }

  private async handle(req: WatchRequestIn): Promise<void> {
    while (this.resumed && !this.closed) await this.resumed;
    if (this.closed) return;
    if (req.create_request) await this.create(req.create_request);
    else if (req.cancel_request) await this.cancel(req.cancel_request.watch_id);
    else if (req.progress_request) this.progress.request();
    // Anything else is ignored, as etcd does with an unknown request type.
  }

  private async create(c: WatchCreateRequestIn): Promise<void> {
    const revision = await currentRevision(this.deps.store);
    const refuse = (reason: string) =>
      this.send({
        header: this.header(revision),
        watch_id: INVALID_WATCH_ID,
        created: true,
        canceled: true,
        cancel_reason: reason,
      });
    if (c.start_revision.startsWith('-')) return refuse(RPC_ERRORS.compacted().message);
    const asked = exactInt64(c.watch_id);
    if (asked === null || asked < 0) return refuse(`pilothouse: watch_id ${c.watch_id} is out of range`);
    let id = asked;
    if (id === AUTO_WATCH_ID) {
      while (this.watches.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    } else if (this.watches.has(id)) {
      return refuse(DUPLICATE_ID_REASON);
    }

    // "From now on" is pinned to the revision announced in the created header, so the header
    // is exact and nothing written in between is missed.
    const decoded = watchIn(c);
    const request = { ...decoded, startRevision: decoded.startRevision ?? revision + 1 };
    const entry: Entry = {
      id,
      request,
      watch: null,
      announced: false,
      pending: [],
      nextRevision: request.startRevision,
    };
    this.watches.set(id, entry);
    const attached = await this.attach(entry);
    if (attached.kind === 'failed') {
      this.forget(entry);
      return refuse(attached.reason);
    }
    this.send({ header: this.header(revision), watch_id: id, created: true });
    entry.announced = true;
    for (const r of entry.pending.splice(0)) this.send(r);
    if (attached.kind === 'compacted') this.endCompacted(entry, attached);
  }

  /**
   * Start (or restart after a pause) the store watch of `entry` at `entry.nextRevision`. A
   * store watch that is no longer wanted when it arrives (the entry ended, the stream closed or
   * paused meanwhile) is cancelled; a paused entry is attached again on resume.
   */
  private async attach(entry: Entry): Promise<Attached> {
    let watch: Watch;
    try {
      watch = await this.deps.store.watch({ ...entry.request, startRevision: entry.nextRevision }, (msg) =>
        this.onMessage(entry, msg),
      );
    } catch (err) {
      if (err instanceof StoreError && err.code === 'compacted') {
        return {
          kind: 'compacted',
          compactRevision: err.details.compactRevision ?? 0,
          currentRevision: err.details.currentRevision ?? entry.nextRevision,
        };
      }
      logFailure(this.deps.log, 'Watch', err);
      return { kind: 'failed', reason: toRpcError(err).message };
    }
    if (this.closed || this.resumed || this.watches.get(entry.id) !== entry) watch.cancel();
    else {
      entry.watch = watch;
      if (this.progress.awaits(entry)) watch.requestProgress();
    }
    return { kind: 'ok' };
  }

  private endCompacted(entry: Entry, c: { compactRevision: number; currentRevision: number }): void {
    this.forget(entry);
    this.send({
      header: this.header(c.currentRevision),
      watch_id: entry.id,
      canceled: true,
      compact_revision: c.compactRevision,
    });
  }

  private async cancel(watchId: string): Promise<void> {
    const id = exactInt64(watchId);
    const entry = id === null ? undefined : this.watches.get(id);
    if (!entry) return;
    entry.watch?.cancel();
    this.forget(entry);
    const revision = await currentRevision(this.deps.store);
    this.send({ header: this.header(revision), watch_id: entry.id, canceled: true });
  }

  /** Called synchronously by the store, in revision order. */
  private onMessage(entry: Entry, msg: WatchMessage): void {
    // While paused nothing is taken: the watch resumes from entry.nextRevision.
    if (this.closed || this.resumed || this.watches.get(entry.id) !== entry) return;
    const header = this.header(msg.header.revision);
    switch (msg.type) {
      case 'events': {
        const last = msg.events[msg.events.length - 1];
        if (!last) return; // etcd never sends an empty batch (filters can empty one)
        entry.nextRevision = last.kv.modRevision + 1;
        return this.deliver(entry, { header, watch_id: entry.id, events: msg.events.map(eventOut) });
      }
      case 'progress':
        entry.nextRevision = Math.max(entry.nextRevision, msg.header.revision + 1);
        if (this.progress.answer(entry, msg.header.revision)) return;
        return this.deliver(entry, { header, watch_id: entry.id });
      case 'compacted':
        this.forget(entry);
        return this.deliver(entry, {
          header,
          watch_id: entry.id,
          canceled: true,
          compact_revision: msg.compactRevision,
        });
      case 'canceled':
        this.forget(entry);
        return this.deliver(entry, {
          header,
          watch_id: entry.id,
          canceled: true,
          cancel_reason: toRpcError(msg.error).message,
        });
    }
  }

  private forget(entry: Entry): void {
    this.watches.delete(entry.id);
    this.progress.leave(entry);
  }

  private deliver(entry: Entry, response: WatchResponseOut): void {
    if (entry.announced) this.send(response);
    else entry.pending.push(response);
  }

  private send(response: WatchResponseOut): void {
    if (this.closed) return;
    this.call.write(response);
    // grpc-js's server stream is a Node object-mode Duplex: writableLength counts responses not
    // yet taken by HTTP/2 (held back by the client's flow-control window).
    if (!this.resumed && (this.call as unknown as Duplex).writableLength >= MAX_QUEUED_RESPONSES)
      this.pause();
  }

  private pause(): void {
    for (const entry of this.watches.values()) {
      entry.watch?.cancel();
      entry.watch = null;
    }
    this.deps.log.debug({ queued: MAX_QUEUED_RESPONSES }, 'etcd watch stream paused for a slow client');
    this.resumed = new Promise<void>((resolve) => {
      (this.call as unknown as Duplex).once('drain', () => {
        this.resumed = null;
        void this.resume().finally(resolve);
      });
    });
  }

  /** Attach every paused watch again, from the revision it owes; stops if paused anew. */
  private async resume(): Promise<void> {
    for (const entry of [...this.watches.values()]) {
      if (this.closed || this.resumed) return;
      if (entry.watch || this.watches.get(entry.id) !== entry) continue;
      const attached = await this.attach(entry);
      if (attached.kind === 'compacted') this.endCompacted(entry, attached);
      else if (attached.kind === 'failed') {
        this.forget(entry);
        this.send({
          header: this.header(entry.nextRevision - 1),
          watch_id: entry.id,
          canceled: true,
          cancel_reason: attached.reason,
        });
      }
    }
  }

  /** End the stream with a status (server stopping, or a failure), then release everything. */
  private end(err: unknown): void {
    if (this.closed) return;
    const rpcErr = toRpcError(err);
    if (rpcErr !== err) logFailure(this.deps.log, 'Watch', err);
    this.close();
    endWithError(this.call, rpcErr);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    for (const entry of this.watches.values()) entry.watch?.cancel();
    this.watches.clear();
    this.progress.clear();
  }
}

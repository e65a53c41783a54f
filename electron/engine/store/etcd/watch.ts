/**
 * Store watches over etcd's bidirectional Watch stream, one gRPC stream per watch (they share
 * the member's HTTP/2 connection). etcd's responses map onto WatchMessage as clientv3 reads them
 * (etcd 3.4 api/v3rpc/watch.go):
 * - `created: true` resolves Store.watch; with `canceled: true` too, creation failed and
 *   `cancel_reason` says why;
 * - `compact_revision != 0` (sent with `canceled: true`): the start revision was compacted →
 *   'compacted', and the watch is over;
 * - events → 'events' (etcd never splits one revision's events across responses);
 * - no events and not created/canceled → 'progress' (an answer to requestProgress() — etcd
 *   3.4 sends it with watch_id −1 — or a periodic progress_notify).
 *
 * Requested progress on etcd before 3.4.26 / 3.5.8 (etcd issue #15220, fixed by PR #15237): the
 * server answers a progress request at once with its current revision, even while the watcher
 * is still replaying history — a "progress" ahead of events not yet sent (seen on 3.4.23: a
 * watch from an old revision gets progress@3001 before events 2…3001). The Store promises that a
 * progress means everything up to its revision was delivered, so on those versions an answer to
 * requestProgress() (watch_id −1) is passed on only once the watch is known to be caught up:
 * it started at "now" or in the future, or it has delivered an event at or past the revision
 * current when it was created. Otherwise it is held back and asked again once caught up.
 * Known limitation: a watch from the past whose range sees no event never counts as caught up
 * there, so its progress requests go unanswered (slower, never wrong). Periodic progress_notify
 * answers (with the watch's own id) are only sent by etcd for synced watchers and pass.
 *
 * Resumption: when the stream breaks (member gone, member lost its leader — the require-leader
 * metadata makes etcd end the stream then), the watch is created again on another member from
 * the revision after the last one delivered, with the same filters and prev_kv, so the listener
 * sees neither gaps nor duplicates. If history was compacted meanwhile, etcd answers with the
 * compact revision and the listener gets 'compacted'. Attempts back off exponentially; after
 * `resumeTimeoutMs` without success the watch ends with 'canceled' ('unavailable').
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { IDuplexStream, IWatchRequest, IWatchResponse } from 'etcd3';
import type { Logger } from '../../log';
import { StoreError, type Watch, type WatchMessage, type WatchRequest } from '../types';
import { callError, type Connection, type Member } from './connection';
import { header, watchCreateRequest, watchEvent } from './convert';
import { toStoreError, unavailableError } from './errors';
import { int64 } from './int64';

export interface WatchOptions {
  /** Bound on one attempt to create the watch (per member). */
  createTimeoutMs: number;
  /** Bound on Store.watch() (all creation attempts). */
  openTimeoutMs: number;
  /** How long a broken watch keeps trying to resume before it ends with 'canceled'. */
  resumeTimeoutMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** The server answers progress requests only for caught-up watchers (etcd ≥ 3.4.26 / 3.5.8). */
  progressOrdered: boolean;
  log: Logger;
}

type Listener = (msg: WatchMessage) => void;
type Stream = IDuplexStream<IWatchRequest, IWatchResponse>;
/** The generated Watch client's one method (a bidi stream). */
interface WatchRpc {
  watch(metadata: unknown, options: object): Stream;
}

export class EtcdWatch implements Watch {
  private stream: Stream | null = null;
  private member: Member | null = null;
  /** Next revision to deliver; 0 until the first creation fixes "from now". */
  private next: number;
  private lastRevision = 0;
  private progressPending = false;
  private watchId = '';
  /** Known to have delivered all history up to its creation (see the comment on progress). */
  private caughtUp = false;
  /** Events at or past this revision prove the watch caught up. */
  private createdRevision = 0;
  private resuming = false;
  private done = false;
  private created: { resolve: () => void; reject: (err: unknown) => void } | null = null;

  constructor(
    private readonly conn: Connection,
    private readonly req: WatchRequest,
    private readonly listener: Listener,
    private readonly opts: WatchOptions,
    private readonly onDone: (w: EtcdWatch) => void,
  ) {
    this.next = req.startRevision ?? 0;
  }

  /** Creates the watch, trying other members within openTimeoutMs. */
  async open(): Promise<void> {
    const start = Date.now();
    const errors: unknown[] = [];
    let backoff = this.opts.initialBackoffMs;
    for (;;) {
      try {
        return await this.create();
      } catch (err) {
        if (err instanceof StoreError) throw err;
        errors.push(err);
        if (Date.now() - start + backoff > this.opts.openTimeoutMs) {
          throw unavailableError(errors, 'read', Date.now() - start);
        }
        await sleep(Math.random() * backoff);
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
      }
    }
  }

  requestProgress(): void {
    if (this.done) return;
    this.progressPending = true;
    if (this.stream && !this.created && (this.caughtUp || this.opts.progressOrdered)) {
      this.stream.write({ progress_request: {} });
    }
  }

  cancel(): void {
    this.finish();
  }

  /** Ends the watch with a 'canceled' message (store closing or failing). */
  terminate(error: StoreError): void {
    if (this.done) return;
    this.deliver({ type: 'canceled', header: { revision: this.lastRevision }, error });
    this.finish();
  }

  /**
   * One creation attempt. etcd 3.4 checks the auth token per watch, and refuses a watch whose
   * stream carries an expired one in the created response's cancel_reason ("rpc error: code =
   * Unauthenticated desc = etcdserver: invalid auth token"), not as a gRPC status; that refusal
   * is retried once with a fresh token.
   */
  private async create(): Promise<void> {
    try {
      return await this.createOnce();
    } catch (err) {
      if (!(err instanceof StoreError) || !isAuthRefusal(err.message) || !this.conn.hasAuth) throw err;
      this.conn.invalidateToken();
      return this.createOnce();
    }
  }

  private async createOnce(): Promise<void> {
    // What etcd3's WatchClient.watch() does, keeping the member so failures name it.
    const { stream, member } = await this.conn.withConnection('Watch', ({ resource, client, metadata }) => ({
      stream: (client as unknown as WatchRpc).watch(metadata, {}),
      member: resource,
    }));
    if (this.done) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    this.member = member;
    const created = new Promise<void>((resolve, reject) => (this.created = { resolve, reject }));
    stream.on('data', (res) => this.onResponse(stream, res));
    stream.on('error', (err) => this.onBroken(stream, err));
    stream.on('end', () => this.onBroken(stream, new Error('etcd ended the watch stream')));
    stream.write({ create_request: watchCreateRequest(this.req, this.next) });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            callError(
              {
                code: grpcStatus.DEADLINE_EXCEEDED,
                details: `no answer to the watch creation within ${this.opts.createTimeoutMs} ms`,
              },
              member,
            ),
          ),
        this.opts.createTimeoutMs,
      );
    });
    try {
      await Promise.race([created, timeout]);
    } catch (err) {
      this.created = null;
      if (this.stream === stream) this.stream = null;
      stream.cancel();
      if (!(err instanceof StoreError))
        this.conn.markFailed(member, err instanceof Error ? err : new Error(String(err)));
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private onResponse(stream: Stream, res: IWatchResponse): void {
    if (stream !== this.stream || this.done) return;
    const hdr = header(res.header);
    this.lastRevision = Math.max(this.lastRevision, hdr.revision);
    if (res.created) {
      const pending = this.created;
      this.created = null;
      if (res.canceled) {
        const reason = res.cancel_reason || 'etcd refused to create the watch';
        pending?.reject(
          isAuthRefusal(reason)
            ? new StoreError('unavailable', `etcd refused the watch (${reason}); check the etcd credentials`)
            : new StoreError('invalid-argument', reason),
        );
        return;
      }
      this.watchId = res.watch_id;
      this.createdRevision = hdr.revision;
      // From "now" (start 0) or a future revision there is no history to replay.
      this.caughtUp = this.next === 0 || this.next > hdr.revision;
      if (this.next === 0) this.next = hdr.revision + 1;
      pending?.resolve();
      if (this.progressPending && (this.caughtUp || this.opts.progressOrdered)) {
        stream.write({ progress_request: {} });
      }
      return;
    }
    const compactRevision = int64(res.compact_revision);
    if (compactRevision > 0) {
      this.deliver({ type: 'compacted', header: hdr, compactRevision });
      this.finish();
      return;
    }
    if (res.canceled) {
      this.deliver({ type: 'canceled', header: hdr, error: toStoreError(new Error(res.cancel_reason)) });
      this.finish();
      return;
    }
    if (res.events.length > 0) {
      const events = res.events.map((e) => watchEvent(e, this.opts.log));
      const last = events[events.length - 1]?.kv.modRevision ?? this.next - 1;
      this.next = last + 1;
      this.deliver({ type: 'events', header: hdr, events });
      if (!this.caughtUp && last >= this.createdRevision) {
        this.caughtUp = true;
        if (this.progressPending && !this.opts.progressOrdered) stream.write({ progress_request: {} });
      }
      return;
    }
    const requested = res.watch_id !== this.watchId;
    if (requested && !this.caughtUp && !this.opts.progressOrdered) return; // premature: held back
    this.progressPending = false;
    this.next = Math.max(this.next, hdr.revision + 1);
    this.deliver({ type: 'progress', header: hdr });
  }

  private onBroken(stream: Stream, err: unknown): void {
    if (stream !== this.stream || this.done) return;
    this.stream = null;
    const failure = this.member ? callError(err, this.member) : err;
    if (this.member) this.conn.markFailed(this.member, err instanceof Error ? err : new Error(String(err)));
    if (this.created) {
      // Still creating: open()/resume() see the failure and decide.
      this.created.reject(failure);
      this.created = null;
      return;
    }
    void this.resume(failure);
  }

  private async resume(first: unknown): Promise<void> {
    if (this.resuming) return;
    this.resuming = true;
    this.opts.log.warn({ err: String(first), next: this.next }, 'etcd watch stream broke; resuming');
    const start = Date.now();
    const errors: unknown[] = [first];
    let backoff = this.opts.initialBackoffMs;
    while (!this.done) {
      await sleep(Math.random() * backoff);
      if (this.done) break;
      try {
        await this.create();
        this.resuming = false;
        return;
      } catch (err) {
        if (err instanceof StoreError) return this.terminate(err);
        errors.push(err);
        if (errors.length > 8) errors.shift();
        if (Date.now() - start > this.opts.resumeTimeoutMs) {
          return this.terminate(unavailableError(errors, 'read', Date.now() - start));
        }
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
      }
    }
    this.resuming = false;
  }

  private deliver(msg: WatchMessage): void {
    if (this.done) return;
    try {
      this.listener(msg);
    } catch (err) {
      this.opts.log.error({ err }, 'a store watch listener threw (listeners must not throw)');
    }
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    const stream = this.stream;
    this.stream = null;
    this.created?.reject(new StoreError('closed', 'the watch was canceled'));
    this.created = null;
    // etcd keeps a stream open after the client half-closes it; cancelling the call ends it.
    stream?.cancel();
    this.onDone(this);
  }
}

/**
 * Whether etcd `version` holds requested progress notifications until the watcher is synced
 * (etcd PR #15237: 3.4.26 and 3.5.8 onwards; unknown versions are treated as not).
 */
export function progressOrdered(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major !== 3) return major > 3;
  return minor >= 6 || (minor === 5 && patch >= 8) || (minor === 4 && patch >= 26);
}

function isAuthRefusal(reason: string): boolean {
  return /permission denied|auth token|user name is empty/.test(reason);
}

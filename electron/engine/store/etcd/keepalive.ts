/**
 * Lease keep-alives over etcd's LeaseKeepAlive bidi stream: one stream per store, opened on
 * first use and again after it breaks. Each keepAlive(id) writes one request and waits for the
 * response with that ID (etcd answers in order; several waiters on one id are served in order).
 *
 * etcd 3.4 (api/v3rpc/lease.go): a lease that does not exist is answered with TTL 0 rather than an
 * error, which becomes 'lease-not-found' here. A renewal sent to a follower is forwarded to the
 * leader; with no leader the stream fails and the caller's retry opens a new one (renewing twice
 * is harmless, so keep-alive is retried like a read).
 */
import * as grpc from '@grpc/grpc-js';
import type { IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse } from 'etcd3';
import { StoreError } from '../types';
import { callError, type Connection, type Member } from './connection';
import { leaseIdToEtcd } from './int64';

type Stream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

interface LeaseRpc {
  leaseKeepAlive(metadata: grpc.Metadata, options: grpc.CallOptions): Stream;
}

interface Waiter {
  resolve: (res: ILeaseKeepAliveResponse) => void;
  reject: (err: unknown) => void;
}

interface OpenStream {
  stream: Stream;
  member: Member;
  waiters: Map<string, Waiter[]>;
}

export class KeepAliveStream {
  private current: Promise<OpenStream> | null = null;
  /** The stream `current` resolved to, known synchronously so a broken one is never reused. */
  private live: OpenStream | null = null;
  private closed = false;

  constructor(private readonly conn: Connection) {}

  /** One renewal of lease `id`, answered before `deadline` or rejected. */
  async keepAlive(id: number, deadline: Date): Promise<ILeaseKeepAliveResponse> {
    const open = await this.open();
    if (this.live !== open) {
      // It broke while we were waiting for it; the caller's retry opens a new one.
      throw callError(
        { code: grpc.status.UNAVAILABLE, details: 'the keep-alive stream closed' },
        open.member,
      );
    }
    const key = leaseIdToEtcd(id);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<ILeaseKeepAliveResponse>((resolve, reject) => {
        const waiter = { resolve, reject };
        const queue = open.waiters.get(key) ?? [];
        queue.push(waiter);
        open.waiters.set(key, queue);
        timer = setTimeout(
          () => {
            const q = open.waiters.get(key);
            q?.splice(q.indexOf(waiter), 1);
            reject(
              callError(
                { code: grpc.status.DEADLINE_EXCEEDED, details: 'keep-alive not answered' },
                open.member,
              ),
            );
            // A stream that stops answering is likely stuck on a dead member: start over.
            this.drop(open, new Error('keep-alive not answered in time'));
          },
          Math.max(0, deadline.getTime() - Date.now()),
        );
        open.stream.write({ ID: key });
      });
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.closed = true;
    const open = this.live;
    this.current = null;
    this.live = null;
    if (open) this.fail(open, new StoreError('closed', 'the store is closed'), true);
  }

  private open(): Promise<OpenStream> {
    if (this.closed) return Promise.reject(new StoreError('closed', 'the store is closed'));
    if (!this.current) {
      const opening = this.conn.withConnection('Lease', ({ resource, client, metadata }) => {
        if (this.closed) throw new StoreError('closed', 'the store is closed');
        const stream = (client as unknown as LeaseRpc).leaseKeepAlive(metadata, {});
        const open: OpenStream = { stream, member: resource, waiters: new Map() };
        this.live = open;
        stream.on('data', (res) => {
          const queue = open.waiters.get(res.ID);
          queue?.shift()?.resolve(res);
          if (queue?.length === 0) open.waiters.delete(res.ID);
        });
        stream.on('error', (err) => this.drop(open, err));
        stream.on('end', () => this.drop(open, new Error('etcd ended the lease keep-alive stream')));
        return open;
      });
      this.current = opening;
      opening.catch(() => {
        if (this.current === opening) this.current = null;
      });
    }
    return this.current;
  }

  /** The stream broke: fail its waiters (their callers retry) and open a new one next time. */
  private drop(open: OpenStream, err: unknown): void {
    if (this.live === open) {
      this.live = null;
      this.current = null;
    }
    this.conn.markFailed(open.member, err instanceof Error ? err : new Error(String(err)));
    this.fail(open, callError(err, open.member), true);
  }

  private fail(open: OpenStream, err: unknown, cancel: boolean): void {
    for (const queue of open.waiters.values()) for (const w of queue) w.reject(err);
    open.waiters.clear();
    if (cancel) open.stream.cancel();
  }
}

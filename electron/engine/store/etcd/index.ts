/**
 * The etcd backend: the Store over a real etcd cluster (`pilothouse server --store etcd
 * --etcd-endpoints https://…`), through the `etcd3` package's generated low-level clients
 * (KVClient, WatchClient stream, LeaseClient + LeaseKeepAlive stream, MaintenanceClient), which
 * keep what its high-level API drops: response headers, prev_kv, progress notifications and
 * compact revisions.
 *
 * etcd is the reference for every Store semantic, so answers pass through unchanged apart from
 * the representation (convert.ts, int64.ts). What this layer adds:
 * - TLS from ca/cert/key files and user/password auth (connection.ts);
 * - failover between members and bounded retries: reads are resent, writes only when they
 *   provably did not reach the raft log (retry.ts, errors.ts);
 * - 'unavailable' with a message naming no quorum vs unreachable, which the API server turns
 *   into 503;
 * - watches and keep-alives that survive a member going away (watch.ts, keepalive.ts).
 *
 * Known limitations: lease ids above 2^53 (granted by other clients) are rounded (int64.ts);
 * StoreStatus.compactRevision is found by search, as etcd does not report it (status.ts).
 */
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { KVClient } from 'etcd3';
import type { Logger } from '../../log';
import type { EtcdConnection } from '../index';
import {
  StoreError,
  type CompactResponse,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type LeaseGrantResponse,
  type LeaseTimeToLiveResponse,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type ResponseHeader,
  type Store,
  type StoreStatus,
  type TxnRequest,
  type TxnResponse,
  type Watch,
  type WatchMessage,
  type WatchRequest,
} from '../types';
import { Connection } from './connection';
import * as convert from './convert';
import { EtcdLeases } from './lease';
import { withRetry, type RetryPolicy } from './retry';
import { EtcdStatus } from './status';
import { EtcdWatch, progressOrdered } from './watch';

export interface EtcdStoreOptions {
  /** Bound on one Store call, retries included (default 10 s). */
  requestTimeoutMs?: number;
  /** Bound on one read attempt before another member is tried (default 3 s). */
  readAttemptTimeoutMs?: number;
  /** Retry back-off: first wait and cap (defaults 50 ms, 1 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a broken watch keeps trying to resume before ending with 'canceled' (default 60 s). */
  watchResumeTimeoutMs?: number;
}

const DEFAULTS: Required<EtcdStoreOptions> = {
  requestTimeoutMs: 10_000,
  readAttemptTimeoutMs: 3_000,
  initialBackoffMs: 50,
  maxBackoffMs: 1_000,
  watchResumeTimeoutMs: 60_000,
};

/**
 * Connects to the cluster and checks that a member answers (and accepts the credentials) before
 * returning, so a wrong endpoint, certificate or password fails at startup, not on first use.
 */
export async function openEtcdStore(
  conn: EtcdConnection,
  log: Logger,
  options: EtcdStoreOptions = {},
): Promise<Store> {
  const opts = { ...DEFAULTS, ...options };
  const connection = new Connection({
    endpoints: conn.endpoints,
    credentials: await channelCredentials(conn),
    auth: conn.username ? { username: conn.username, password: conn.password ?? '' } : undefined,
    authTimeoutMs: opts.readAttemptTimeoutMs,
  });
  const store = new EtcdStore(connection, opts, log.child({ component: 'store-etcd' }));
  try {
    const status = await store.status();
    log.info(
      { endpoints: conn.endpoints, version: status.version, revision: status.header.revision },
      'etcd store connected',
    );
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

async function channelCredentials(conn: EtcdConnection): Promise<grpc.ChannelCredentials> {
  const secure = conn.endpoints.filter((e) => e.startsWith('https://')).length;
  if (secure > 0 && secure < conn.endpoints.length) {
    throw new Error('etcd endpoints mix https:// and http://; use one scheme for all of them');
  }
  const bad = conn.endpoints.find((e) => !/^https?:\/\/[^/]+\/?$/.test(e));
  if (bad) throw new Error(`etcd endpoint ${bad} is not an http(s)://host:port URL`);
  if (secure === 0) {
    if (conn.caFile || conn.certFile || conn.keyFile) {
      throw new Error('etcd TLS files were given but the endpoints are http://; use https:// endpoints');
    }
    return grpc.credentials.createInsecure();
  }
  if (Boolean(conn.certFile) !== Boolean(conn.keyFile)) {
    throw new Error('an etcd client certificate needs both its certificate and its key file');
  }
  const read = (file: string | undefined) => (file ? readFile(file) : Promise.resolve(null));
  const [ca, cert, key] = await Promise.all([read(conn.caFile), read(conn.certFile), read(conn.keyFile)]);
  return grpc.credentials.createSsl(ca, key, cert);
}

class EtcdStore implements Store {
  private readonly kv: KVClient;
  private readonly leases: EtcdLeases;
  private readonly statusReader: EtcdStatus;
  private readonly policy: RetryPolicy;
  private readonly watches = new Set<EtcdWatch>();
  /** Whether the server orders requested progress after replayed events (from status(); watch.ts). */
  private progressOrdered = false;
  private closed = false;

  constructor(
    private readonly conn: Connection,
    private readonly opts: Required<EtcdStoreOptions>,
    private readonly log: Logger,
  ) {
    this.policy = {
      timeoutMs: opts.requestTimeoutMs,
      readAttemptTimeoutMs: opts.readAttemptTimeoutMs,
      initialBackoffMs: opts.initialBackoffMs,
      maxBackoffMs: opts.maxBackoffMs,
    };
    this.kv = new KVClient(conn);
    this.leases = new EtcdLeases(conn, this.policy, log);
    this.statusReader = new EtcdStatus(conn, this.policy);
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    this.checkOpen();
    const res = await withRetry('read', this.policy, (deadline) =>
      this.kv.range(convert.rangeRequest(req), { deadline }),
    );
    return convert.rangeResponse(res, this.log);
  }

  async put(req: PutRequest): Promise<PutResponse> {
    this.checkOpen();
    const res = await withRetry('write', this.policy, (deadline) =>
      this.kv.put(convert.putRequest(req), { deadline }),
    );
    return convert.putResponse(res, this.log);
  }

  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    this.checkOpen();
    const res = await withRetry('write', this.policy, (deadline) =>
      this.kv.deleteRange(convert.deleteRequest(req), { deadline }),
    );
    return convert.deleteResponse(res, this.log);
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    this.checkOpen();
    const kind = convert.isReadOnlyTxn(req) ? 'read' : 'write';
    const res = await withRetry(kind, this.policy, (deadline) =>
      this.kv.txn(convert.txnRequest(req), { deadline }),
    );
    return convert.txnResponse(res, this.log);
  }

  async compact(revision: number): Promise<CompactResponse> {
    this.checkOpen();
    const res = await withRetry('write', this.policy, (deadline) =>
      this.kv.compact({ revision }, { deadline }),
    );
    return { header: convert.header(res.header) };
  }

  async watch(req: WatchRequest, listener: (msg: WatchMessage) => void): Promise<Watch> {
    this.checkOpen();
    const watch = new EtcdWatch(
      this.conn,
      req,
      listener,
      {
        createTimeoutMs: this.opts.readAttemptTimeoutMs,
        openTimeoutMs: this.opts.requestTimeoutMs,
        resumeTimeoutMs: this.opts.watchResumeTimeoutMs,
        initialBackoffMs: this.opts.initialBackoffMs,
        maxBackoffMs: this.opts.maxBackoffMs,
        progressOrdered: this.progressOrdered,
        log: this.log,
      },
      (w) => this.watches.delete(w),
    );
    this.watches.add(watch);
    try {
      await watch.open();
    } catch (err) {
      watch.cancel();
      throw err;
    }
    return watch;
  }

  async leaseGrant(ttlSeconds: number, id?: number): Promise<LeaseGrantResponse> {
    this.checkOpen();
    return this.leases.grant(ttlSeconds, id);
  }

  async leaseRevoke(id: number): Promise<ResponseHeader> {
    this.checkOpen();
    return this.leases.revoke(id);
  }

  async leaseKeepAlive(id: number): Promise<{ header: ResponseHeader; id: number; ttl: number }> {
    this.checkOpen();
    return this.leases.keepAlive(id);
  }

  async leaseTimeToLive(id: number, keys?: boolean): Promise<LeaseTimeToLiveResponse> {
    this.checkOpen();
    return this.leases.timeToLive(id, keys);
  }

  async leaseLeases(): Promise<{ header: ResponseHeader; ids: number[] }> {
    this.checkOpen();
    return this.leases.leases();
  }

  async status(): Promise<StoreStatus> {
    this.checkOpen();
    const status = await this.statusReader.status();
    this.progressOrdered = progressOrdered(status.version);
    return status;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const closedError = new StoreError('closed', 'the store is closed');
    for (const w of [...this.watches]) w.terminate(closedError);
    this.leases.close();
    this.conn.close();
    return Promise.resolve();
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError('closed', 'the store is closed');
  }
}

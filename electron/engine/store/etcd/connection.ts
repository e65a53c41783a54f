/**
 * The gRPC side of the etcd backend: one channel per member endpoint, shared by all services,
 * implementing etcd3's `ICallable` so etcd3's generated low-level clients (KVClient, WatchClient,
 * LeaseClient, MaintenanceClient) run over it.
 *
 * Why not etcd3's ConnectionPool: it retries every "recoverable" error three times — writes
 * included, which could apply a put twice — it closes a member's streams (watches, keep-alives)
 * when one unary call on it times out, and it throws away the gRPC status code. Here each
 * `exec` is exactly one attempt; the retry decision is the caller's (retry.ts), based on
 * errors.ts's classification.
 *
 * Contract:
 * - Calls go to the pinned member, like clientv3's pinned endpoint. A member that fails
 *   (unreachable, no leader, timeout) is unpinned and the next one takes over, so a retry lands
 *   elsewhere.
 * - Every call carries etcd's require-leader metadata ("hasleader: true", clientv3's
 *   WithRequireLeader): a member without a leader answers "etcdserver: no leader" at once instead
 *   of holding the request until its own 7 s timeout, and ends watch streams when it loses its
 *   leader, so they resume on a member that still has one.
 * - Reconnection is gRPC's, with the back-off bounded to 2 s so a member that returns is used
 *   again quickly (gRPC's default grows to 120 s).
 * - User/password auth: a token from Auth.Authenticate, sent as "token" metadata, fetched again
 *   when etcd says it is invalid or stale.
 */
import * as grpc from '@grpc/grpc-js';
import type { ICallable, IAuthenticateResponse } from 'etcd3';
import { StoreError } from '../types';
import { EtcdCallError, isMemberFailure, isStaleToken } from './errors';
import { serviceConstructors, type ServiceName } from './services';

export interface ConnectionConfig {
  /** http:// or https:// URLs (not mixed). */
  endpoints: string[];
  /** Channel credentials: TLS (with or without a client certificate) or insecure. */
  credentials: grpc.ChannelCredentials;
  auth?: { username: string; password: string };
  /** Deadline for fetching an auth token. */
  authTimeoutMs: number;
}

/** One etcd member's client endpoint. */
export class Member {
  readonly address: string;
  readonly clients = new Map<ServiceName, grpc.Client>();
  constructor(
    readonly url: string,
    readonly channel: grpc.Channel,
  ) {
    this.address = new URL(url).host;
  }
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Ranges over many keys and watch batches with prev_kv can exceed gRPC's 4 MiB default;
  // clientv3 accepts up to 2 GiB.
  'grpc.max_receive_message_length': -1,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.min_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  // Detect a member that vanished without closing the connection (host down, SIGSTOP). etcd's
  // server accepts pings every 5 s (--grpc-keepalive-min-time) but only with a call open.
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 0,
};

export class Connection implements ICallable<Member> {
  readonly callOptionsFactory = undefined;
  readonly members: Member[];
  private pinned = 0;
  private token: Promise<string | null> | null = null;
  private closed = false;

  constructor(private readonly config: ConnectionConfig) {
    if (config.endpoints.length === 0) throw new Error('the etcd store needs at least one endpoint');
    this.members = config.endpoints.map(
      (url) => new Member(url, new grpc.Channel(new URL(url).host, config.credentials, CHANNEL_OPTIONS)),
    );
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.url);
  }

  /** One attempt of a unary call on the pinned member (a second one only for a stale auth token). */
  async exec<T>(
    service: ServiceName,
    method: string,
    params: unknown,
    options?: grpc.CallOptions,
  ): Promise<T> {
    try {
      return await this.execOnce<T>(service, method, params, options);
    } catch (err) {
      if (!(err instanceof EtcdCallError) || !isStaleToken(err) || !this.config.auth) throw err;
      this.token = null;
      return this.execOnce<T>(service, method, params, options);
    }
  }

  /** Runs `fn` (which opens a stream) with the pinned member's client and call metadata. */
  async withConnection<R>(
    service: ServiceName,
    fn: (args: { resource: Member; client: grpc.Client; metadata: grpc.Metadata }) => Promise<R> | R,
  ): Promise<R> {
    const member = this.pinnedMember();
    const metadata = await this.metadata(member);
    return fn({ resource: member, client: this.client(member, service), metadata });
  }

  /**
   * The member failed a call: pin the next one. etcd3's stream clients report stream errors here
   * too, including the CANCELLED of a stream we closed ourselves, which says nothing about the
   * member.
   */
  markFailed(member: Member, error: Error): void {
    if ((error as Partial<grpc.ServiceError>).code === grpc.status.CANCELLED) return;
    if (this.members[this.pinned] === member) this.pinned = (this.pinned + 1) % this.members.length;
  }

  /** Whether calls authenticate with a username and password. */
  get hasAuth(): boolean {
    return this.config.auth !== undefined;
  }

  /** Forget the cached auth token (e.g. after a stream was refused with a stale one). */
  invalidateToken(): void {
    this.token = null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const m of this.members) {
      for (const c of m.clients.values()) c.close();
      m.channel.close();
    }
  }

  private async execOnce<T>(
    service: ServiceName,
    method: string,
    params: unknown,
    options?: grpc.CallOptions,
  ): Promise<T> {
    const member = this.pinnedMember();
    const metadata = await this.metadata(member, options?.deadline);
    const client = this.client(member, service) as unknown as Record<string, UnaryMethod<T>>;
    const call = client[method];
    if (typeof call !== 'function') throw new Error(`etcdserverpb.${service} has no method ${method}`);
    try {
      return await new Promise<T>((resolve, reject) => {
        call.call(client, params, metadata, options ?? {}, (err, res) =>
          err ? reject(callError(err, member)) : resolve(res as T),
        );
      });
    } catch (err) {
      if (err instanceof EtcdCallError && isMemberFailure(err)) this.markFailed(member, err);
      throw err;
    }
  }

  private pinnedMember(): Member {
    if (this.closed) throw new StoreError('closed', 'the store is closed');
    return this.members[this.pinned] as Member;
  }

  private client(member: Member, service: ServiceName): grpc.Client {
    let client = member.clients.get(service);
    if (!client) {
      const Ctor = serviceConstructors()[service];
      client = new Ctor(member.address, this.config.credentials, { channelOverride: member.channel });
      member.clients.set(service, client);
    }
    return client;
  }

  private async metadata(member: Member, deadline?: grpc.Deadline): Promise<grpc.Metadata> {
    const md = new grpc.Metadata();
    md.set('hasleader', 'true');
    const token = await this.authToken(member, deadline);
    if (token) md.set('token', token);
    return md;
  }

  private authToken(member: Member, deadline?: grpc.Deadline): Promise<string | null> {
    const auth = this.config.auth;
    if (!auth) return Promise.resolve(null);
    if (!this.token) {
      const fetched = this.authenticate(member, auth, deadline ?? Date.now() + this.config.authTimeoutMs);
      this.token = fetched;
      // A failed fetch is not cached: the next call asks again (possibly another member).
      fetched.catch(() => {
        if (this.token === fetched) this.token = null;
      });
    }
    return this.token;
  }

  private authenticate(
    member: Member,
    auth: { username: string; password: string },
    deadline: grpc.Deadline,
  ): Promise<string> {
    const client = this.client(member, 'Auth') as unknown as Record<
      string,
      UnaryMethod<IAuthenticateResponse>
    >;
    const call = client.authenticate as UnaryMethod<IAuthenticateResponse>;
    return new Promise<string>((resolve, reject) => {
      call.call(
        client,
        { name: auth.username, password: auth.password },
        new grpc.Metadata(),
        { deadline },
        (err, res) => {
          if (err) {
            const e = callError(err, member);
            if (isMemberFailure(e)) this.markFailed(member, e);
            reject(e);
          } else resolve((res as IAuthenticateResponse).token);
        },
      );
    });
  }
}

type UnaryMethod<T> = (
  params: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, res?: T) => void,
) => grpc.ClientUnaryCall;

/** The gRPC error as an EtcdCallError naming the member. */
export function callError(err: unknown, member: Member): EtcdCallError {
  const e = err as Partial<grpc.ServiceError>;
  const code = typeof e.code === 'number' ? e.code : grpc.status.UNKNOWN;
  const details = e.details || e.message || String(err);
  return new EtcdCallError(code, details, member.url);
}

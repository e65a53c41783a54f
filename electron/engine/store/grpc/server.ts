/**
 * The etcd v3 gRPC endpoint over a Store (kine's "etcd-facing server" layer), so etcdctl, the
 * etcd3 client and the etcd browser speak one protocol to the embedded and memory backends.
 *
 * - Services: KV, Watch, Lease, Maintenance (Status, Alarm, Defragment), Cluster (MemberList);
 *   every other etcdserverpb method answers UNIMPLEMENTED naming itself. Auth is not offered:
 *   clients authenticate with certificates.
 * - Transport: mutual TLS — the client must present a certificate signed by the cluster CA and,
 *   when `allowedClientNames` is set, with one of those common names (the engine allows only
 *   `pilothouse-etcd-client`, so other identities from the same CA, e.g. nodes', cannot reach the
 *   database). Plaintext is allowed on loopback only, for tests and benchmarks.
 * - Limits: etcd's --max-request-bytes (1.5 MiB) on writes (validate.ts), and gRPC's receive
 *   limit at that plus etcd's 512 KiB overhead allowance (embed.Config's grpcOverheadBytes).
 *
 * The listener and TLS are ours (a taken port fails like every other Pilothouse port, naming its
 * flag; the certificate decides which grpc-js server gets the connection); grpc-js gets the
 * decrypted socket once h2-authority.ts has looked at its first request (and, for the etcdctl
 * calls that need it, the :authority repair stream).
 */
import net from 'node:net';
import tls from 'node:tls';
import {
  Server,
  ServerCredentials,
  status as Status,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { EngineError } from '../../errors';
import { listenOrExplain } from '../../listen';
import type { Logger } from '../../log';
import { LIMITS, type Store } from '../types';
import { EtcdRpcError, RPC_ERRORS } from './errors';
import { inspectConnection } from './h2-authority';
import { type EtcdIdentity, etcdIdentity } from './identity';
import { kvService } from './kv';
import { leaseService } from './lease';
import { clusterService, maintenanceService } from './maintenance';
import { type EtcdServices, SERVICE_NAMES, type ServiceName, etcdServices } from './proto';
import { OpenStreams, type ServiceDeps, failing, unimplemented } from './rpc';
import { watchService } from './watch';

/** etcd's grpcOverheadBytes: the gRPC receive limit is --max-request-bytes plus this. */
export const GRPC_OVERHEAD_BYTES = 512 * 1024;
/** How long close() lets in-flight calls finish before cutting connections. */
const SHUTDOWN_GRACE_MS = 1000;

export interface EtcdServerTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface EtcdServerOptions {
  store: Store;
  /** Listen address. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Mutual TLS material; null serves plaintext HTTP/2, refused unless `host` is loopback. */
  tls: EtcdServerTls | null;
  /** Client certificate CNs admitted; absent: any certificate the CA signed. */
  allowedClientNames?: string[];
  /** Seed of the stable cluster and member ids (identity.ts). */
  identitySeed: string;
  memberName?: string;
  log: Logger;
  /** The flag that moves the port, named when it is taken (default --etcd-port). */
  portFlag?: string;
}

export interface EtcdServer {
  readonly port: number;
  /** https://127.0.0.1:PORT (http:// without TLS). */
  readonly url: string;
  readonly identity: EtcdIdentity;
  /** Ends watch and keep-alive streams with "server stopped", then closes; idempotent. */
  close(): Promise<void>;
}

export async function startEtcdServer(opts: EtcdServerOptions): Promise<EtcdServer> {
  const { log } = opts;
  if (!opts.tls && !isLoopback(opts.host)) {
    throw new EngineError(
      'INVALID_CONFIG',
      `the etcd endpoint serves plaintext only on loopback, not ${opts.host}`,
    );
  }
  // Loaded before listening, so nothing after the listen can fail and leave the port held.
  const services: EtcdServices = etcdServices();
  const sizes = new WeakMap<object, number>();
  const serverOptions = {
    'grpc.max_receive_message_length': LIMITS.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    // etcd's server keepalive defaults (--grpc-keepalive-interval 2h, --grpc-keepalive-timeout 20s).
    'grpc.keepalive_time_ms': 2 * 60 * 60 * 1000,
    'grpc.keepalive_timeout_ms': 20_000,
  };
  const grpcServer = new Server(serverOptions);
  // Connections whose certificate is not admitted get this server: every call PERMISSION_DENIED,
  // so the client sees why instead of a bare TLS failure.
  const deniedServer = new Server(serverOptions);
  const streams = new OpenStreams();
  const sockets = new Set<net.Socket>();
  const listener = opts.tls
    ? tls.createServer({
        ca: opts.tls.caPem,
        cert: opts.tls.certPem,
        key: opts.tls.keyPem,
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
        minVersion: 'TLSv1.2',
        handshakeTimeout: 10_000,
      })
    : net.createServer();
  listener.on('connection', (socket: net.Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  listener.on('tlsClientError', (err: Error) =>
    log.debug({ err: err.message }, 'etcd endpoint TLS handshake failed'),
  );
  await listenOrExplain(listener, {
    host: opts.host,
    port: opts.port,
    what: 'etcd',
    flag: opts.portFlag ?? '--etcd-port',
  });
  const port = (listener.address() as net.AddressInfo).port;
  const url = `${opts.tls ? 'https' : 'http'}://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  const identity = etcdIdentity(opts.identitySeed, opts.memberName);

  const deps: ServiceDeps = {
    store: opts.store,
    identity,
    log,
    clientUrl: url,
    requestBytes: (req) => sizes.get(req) ?? 0,
    streams,
  };
  const implementations: Record<ServiceName, UntypedServiceImplementation> = {
    KV: kvService(deps),
    Watch: watchService(deps),
    Lease: leaseService(deps),
    Cluster: clusterService(deps),
    Maintenance: maintenanceService(deps),
    Auth: {},
  };
  for (const name of SERVICE_NAMES) {
    const definition = measuringSizes(services[name], sizes);
    grpcServer.addService(definition, complete(name, definition, implementations[name]));
    deniedServer.addService(services[name], denyAll(services[name]));
  }

  // TLS is ours (above); grpc-js gets the decrypted stream, after the :authority repair.
  const injector = grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  const deniedInjector = deniedServer.createConnectionInjector(ServerCredentials.createInsecure());
  const admit = (socket: net.Socket) => {
    const cn = socket instanceof tls.TLSSocket ? commonName(socket) : null;
    const admitted = !opts.allowedClientNames || (cn !== null && opts.allowedClientNames.includes(cn));
    if (!admitted) log.warn({ cn, peer: socket.remoteAddress }, 'etcd endpoint refused a client certificate');
    inspectConnection(socket, (s) => (admitted ? injector : deniedInjector).injectConnection(s));
  };
  // No await since the listen: no connection can have been accepted before this handler.
  listener.on(opts.tls ? 'secureConnection' : 'connection', admit);
  log.info({ url, tls: opts.tls !== null }, 'etcd endpoint listening');

  const close = async () => {
    const listenerClosed = new Promise<void>((resolve) => listener.close(() => resolve()));
    streams.endAll(RPC_ERRORS.stopped());
    await Promise.all([shutdown(grpcServer), shutdown(deniedServer)]);
    injector.destroy();
    deniedInjector.destroy();
    for (const socket of sockets) socket.destroy();
    await Promise.race([listenerClosed, delay(SHUTDOWN_GRACE_MS)]);
  };
  let closing: Promise<void> | null = null;
  return {
    port,
    url,
    identity,
    close: () => (closing ??= close()),
  };
}

/** tryShutdown, then forceShutdown after the grace period. */
function shutdown(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function commonName(socket: tls.TLSSocket): string | null {
  // A subject with several CNs is listed as an array; such a certificate is not ours.
  const cn: unknown = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : null;
}

/** Every method answers PERMISSION_DENIED (connections with a certificate not admitted). */
function denyAll(definition: ServiceDefinition): UntypedServiceImplementation {
  const err = new EtcdRpcError(
    Status.PERMISSION_DENIED,
    'pilothouse: this client certificate may not use the etcd endpoint; use the etcd client certificate (pki/etcd-client.crt)',
  );
  const handlers: UntypedServiceImplementation = {};
  for (const [method, def] of Object.entries(definition)) {
    handlers[method] = failing(err, def.requestStream || def.responseStream);
  }
  return handlers;
}

/** Every method of the service: the implementation's, or an UNIMPLEMENTED answer naming it. */
function complete(
  service: ServiceName,
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
): UntypedServiceImplementation {
  const handlers: UntypedServiceImplementation = {};
  for (const [method, def] of Object.entries(definition)) {
    handlers[method] =
      implementation[method] ?? unimplemented(service, method, def.requestStream || def.responseStream);
  }
  return handlers;
}

/** The same service, with each request's received size remembered for the size limit. */
function measuringSizes(definition: ServiceDefinition, sizes: WeakMap<object, number>): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(definition).map(([method, def]) => [
      method,
      {
        ...def,
        requestDeserialize: (bytes: Buffer) => {
          const request: unknown = def.requestDeserialize(bytes);
          if (typeof request === 'object' && request !== null) sizes.set(request, bytes.length);
          return request;
        },
      },
    ]),
  );
}

function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.') || host === 'localhost';
}

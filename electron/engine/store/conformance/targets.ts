/**
 * The stores the conformance suite runs against. Each target is one small factory entry:
 * `start()` brings up what the target needs once per test file and returns a session that hands
 * each test a store.
 *
 * Targets backed by one long-lived server (real etcd, the embedded store behind its gRPC server)
 * share one keyspace and one global revision across the tests of a file: tests isolate
 * themselves by key prefix and compare revisions relative to their own start (context.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from '../../log';
import { openEmbeddedStore } from '../embedded';
import { openEtcdStore, type EtcdStoreOptions } from '../etcd';
import { startEtcdServer } from '../grpc/server';
import { createMemoryStore } from '../memory';
import { startEtcdCluster } from '../testing/etcd-cluster';
import type { Store } from '../types';

export interface TargetSession {
  /** The store for one test: a fresh one, or the shared one (then `shared` is true). */
  newStore(): Promise<Store>;
  /** Another independent client of the same store as `store` (own connection where there is one). */
  newClient(store: Store): Promise<Store>;
  /** One keyspace and revision counter for every test of the file. */
  readonly shared: boolean;
  close(): Promise<void>;
}

export interface StoreTarget {
  name: string;
  /** null when the target can run; otherwise exactly what is missing (the suite then skips it). */
  missing(): Promise<string | null>;
  start(): Promise<TargetSession>;
}

export const quietLog: Logger = pino({ level: process.env.STORE_TEST_LOG ?? 'silent' });

/** Short timeouts so a broken target fails a test instead of hanging it. */
const CLIENT_OPTIONS: EtcdStoreOptions = { requestTimeoutMs: 8_000, readAttemptTimeoutMs: 3_000 };

/** Many stores closed together. */
class Closer {
  private readonly items: (() => Promise<unknown>)[] = [];
  add(fn: () => Promise<unknown>): void {
    this.items.push(fn);
  }
  async close(): Promise<void> {
    for (const fn of this.items.splice(0).reverse()) await fn().catch(() => undefined);
  }
}

/** Clients of one etcd-protocol endpoint through the etcd backend. */
async function etcdClientSession(endpoint: string, closer: Closer): Promise<TargetSession> {
  const open = async () => {
    const s = await openEtcdStore({ endpoints: [endpoint] }, quietLog, CLIENT_OPTIONS);
    closer.add(() => s.close());
    return s;
  };
  const main = await open();
  return {
    shared: true,
    newStore: () => Promise.resolve(main),
    newClient: () => open(),
    close: () => closer.close(),
  };
}

export const memoryTarget: StoreTarget = {
  name: 'memory backend',
  missing: () => Promise.resolve(null),
  start: () => {
    const closer = new Closer();
    return Promise.resolve({
      shared: false,
      newStore: () => {
        const s = createMemoryStore({ retentionSeconds: 0, log: quietLog });
        closer.add(() => s.close());
        return Promise.resolve(s);
      },
      // One process, one store: "clients" are concurrent callers of the same object.
      newClient: (store: Store) => Promise.resolve(store),
      close: () => closer.close(),
    });
  },
};

export const etcdTarget: StoreTarget = {
  name: 'etcd backend on real etcd',
  missing: () => Promise.resolve(null),
  async start() {
    const closer = new Closer();
    const cluster = await startEtcdCluster();
    closer.add(() => cluster.close());
    return etcdClientSession(cluster.endpoint(0), closer);
  },
};

export const embeddedGrpcTarget: StoreTarget = {
  name: 'etcd backend on the embedded store gRPC server',
  missing: () => Promise.resolve(null),
  async start() {
    const closer = new Closer();
    const dir = await mkdtemp(join(tmpdir(), 'pilothouse-conformance-'));
    closer.add(() => rm(dir, { recursive: true, force: true }));
    const store = await openEmbeddedStore({ dir: join(dir, 'store'), retentionSeconds: 0, log: quietLog });
    closer.add(() => store.close());
    const server = await startEtcdServer({
      store,
      host: '127.0.0.1',
      port: 0,
      tls: null,
      identitySeed: 'conformance',
      log: quietLog,
    });
    closer.add(() => server.close());
    return etcdClientSession(server.url, closer);
  },
};

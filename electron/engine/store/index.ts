/**
 * Opening the cluster store for the configured backend. The composition root calls openStore
 * once; everything else sees only the Store interface (types.ts).
 */
import type { Logger } from '../log';
import type { Store } from './types';

export type StoreBackend = 'embedded' | 'memory' | 'etcd';

export interface EtcdConnection {
  /** https://host:port URLs of the cluster's client endpoints. */
  endpoints: string[];
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  username?: string;
  password?: string;
}

export interface StoreConfig {
  backend: StoreBackend;
  /** Embedded backend: the database directory (DATA_DIR/store). */
  dir: string;
  /** Embedded and memory backends: history kept before automatic compaction (seconds; 0 = never). */
  retentionSeconds: number;
  etcd?: EtcdConnection;
}

export const DEFAULT_RETENTION_SECONDS = 300;

export async function openStore(config: StoreConfig, log: Logger): Promise<Store> {
  switch (config.backend) {
    case 'memory': {
      const { createMemoryStore } = await import('./memory');
      return createMemoryStore({ retentionSeconds: config.retentionSeconds, log });
    }
    case 'embedded': {
      const { openEmbeddedStore } = await import('./embedded');
      return openEmbeddedStore({ dir: config.dir, retentionSeconds: config.retentionSeconds, log });
    }
    case 'etcd': {
      if (!config.etcd || config.etcd.endpoints.length === 0) {
        throw new Error('the etcd store needs at least one endpoint (--etcd-servers)');
      }
      const { openEtcdStore } = await import('./etcd');
      return openEtcdStore(config.etcd, log);
    }
  }
}

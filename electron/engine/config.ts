import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LEADER_ELECTION, type LeaderElectionTiming } from './components';
import { type ControllerOptions, DEFAULT_CONTROLLER_OPTIONS } from './controllers/types';
import { DEFAULT_RETENTION_SECONDS, type StoreConfig } from './store';

/** The store part of the config; its database directory follows from the data dir. */
export type StoreSettings = Omit<StoreConfig, 'dir'>;

/** Everything the control plane needs to start. Flags map onto these fields one to one. */
export interface ControlPlaneConfig {
  /** Root of all state: store/, pki/, kubeconfig.yaml, nodes/, logs/. */
  dataDir: string;
  /** Address the API server listens on (kube-apiserver --bind-address). */
  bindAddress: string;
  /** HTTPS port of the API server (kube-apiserver --secure-port); 0 picks a free one. */
  securePort: number;
  /** Pod network, a /24 per node (kube-controller-manager --cluster-cidr). */
  clusterCidr: string;
  /** Service ClusterIP range (kube-apiserver --service-cluster-ip-range). */
  serviceClusterIpRange: string;
  /** Extra names or IPs for the serving certificate (kube-apiserver --tls-sans in k3s terms). */
  tlsSans: string[];
  /**
   * The cluster store: `embedded` (LMDB under DATA_DIR/store), `memory` (nothing kept), or
   * `etcd` (an etcd cluster, kube-apiserver's --etcd-servers and --etcd-*file).
   */
  store: StoreSettings;
  /**
   * Port of the etcd v3 endpoint serving the embedded or memory store, on 127.0.0.1 only (etcd's
   * --listen-client-urls default port); 0 picks a free one. Unused with the etcd backend.
   */
  etcdPort: number;
  /** Do not run the scheduler in this process (k3s --disable-scheduler). */
  disableScheduler: boolean;
  /** Do not run the controllers in this process (k3s --disable-controller-manager). */
  disableControllerManager: boolean;
  /**
   * Run the scheduler and controllers only while holding their Lease (--leader-elect), so
   * several servers on one etcd run one of each between them.
   */
  leaderElect: boolean;
  leaderElection: LeaderElectionTiming;
  /** kube-controller-manager's settings (node monitor periods, eviction rate, …). */
  controllers: ControllerOptions;
  /** A KubeSchedulerConfiguration file (kube-scheduler --config); defaults when absent. */
  schedulerConfigFile?: string;
}

export const DEFAULT_DATA_DIR = path.join(os.homedir(), '.pilothouse');

export const DEFAULTS: Omit<ControlPlaneConfig, 'dataDir'> = {
  // Same default as kube-apiserver: agents on other hosts must reach it; TLS and authentication
  // protect it, and only /livez, /readyz and /version answer without credentials.
  bindAddress: '0.0.0.0',
  securePort: 6443,
  clusterCidr: '10.42.0.0/16',
  serviceClusterIpRange: '10.43.0.0/16',
  tlsSans: [],
  store: { backend: 'embedded', retentionSeconds: DEFAULT_RETENTION_SECONDS },
  etcdPort: 2379,
  disableScheduler: false,
  disableControllerManager: false,
  leaderElect: true,
  leaderElection: DEFAULT_LEADER_ELECTION,
  controllers: DEFAULT_CONTROLLER_OPTIONS,
};

export function withDefaults(partial: Partial<ControlPlaneConfig>): ControlPlaneConfig {
  return { ...DEFAULTS, dataDir: DEFAULT_DATA_DIR, ...partial };
}

/** Layout of the data dir, in one place so every component agrees on it. */
export function dataPaths(dataDir: string) {
  const pki = path.join(dataDir, 'pki');
  return {
    root: dataDir,
    lock: path.join(dataDir, 'engine.lock'),
    store: path.join(dataDir, 'store'),
    pki,
    caCert: path.join(pki, 'ca.crt'),
    caKey: path.join(pki, 'ca.key'),
    apiserverCert: path.join(pki, 'apiserver.crt'),
    apiserverKey: path.join(pki, 'apiserver.key'),
    adminCert: path.join(pki, 'admin.crt'),
    adminKey: path.join(pki, 'admin.key'),
    etcdServerCert: path.join(pki, 'etcd-server.crt'),
    etcdServerKey: path.join(pki, 'etcd-server.key'),
    etcdClientCert: path.join(pki, 'etcd-client.crt'),
    etcdClientKey: path.join(pki, 'etcd-client.key'),
    serviceAccountKey: path.join(pki, 'service-account.key'),
    serviceAccountPub: path.join(pki, 'service-account.pub'),
    kubeconfig: path.join(dataDir, 'kubeconfig.yaml'),
    nodes: path.join(dataDir, 'nodes'),
    logs: path.join(dataDir, 'logs'),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;

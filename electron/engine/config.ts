import os from 'node:os';
import path from 'node:path';

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
    kubeconfig: path.join(dataDir, 'kubeconfig.yaml'),
    nodes: path.join(dataDir, 'nodes'),
    logs: path.join(dataDir, 'logs'),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;

/**
 * The cluster's PKI under DATA_DIR/pki, created on first start and reused afterwards:
 *   ca.crt / ca.key            the cluster CA (10 years)
 *   apiserver.crt / .key       the API server's serving pair (1 year, renewed 30 days before)
 *   admin.crt / .key           the admin client identity in kubeconfig.yaml (O=system:masters)
 *   etcd-server.crt / .key     the embedded etcd endpoint's serving pair (loopback names only)
 *   etcd-client.crt / .key     the one identity that endpoint admits (etcdctl, the etcd browser)
 *   service-account.key / .pub the key that signs service-account tokens (see service-account.ts)
 * Keys are 0600, the directory 0700. A leaf that no longer fits (expiring, wrong CA, a new
 * address to cover) is reissued; the CA never is, because every node trusts it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import { isIP } from 'node:net';
import type { DataPaths } from '../config';
import { EngineError } from '../errors';
import { readIfExists, writeFileAtomic } from '../files';
import {
  type CertificateAuthority,
  type IssuedCertificate,
  type LeafSpec,
  createCertificateAuthority,
  issueCertificate,
  keyMatchesCertificate,
  leafProblem,
  loadCertificateAuthority,
} from './certs';
import { type ServiceAccountKeyPair, ensureServiceAccountKey } from './service-account';
import * as x509 from '@peculiar/x509';

const RENEW_WITHIN_DAYS = 30;
const LEAF_VALIDITY_DAYS = 365;

/** Common name of the etcd client certificate; the embedded etcd endpoint admits only it. */
export const ETCD_CLIENT_CN = 'pilothouse-etcd-client';
/** The embedded etcd endpoint listens on loopback only, so these are all the names it needs. */
export const ETCD_SERVER_NAMES = ['localhost', '127.0.0.1', '::1'];

export interface ClusterPki {
  ca: CertificateAuthority;
  apiserver: IssuedCertificate;
  admin: IssuedCertificate;
  etcdServer: IssuedCertificate;
  etcdClient: IssuedCertificate;
  /** Signs and verifies service-account tokens (ES256). */
  serviceAccount: ServiceAccountKeyPair;
  /** What happened on this start, for the log: created / reused / reissued (with why). */
  actions: string[];
}

/** Names the API server must answer to, as kube-apiserver's default serving cert does. */
export function apiserverNames(serviceClusterIpRange: string, extra: string[]): string[] {
  const names = new Set<string>([
    'localhost',
    '127.0.0.1',
    '::1',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    firstServiceIp(serviceClusterIpRange),
    os.hostname(),
  ]);
  // Agents on other hosts reach the API server at this machine's own addresses.
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal && a.family === 'IPv4') names.add(a.address);
  }
  for (const n of extra) names.add(n);
  return [...names].filter((n) => n.length > 0);
}

/** The first address of the service range (10.43.0.1), the `kubernetes` Service's ClusterIP. */
export function firstServiceIp(cidr: string): string {
  const [base] = cidr.split('/');
  if (!base || isIP(base) !== 4) throw new EngineError('INVALID_CONFIG', `invalid service range ${cidr}`);
  const parts = base.split('.').map(Number);
  parts[3] = (parts[3] ?? 0) + 1;
  return parts.join('.');
}

export async function ensureClusterPki(
  paths: DataPaths,
  opts: { serviceClusterIpRange: string; tlsSans: string[] },
): Promise<ClusterPki> {
  await fs.mkdir(paths.pki, { recursive: true, mode: 0o700 });
  await fs.chmod(paths.pki, 0o700);
  const actions: string[] = [];
  const ca = await ensureCa(paths, actions);
  const apiserver = await ensureLeaf(ca, paths.apiserverCert, paths.apiserverKey, actions, {
    commonName: 'kube-apiserver',
    usages: ['serverAuth'],
    subjectAltNames: apiserverNames(opts.serviceClusterIpRange, opts.tlsSans),
    validityDays: LEAF_VALIDITY_DAYS,
  });
  const admin = await ensureLeaf(ca, paths.adminCert, paths.adminKey, actions, {
    commonName: 'pilothouse-admin',
    organizations: ['system:masters'],
    usages: ['clientAuth'],
    validityDays: LEAF_VALIDITY_DAYS,
  });
  const etcdServer = await ensureLeaf(ca, paths.etcdServerCert, paths.etcdServerKey, actions, {
    commonName: 'pilothouse-etcd-server',
    usages: ['serverAuth'],
    subjectAltNames: ETCD_SERVER_NAMES,
    validityDays: LEAF_VALIDITY_DAYS,
  });
  const etcdClient = await ensureLeaf(ca, paths.etcdClientCert, paths.etcdClientKey, actions, {
    commonName: ETCD_CLIENT_CN,
    usages: ['clientAuth'],
    validityDays: LEAF_VALIDITY_DAYS,
  });
  const serviceAccount = await ensureServiceAccountKey(paths, actions);
  return { ca, apiserver, admin, etcdServer, etcdClient, serviceAccount, actions };
}

async function ensureCa(paths: DataPaths, actions: string[]): Promise<CertificateAuthority> {
  const [certPem, keyPem] = await Promise.all([readIfExists(paths.caCert), readIfExists(paths.caKey)]);
  if (certPem && keyPem) {
    try {
      const ca = await loadCertificateAuthority(certPem, keyPem);
      actions.push('ca: reused');
      return ca;
    } catch (err) {
      throw new EngineError(
        'PKI_INVALID',
        `${paths.caCert} / ${paths.caKey} cannot be used (${(err as Error).message}); restore them from a backup, or move the pki directory away to create a new CA (every node must then join again)`,
        { cause: err },
      );
    }
  }
  if (certPem || keyPem) {
    const missing = certPem ? paths.caKey : paths.caCert;
    throw new EngineError(
      'PKI_INVALID',
      `${missing} is missing while its pair exists; restore it, or move the pki directory away to create a new CA (every node must then join again)`,
    );
  }
  const ca = await createCertificateAuthority('pilothouse-ca');
  // Key first: a crash between the two writes leaves "key without cert", which is refused above
  // rather than silently replaced by a CA nodes do not trust.
  await writeFileAtomic(paths.caKey, ca.keyPem, 0o600);
  await writeFileAtomic(paths.caCert, ca.certPem, 0o644);
  actions.push('ca: created');
  return ca;
}

async function ensureLeaf(
  ca: CertificateAuthority,
  certPath: string,
  keyPath: string,
  actions: string[],
  spec: LeafSpec,
): Promise<IssuedCertificate> {
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  let reason = 'created';
  if (certPem && keyPem) {
    try {
      const cert = new x509.X509Certificate(certPem);
      const problem = keyMatchesCertificate(keyPem, cert)
        ? await leafProblem(ca, cert, spec.subjectAltNames ?? [], RENEW_WITHIN_DAYS)
        : 'its key is unreadable or belongs to another certificate';
      if (!problem) {
        actions.push(`${spec.commonName}: reused`);
        return { cert, certPem, keyPem };
      }
      reason = `reissued: ${problem}`;
    } catch (err) {
      reason = `reissued: unreadable (${(err as Error).message})`;
    }
  }
  const issued = await issueCertificate(ca, spec);
  await writeFileAtomic(keyPath, issued.keyPem, 0o600);
  await writeFileAtomic(certPath, issued.certPem, 0o644);
  actions.push(`${spec.commonName}: ${reason}`);
  return issued;
}

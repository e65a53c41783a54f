/**
 * Test and benchmark helper: an admin KubeClient for a control plane whose data dir is known
 * (startTestCluster(), or a `pilothouse server` started by the harness); `opts` adjusts the
 * connection (e.g. maxSockets).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createKubeClient } from './client';
import type { Connection, KubeClient } from './types';

export async function adminClient(
  cluster: { apiUrl: string; dataDir: string },
  opts: Partial<Connection> = {},
): Promise<KubeClient> {
  const pki = path.join(cluster.dataDir, 'pki');
  const read = (f: string) => readFile(path.join(pki, f), 'utf8');
  const [caPem, certPem, keyPem] = await Promise.all([read('ca.crt'), read('admin.crt'), read('admin.key')]);
  return createKubeClient({ server: cluster.apiUrl, caPem, certPem, keyPem, ...opts });
}

/** Test helper: an admin KubeClient for a control plane started by startTestCluster(). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createKubeClient } from './client';
import type { KubeClient } from './types';

export async function adminClient(cluster: { apiUrl: string; dataDir: string }): Promise<KubeClient> {
  const pki = path.join(cluster.dataDir, 'pki');
  const read = (f: string) => readFile(path.join(pki, f), 'utf8');
  const [caPem, certPem, keyPem] = await Promise.all([read('ca.crt'), read('admin.crt'), read('admin.key')]);
  return createKubeClient({ server: cluster.apiUrl, caPem, certPem, keyPem });
}

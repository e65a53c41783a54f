import { stringify } from 'yaml';
import { readIfExists, writeFileAtomic } from '../files';

export interface KubeconfigSpec {
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  clusterName?: string;
  userName?: string;
}

/** A kubeconfig (clientcmd v1) with the CA and client pair inlined, as `kubectl` expects. */
export function renderKubeconfig(spec: KubeconfigSpec): string {
  const cluster = spec.clusterName ?? 'pilothouse';
  const user = spec.userName ?? 'pilothouse-admin';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: cluster, cluster: { server: spec.server, 'certificate-authority-data': b64(spec.caPem) } },
    ],
    users: [
      {
        name: user,
        user: {
          'client-certificate-data': b64(spec.clientCertPem),
          'client-key-data': b64(spec.clientKeyPem),
        },
      },
    ],
    contexts: [{ name: cluster, context: { cluster, user } }],
    'current-context': cluster,
    preferences: {},
  });
}

/** Write the kubeconfig (0600: it holds a client key) unless it already has this content. */
export async function writeKubeconfig(file: string, spec: KubeconfigSpec): Promise<boolean> {
  const content = renderKubeconfig(spec);
  if ((await readIfExists(file)) === content) return false;
  await writeFileAtomic(file, content, 0o600);
  return true;
}

/**
 * Objects every cluster has from its first start, created by the API server itself like
 * kube-apiserver's bootstrap controller: the `default`, `kube-system`, `kube-public` and
 * `kube-node-lease` namespaces. Idempotent; an existing object is left as it is.
 */
import type { Logger } from '../log';
import { newUid, nowTimestamp } from './registry/object-meta';
import type { ServedResource } from './registry/served';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function bootstrapNamespaces(namespaces: ServedResource, log: Logger) {
  for (const name of SYSTEM_NAMESPACES) {
    if (namespaces.cache.get(namespaces.storage.key('', name))) continue;
    const obj = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: newUid(),
        creationTimestamp: nowTimestamp(),
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
    try {
      await namespaces.storage.create('', name, obj);
      log.info({ namespace: name }, 'created system namespace');
    } catch (err) {
      // Another API server on the same store may have created it first.
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
  // The namespace lifecycle check reads the cache: make sure it has seen the creations.
  await namespaces.cache.waitFresh(await namespaces.storage.currentRevision());
}

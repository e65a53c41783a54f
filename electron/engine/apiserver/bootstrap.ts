/**
 * Objects every cluster has from its first start, created by the API server itself like
 * kube-apiserver's bootstrap controller: the `default`, `kube-system`, `kube-public` and
 * `kube-node-lease` namespaces, and the system PriorityClasses. Idempotent; an existing object is left as it is.
 */
import type { Logger } from '../log';
import { newUid, nowTimestamp } from './registry/object-meta';
import type { ServedResource } from './registry/served';
import { SYSTEM_PRIORITY_CLASSES } from './resources/scheduling';

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

/** The two system PriorityClasses every cluster has (kube-apiserver's scheduling bootstrap). */
export async function bootstrapPriorityClasses(classes: ServedResource, log: Logger) {
  for (const [name, value] of Object.entries(SYSTEM_PRIORITY_CLASSES)) {
    if (classes.cache.get(classes.storage.key('', name))) continue;
    const obj = {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name, uid: newUid(), creationTimestamp: nowTimestamp() },
      value,
      preemptionPolicy: 'PreemptLowerPriority',
      description: `Used for system critical pods that must ${name === 'system-node-critical' ? 'not be moved from their current node' : 'run in the cluster, but can be moved to another node if necessary'}.`,
    };
    try {
      await classes.storage.create('', name, obj);
      log.info({ priorityClass: name }, 'created system priority class');
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
  await classes.cache.waitFresh(await classes.storage.currentRevision());
}

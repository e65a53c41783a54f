/**
 * Test fixtures for the node controllers and simulated nodes: a pod builder, binding a pod the
 * way the scheduler does (POST pods/<name>/binding) and reading objects back.
 */
import type { Pod, PodStatus, Toleration } from 'kubernetes-types/core/v1';
import { isNotFound } from '../kube/errors';
import { R } from '../kube/resources';
import type { KubeClient } from '../kube/types';

export class PodBuilder {
  private readonly pod: Pod;

  constructor(name: string, namespace = 'default') {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels: { app: name } },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], terminationGracePeriodSeconds: 30 },
    };
  }

  /** Bound at creation (spec.nodeName), as a DaemonSet pod or a static assignment. */
  node(nodeName: string): this {
    (this.pod.spec ??= { containers: [] }).nodeName = nodeName;
    return this;
  }

  tolerate(t: Toleration): this {
    const spec = (this.pod.spec ??= { containers: [] });
    (spec.tolerations ??= []).push(t);
    return this;
  }

  /** The default not-ready/unreachable NoExecute tolerations (DefaultTolerationSeconds admission). */
  tolerateNodeProblemsFor(seconds: number): this {
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      this.tolerate({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
    }
    return this;
  }

  hostNetwork(): this {
    (this.pod.spec ??= { containers: [] }).hostNetwork = true;
    return this;
  }

  obj(): Pod {
    return structuredClone(this.pod);
  }
}

export const makePod = (name: string, namespace?: string) => new PodBuilder(name, namespace);

export async function createPod(client: KubeClient, pod: Pod): Promise<Pod> {
  return client.resource<Pod>(R.pods).create(pod.metadata?.namespace ?? 'default', pod);
}

/** Bind `name` to `node` through the binding subresource, as the scheduler does. */
export async function bindPod(
  client: KubeClient,
  namespace: string,
  name: string,
  node: string,
): Promise<void> {
  await client.resource<Pod>(R.pods).createSubresource(namespace, name, 'binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name, namespace },
    target: { apiVersion: 'v1', kind: 'Node', name: node },
  });
}

/** Overwrite a pod's status (for pods no simulated node runs). */
export async function setPodStatus(client: KubeClient, pod: Pod, status: PodStatus): Promise<Pod> {
  const api = client.resource<Pod>(R.pods);
  const fresh = await api.get(pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '');
  return api.updateStatus({ ...fresh, status: { ...fresh.status, ...status } });
}

/** The pod, or undefined once it is gone. */
export async function getPod(client: KubeClient, namespace: string, name: string): Promise<Pod | undefined> {
  try {
    return await client.resource<Pod>(R.pods).get(namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Fixtures for the replica controller's tests: builders for pods and ReplicaSets, and a
 * stand-in for what the scheduler and the kubelet would do to a pod (bind it, report it
 * Running and Ready), since controller tests run without either.
 */
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Pod, PodSpec, PodStatus, ReplicationController } from 'kubernetes-types/core/v1';
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';

const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** kubernetes-types marks server-set fields readonly; fixtures set them anyway. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class PodBuilder {
  private readonly meta: Mutable<ObjectMeta>;
  private readonly spec: Mutable<PodSpec> = { containers: [{ name: 'c', image: 'busybox' }] };
  private readonly status: Mutable<PodStatus> = { phase: 'Pending' };
  constructor(name: string, namespace = 'default') {
    this.meta = { name, namespace, uid: `uid-${name}`, labels: {} };
  }
  labels(labels: Record<string, string>): this {
    this.meta.labels = labels;
    return this;
  }
  annotation(key: string, value: string): this {
    this.meta.annotations = { ...this.meta.annotations, [key]: value };
    return this;
  }
  uid(uid: string): this {
    this.meta.uid = uid;
    return this;
  }
  node(nodeName: string): this {
    this.spec.nodeName = nodeName;
    return this;
  }
  phase(phase: string): this {
    this.status.phase = phase;
    return this;
  }
  /** Ready=True since `sinceMs` (epoch ms). */
  ready(sinceMs = 0): this {
    this.status.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: stamp(sinceMs) }];
    return this;
  }
  restarts(n: number): this {
    this.status.containerStatuses = [
      { name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: n },
    ];
    return this;
  }
  /** Init containers (`sidecar: true` makes one restartable) with their restart counts. */
  initContainers(list: { name: string; sidecar: boolean; restarts: number }[]): this {
    this.spec.initContainers = list.map((c) => ({
      name: c.name,
      ...(c.sidecar ? { restartPolicy: 'Always' } : {}),
    }));
    this.status.initContainerStatuses = list.map((c) => ({
      name: c.name,
      image: '',
      imageID: '',
      ready: true,
      restartCount: c.restarts,
    }));
    return this;
  }
  created(ms: number): this {
    this.meta.creationTimestamp = stamp(ms);
    return this;
  }
  deleting(): this {
    this.meta.deletionTimestamp = stamp(0);
    return this;
  }
  ownedBy(ref: Partial<OwnerReference> & { uid: string }): this {
    this.meta.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', controller: true, ...ref },
    ];
    return this;
  }
  obj(): Pod {
    return structuredClone({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: this.meta,
      spec: this.spec,
      status: this.status,
    });
  }
}

export const makePod = (name: string, namespace?: string) => new PodBuilder(name, namespace);

/** A ReplicaSet selecting and labelling pods with `labels` (app=<name> by default). */
export function makeReplicaSet(
  name: string,
  replicas: number,
  opts: { labels?: Record<string, string>; namespace?: string; minReadySeconds?: number } = {},
): ReplicaSet {
  const labels = opts.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: opts.namespace ?? 'default' },
    spec: {
      replicas,
      minReadySeconds: opts.minReadySeconds,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { 'example.com/from': 'template' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: 0 },
      },
    },
  };
}

export function makeReplicationController(name: string, replicas: number): ReplicationController {
  const labels = { app: name };
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: labels,
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  };
}

/** What the scheduler and kubelet would do: bind `pod` to `node` and report it Running and Ready. */
export async function runPod(client: KubeClient, pod: Pod, node = 'node-1', readyAt = new Date()) {
  const pods = client.resource<Pod>(R.pods);
  const ns = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  if (!pod.spec?.nodeName) {
    await pods.createSubresource(ns, name, 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace: ns },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    });
  }
  const cur = await pods.get(ns, name);
  await pods.updateStatus({
    ...cur,
    status: {
      ...cur.status,
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: stamp(readyAt.getTime()) }],
    },
  });
}

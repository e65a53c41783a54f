/**
 * Fixtures for the deployment controller's tests: a Deployment builder, a ReplicaSet builder
 * for pure-logic tests, and a stand-in for the scheduler and the kubelet (controller tests run
 * without either): it binds every new pod to a fake node, reports it Running and Ready, and
 * completes graceful deletions at once, as a kubelet whose containers stop instantly would.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { isNotFound } from '../../../kube/errors';
import { Informer, keyOf } from '../../../kube/informer';
import { SILENT } from '../../../kube/log';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import { WorkQueue } from '../../../kube/workqueue';
import { isPodReady } from '../util/pods';
import { metaTime } from './conditions';

export class DeploymentBuilder {
  private readonly d: Deployment;
  constructor(name: string, namespace: string) {
    const labels = { app: name };
    this.d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [{ name: 'app', image: 'busybox:1' }],
            terminationGracePeriodSeconds: 0,
          },
        },
      },
    };
  }
  private get spec() {
    return this.d.spec ?? { selector: {}, template: {} };
  }
  replicas(n: number): this {
    this.spec.replicas = n;
    return this;
  }
  image(image: string): this {
    const c = this.spec.template.spec?.containers[0];
    if (c) c.image = image;
    return this;
  }
  rolling(maxSurge: number | string, maxUnavailable: number | string): this {
    this.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } };
    return this;
  }
  recreate(): this {
    this.spec.strategy = { type: 'Recreate' };
    return this;
  }
  minReadySeconds(s: number): this {
    this.spec.minReadySeconds = s;
    return this;
  }
  progressDeadlineSeconds(s: number): this {
    this.spec.progressDeadlineSeconds = s;
    return this;
  }
  revisionHistoryLimit(n: number): this {
    this.spec.revisionHistoryLimit = n;
    return this;
  }
  paused(): this {
    this.spec.paused = true;
    return this;
  }
  annotation(key: string, value: string): this {
    const meta = (this.d.metadata ??= {});
    meta.annotations = { ...meta.annotations, [key]: value };
    return this;
  }
  obj(): Deployment {
    return structuredClone(this.d);
  }
}

export const makeDeployment = (name: string, namespace = 'default') => new DeploymentBuilder(name, namespace);

/** A ReplicaSet as the controller's cache would hold it, for pure-logic tests. */
export function makeRS(
  name: string,
  opts: {
    replicas?: number;
    available?: number;
    statusReplicas?: number;
    created?: number;
    revision?: number;
    annotations?: Record<string, string>;
    image?: string;
  } = {},
): ReplicaSet {
  const annotations = { ...opts.annotations };
  if (opts.revision !== undefined) annotations['deployment.kubernetes.io/revision'] = String(opts.revision);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: metaTime(new Date(opts.created ?? 0)),
      annotations,
    },
    spec: {
      replicas: opts.replicas ?? 0,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: opts.image ?? 'busybox:1' }] },
      },
    },
    status: {
      replicas: opts.statusReplicas ?? opts.replicas ?? 0,
      availableReplicas: opts.available ?? 0,
    },
  };
}

export interface FakeKubelet {
  stop(): Promise<void>;
}

/**
 * Binds pods to `node`, marks them Running and Ready (unless `ready(pod)` says no: a pod that
 * never becomes ready, like a crash-looping image), and deletes terminating pods at once.
 */
export async function startFakeKubelet(
  client: KubeClient,
  opts: { node?: string; ready?: (pod: Pod) => boolean } = {},
): Promise<FakeKubelet> {
  const node = opts.node ?? 'fake-node';
  const ready = opts.ready ?? (() => true);
  const pods = client.resource<Pod>(R.pods);
  const informer = new Informer<Pod>(client, R.pods, {}, SILENT);
  const queue = new WorkQueue({ name: 'fake-kubelet', baseDelayMs: 20, maxDelayMs: 1000 });
  informer.addHandlers({ onAdd: (p) => queue.add(keyOf(p)), onUpdate: (_o, p) => queue.add(keyOf(p)) });
  queue.run(4, async (key) => {
    const pod = informer.get(key);
    if (!pod) return;
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    try {
      if (pod.metadata?.deletionTimestamp) {
        await pods.delete(ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      } else if (!pod.spec?.nodeName) {
        await pods.createSubresource(ns, name, 'binding', {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace: ns },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        });
      } else if (pod.status?.phase !== 'Running' || (!isPodReady(pod) && ready(pod))) {
        const conditions = ready(pod)
          ? [{ type: 'Ready', status: 'True', lastTransitionTime: metaTime(new Date()) }]
          : [];
        await pods.updateStatus({ ...pod, status: { ...pod.status, phase: 'Running', conditions } });
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  });
  informer.start();
  await informer.waitForSync();
  return {
    async stop() {
      await queue.shutDown();
      await informer.stop();
    },
  };
}

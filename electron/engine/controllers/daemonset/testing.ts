/**
 * Test fixtures for workload controllers (DaemonSet, StatefulSet): object builders and a fake
 * kubelet. The controller tests run without a scheduler or nodes, so the fake kubelet plays
 * both: it binds unscheduled pods (to the node their affinity pins them to, else to
 * `defaultNode`) through pods/binding, reports bound pods Running and Ready through the status
 * subresource (unless `autoReady` says otherwise), and finishes graceful deletions (a delete
 * with grace period 0), as a kubelet does once containers stop. It watches pods with the
 * project's own informer and work queue, so it reacts to events rather than polling.
 */
import type { DaemonSet, StatefulSet } from 'kubernetes-types/apps/v1';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1';
import { isConflict, isNotFound } from '../../../kube/errors';
import { Informer, splitKey, keyOf } from '../../../kube/informer';
import { SILENT } from '../../../kube/log';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import { WorkQueue } from '../../../kube/workqueue';
import { podCondition } from '../util/pods';
import { targetNodeName } from './eligibility';

export const IMAGE = 'busybox:1.36';

export function makeNode(
  name: string,
  opts: { labels?: Record<string, string>; taints?: Taint[] } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: { taints: opts.taints },
  };
}

export function makeDaemonSet(
  name: string,
  opts: {
    image?: string;
    nodeSelector?: Record<string, string>;
    strategy?: NonNullable<DaemonSet['spec']>['updateStrategy'];
    minReadySeconds?: number;
  } = {},
): DaemonSet {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: opts.strategy,
      minReadySeconds: opts.minReadySeconds,
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: opts.nodeSelector,
          containers: [{ name: 'main', image: opts.image ?? IMAGE }],
        },
      },
    },
  };
}

export function makeStatefulSet(
  name: string,
  opts: {
    replicas?: number;
    image?: string;
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    partition?: number;
    onDelete?: boolean;
    claims?: string[];
    serviceName?: string;
  } = {},
): StatefulSet {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas: opts.replicas ?? 1,
      serviceName: opts.serviceName ?? name,
      podManagementPolicy: opts.podManagementPolicy,
      selector: { matchLabels: labels },
      updateStrategy: opts.onDelete
        ? { type: 'OnDelete' }
        : { type: 'RollingUpdate', rollingUpdate: { partition: opts.partition ?? 0 } },
      volumeClaimTemplates: (opts.claims ?? []).map((c) => ({
        metadata: { name: c },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      })),
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'main', image: opts.image ?? IMAGE }] },
      },
    },
  };
}

export interface FakeKubelet {
  /** Sets a pod's Ready condition (and phase Running) as a kubelet's probes would. */
  setReady(namespace: string, name: string, ready: boolean): Promise<void>;
  stop(): Promise<void>;
}

export interface FakeKubeletOptions {
  /** Node for pods whose affinity names none. */
  defaultNode?: string;
  /** Whether a newly bound pod becomes Ready at once (default: always). */
  autoReady?: (pod: Pod) => boolean;
}

function readyStatus(pod: Pod, ready: boolean, now: string): Pod {
  const was = podCondition(pod, 'Ready');
  const status = ready ? 'True' : 'False';
  const since = was?.status === status ? (was.lastTransitionTime ?? now) : now;
  return {
    ...pod,
    status: {
      ...pod.status,
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status, lastTransitionTime: since },
        { type: 'Ready', status, lastTransitionTime: since },
      ],
      podIP: '10.42.0.10',
      startTime: pod.status?.startTime ?? now,
    },
  };
}

export async function startFakeKubelet(
  client: KubeClient,
  opts: FakeKubeletOptions = {},
): Promise<FakeKubelet> {
  const pods = client.resource<Pod>(R.pods);
  const inf = new Informer<Pod>(client, R.pods, {}, SILENT);
  const queue = new WorkQueue({ name: 'fake-kubelet', maxDelayMs: 500 });
  const autoReady = opts.autoReady ?? (() => true);
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  inf.addHandlers({ onAdd: (p) => queue.add(keyOf(p)), onUpdate: (_o, p) => queue.add(keyOf(p)) });
  inf.start();
  await inf.waitForSync();
  queue.run(2, async (key) => {
    const pod = inf.get(key);
    if (!pod) return;
    const [ns, name] = splitKey(key);
    try {
      if (pod.metadata?.deletionTimestamp) {
        await pods.delete(ns, name, { gracePeriodSeconds: 0 });
      } else if (!pod.spec?.nodeName) {
        const node = targetNodeName(pod) ?? opts.defaultNode;
        if (!node) return;
        await pods.createSubresource(ns, name, 'binding', {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace: ns },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        });
      } else if (pod.status?.phase === 'Pending' && autoReady(pod)) {
        await pods.updateStatus(readyStatus(pod, true, now()));
      }
    } catch (err) {
      // Gone already: nothing to do. Anything else (409 included) is retried with back-off.
      if (!isNotFound(err)) throw err;
    }
  });
  return {
    async setReady(namespace, name, ready) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const pod = await pods.get(namespace, name);
        try {
          await pods.updateStatus(readyStatus(pod, ready, now()));
          return;
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
      }
      throw new Error(`setReady ${namespace}/${name}: kept conflicting`);
    },
    async stop() {
      await queue.shutDown();
      await inf.stop();
    },
  };
}

/**
 * Test fixtures standing in for the kubelet, which controller tests do not run: bind a pod to
 * a node and report its phase, readiness and IP through the status subresource, as a kubelet
 * would. Shared by the job, endpoints and volume tests.
 */
import type { Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1';
import { isConflict } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';

export interface PodState {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ready?: boolean;
  podIP?: string;
  /** Sum of container restarts to report on the first container. */
  restarts?: number;
}

/** POST pods/<name>/binding, as the scheduler does. */
export async function bindPod(client: KubeClient, namespace: string, name: string, node: string) {
  await client.resource<Pod>(R.pods).createSubresource(namespace, name, 'binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name, namespace },
    target: { apiVersion: 'v1', kind: 'Node', name: node },
  });
}

/** Reports `state` for the pod (read-modify-write of its status, retried on conflict). */
export async function setPodState(client: KubeClient, namespace: string, name: string, state: PodState) {
  const pods = client.resource<Pod>(R.pods);
  for (let attempt = 0; ; attempt++) {
    const pod = await pods.get(namespace, name);
    const status: PodStatus = { ...pod.status };
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (state.phase) status.phase = state.phase;
    if (state.podIP) {
      status.podIP = state.podIP;
      status.podIPs = [{ ip: state.podIP }];
    }
    if (state.ready !== undefined) {
      const cond: PodCondition = {
        type: 'Ready',
        status: state.ready ? 'True' : 'False',
        lastTransitionTime: now,
      };
      status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'Ready'), cond];
    }
    if (state.restarts !== undefined || state.phase === 'Succeeded' || state.phase === 'Failed') {
      const terminated =
        state.phase === 'Succeeded' || state.phase === 'Failed'
          ? { exitCode: state.phase === 'Succeeded' ? 0 : 1, finishedAt: now }
          : undefined;
      status.containerStatuses = (pod.spec?.containers ?? []).map((c, i) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: Boolean(state.ready),
        restartCount: i === 0 ? (state.restarts ?? 0) : 0,
        state: terminated ? { terminated } : { running: { startedAt: now } },
      }));
    }
    try {
      return await pods.updateStatus({ ...pod, status });
    } catch (err) {
      if (!isConflict(err) || attempt >= 10) throw err;
    }
  }
}

/**
 * DefaultBinder (kube-scheduler plugins/defaultbinder) and the pod status writes of the loop.
 * Binding is a POST of a v1 Binding to pods/<name>/binding; the API server sets spec.nodeName
 * and the PodScheduled=True condition. Failure reporting patches the PodScheduled=False
 * condition and status.nominatedNodeName with a strategic-merge patch of the status
 * subresource, as kube-scheduler's util.PatchPodStatus does (conditions merge by type, so
 * other conditions are left alone and no read-modify-write conflict can occur).
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1';
import { R } from '../../kube/resources';
import type { KubeClient } from '../../kube/types';
import { asStatus, type BindPlugin, type PluginFactory } from './framework/types';

export const NAME = 'DefaultBinder';

export function createDefaultBinder(client: KubeClient): PluginFactory {
  const pods = client.resource<Pod>(R.pods);
  return () =>
    ({
      name: NAME,
      async bind(_state, pod, nodeName) {
        try {
          await pods.createSubresource(pod.namespace, pod.name, 'binding', {
            apiVersion: 'v1',
            kind: 'Binding',
            metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
            target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
          });
          return null;
        } catch (err) {
          return asStatus(err);
        }
      },
    }) satisfies BindPlugin;
}

/** What to write after a failed attempt. nominatedNodeName: undefined keeps it, '' clears it. */
export interface FailureStatus {
  reason: string;
  message: string;
  nominatedNodeName?: string;
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * The status patch for a failed attempt, or null when the pod already says exactly this
 * (kube: updatePod skips the call when neither the condition nor the nomination changed).
 */
export function failureStatusPatch(pod: Pod, f: FailureStatus, now: number): object | null {
  const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const nnn = pod.status?.nominatedNodeName ?? '';
  const nnnChanges = f.nominatedNodeName !== undefined && f.nominatedNodeName !== nnn;
  const condChanges =
    current?.status !== 'False' || current.reason !== f.reason || current.message !== f.message;
  if (!nnnChanges && !condChanges) return null;
  const status: Record<string, unknown> = {};
  if (condChanges) {
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: f.reason,
      message: f.message,
      // The transition time moves only when the status does (UpdatePodCondition).
      lastTransitionTime:
        current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : stamp(now),
    };
    status.conditions = [{ ...condition, lastProbeTime: null }];
  }
  if (nnnChanges) status.nominatedNodeName = f.nominatedNodeName === '' ? null : f.nominatedNodeName;
  return { status };
}

export async function patchFailureStatus(
  client: KubeClient,
  pod: Pod,
  f: FailureStatus,
  now: number,
): Promise<void> {
  const patch = failureStatusPatch(pod, f, now);
  if (!patch) return;
  await client
    .resource<Pod>(R.pods)
    .patch(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'strategic', patch, {
      subresource: 'status',
    });
}

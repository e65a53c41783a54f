/**
 * Pod writes on behalf of a controller, as kube-controller-manager's controller.RealPodControl:
 * pods built from a template with a controller reference, deletes, and the adopt/release patches
 * of the ControllerRefManager — each with the events Kubernetes records (SuccessfulCreate
 * "Created pod: web-abc12", FailedCreate "Error creating: …", SuccessfulDelete, FailedDelete).
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1';
import { KubeApiError, isNotFound } from '../../../kube/errors';
import type { EventRecorder } from '../../../kube/events';
import { R } from '../../../kube/resources';
import type { KubeClient, KubeObject } from '../../../kube/types';

/** The message of an API error as Kubernetes prints it (the Status message, without our request prefix). */
export function apiMessage(err: unknown): string {
  if (err instanceof KubeApiError) return err.status?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/** An Error carrying only the server's message, for conditions and events. */
export function apiError(err: unknown): Error {
  return new Error(apiMessage(err));
}

/**
 * Whether a create failed because its namespace is being deleted: the controller then stops
 * quietly (Kubernetes checks the NamespaceTerminating status cause).
 */
export function isNamespaceTerminating(err: unknown): boolean {
  if (!(err instanceof KubeApiError) || err.code !== 403) return false;
  if (err.status?.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return true;
  return /because it is being terminated/.test(err.status?.message ?? '');
}

/** generateName for a controller's pods: `<name>-`, or the bare name when that would be too long. */
export function podNamePrefix(controllerName: string): string {
  return controllerName.length + 1 <= 253 ? `${controllerName}-` : controllerName;
}

/** controller.GetPodFromTemplate: the template's labels, annotations, finalizers and spec. */
export function podFromTemplate(
  template: PodTemplateSpec,
  parent: KubeObject,
  controllerRef: OwnerReference,
): Pod {
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: podNamePrefix(parent.metadata?.name ?? ''),
      namespace: parent.metadata?.namespace,
      ownerReferences: [controllerRef],
    },
    spec: structuredClone(template.spec),
  };
  const m = pod.metadata ?? {};
  if (meta.labels) m.labels = { ...meta.labels };
  if (meta.annotations) m.annotations = { ...meta.annotations };
  if (meta.finalizers) m.finalizers = [...meta.finalizers];
  return pod;
}

export class PodControl {
  constructor(
    private readonly client: KubeClient,
    private readonly recorder: EventRecorder,
  ) {}

  /** Create one pod for `parent` from `template`. Throws (after a FailedCreate event) on failure. */
  async create(parent: KubeObject, template: PodTemplateSpec, controllerRef: OwnerReference): Promise<Pod> {
    const pod = podFromTemplate(template, parent, controllerRef);
    if (Object.keys(pod.metadata?.labels ?? {}).length === 0) {
      throw new Error('unable to create pods, no labels');
    }
    let created: Pod;
    try {
      created = await this.client.resource<Pod>(R.pods).create(parent.metadata?.namespace ?? '', pod);
    } catch (err) {
      if (!isNamespaceTerminating(err)) {
        this.recorder.event(parent, 'Warning', 'FailedCreate', `Error creating: ${apiMessage(err)}`);
      }
      throw err;
    }
    this.recorder.event(parent, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    return created;
  }

  /** Delete `pod` (uid precondition). A pod already gone rejects with the 404, without an event. */
  async delete(parent: KubeObject, pod: Pod): Promise<void> {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      await this.client.resource<Pod>(R.pods).delete(ns, name, { preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) {
        this.recorder.event(parent, 'Warning', 'FailedDelete', `Error deleting: ${apiMessage(err)}`);
      }
      throw err;
    }
    this.recorder.event(parent, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }

  /**
   * Adopt `pod`: add `controllerRef` with a strategic merge patch that also names the pod's uid,
   * so a different pod of the same name is never adopted (ControllerRefManager.AdoptPod).
   */
  async adopt(pod: Pod, controllerRef: OwnerReference): Promise<void> {
    await this.client
      .resource<Pod>(R.pods)
      .patch(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'strategic', {
        metadata: { ownerReferences: [controllerRef], uid: pod.metadata?.uid },
      });
  }

  /** Release `pod`: drop the reference to `ownerUid` (ControllerRefManager.ReleasePod). */
  async release(pod: Pod, ownerUid: string): Promise<void> {
    await this.client
      .resource<Pod>(R.pods)
      .patch(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'strategic', {
        metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid: pod.metadata?.uid },
      });
  }
}

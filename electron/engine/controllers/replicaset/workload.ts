/**
 * The two kinds the replica controller manages. Kubernetes runs ReplicationControllers through
 * the ReplicaSet controller with a conversion (pkg/controller/replication); here the controller
 * reads both through this small adapter instead: the selector, the desired replicas, the pod
 * template and minReadySeconds. Their status shapes are identical.
 */
import type { PodTemplateSpec, ReplicationController } from 'kubernetes-types/core/v1';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import { type LabelRequirement, labelSelectorRequirements, SelectorError } from '../../../kube/selectors';
import { R } from '../../../kube/resources';
import type { KubeObject, ResourceRef } from '../../../kube/types';

/** The status both kinds share (apps/v1 ReplicaSetStatus, core/v1 ReplicationControllerStatus). */
export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaCondition[];
}

export interface ReplicaCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface Workload extends KubeObject {
  status?: ReplicaStatus;
}

export interface WorkloadKind {
  ref: ResourceRef;
  /** kube-controller-manager's --controllers name. */
  name: string;
  /** Event source component, as kube-controller-manager names it. */
  component: string;
  /**
   * The selector as requirements; null when it cannot select anything (absent or invalid),
   * in which case the controller leaves the object alone. An empty selector is treated as
   * absent: validation refuses it for both kinds, and matching every pod of a namespace would
   * adopt pods that belong to nobody's intent.
   */
  selector(obj: Workload): LabelRequirement[] | null;
  /** spec.replicas, defaulting to 1. */
  replicas(obj: Workload): number;
  minReadySeconds(obj: Workload): number;
  template(obj: Workload): PodTemplateSpec | undefined;
}

export const REPLICA_SET: WorkloadKind = {
  ref: R.replicasets,
  name: 'replicaset',
  component: 'replicaset-controller',
  selector(obj) {
    const sel = (obj as ReplicaSet).spec?.selector;
    if (!sel) return null;
    try {
      const reqs = labelSelectorRequirements(sel);
      return reqs.length > 0 ? reqs : null;
    } catch (err) {
      if (err instanceof SelectorError) return null;
      throw err;
    }
  },
  replicas: (obj) => (obj as ReplicaSet).spec?.replicas ?? 1,
  minReadySeconds: (obj) => (obj as ReplicaSet).spec?.minReadySeconds ?? 0,
  template: (obj) => (obj as ReplicaSet).spec?.template,
};

export const REPLICATION_CONTROLLER: WorkloadKind = {
  ref: R.replicationcontrollers,
  name: 'replicationcontroller',
  component: 'replication-controller',
  selector(obj) {
    // An RC's selector is a plain map; the API server defaults it to the template's labels.
    const spec = (obj as ReplicationController).spec;
    const sel = spec?.selector ?? spec?.template?.metadata?.labels;
    if (!sel || Object.keys(sel).length === 0) return null;
    return Object.entries(sel).map(([key, value]) => ({ key, op: '=' as const, values: [value] }));
  },
  replicas: (obj) => (obj as ReplicationController).spec?.replicas ?? 1,
  minReadySeconds: (obj) => (obj as ReplicationController).spec?.minReadySeconds ?? 0,
  template: (obj) => (obj as ReplicationController).spec?.template,
};

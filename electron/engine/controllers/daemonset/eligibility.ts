/**
 * Which nodes a DaemonSet's pod belongs on, as kube-controller-manager's daemon controller
 * decides it (NodeShouldRunDaemonPod): the pod the set would create for the node — its template
 * plus the standard DaemonSet tolerations — must fit the node's name, its nodeSelector and
 * required node affinity, and tolerate the node's NoSchedule/NoExecute taints. A node whose
 * only problem is an untolerated NoSchedule taint keeps a pod already there ("should continue
 * running"); an untolerated NoExecute taint or a mismatch in affinity removes it.
 *
 * Also: the pod template the controller stamps out per node (CreatePodTemplate with
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the pod is pinned to its node by a required node
 * affinity term `matchFields metadata.name In [<node>]`, and the scheduler binds it — as
 * Kubernetes does since 1.12).
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1';
import type {
  Affinity,
  Node,
  NodeSelectorTerm,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Toleration,
} from 'kubernetes-types/core/v1';
import { compileTerm, requiredMatches, requiredNodeAffinity, termMatches } from '../../../kube/node-selector';
import { findUntoleratedTaint } from '../../../kube/tolerations';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revisions';

/** extensions.DaemonSetTemplateGenerationKey: the deprecated generation label, still set. */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** apps.DeprecatedTemplateGeneration: the annotation kube-apiserver keeps on DaemonSets. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/**
 * util.GetTemplateGeneration: the set's template generation from its annotation, undefined
 * when absent (then pods are matched by revision hash only).
 */
export function templateGeneration(ds: DaemonSet): number | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

/**
 * util.AddOrUpdateDaemonPodTolerations: daemons keep running on nodes that are not ready or
 * unreachable, and are placed on nodes under pressure or cordoned. Host-network daemons also
 * tolerate network-unavailable (they are usually what makes the network available).
 */
export function daemonPodTolerations(spec: PodSpec): Toleration[] {
  const out: Toleration[] = [
    { key: NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) {
    out.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  }
  return out;
}

/**
 * v1helper.AddOrUpdateTolerationInPodSpec for each daemon toleration: one that matches an
 * existing toleration (same key, operator, value and effect) replaces it, others are appended.
 */
export function withDaemonTolerations(spec: PodSpec): Toleration[] {
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of daemonPodTolerations(spec)) {
    const i = tolerations.findIndex(
      (x) =>
        x.key === t.key &&
        x.effect === t.effect &&
        (x.operator ?? 'Equal') === t.operator &&
        (x.value ?? '') === (t.value ?? ''),
    );
    if (i >= 0) tolerations[i] = t;
    else tolerations.push(t);
  }
  return tolerations;
}

/**
 * nodeaffinity's NodeSelector match: terms are ORed; within a term, matchExpressions (on
 * labels) and matchFields (only `metadata.name` exists) are ANDed; an empty term matches
 * nothing.
 */
export function nodeMatchesTerms(node: Node, terms: NodeSelectorTerm[]): boolean {
  return terms.some((term) => {
    const compiled = compileTerm(term);
    return compiled !== null && termMatches(compiled, node);
  });
}

/** nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): nodeSelector and required terms. */
export function requiredNodeAffinityMatches(spec: PodSpec, node: Node): boolean {
  return requiredMatches(requiredNodeAffinity({ spec }), node);
}

export interface ShouldRun {
  /** A daemon pod should be created on the node if it has none. */
  shouldRun: boolean;
  /** A daemon pod already on the node may stay. */
  shouldContinueRunning: boolean;
}

/** NodeShouldRunDaemonPod. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): ShouldRun {
  const spec = ds.spec?.template.spec;
  const name = node.metadata?.name ?? '';
  if (!spec) return { shouldRun: false, shouldContinueRunning: false };
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!requiredNodeAffinityMatches(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec);
  const taints = node.spec?.taints;
  const blocking = findUntoleratedTaint(
    taints,
    tolerations,
    (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute',
  );
  if (!blocking) return { shouldRun: true, shouldContinueRunning: true };
  const evicting = findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !evicting };
}

/**
 * util.ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes the single
 * term `metadata.name In [node]` (the set already checked the node matches the original terms);
 * preferred terms and pod (anti-)affinity stay.
 */
export function pinToNode(affinity: Affinity | undefined, node: string): Affinity {
  const term: NodeSelectorTerm = {
    matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }],
  };
  const out = structuredClone(affinity ?? {});
  out.nodeAffinity ??= {};
  out.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  return out;
}

/**
 * util.CreatePodTemplate: the set's template with the daemon tolerations and the
 * generation and revision-hash labels.
 */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplateSpec {
  const template = structuredClone(ds.spec?.template ?? {});
  const spec = (template.spec ??= { containers: [] });
  spec.tolerations = withDaemonTolerations(spec);
  const labels = (template.metadata ??= {}).labels ?? {};
  const generation = templateGeneration(ds);
  template.metadata.labels = {
    ...labels,
    ...(generation !== undefined ? { [TEMPLATE_GENERATION_LABEL]: String(generation) } : {}),
    ...(hash ? { [CONTROLLER_REVISION_HASH_LABEL]: hash } : {}),
  };
  return template;
}

/**
 * util.GetTargetNodeName: where a daemon pod is (spec.nodeName) or is headed (its
 * `metadata.name` node-affinity field); undefined when neither says.
 */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/**
 * util.IsPodUpdated: the pod carries the current revision hash, or (for pods made before
 * hashes existed) the current template generation.
 */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const byGeneration = generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation);
  return byGeneration || (hash !== '' && labels[CONTROLLER_REVISION_HASH_LABEL] === hash);
}

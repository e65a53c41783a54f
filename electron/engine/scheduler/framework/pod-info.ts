/**
 * A pod with what the scheduler computes from it once, not per node (framework.PodInfo in
 * types.go): its effective requests, its parsed (anti-)affinity terms and its host ports.
 * Build one per pod version with newPodInfo(); the queue keeps it for every attempt.
 */
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import { labelSelectorRequirements, matchLabels, type LabelRequirement } from '../../../kube/selectors';
import { podRequests, type Resource } from './resource';

/** A compiled label selector; null matches nothing (a nil selector, as labels.Nothing()). */
export type CompiledSelector = LabelRequirement[] | null;

export function compileSelector(sel: LabelSelector | undefined | null): CompiledSelector {
  if (!sel) return null;
  try {
    return labelSelectorRequirements(sel);
  } catch {
    return null; // an invalid selector matches nothing, as kube-scheduler treats parse errors
  }
}

export function selectorMatches(sel: CompiledSelector, labels: Record<string, string> | undefined): boolean {
  return sel !== null && matchLabels(sel, labels);
}

/** A PodAffinityTerm, compiled (framework.AffinityTerm). */
export interface AffinityTerm {
  /** Namespaces listed in the term, or the pod's own when neither namespaces nor a selector is set. */
  namespaces: ReadonlySet<string>;
  selector: CompiledSelector;
  topologyKey: string;
  /** Namespaces whose labels match also count; null when the term has no namespaceSelector. */
  namespaceSelector: CompiledSelector;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/**
 * AffinityTerm.Matches: the pod is in one of the term's namespaces (listed, or selected by
 * labels) and its labels match the term's selector. `nsLabels` are the labels of the pod's
 * namespace (needed only for terms with a namespaceSelector).
 */
export function termMatches(
  term: AffinityTerm,
  pod: PodInfo,
  nsLabels: Record<string, string> | undefined,
): boolean {
  if (
    term.namespaces.has(pod.namespace) ||
    (term.namespaceSelector !== null && matchLabels(term.namespaceSelector, nsLabels))
  )
    return selectorMatches(term.selector, pod.labels);
  return false;
}

function compileTerm(t: PodAffinityTerm, podNamespace: string): AffinityTerm {
  const listed = t.namespaces ?? [];
  const namespaces = new Set(listed.length === 0 && !t.namespaceSelector ? [podNamespace] : listed);
  return {
    namespaces,
    selector: compileSelector(t.labelSelector),
    topologyKey: t.topologyKey,
    namespaceSelector: t.namespaceSelector ? compileSelector(t.namespaceSelector) : null,
  };
}

function compileWeighted(ts: WeightedPodAffinityTerm[] | undefined, ns: string): WeightedAffinityTerm[] {
  return (ts ?? []).map((w) => ({ ...compileTerm(w.podAffinityTerm, ns), weight: w.weight }));
}

/** A container host port in use: protocol TCP/UDP/SCTP, host IP ('0.0.0.0' when unset). */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export interface PodInfo {
  readonly pod: Pod;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** namespace/name. */
  readonly key: string;
  readonly labels: Record<string, string> | undefined;
  /** Effective requests (init containers, sidecars and overhead included). */
  readonly requests: Resource;
  /** Requests with kube-scheduler's scoring defaults for containers without cpu/memory requests. */
  readonly nonZeroCPU: number;
  readonly nonZeroMemory: number;
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** Host ports of its containers (hostPort > 0 only). */
  readonly hostPorts: readonly HostPort[];
}

export function newPodInfo(pod: Pod): PodInfo {
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const aff = pod.spec?.affinity;
  const nonZero = podRequests(pod, true);
  const hostPorts: HostPort[] = [];
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? [])
      if ((p.hostPort ?? 0) > 0)
        hostPorts.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort ?? 0 });
  return {
    pod,
    uid: pod.metadata?.uid ?? `${namespace}/${name}`,
    namespace,
    name,
    key: `${namespace}/${name}`,
    labels: pod.metadata?.labels,
    requests: podRequests(pod),
    nonZeroCPU: nonZero.milliCPU,
    nonZeroMemory: nonZero.memory,
    requiredAffinityTerms: (aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
      compileTerm(t, namespace),
    ),
    requiredAntiAffinityTerms: (
      aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
    ).map((t) => compileTerm(t, namespace)),
    preferredAffinityTerms: compileWeighted(
      aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      namespace,
    ),
    preferredAntiAffinityTerms: compileWeighted(
      aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      namespace,
    ),
    hostPorts,
  };
}

/** Whether the pod has any pod (anti-)affinity term, required or preferred. */
export const hasAffinity = (p: PodInfo): boolean =>
  p.requiredAffinityTerms.length > 0 ||
  p.requiredAntiAffinityTerms.length > 0 ||
  p.preferredAffinityTerms.length > 0 ||
  p.preferredAntiAffinityTerms.length > 0;

/**
 * What the API server does to a Pod on top of PodSpec defaults: SetDefaults_Pod (requests from
 * limits, enableServiceLinks), and the default admission plugins that mutate pods —
 * ServiceAccount (serviceAccountName `default`), DefaultTolerationSeconds (not-ready and
 * unreachable NoExecute tolerations for 300 s) — plus the initial status the pod strategy sets
 * (phase Pending, qosClass). Priority, which needs PriorityClass objects, is admission/priority.ts.
 *
 * Known limitation: the ServiceAccount plugin's projected token volume (`kube-api-access-*`)
 * is not added.
 */
import type { Container, Pod, PodStatus, Toleration } from 'kubernetes-types/core/v1';
import { defaultPodSpec } from './podspec';
import { parseQuantity } from '../../../kube/quantity';

/** kube-apiserver's --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds. */
export const DEFAULT_TOLERATION_SECONDS = 300;
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

function tolerates(tolerations: Toleration[], key: string): boolean {
  return tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
}

/** DefaultTolerationSeconds admission. */
export function addDefaultTolerations(pod: Pod, seconds = DEFAULT_TOLERATION_SECONDS): void {
  const spec = pod.spec;
  if (!spec) return;
  const tolerations = spec.tolerations ?? [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (!tolerates(tolerations, key)) {
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
    }
  }
  spec.tolerations = tolerations;
}

function requestsFromLimits(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits || Object.keys(limits).length === 0) return;
  c.resources ??= {};
  const requests = (c.resources.requests ??= {});
  for (const [name, q] of Object.entries(limits)) requests[name] ??= q;
}

/** GetPodQOS: Guaranteed, Burstable or BestEffort from cpu/memory requests and limits. */
export function computeQOSClass(pod: Pod): string {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of containers) {
    const found = new Set<string>();
    for (const [name, q] of Object.entries(c.resources?.requests ?? {})) {
      const v = parseQuantity(q);
      if ((name === 'cpu' || name === 'memory') && v) requests.set(name, (requests.get(name) ?? 0) + v);
    }
    for (const [name, q] of Object.entries(c.resources?.limits ?? {})) {
      const v = parseQuantity(q);
      if ((name === 'cpu' || name === 'memory') && v) {
        found.add(name);
        limits.set(name, (limits.get(name) ?? 0) + v);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, v] of requests) if (limits.get(name) !== v) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** Every default and mutating admission step for a Pod, in Kubernetes' order. Idempotent. */
export function defaultPod(pod: Pod): void {
  const spec = (pod.spec ??= { containers: [] });
  defaultPodSpec(spec);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) requestsFromLimits(c);
  spec.enableServiceLinks ??= true;
  spec.serviceAccountName ||= spec.serviceAccount || 'default';
  spec.serviceAccount = spec.serviceAccountName;
  addDefaultTolerations(pod);
  // kubernetes-types marks status read-only (clients do not write it); the server does.
  const status = ((pod as { status?: PodStatus }).status ??= {});
  status.phase ??= 'Pending';
  status.qosClass ??= computeQOSClass(pod);
}

/**
 * Taints, tolerations and node conditions as the node lifecycle and taint eviction controllers
 * use them (k8s.io/api/core/v1 well-known taints, v1helper.GetMatchingTolerations,
 * tainteviction.getMinTolerationTime, pkg/util/taints). Pure functions.
 */
import type { Node, NodeCondition, Taint, Toleration } from 'kubernetes-types/core/v1';
import { toleratesTaint } from '../../../kube/tolerations';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

export const UNREACHABLE_NO_EXECUTE: Taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute' };
export const NOT_READY_NO_EXECUTE: Taint = { key: TAINT_NOT_READY, effect: 'NoExecute' };

/** Which condition status maps to which NoSchedule taint (nodeConditionToTaintKeyStatusMap). */
export const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: TAINT_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_PID_PRESSURE },
};

/** Taint keys the node lifecycle controller owns as NoSchedule taints. */
const CONDITION_TAINT_KEYS = new Set([...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m))]);

export function nodeCondition(node: Node, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/** Same key and effect (taint identity, as Taint.MatchTaint). */
export function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function hasTaint(taints: readonly Taint[] | undefined, t: Taint): boolean {
  return (taints ?? []).some((x) => sameTaint(x, t));
}

/**
 * v1helper.GetMatchingTolerations: whether every taint is tolerated, and for each taint the
 * first toleration that does so.
 */
export function matchingTolerations(
  taints: readonly Taint[],
  tolerations: readonly Toleration[] | undefined,
): { all: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const tol = (tolerations ?? []).find((t) => toleratesTaint(t, taint));
    if (!tol) return { all: false, used: [] };
    used.push(tol);
  }
  return { all: true, used };
}

/**
 * tainteviction.getMinTolerationTime in seconds: 0 for no tolerations or any tolerationSeconds
 * ≤ 0, the smallest tolerationSeconds otherwise, or -1 when none limits it (tolerated forever).
 */
export function minTolerationSeconds(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min;
}

export function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/** Identity of a taint list for change detection (order-insensitive; timeAdded ignored). */
export function taintsKey(taints: readonly Taint[]): string {
  return taints
    .map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`)
    .sort()
    .join(',');
}

/**
 * The NoSchedule taints a node should carry for its conditions and spec.unschedulable
 * (doNoScheduleTaintingPass), and those it carries that the controller owns.
 */
export function noScheduleTaintDiff(node: Node): { add: Taint[]; remove: Taint[] } {
  const want: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) want.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) want.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  const have = (node.spec?.taints ?? []).filter(
    (t) => t.effect === 'NoSchedule' && (t.key === TAINT_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)),
  );
  return {
    add: want.filter((t) => !hasTaint(have, t)),
    remove: have.filter((t) => !hasTaint(want, t)),
  };
}

/**
 * `taints` with `add` put in (replacing a taint of the same key and effect) and `remove` taken
 * out; undefined when nothing changes.
 */
export function applyTaints(
  taints: readonly Taint[] | undefined,
  add: readonly Taint[],
  remove: readonly Taint[],
): Taint[] | undefined {
  const current = taints ?? [];
  let changed = false;
  let next = current.filter((t) => {
    const drop =
      remove.some((r) => sameTaint(r, t)) || add.some((a) => sameTaint(a, t) && a.value !== t.value);
    if (drop) changed = true;
    return !drop;
  });
  for (const a of add) {
    if (!hasTaint(next, a)) {
      next = [...next, a];
      changed = true;
    }
  }
  return changed ? next : undefined;
}

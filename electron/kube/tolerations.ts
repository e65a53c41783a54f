/** Taint/toleration matching as k8s.io/api core/v1 Toleration.ToleratesTaint and v1helper. */
import type { Taint, Toleration } from 'kubernetes-types/core/v1';

/** Toleration.ToleratesTaint: effect and key must match when set; Equal compares values, Exists any. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(ts: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (ts) for (const t of ts) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** v1helper.FindMatchingUntoleratedTaint: the first taint passing `include` that no toleration tolerates. */
export function findUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  include: (t: Taint) => boolean,
): Taint | undefined {
  if (taints)
    for (const taint of taints)
      if (include(taint) && !tolerationsTolerateTaint(tolerations, taint)) return taint;
  return undefined;
}

/** helper.DoNotScheduleTaintsFilterFunc: the taints that keep pods off a node. */
export const doNotSchedule = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

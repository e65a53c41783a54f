/**
 * The status conditions the namespace controller keeps on a Terminating namespace, with the
 * reasons and messages of kube-controller-manager's namespace deleter (what `kubectl describe ns`
 * shows while a namespace is stuck). Each of the five types is always present: True with the
 * failure when one occurred in the last attempt, else False with its "ok" reason.
 */
import type { NamespaceCondition } from 'kubernetes-types/core/v1';

export const CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

export type ConditionType = (typeof CONDITION_TYPES)[number];

const OK: Record<ConditionType, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: {
    reason: 'ResourcesDiscovered',
    message: 'All resources successfully discovered',
  },
  NamespaceDeletionGroupVersionParsingFailure: {
    reason: 'ParsedGroupVersions',
    message: 'All legacy kube types successfully parsed',
  },
  NamespaceDeletionContentFailure: {
    reason: 'ContentDeleted',
    message: 'All content successfully deleted, may be waiting on finalization',
  },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: {
    reason: 'ContentHasNoFinalizers',
    message: 'All content-preserving finalizers finished',
  },
};

/** What one deletion attempt found. */
export interface DeletionReport {
  /** Group versions discovery could not read (gv → message). */
  discoveryFailures: Map<string, string>;
  /** Per-resource deletion errors. */
  deleteErrors: string[];
  /** `<resource>.<group>` → objects still present. */
  remaining: Map<string, number>;
  /** finalizer → objects still carrying it. */
  finalizers: Map<string, number>;
}

type Failure = { reason: string; message: string };

function failures(r: DeletionReport): Partial<Record<ConditionType, Failure>> {
  const out: Partial<Record<ConditionType, Failure>> = {};
  if (r.discoveryFailures.size > 0) {
    const detail = [...r.discoveryFailures].map(([gv, m]) => `${gv}: ${m}`).join(', ');
    out.NamespaceDeletionDiscoveryFailure = {
      reason: 'DiscoveryFailed',
      message: `Discovery failed for some groups, ${r.discoveryFailures.size} failing: unable to retrieve the complete list of server APIs: ${detail}`,
    };
  }
  if (r.deleteErrors.length > 0) {
    const msgs = [...r.deleteErrors].sort();
    out.NamespaceDeletionContentFailure = {
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
    };
  }
  const remaining = [...r.remaining]
    .filter(([, n]) => n > 0)
    .map(([gr, n]) => `${gr} has ${n} resource instances`)
    .sort();
  if (remaining.length > 0) {
    out.NamespaceContentRemaining = {
      reason: 'SomeResourcesRemain',
      message: `Some resources are remaining: ${remaining.join(', ')}`,
    };
  }
  const fins = [...r.finalizers]
    .filter(([, n]) => n > 0)
    .map(([f, n]) => `${f} in ${n} resource instances`)
    .sort();
  if (fins.length > 0) {
    out.NamespaceFinalizersRemaining = {
      reason: 'SomeFinalizersRemain',
      message: `Some content in the namespace has finalizers remaining: ${fins.join(', ')}`,
    };
  }
  return out;
}

/**
 * The namespace's conditions after `report` (updateConditions): conditions of other types are
 * kept; a condition's lastTransitionTime changes only when its status does. Returns null when
 * nothing changed.
 */
export function updateConditions(
  current: readonly NamespaceCondition[] | undefined,
  report: DeletionReport,
  now: Date,
): NamespaceCondition[] | null {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const failed = failures(report);
  const next = (current ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of CONDITION_TYPES) {
    const f = failed[type];
    const want = { type, status: f ? 'True' : 'False', ...(f ?? OK[type]) };
    const old = next.find((c) => c.type === type);
    if (!old) {
      next.push({ ...want, lastTransitionTime: stamp });
      changed = true;
    } else if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
      if (old.status !== want.status) old.lastTransitionTime = stamp;
      old.status = want.status;
      old.reason = want.reason;
      old.message = want.message;
      changed = true;
    }
  }
  return changed ? next : null;
}

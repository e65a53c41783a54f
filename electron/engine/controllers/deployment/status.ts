/** Deployment status from its ReplicaSets: calculateStatus and syncDeploymentStatus of sync.go. */
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1';
import { AVAILABLE, newCondition, REASON, setCondition } from './conditions';
import { type SyncContext, writeStatus } from './context';
import { semanticEqual } from './hash';
import {
  actualReplicaCount,
  availableReplicaCount,
  maxUnavailable,
  readyReplicaCount,
  replicaCount,
  specReplicas,
} from './util';

/** calculateStatus: counts from the ReplicaSets, and the Available condition. */
export function calculateStatus(
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  now: Date,
): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicaCount(allRSs) - available),
    conditions: [...(d.status?.conditions ?? [])],
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    const msg = 'Deployment has minimum availability.';
    setCondition(status, newCondition(AVAILABLE, 'True', REASON.MinimumReplicasAvailable, msg, now));
  } else {
    const msg = 'Deployment does not have minimum availability.';
    setCondition(status, newCondition(AVAILABLE, 'False', REASON.MinimumReplicasUnavailable, msg, now));
  }
  return status;
}

/** Status as Go serializes it: zero counts are omitted (omitempty), so stored and computed compare equal. */
export function compactStatus(s: DeploymentStatus): DeploymentStatus {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k !== 'collisionCount' && (v === 0 || v === undefined)) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out as DeploymentStatus;
}

export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return semanticEqual(compactStatus(a ?? {}), compactStatus(b ?? {}));
}

/** syncDeploymentStatus: write the calculated status when it differs. */
export async function syncDeploymentStatus(
  ctx: SyncContext,
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
): Promise<void> {
  const status = calculateStatus(allRSs, newRS, d, ctx.now());
  if (statusEqual(d.status, status)) return;
  d.status = compactStatus(status);
  await writeStatus(ctx, d);
}

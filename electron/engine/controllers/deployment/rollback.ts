/**
 * Server-side rollback through the `deprecated.deployment.rollback.to` annotation (what the
 * extensions/v1beta1 `spec.rollbackTo` field became): pkg/controller/deployment/rollback.go.
 * kubectl ≥ 1.27 rolls back client-side instead (it patches the template and annotations from
 * the old ReplicaSet), which the ordinary rollout handles; this path serves older clients.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import { lastRevision, revisionOf, ROLLBACK_TO_ANNOTATION, setDeploymentAnnotationsTo } from './annotations';
import { ROLLBACK_REASON } from './conditions';
import { type SyncContext, nameOf, writeDeployment } from './context';
import { equalIgnoreHash, POD_TEMPLATE_HASH_LABEL, withoutKey } from './hash';
import { getAllReplicaSetsAndSyncRevision } from './new-replicaset';

/** getRollbackTo: the requested revision (0 = the previous one), or undefined. */
export function getRollbackTo(d: Deployment): number | undefined {
  const v = d.metadata?.annotations?.[ROLLBACK_TO_ANNOTATION];
  if (!v || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

export async function rollback(ctx: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true);
  const allRSs = newRS ? [...oldRSs, newRS] : oldRSs;
  let revision = getRollbackTo(d) ?? 0;
  if (revision === 0) {
    revision = lastRevision(allRSs);
    if (revision === 0) {
      ctx.recorder.event(d, 'Warning', ROLLBACK_REASON.RevisionNotFound, 'Unable to find last revision.');
      return clearRollbackTo(ctx, d);
    }
  }
  const target = allRSs.find((rs) => revisionOf(rs) === revision);
  if (!target) {
    const msg = 'Unable to find the revision to rollback to.';
    ctx.recorder.event(d, 'Warning', ROLLBACK_REASON.RevisionNotFound, msg);
    return clearRollbackTo(ctx, d);
  }
  // The revision number moves up when the rollout picks the old ReplicaSet up as the new one.
  if (equalIgnoreHash(d.spec?.template, target.spec?.template)) {
    const msg = `The rollback revision contains the same template as current deployment "${nameOf(d)}"`;
    ctx.recorder.event(d, 'Warning', ROLLBACK_REASON.TemplateUnchanged, msg);
    return clearRollbackTo(ctx, d);
  }
  setFromReplicaSetTemplate(d, target);
  // Take the old ReplicaSet's annotations (change-cause, …) back, or the current ones would
  // be copied onto it when it becomes the new ReplicaSet again.
  setDeploymentAnnotationsTo(d, target);
  await clearRollbackTo(ctx, d);
  const msg = `Rolled back deployment "${nameOf(d)}" to revision ${revision}`;
  ctx.recorder.event(d, 'Normal', ROLLBACK_REASON.Done, msg);
}

/** SetFromReplicaSetTemplate: the ReplicaSet's template without its pod-template-hash label. */
function setFromReplicaSetTemplate(d: Deployment, rs: ReplicaSet): void {
  const template = structuredClone(rs.spec?.template ?? {});
  template.metadata = {
    ...template.metadata,
    labels: withoutKey(template.metadata?.labels, POD_TEMPLATE_HASH_LABEL),
  };
  (d.spec ??= { selector: {}, template: {} }).template = template;
}

/** updateDeploymentAndClearRollbackTo. */
async function clearRollbackTo(ctx: SyncContext, d: Deployment): Promise<void> {
  if (d.metadata?.annotations) {
    d.metadata.annotations = withoutKey(d.metadata.annotations, ROLLBACK_TO_ANNOTATION);
  }
  await writeDeployment(ctx, d);
}

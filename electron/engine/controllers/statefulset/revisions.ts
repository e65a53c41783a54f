/**
 * A StatefulSet's current and update revisions (stateful_set_control.go
 * getStatefulSetRevisions, truncateHistory):
 * - the update revision is the one whose data equals the set's template; if that is the newest
 *   revision nothing changes, if it is an older one (a rollback) it is renumbered to the next
 *   revision, otherwise a new revision is created (`<set>-<hash>`, collisions counted);
 * - the current revision is the one named by status.currentRevision, or the update revision
 *   when there is none;
 * - history beyond revisionHistoryLimit is deleted oldest first, never a live revision (the
 *   current, the update, or one a pod still carries).
 */
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { isNotFound } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import {
  createControllerRevision,
  equalRevision,
  findEqualRevisions,
  newControllerRevision,
  nextRevision,
  sortRevisions,
  templatePatch,
} from '../history/revisions';
import type { Revisions } from './control';
import { podRevision } from './identity';

/** newRevision: the revision the set's current template would be. */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  return newControllerRevision(
    set,
    set.spec?.template.metadata?.labels,
    templatePatch(set.spec?.template),
    revision,
    collisionCount,
  );
}

export async function statefulSetRevisions(
  client: KubeClient,
  set: StatefulSet,
  owned: ControllerRevision[],
): Promise<Revisions> {
  const api = client.resource<ControllerRevision>(R.controllerrevisions);
  const revisions = sortRevisions([...owned]);
  const collision = { count: set.status?.collisionCount ?? 0 };
  let update = newRevision(set, nextRevision(revisions), collision.count);
  const equal = findEqualRevisions(revisions, update);
  const last = revisions[revisions.length - 1];
  const lastEqual = equal[equal.length - 1];
  if (lastEqual && last && equalRevision(last, lastEqual)) {
    update = last;
  } else if (lastEqual) {
    // Rolling back to an earlier template: that revision becomes the newest.
    update = await api.update({ ...structuredClone(lastEqual), revision: update.revision });
  } else {
    update = await createControllerRevision(client, set, update, collision);
  }
  const current = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount: collision.count };
}

export async function truncateHistory(
  client: KubeClient,
  set: StatefulSet,
  pods: Pod[],
  owned: ControllerRevision[],
  revs: Revisions | null,
): Promise<void> {
  const live = new Set(pods.map(podRevision));
  if (revs) {
    live.add(revs.current.metadata?.name ?? '');
    live.add(revs.update.metadata?.name ?? '');
  }
  const history = sortRevisions(owned.filter((r) => !live.has(r.metadata?.name ?? '')));
  const excess = history.length - (set.spec?.revisionHistoryLimit ?? 10);
  const api = client.resource<ControllerRevision>(R.controllerrevisions);
  for (const r of history.slice(0, Math.max(excess, 0))) {
    await api.delete(r.metadata?.namespace ?? '', r.metadata?.name ?? '').catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}

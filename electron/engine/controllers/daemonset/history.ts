/**
 * A DaemonSet's ControllerRevisions (pkg/controller/daemon update.go constructHistory,
 * snapshot, dedupCurHistories, cleanupHistory): one revision per distinct template, named
 * `<set>-<hash>` and labelled `controller-revision-hash=<hash>` like the pods made from it; the
 * revision matching the current template gets the highest revision number (a rollback
 * renumbers the old revision rather than copying it); old revisions beyond
 * revisionHistoryLimit are deleted, oldest first, unless a pod still runs them.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { isAlreadyExists, isNotFound } from '../../../kube/errors';
import type { Informer } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  canonicalJson,
  computeTemplateHash,
  sortRevisions,
  templatePatch,
} from '../history/revisions';
import { newControllerRef } from '../util/owners';
import { claimCandidates, claimObjects } from './claim';

export interface DaemonHistoryDeps {
  client: KubeClient;
  revisions: Informer<ControllerRevision>;
  canAdopt: (ds: DaemonSet) => Promise<boolean>;
}

export interface DaemonHistory {
  cur: ControllerRevision;
  old: ControllerRevision[];
}

/** Match: the revision stores exactly the set's current template. */
export function revisionMatches(ds: DaemonSet, rev: ControllerRevision): boolean {
  return canonicalJson(rev.data ?? null) === canonicalJson(templatePatch(ds.spec?.template));
}

export async function constructHistory(deps: DaemonHistoryDeps, ds: DaemonSet): Promise<DaemonHistory> {
  const api = deps.client.resource<ControllerRevision>(R.controllerrevisions);
  const histories = await claimObjects({
    owner: ds,
    selector: ds.spec?.selector,
    candidates: claimCandidates(deps.revisions, ds),
    api,
    canAdopt: () => deps.canAdopt(ds),
  });
  const current: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (let h of histories) {
    // Revisions from before the hash label existed get their name as the label.
    if (!h.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]) {
      const copy = structuredClone(h);
      (copy.metadata ??= {}).labels = {
        ...copy.metadata.labels,
        [CONTROLLER_REVISION_HASH_LABEL]: copy.metadata.name ?? '',
      };
      h = await api.update(copy);
    }
    (revisionMatches(ds, h) ? current : old).push(h);
  }
  const currRevision = Math.max(0, ...old.map((h) => h.revision)) + 1;
  if (current.length === 0) return { cur: await snapshot(deps, ds, currRevision), old };
  let cur = await dedup(deps, ds, current);
  if (cur.revision < currRevision)
    cur = await api.update({ ...structuredClone(cur), revision: currRevision });
  return { cur, old };
}

/** Keeps the highest-numbered duplicate of the current revision, relabelling pods to it. */
async function dedup(
  deps: DaemonHistoryDeps,
  ds: DaemonSet,
  current: ControllerRevision[],
): Promise<ControllerRevision> {
  const sorted = sortRevisions([...current]);
  const keep = sorted[sorted.length - 1] as ControllerRevision;
  if (sorted.length === 1) return keep;
  const hash = keep.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
  const pods = deps.client.resource<Pod>(R.pods);
  const api = deps.client.resource<ControllerRevision>(R.controllerrevisions);
  const ns = ds.metadata?.namespace ?? '';
  const owned = await pods.list(ns);
  for (const pod of owned.items) {
    const ref = pod.metadata?.ownerReferences?.find((r) => r.controller);
    if (ref?.uid !== ds.metadata?.uid || pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash)
      continue;
    await pods.patch(ns, pod.metadata?.name ?? '', 'merge', {
      metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: hash } },
    });
  }
  for (const dup of sorted.slice(0, -1)) {
    await api.delete(ns, dup.metadata?.name ?? '').catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
  return keep;
}

/** Creates the revision for the set's current template; a name clash bumps collisionCount. */
async function snapshot(
  deps: DaemonHistoryDeps,
  ds: DaemonSet,
  revision: number,
): Promise<ControllerRevision> {
  const api = deps.client.resource<ControllerRevision>(R.controllerrevisions);
  const ns = ds.metadata?.namespace ?? '';
  const hash = computeTemplateHash(ds.spec?.template, ds.status?.collisionCount);
  const name = `${ds.metadata?.name ?? ''}-${hash}`;
  const body: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: ns,
      labels: { ...ds.spec?.template.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
      annotations: ds.metadata?.annotations ? { ...ds.metadata.annotations } : undefined,
      ownerReferences: [newControllerRef(ds)],
    },
    data: templatePatch(ds.spec?.template),
    revision,
  };
  try {
    return await api.create(ns, body);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await api.get(ns, name);
    if (revisionMatches(ds, existing)) return existing;
    // A different template hashed to the same name: count the collision and retry.
    const dsApi = deps.client.resource<DaemonSet>(R.daemonsets);
    const fresh = await dsApi.get(ns, ds.metadata?.name ?? '');
    if ((fresh.status?.collisionCount ?? 0) !== (ds.status?.collisionCount ?? 0)) {
      throw new Error(`daemonset ${ns}/${ds.metadata?.name}: stale collisionCount; retrying`, { cause: err });
    }
    await dsApi.updateStatus({
      ...fresh,
      status: { ...fresh.status, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 },
    } as DaemonSet);
    throw new Error(`daemonset ${ns}/${ds.metadata?.name}: revision name collision; collisionCount bumped`, {
      cause: err,
    });
  }
}

/**
 * cleanupHistory: deletes the oldest revisions beyond revisionHistoryLimit that no pod of
 * the set (including finished ones being deleted) still carries.
 */
export async function cleanupHistory(
  deps: DaemonHistoryDeps,
  ds: DaemonSet,
  old: ControllerRevision[],
  pods: Pod[],
): Promise<void> {
  let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
  if (toKill <= 0) return;
  const live = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).filter(Boolean));
  const api = deps.client.resource<ControllerRevision>(R.controllerrevisions);
  for (const h of sortRevisions([...old])) {
    if (toKill <= 0) break;
    if (live.has(h.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL])) continue;
    await api.delete(h.metadata?.namespace ?? '', h.metadata?.name ?? '').catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    toKill--;
  }
}

/**
 * What one deployment sync needs from the controller around it. The sync functions (sync.ts,
 * rolling.ts, recreate.ts, rollback.ts, progress.ts) take a working copy `d` of the cached
 * Deployment, which they mutate (status, annotations) and write; after each write of `d`
 * they carry the new resourceVersion forward, so one sync does not conflict with itself.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import type { EventRecorder } from '../../../kube/events';
import type { Logger } from '../../../kube/log';
import type { ResourceClient } from '../../../kube/types';
import { REVISION_ANNOTATION } from './annotations';

export interface SyncContext {
  deployments: ResourceClient<Deployment>;
  replicaSets: ResourceClient<ReplicaSet>;
  /** A ReplicaSet from the informer cache (after a create answered AlreadyExists). */
  cachedReplicaSet(namespace: string, name: string): ReplicaSet | undefined;
  recorder: EventRecorder;
  log: Logger;
  now(): Date;
  /** Sync `d` again after `ms` (requeueStuckDeployment). */
  enqueueAfter(d: Deployment, ms: number): void;
}

/** Pods of a deployment grouped by the uid of the ReplicaSet that controls them. */
export type PodMap = Map<string, Pod[]>;

export function nameOf(obj: { metadata?: { name?: string } }): string {
  return obj.metadata?.name ?? '';
}

export function namespaceOf(obj: { metadata?: { namespace?: string } }): string {
  return obj.metadata?.namespace ?? '';
}

/**
 * UpdateStatus of `d`. Kubernetes' deployment status strategy keeps metadata changes other
 * than labels, which is how the controller records the revision annotation; if this API server
 * dropped it, set it with a metadata patch (no spec change, so no new generation).
 */
export async function writeStatus(ctx: SyncContext, d: Deployment): Promise<Deployment> {
  let out = await ctx.deployments.updateStatus(d);
  const want = d.metadata?.annotations?.[REVISION_ANNOTATION];
  if (want !== undefined && out.metadata?.annotations?.[REVISION_ANNOTATION] !== want) {
    out = await ctx.deployments.patch(namespaceOf(d), nameOf(d), 'merge', {
      metadata: {
        resourceVersion: out.metadata?.resourceVersion,
        annotations: { [REVISION_ANNOTATION]: want },
      },
    });
  }
  d.metadata = { ...d.metadata, resourceVersion: out.metadata?.resourceVersion };
  return out;
}

/** Update of the whole of `d` (spec and metadata; rollback), carrying the resourceVersion forward. */
export async function writeDeployment(ctx: SyncContext, d: Deployment): Promise<Deployment> {
  const out = await ctx.deployments.update(d);
  d.metadata = { ...d.metadata, resourceVersion: out.metadata?.resourceVersion };
  return out;
}

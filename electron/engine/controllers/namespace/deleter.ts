/**
 * Removing a namespace's content, as kube-controller-manager's namespacedResourcesDeleter
 * (deleteAllContent): every namespaced resource that supports `delete` — pods first, so their
 * graceful termination starts before anything they depend on goes — is deleted with
 * deletecollection where served (else listed and deleted one by one), with Background
 * propagation so the garbage collector is not asked to orphan anything. Then what is left is
 * counted, and the time it may still take is estimated: the longest termination grace period
 * of the pods still running, and 15 s for objects held by finalizers (finalizerEstimateSeconds).
 */
import { collectionPath } from '../../../kube/client';
import { isNotFound, KubeApiError } from '../../../kube/errors';
import type { KubeClient, KubeObject } from '../../../kube/types';
import { type DiscoveredResource, supports } from '../garbagecollector/discovery';
import type { DeletionReport } from './conditions';

/** Kubernetes' finalizerEstimateSeconds. */
export const FINALIZER_ESTIMATE_SECONDS = 15;

export interface ContentResult {
  report: DeletionReport;
  /** Seconds until the remaining content may be gone; 0 when nothing remains. */
  estimate: number;
  /** Objects still present. */
  remaining: number;
}

interface PodLike extends KubeObject {
  spec?: { terminationGracePeriodSeconds?: number };
  status?: { phase?: string };
}

/** `<resource>.<group>`, as Kubernetes prints it in NamespaceContentRemaining. */
const groupResource = (r: DiscoveredResource) => `${r.plural}.${r.group}`;

const isPods = (r: DiscoveredResource) => r.group === '' && r.plural === 'pods';

/** Pods go first; the rest in discovery order. */
export function deletionOrder(resources: DiscoveredResource[]): DiscoveredResource[] {
  const deletable = resources.filter((r) => r.namespaced && supports(r, 'delete'));
  return [...deletable.filter(isPods), ...deletable.filter((r) => !isPods(r))];
}

/** estimateGracefulTerminationForPods: the longest grace period among pods not yet finished. */
export function podsEstimate(pods: PodLike[]): number {
  let estimate = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    estimate = Math.max(estimate, p.spec?.terminationGracePeriodSeconds ?? 0);
  }
  return estimate;
}

const BACKGROUND = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' };

async function listAll(client: KubeClient, r: DiscoveredResource, ns: string): Promise<KubeObject[]> {
  return (await client.resource<KubeObject>(r).listAll(ns)).items;
}

/** Deletes every object of `r` in `ns`; resolves with the time the rest may take. */
async function deleteResource(client: KubeClient, r: DiscoveredResource, ns: string): Promise<number> {
  let estimate = 0;
  if (isPods(r)) estimate = podsEstimate(await listAll(client, r, ns));
  if (supports(r, 'deletecollection')) {
    await client.request('DELETE', collectionPath(r, ns), BACKGROUND);
  } else if (supports(r, 'list')) {
    const res = client.resource<KubeObject>(r);
    for (const obj of await listAll(client, r, ns)) {
      try {
        await res.delete(ns, obj.metadata?.name ?? '', { propagationPolicy: 'Background' });
      } catch (err) {
        if (!isNotFound(err) && !(err instanceof KubeApiError && err.code === 405)) throw err;
      }
    }
  }
  return estimate;
}

const message = (err: unknown) =>
  err instanceof KubeApiError ? (err.status?.message ?? err.message) : (err as Error).message;

/** Deletes all content of `ns` and reports what is left. */
export async function deleteAllContent(
  client: KubeClient,
  resources: DiscoveredResource[],
  ns: string,
): Promise<ContentResult> {
  const report: DeletionReport = {
    discoveryFailures: new Map(),
    deleteErrors: [],
    remaining: new Map(),
    finalizers: new Map(),
  };
  let estimate = 0;
  let remaining = 0;
  for (const r of deletionOrder(resources)) {
    let gvrEstimate: number;
    try {
      gvrEstimate = await deleteResource(client, r, ns);
    } catch (err) {
      report.deleteErrors.push(message(err));
      continue;
    }
    if (!supports(r, 'list')) continue;
    let left: KubeObject[];
    try {
      left = await listAll(client, r, ns);
    } catch (err) {
      report.deleteErrors.push(message(err));
      continue;
    }
    if (left.length === 0) continue;
    remaining += left.length;
    report.remaining.set(groupResource(r), left.length);
    let finalized = false;
    for (const obj of left) {
      for (const f of obj.metadata?.finalizers ?? []) {
        report.finalizers.set(f, (report.finalizers.get(f) ?? 0) + 1);
        finalized = true;
      }
    }
    if (gvrEstimate === 0 && finalized) gvrEstimate = FINALIZER_ESTIMATE_SECONDS;
    if (gvrEstimate === 0) {
      // Graceful deletions in progress (a pod whose grace period is still running) count too.
      const graceful = left.some((o) => o.metadata?.deletionTimestamp);
      if (graceful) gvrEstimate = 1;
      else
        report.deleteErrors.push(
          `unexpected items still remain in namespace: ${ns} for gvr: ${r.group}/${r.version}, Resource=${r.plural}`,
        );
    }
    estimate = Math.max(estimate, gvrEstimate);
  }
  return { report, estimate, remaining };
}

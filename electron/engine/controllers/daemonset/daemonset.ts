/**
 * The DaemonSet controller (kube-controller-manager `daemonset`, pkg/controller/daemon): one
 * pod per eligible node. Each sync of a set
 * 1. finds (or creates) the ControllerRevision of its current template — its hash labels the
 *    pods made from it;
 * 2. claims its pods (adopting orphans that match, releasing pods that stopped matching) and
 *    maps them to nodes (spec.nodeName, or the node their affinity pins them to);
 * 3. creates a pod for each eligible node without one (pinned with node affinity; the
 *    scheduler binds it), in slow-start batches, and deletes pods on nodes that should not run
 *    them, extra pods, and finished pods (failed ones with per-node back-off);
 * 4. once earlier writes are observed (expectations), rolls out a new template
 *    (RollingUpdate with maxUnavailable / maxSurge; OnDelete waits for users to delete pods);
 * 5. trims revision history and writes status.
 *
 * Known limitations: revision hashes are computed over canonical JSON, so their values differ
 * from a real cluster's (they are as stable); the `pod-template-generation` label is set only
 * when the set carries the `deprecated.daemonset.template.generation` annotation, which our
 * API server does not maintain yet; any node label/taint/spec change requeues every set.
 */
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { isConflict, isNotFound, KubeApiError } from '../../../kube/errors';
import { keyOf, splitKey } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { selectorIsEmpty, selectorMatches } from '../../../kube/selectors';
import { WorkQueue } from '../../../kube/workqueue';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revisions';
import type { Controller, ControllerContext, ControllerFactory } from '../types';
import { controllerOf, isDeleting, newControllerRef } from '../util/owners';
import { addClaimIndexes, claimCandidates, claimObjects } from './claim';
import { daemonPodTemplate, pinToNode, targetNodeName } from './eligibility';
import { PodExpectations } from './expectations';
import { cleanupHistory, constructHistory, type DaemonHistoryDeps } from './history';
import { computeStatus, planManage, planRollingUpdate } from './plan';
import { queueController } from '../util/queue';

/** kube-controller-manager's --controllers name. */
export const NAME = 'daemonset';
/** The event source, as kube-controller-manager reports it. */
export const COMPONENT = 'daemonset-controller';
/** BurstReplicas: most creates or deletes one sync issues. */
export const BURST_REPLICAS = 250;
/** failedPodsBackoff: 1 s doubling to 15 min per (set, node). */
const FAILED_BACKOFF_MS = 1_000;
const FAILED_BACKOFF_MAX_MS = 15 * 60_000;

const STATUS_FIELDS = [
  'observedGeneration',
  'desiredNumberScheduled',
  'currentNumberScheduled',
  'numberMisscheduled',
  'numberReady',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
] as const;

/** storeDaemonSetStatus skips the write when every counter is already what it would write. */
function statusUnchanged(cur: DaemonSetStatus | undefined, next: DaemonSetStatus): boolean {
  return STATUS_FIELDS.every((f) => (cur?.[f] ?? 0) === (next[f] ?? 0));
}

export const createDaemonSetController: ControllerFactory = (ctx: ControllerContext): Controller => {
  const sets = ctx.informers.informer<DaemonSet>(R.daemonsets);
  const pods = ctx.informers.informer<Pod>(R.pods);
  const nodes = ctx.informers.informer<Node>(R.nodes);
  const revisions = ctx.informers.informer<ControllerRevision>(R.controllerrevisions);
  addClaimIndexes(pods);
  addClaimIndexes(revisions);
  const queue = new WorkQueue({ name: NAME, log: ctx.log });
  const expectations = new PodExpectations(() => ctx.now().getTime());
  const recorder = ctx.recorder(COMPONENT);
  const podsApi = ctx.client.resource<Pod>(R.pods);
  const setsApi = ctx.client.resource<DaemonSet>(R.daemonsets);
  const failedBackoff = new Map<string, { delay: number; until: number }>();

  const ownerOf = (obj: Pod | ControllerRevision): DaemonSet | undefined => {
    const ref = controllerOf(obj);
    if (ref?.kind !== 'DaemonSet') return undefined;
    const ds = sets.getByName(obj.metadata?.namespace ?? '', ref.name);
    return ds?.metadata?.uid === ref.uid ? ds : undefined;
  };
  const enqueueMatching = (pod: Pod) => {
    for (const ds of sets.byIndex('namespace', pod.metadata?.namespace ?? '')) {
      if (selectorMatches(ds.spec?.selector, pod.metadata?.labels)) queue.add(keyOf(ds));
    }
  };
  const enqueueAll = () => {
    for (const ds of sets.list()) queue.add(keyOf(ds));
  };

  sets.addHandlers({
    onAdd: (ds) => queue.add(keyOf(ds)),
    onUpdate: (_old, ds) => queue.add(keyOf(ds)),
    onDelete: (ds) => {
      expectations.delete(keyOf(ds));
      queue.add(keyOf(ds));
    },
  });
  const podDeleted = (pod: Pod) => {
    const ds = ownerOf(pod);
    if (!ds) return;
    expectations.deletionObserved(keyOf(ds), keyOf(pod));
    queue.add(keyOf(ds));
  };
  pods.addHandlers({
    onAdd(pod) {
      // A pod that shows up already being deleted counts as a deletion (the controller restarted).
      if (isDeleting(pod)) return podDeleted(pod);
      const ds = ownerOf(pod);
      if (ds) {
        expectations.creationObserved(keyOf(ds));
        queue.add(keyOf(ds));
      } else if (!controllerOf(pod)) enqueueMatching(pod);
    },
    onUpdate(old, pod) {
      const ds = ownerOf(pod);
      // Graceful deletion: the deletionTimestamp is what the controller was waiting to see.
      if (isDeleting(pod) && ds) expectations.deletionObserved(keyOf(ds), keyOf(pod));
      const oldDs = ownerOf(old);
      if (oldDs && oldDs !== ds) queue.add(keyOf(oldDs));
      if (ds) queue.add(keyOf(ds));
      else if (!controllerOf(pod)) enqueueMatching(pod);
    },
    onDelete: podDeleted,
  });
  nodes.addHandlers({
    onAdd: enqueueAll,
    onUpdate(old, node) {
      // Heartbeats change only status; what eligibility reads is labels, taints and the name.
      const same =
        JSON.stringify(old.metadata?.labels ?? {}) === JSON.stringify(node.metadata?.labels ?? {}) &&
        JSON.stringify(old.spec ?? {}) === JSON.stringify(node.spec ?? {});
      if (!same) enqueueAll();
    },
    onDelete: enqueueAll,
  });
  revisions.addHandlers({
    onAdd: (rev) => {
      const ds = ownerOf(rev);
      if (ds) queue.add(keyOf(ds));
    },
    onDelete: (rev) => {
      const ds = ownerOf(rev);
      if (ds) queue.add(keyOf(ds));
    },
  });

  const canAdopt = async (ds: DaemonSet): Promise<boolean> => {
    const fresh = await setsApi.get(ds.metadata?.namespace ?? '', ds.metadata?.name ?? '');
    return fresh.metadata?.uid === ds.metadata?.uid && !isDeleting(fresh);
  };
  const historyDeps: DaemonHistoryDeps = { client: ctx.client, revisions, canAdopt };

  /** getNodesToDaemonPods: claimed pods by target node. */
  async function nodeToDaemonPods(ds: DaemonSet): Promise<{ byNode: Map<string, Pod[]>; all: Pod[] }> {
    const all = await claimObjects({
      owner: ds,
      selector: ds.spec?.selector,
      candidates: claimCandidates(pods, ds),
      api: podsApi,
      canAdopt: () => canAdopt(ds),
    });
    const byNode = new Map<string, Pod[]>();
    for (const pod of all) {
      const phase = pod.status?.phase;
      // A finished pod being deleted is the kubelet's or pod GC's business now.
      if ((phase === 'Succeeded' || phase === 'Failed') && isDeleting(pod)) continue;
      const node = targetNodeName(pod);
      if (node === undefined) continue;
      const list = byNode.get(node);
      if (list) list.push(pod);
      else byNode.set(node, [pod]);
    }
    return { byNode, all };
  }

  /** syncNodes: deletes and creates (capped at BurstReplicas), with expectations set first. */
  async function syncNodes(
    ds: DaemonSet,
    toDelete: string[],
    toCreate: string[],
    hash: string,
  ): Promise<void> {
    const key = keyOf(ds);
    const ns = ds.metadata?.namespace ?? '';
    const creates = toCreate.slice(0, BURST_REPLICAS);
    const deletes = toDelete.slice(0, BURST_REPLICAS);
    expectations.expect(
      key,
      creates.length,
      deletes.map((n) => `${ns}/${n}`),
    );
    const errors: unknown[] = [];
    const template = daemonPodTemplate(ds, hash);
    const create = async (node: string) => {
      const body: Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...structuredClone(template.metadata),
          name: undefined,
          generateName: `${ds.metadata?.name ?? ''}-`,
          namespace: ns,
          ownerReferences: [newControllerRef(ds)],
        },
        spec: {
          ...structuredClone(template.spec ?? { containers: [] }),
          affinity: pinToNode(template.spec?.affinity, node),
        },
      };
      try {
        const pod = await podsApi.create(ns, body);
        recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
      } catch (err) {
        expectations.creationObserved(key);
        // A namespace being deleted refuses new pods; that is not the set's failure.
        if (err instanceof KubeApiError && /being terminated/.test(err.message)) return false;
        recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        errors.push(err);
        return false;
      }
      return true;
    };
    // Slow start (controller.SlowStartInitialBatchSize = 1): batches double while they succeed.
    for (let pos = 0, batch = 1; pos < creates.length; batch *= 2) {
      const chunk = creates.slice(pos, pos + batch);
      pos += chunk.length;
      const ok = await Promise.all(chunk.map(create));
      if (ok.includes(false)) {
        for (let i = pos; i < creates.length; i++) expectations.creationObserved(key);
        break;
      }
    }
    await Promise.all(
      deletes.map(async (name) => {
        try {
          await podsApi.delete(ns, name);
          recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        } catch (err) {
          expectations.deletionObserved(key, `${ns}/${name}`);
          if (isNotFound(err)) return;
          recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          errors.push(err);
        }
      }),
    );
    if (errors.length) throw errors[0];
  }

  /** Finished pods to delete now; failed ones wait out their node's back-off. */
  function finishedToDelete(ds: DaemonSet, finished: { pod: Pod; node: string }[]): string[] {
    const out: string[] = [];
    const now = ctx.now().getTime();
    for (const { pod, node } of finished) {
      const name = pod.metadata?.name ?? '';
      if (pod.status?.phase === 'Succeeded') {
        out.push(name);
        continue;
      }
      const bkey = `${ds.metadata?.uid ?? ''}/${ds.status?.observedGeneration ?? 0}/${node}`;
      const b = failedBackoff.get(bkey);
      if (b && now < b.until) {
        queue.addAfter(keyOf(ds), b.until - now);
        continue;
      }
      const delay = b ? Math.min(b.delay * 2, FAILED_BACKOFF_MAX_MS) : FAILED_BACKOFF_MS;
      failedBackoff.set(bkey, { delay, until: now + delay });
      recorder.event(
        ds,
        'Warning',
        'FailedDaemonPod',
        `Found failed daemon pod ${pod.metadata?.namespace}/${name} on node ${node}, will try to kill it`,
      );
      out.push(name);
    }
    return out;
  }

  async function updateStatus(ds: DaemonSet, hash: string): Promise<void> {
    const { byNode } = await nodeToDaemonPods(ds);
    const now = ctx.now();
    const status = computeStatus(ds, nodes.list(), byNode, hash, now);
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.numberReady !== status.numberAvailable)
      queue.addAfter(keyOf(ds), minReady * 1000);
    if (statusUnchanged(ds.status, status)) return;
    let target = ds;
    for (let attempt = 0; ; attempt++) {
      try {
        await setsApi.updateStatus({ ...target, status: { ...target.status, ...status } });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 1) throw err;
        target = await setsApi.get(ds.metadata?.namespace ?? '', ds.metadata?.name ?? '');
        status.collisionCount = target.status?.collisionCount;
      }
    }
  }

  async function sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const ds = sets.getByName(ns, name);
    if (!ds) {
      expectations.delete(key);
      return;
    }
    if (selectorIsEmpty(ds.spec?.selector)) {
      recorder.event(
        ds,
        'Warning',
        'SelectingAll',
        'This daemon set is selecting all pods. A non-empty selector is required.',
      );
      return;
    }
    // A set being deleted keeps its pods for the garbage collector; nothing to do.
    if (isDeleting(ds)) return;
    const { cur, old } = await constructHistory(historyDeps, ds);
    const hash = cur.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    if (!expectations.satisfied(key)) return updateStatus(ds, hash);
    let failure: unknown = null;
    try {
      const nodeList = nodes.list();
      const { byNode, all } = await nodeToDaemonPods(ds);
      const plan = planManage(ds, nodeList, byNode, hash);
      const toDelete = [...plan.podsToDelete, ...finishedToDelete(ds, plan.finishedPods)];
      await syncNodes(ds, toDelete, plan.nodesNeedingPods, hash);
      if (expectations.satisfied(key) && ds.spec?.updateStrategy?.type === 'RollingUpdate') {
        const roll = planRollingUpdate(ds, nodeList, byNode, hash, ctx.now());
        await syncNodes(ds, roll.oldPodsToDelete, roll.newNodesToCreate, hash);
      }
      await cleanupHistory(historyDeps, ds, old, all);
    } catch (err) {
      failure = err;
    }
    await updateStatus(ds, hash);
    if (failure) throw failure;
  }

  return queueController(NAME, queue, ctx.options.concurrentSyncs, sync);
};

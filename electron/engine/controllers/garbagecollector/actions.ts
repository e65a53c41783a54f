/**
 * What the garbage collector does to one node, as kube-controller-manager's attemptToDeleteItem,
 * processDeletingDependentsItem and attemptToOrphanWorker:
 *
 * attemptToDelete(node):
 *  - a virtual node (an owner only named by references) is looked up live; if it does not exist
 *    (404 or another uid) it is dropped and its dependents are queued;
 *  - an object deleting its dependents (foregroundDeletion) has the finalizer removed once no
 *    dependent with blockOwnerDeletion is left; until then the blocking dependents are queued;
 *  - otherwise its ownerReferences are classified: *solid* (the owner exists and is not deleting
 *    its dependents), *dangling* (the owner does not exist), *waiting* (the owner deletes its
 *    dependents in the foreground). With a solid owner, the dangling and waiting references are
 *    removed; with none, the object is deleted — in the foreground when an owner waits for it
 *    and it has dependents itself, else with the propagation its own finalizers ask for.
 * attemptToOrphan(node): remove the references to the node from its dependents, then the
 * node's `orphan` finalizer.
 *
 * Decisions are made from the informer caches (owners found in the graph need no request) and
 * every write carries preconditions: deletes the object's uid AND the resourceVersion the
 * decision was made on, finalizer removals the resourceVersion. A decision made on a stale cache
 * (say a dependent orphaned a moment ago whose update the informer has not delivered) thus fails
 * with 409 and is retried once the cache caught up, instead of deleting the wrong object;
 * Kubernetes re-reads each item live for the same purpose.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { isNotFound } from '../../../kube/errors';
import type { Informer } from '../../../kube/informer';
import type { Logger } from '../../../kube/log';
import type { KubeClient, KubeObject, ResourceRef } from '../../../kube/types';
import { settleLimit } from '../replicaset/batch';
import { type DependencyGraph, FOREGROUND, type GraphNode, ORPHAN } from './graph';

export interface ActionDeps {
  client: KubeClient;
  log: Logger;
  graph: DependencyGraph;
  refFor(apiVersion: string, kind: string): ResourceRef | undefined;
  /** The informer of a monitored resource. */
  informerFor(ref: ResourceRef): Informer<KubeObject> | undefined;
  enqueueDelete(node: GraphNode): void;
}

type OwnerState = 'solid' | 'dangling' | 'waiting';

/** The cached object of `node`, if the informer still holds that very object. */
function cachedObject(deps: ActionDeps, node: GraphNode): KubeObject | undefined {
  if (!node.ref) return undefined;
  const obj = deps.informerFor(node.ref)?.get(node.key);
  return obj?.metadata?.uid === node.identity.uid ? obj : undefined;
}

async function ownerState(deps: ActionDeps, node: GraphNode, ref: OwnerReference): Promise<OwnerState> {
  if (deps.graph.absent.has(ref.uid)) return 'dangling';
  const res = deps.refFor(ref.apiVersion, ref.kind);
  // An owner of a kind the server does not serve cannot be checked; keep the dependent.
  if (!res) return 'solid';
  // A cluster-scoped object cannot be owned by a namespaced one: the reference can never resolve.
  if (res.namespaced && !node.identity.namespace) return 'dangling';
  const known = deps.graph.get(ref.uid);
  if (known && !known.virtual) return known.deletingDependents ? 'waiting' : 'solid';
  try {
    const owner = await deps.client
      .resource<KubeObject>(res)
      .get(res.namespaced ? node.identity.namespace : '', ref.name);
    if (owner.metadata?.uid !== ref.uid) {
      deps.graph.absent.add(ref.uid);
      return 'dangling';
    }
    const foreground =
      Boolean(owner.metadata.deletionTimestamp) && (owner.metadata.finalizers ?? []).includes(FOREGROUND);
    return foreground ? 'waiting' : 'solid';
  } catch (err) {
    if (!isNotFound(err)) throw err;
    deps.graph.absent.add(ref.uid);
    return 'dangling';
  }
}

/** Strategic-merge patch metadata that names the object's uid (a precondition). */
function ownerRefsPatch(node: GraphNode, ownerReferences: unknown[]) {
  return { metadata: { ownerReferences, uid: node.identity.uid } };
}

async function patch(deps: ActionDeps, node: GraphNode, body: unknown, type: 'strategic' | 'merge') {
  if (!node.ref) return;
  try {
    await deps.client
      .resource<KubeObject>(node.ref)
      .patch(node.identity.namespace, node.identity.name, type, body);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

async function deleteObject(deps: ActionDeps, node: GraphNode, obj: KubeObject, policy: string) {
  if (!node.ref) return;
  deps.log.debug(
    { uid: node.identity.uid, kind: node.identity.kind, name: node.key, policy },
    'gc: deleting',
  );
  try {
    await deps.client.resource<KubeObject>(node.ref).delete(node.identity.namespace, node.identity.name, {
      propagationPolicy: policy as 'Background' | 'Foreground' | 'Orphan',
      preconditions: { uid: node.identity.uid, resourceVersion: obj.metadata?.resourceVersion },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Remove finalizer `f` from `obj` (merge patch with its resourceVersion as precondition). */
async function removeFinalizer(deps: ActionDeps, node: GraphNode, obj: KubeObject, f: string) {
  const current = obj.metadata?.finalizers ?? [];
  if (!current.includes(f)) return;
  const rest = current.filter((x) => x !== f);
  await patch(
    deps,
    node,
    { metadata: { resourceVersion: obj.metadata?.resourceVersion, finalizers: rest.length ? rest : null } },
    'merge',
  );
}

/** Looks a virtual node up; drops it when its object does not exist. */
async function verifyVirtual(deps: ActionDeps, node: GraphNode): Promise<void> {
  if (!node.ref) return;
  let exists: boolean;
  try {
    const live = await deps.client
      .resource<KubeObject>(node.ref)
      .get(node.identity.namespace, node.identity.name);
    exists = live.metadata?.uid === node.identity.uid;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    exists = false;
  }
  if (!exists) deps.graph.forgetVirtual(node);
}

export async function attemptToDelete(deps: ActionDeps, node: GraphNode): Promise<void> {
  if (node.virtual) return verifyVirtual(deps, node);
  const obj = cachedObject(deps, node);
  if (!obj) return;
  if (node.beingDeleted && !node.deletingDependents) return;
  if (node.deletingDependents) {
    const blocking = node.blockingDependents();
    if (blocking.length === 0) return removeFinalizer(deps, node, obj, FOREGROUND);
    for (const dep of blocking) if (!dep.deletingDependents) deps.enqueueDelete(dep);
    return;
  }
  const refs = obj.metadata?.ownerReferences ?? [];
  if (refs.length === 0) return;
  const solid: OwnerReference[] = [];
  const dangling: OwnerReference[] = [];
  const waiting: OwnerReference[] = [];
  for (const ref of refs) {
    const state = await ownerState(deps, node, ref);
    (state === 'solid' ? solid : state === 'dangling' ? dangling : waiting).push(ref);
  }
  if (solid.length > 0) {
    const drop = [...dangling, ...waiting];
    if (drop.length === 0) return;
    return patch(
      deps,
      node,
      ownerRefsPatch(
        node,
        drop.map((r) => ({ $patch: 'delete', uid: r.uid })),
      ),
      'strategic',
    );
  }
  const finalizers = obj.metadata?.finalizers ?? [];
  if (waiting.length > 0 && node.dependents.size > 0) {
    // Break dependency cycles between objects deleting in the foreground: unblock our owners.
    if ([...node.dependents].some((d) => d.deletingDependents)) {
      const unblocked = refs
        .filter((r) => r.blockOwnerDeletion)
        .map((r) => ({ ...r, blockOwnerDeletion: false }));
      await patch(deps, node, ownerRefsPatch(node, unblocked), 'strategic');
    }
    return deleteObject(deps, node, obj, 'Foreground');
  }
  const policy = finalizers.includes(ORPHAN)
    ? 'Orphan'
    : finalizers.includes(FOREGROUND)
      ? 'Foreground'
      : 'Background';
  return deleteObject(deps, node, obj, policy);
}

/** Writes in flight when orphaning many dependents. */
const ORPHAN_IN_FLIGHT = 32;

export async function attemptToOrphan(deps: ActionDeps, node: GraphNode): Promise<void> {
  const obj = cachedObject(deps, node);
  if (!obj || !(obj.metadata?.finalizers ?? []).includes(ORPHAN)) return;
  const uid = node.identity.uid;
  const results = await settleLimit([...node.dependents], ORPHAN_IN_FLIGHT, (dep) =>
    patch(deps, dep, ownerRefsPatch(dep, [{ $patch: 'delete', uid }]), 'strategic'),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  await removeFinalizer(deps, node, obj, ORPHAN);
}

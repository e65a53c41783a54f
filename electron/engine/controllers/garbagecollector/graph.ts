/**
 * The garbage collector's dependency graph, as kube-controller-manager's GraphBuilder: one node
 * per object of every monitored resource (by uid), edges from each object to the owners its
 * ownerReferences name, and the transitions that start work:
 *  - an owner named by a reference but not (yet) observed becomes a *virtual* node, queued to
 *    verify whether it exists (a dangling reference makes its dependents garbage);
 *  - an object whose deletion starts with the `foregroundDeletion` finalizer is marked as
 *    deleting its dependents: it and its dependents are queued for attemptToDelete;
 *  - an object whose deletion starts with the `orphan` finalizer is queued for attemptToOrphan;
 *  - when an object goes away, its dependents are queued (their owner may be gone), and so is
 *    any owner waiting in foreground deletion (it may now be unblocked);
 *  - a dependent dropping or unblocking its reference to a foreground-deleting owner queues
 *    that owner.
 * The graph is updated synchronously from informer handlers (a single thread, so no locks) and
 * only ever reports nodes to queues; the decisions are the collector's (collector.ts).
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeObject, ResourceRef } from '../../../kube/types';

export const FOREGROUND = 'foregroundDeletion';
export const ORPHAN = 'orphan';

export interface Identity {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export class GraphNode {
  /** The resource this object belongs to; null when the owner's kind is not served. */
  ref: ResourceRef | null;
  /** Referenced by a dependent but not observed by any informer (yet). */
  virtual: boolean;
  owners: OwnerReference[] = [];
  readonly dependents = new Set<GraphNode>();
  beingDeleted = false;
  deletingDependents = false;

  constructor(
    public identity: Identity,
    ref: ResourceRef | null,
    virtual: boolean,
  ) {
    this.ref = ref;
    this.virtual = virtual;
  }

  /** Informer key of the object. */
  get key(): string {
    const { namespace, name } = this.identity;
    return namespace ? `${namespace}/${name}` : name;
  }

  /** Dependents whose reference to this node has blockOwnerDeletion. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const dep of this.dependents) {
      const ref = dep.owners.find((o) => o.uid === this.identity.uid);
      if (ref?.blockOwnerDeletion) out.push(dep);
    }
    return out;
  }
}

export interface GraphSink {
  attemptToDelete(node: GraphNode): void;
  attemptToOrphan(node: GraphNode): void;
}

/** Owner uids known not to exist: uids are never reused, so an observed deletion is final. */
export class AbsentOwners {
  private readonly uids = new Set<string>();
  constructor(private readonly max = 10_000) {}
  add(uid: string): void {
    if (this.uids.has(uid)) return;
    if (this.uids.size >= this.max) {
      const oldest = this.uids.values().next().value;
      if (oldest !== undefined) this.uids.delete(oldest);
    }
    this.uids.add(uid);
  }
  has(uid: string): boolean {
    return this.uids.has(uid);
  }
}

function hasFinalizer(obj: KubeObject, f: string): boolean {
  return obj.metadata?.finalizers?.includes(f) ?? false;
}

/** deletionStartsWithFinalizer: the object is being deleted with `f`, and was not before. */
function startsDeletionWith(old: KubeObject | undefined, cur: KubeObject, f: string): boolean {
  if (!cur.metadata?.deletionTimestamp || !hasFinalizer(cur, f)) return false;
  return !old || !old.metadata?.deletionTimestamp || !hasFinalizer(old, f);
}

export class DependencyGraph {
  private readonly nodes = new Map<string, GraphNode>();
  readonly absent = new AbsentOwners();

  constructor(
    private readonly sink: GraphSink,
    /** Resolves an ownerReference's apiVersion/kind to the resource serving it. */
    private readonly refFor: (apiVersion: string, kind: string) => ResourceRef | undefined,
  ) {}

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** An object of resource `ref` was added or updated (`old` is its previous state, if any). */
  observe(obj: KubeObject, ref: ResourceRef, old?: KubeObject): void {
    const meta = obj.metadata ?? {};
    const uid = meta.uid;
    if (!uid) return;
    const identity: Identity = {
      apiVersion: obj.apiVersion ?? '',
      kind: obj.kind ?? ref.kind,
      namespace: meta.namespace ?? '',
      name: meta.name ?? '',
      uid,
    };
    const owners = meta.ownerReferences ?? [];
    let node = this.nodes.get(uid);
    if (!node) {
      node = new GraphNode(identity, ref, false);
      this.nodes.set(uid, node);
      this.link(node, owners);
    } else {
      if (node.virtual) {
        node.virtual = false;
        node.identity = identity;
        node.ref = ref;
      }
      this.relink(node, owners);
    }
    node.beingDeleted = Boolean(meta.deletionTimestamp);
    if (startsDeletionWith(old, obj, ORPHAN)) this.sink.attemptToOrphan(node);
    if (startsDeletionWith(old, obj, FOREGROUND)) {
      node.deletingDependents = true;
      for (const dep of node.dependents) this.sink.attemptToDelete(dep);
      this.sink.attemptToDelete(node);
    } else if (node.deletingDependents && !hasFinalizer(obj, FOREGROUND)) {
      node.deletingDependents = false;
    }
  }

  /** An object was deleted. */
  forget(obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const node = this.nodes.get(uid);
    if (!node) return;
    this.absent.add(uid);
    this.remove(node);
  }

  /** A virtual node's object was confirmed absent: drop it and let its dependents be collected. */
  forgetVirtual(node: GraphNode): void {
    if (!node.virtual || this.nodes.get(node.identity.uid) !== node) return;
    this.absent.add(node.identity.uid);
    this.remove(node);
  }

  private remove(node: GraphNode): void {
    this.nodes.delete(node.identity.uid);
    for (const o of node.owners) {
      const owner = this.nodes.get(o.uid);
      if (!owner) continue;
      owner.dependents.delete(node);
      if (owner.deletingDependents) this.sink.attemptToDelete(owner);
      this.dropIfOrphanedVirtual(owner);
    }
    for (const dep of node.dependents) this.sink.attemptToDelete(dep);
  }

  /** A virtual node nobody references any more is of no interest. */
  private dropIfOrphanedVirtual(node: GraphNode): void {
    if (node.virtual && node.dependents.size === 0) this.nodes.delete(node.identity.uid);
  }

  private link(node: GraphNode, owners: OwnerReference[]): void {
    node.owners = owners;
    for (const o of owners) this.ownerNode(o, node).dependents.add(node);
  }

  private relink(node: GraphNode, owners: OwnerReference[]): void {
    const before = new Map(node.owners.map((o) => [o.uid, o]));
    const after = new Map(owners.map((o) => [o.uid, o]));
    node.owners = owners;
    for (const [uid, o] of before) {
      const owner = this.nodes.get(uid);
      if (!owner) continue;
      const now = after.get(uid);
      if (!now) {
        owner.dependents.delete(node);
        if (owner.deletingDependents) this.sink.attemptToDelete(owner);
        this.dropIfOrphanedVirtual(owner);
      } else if (o.blockOwnerDeletion && !now.blockOwnerDeletion && owner.deletingDependents) {
        this.sink.attemptToDelete(owner);
      }
    }
    for (const [uid, o] of after) {
      if (!before.has(uid)) this.ownerNode(o, node).dependents.add(node);
    }
  }

  /** The node of `ref`'s owner, creating (and queueing for verification) a virtual one if needed. */
  private ownerNode(ref: OwnerReference, dependent: GraphNode): GraphNode {
    let owner = this.nodes.get(ref.uid);
    if (owner) return owner;
    const res = this.refFor(ref.apiVersion, ref.kind) ?? null;
    owner = new GraphNode(
      {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        namespace: res && !res.namespaced ? '' : dependent.identity.namespace,
        name: ref.name,
        uid: ref.uid,
      },
      res,
      true,
    );
    this.nodes.set(ref.uid, owner);
    this.sink.attemptToDelete(owner);
    return owner;
  }
}

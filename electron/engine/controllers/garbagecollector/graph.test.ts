import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { describe, expect, it } from 'vitest';
import { R, refForKind } from '../../../kube/resources';
import type { KubeObject } from '../../../kube/types';
import { DependencyGraph, type GraphNode } from './graph';

function setup() {
  const deletes: string[] = [];
  const orphans: string[] = [];
  const graph = new DependencyGraph(
    {
      attemptToDelete: (n: GraphNode) => deletes.push(n.identity.name),
      attemptToOrphan: (n: GraphNode) => orphans.push(n.identity.name),
    },
    refForKind,
  );
  return { graph, deletes, orphans };
}

const owner = (name: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name,
  uid: `uid-${name}`,
  ...extra,
});

function obj(
  name: string,
  opts: { owners?: OwnerReference[]; deleting?: boolean; finalizers?: string[]; kind?: string } = {},
): KubeObject {
  return {
    apiVersion: opts.kind === 'Pod' || !opts.kind ? 'v1' : 'apps/v1',
    kind: opts.kind ?? 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      resourceVersion: String(Math.random()),
      ownerReferences: opts.owners,
      finalizers: opts.finalizers,
      deletionTimestamp: opts.deleting ? '2025-01-01T00:00:00Z' : undefined,
    },
  };
}

describe('DependencyGraph', () => {
  it('makes an unobserved owner a virtual node and queues it for verification, once', () => {
    const { graph, deletes } = setup();
    graph.observe(obj('p1', { owners: [owner('rs')] }), R.pods);
    graph.observe(obj('p2', { owners: [owner('rs')] }), R.pods);
    const rs = graph.get('uid-rs');
    expect(rs?.virtual).toBe(true);
    expect(rs?.identity.namespace).toBe('ns');
    expect(rs?.dependents.size).toBe(2);
    expect(deletes).toEqual(['rs']);
  });

  it('turns a virtual node real when its object is observed', () => {
    const { graph } = setup();
    graph.observe(obj('p1', { owners: [owner('rs')] }), R.pods);
    graph.observe(obj('rs', { kind: 'ReplicaSet' }), R.replicasets);
    expect(graph.get('uid-rs')?.virtual).toBe(false);
    expect(graph.get('uid-rs')?.dependents.size).toBe(1);
  });

  it('queues the dependents of a deleted owner and remembers the owner as absent', () => {
    const { graph, deletes } = setup();
    const rs = obj('rs', { kind: 'ReplicaSet' });
    graph.observe(rs, R.replicasets);
    graph.observe(obj('p1', { owners: [owner('rs')] }), R.pods);
    graph.forget(rs);
    expect(deletes).toEqual(['p1']);
    expect(graph.absent.has('uid-rs')).toBe(true);
    expect(graph.get('uid-rs')).toBeUndefined();
  });

  it.each([
    ['foregroundDeletion', ['rs', 'p1'], []],
    ['orphan', [], ['rs']],
  ])('starting deletion with %s queues the right work', (finalizer, wantDeletes, wantOrphans) => {
    const { graph, deletes, orphans } = setup();
    const rs = obj('rs', { kind: 'ReplicaSet' });
    graph.observe(rs, R.replicasets);
    graph.observe(obj('p1', { owners: [owner('rs', { blockOwnerDeletion: true })] }), R.pods);
    const deleting = obj('rs', { kind: 'ReplicaSet', deleting: true, finalizers: [finalizer] });
    graph.observe(deleting, R.replicasets, rs);
    expect(deletes.sort()).toEqual([...wantDeletes].sort());
    expect(orphans).toEqual(wantOrphans);
    // The same state seen again (a resync) starts nothing new.
    graph.observe(deleting, R.replicasets, deleting);
    expect(deletes).toHaveLength(wantDeletes.length);
  });

  it('queues a foreground-deleting owner when a blocking dependent goes or unblocks', () => {
    const { graph, deletes } = setup();
    graph.observe(
      obj('rs', { kind: 'ReplicaSet', deleting: true, finalizers: ['foregroundDeletion'] }),
      R.replicasets,
    );
    const p1 = obj('p1', { owners: [owner('rs', { blockOwnerDeletion: true })] });
    const p2 = obj('p2', { owners: [owner('rs', { blockOwnerDeletion: true })] });
    graph.observe(p1, R.pods);
    graph.observe(p2, R.pods);
    const node = graph.get('uid-rs');
    expect(
      node
        ?.blockingDependents()
        .map((n) => n.identity.name)
        .sort(),
    ).toEqual(['p1', 'p2']);
    deletes.length = 0;
    graph.forget(p1);
    expect(deletes).toEqual(['rs']);
    graph.observe(obj('p2', { owners: [owner('rs', { blockOwnerDeletion: false })] }), R.pods, p2);
    expect(deletes).toEqual(['rs', 'rs']);
    expect(node?.blockingDependents()).toEqual([]);
  });

  it('moves a dependent between owners when its references change', () => {
    const { graph } = setup();
    graph.observe(obj('a', { kind: 'ReplicaSet' }), R.replicasets);
    graph.observe(obj('b', { kind: 'ReplicaSet' }), R.replicasets);
    const before = obj('p', { owners: [owner('a')] });
    graph.observe(before, R.pods);
    graph.observe(obj('p', { owners: [owner('b')] }), R.pods, before);
    expect(graph.get('uid-a')?.dependents.size).toBe(0);
    expect(graph.get('uid-b')?.dependents.size).toBe(1);
  });

  it('drops a virtual node confirmed absent and queues its dependents', () => {
    const { graph, deletes } = setup();
    graph.observe(obj('p1', { owners: [owner('ghost')] }), R.pods);
    const ghost = graph.get('uid-ghost');
    if (!ghost) throw new Error('no virtual node');
    deletes.length = 0;
    graph.forgetVirtual(ghost);
    expect(graph.get('uid-ghost')).toBeUndefined();
    expect(graph.absent.has('uid-ghost')).toBe(true);
    expect(deletes).toEqual(['p1']);
  });
});

import { describe, expect, it } from 'vitest';
import { newPodInfo } from '../framework/types';
import { makeNode, makePod } from '../testing/fixtures';
import { SchedulerCache, normalizedImageName } from './cache';
import { NodeTree } from './node-tree';
import { ClusterSnapshot } from './snapshot';

function makeCache() {
  let t = 1_000_000;
  const expired: string[] = [];
  const cache = new SchedulerCache({
    now: () => t,
    assumedPodTtlMs: 30_000,
    onExpired: (p) => expired.push(p.metadata?.name ?? ''),
  });
  return {
    cache,
    expired,
    advance(ms: number) {
      t += ms;
    },
  };
}

const names = (s: ClusterSnapshot) => s.nodeInfos().map((n) => n.name);

describe('SchedulerCache assumed pods', () => {
  it('an assumed pod counts on its node until forgotten', () => {
    const { cache } = makeCache();
    cache.addNode(makeNode('n1').obj());
    const p = newPodInfo(makePod('p').req({ cpu: '1', memory: '1Gi' }).obj());
    cache.assumePod(p, 'n1');
    expect(cache.nodeInfo('n1')?.requested.milliCPU).toBe(1000);
    expect(cache.nodeInfo('n1')?.pods[0]?.pod.spec?.nodeName).toBe('n1');
    expect(cache.isAssumed(p.uid)).toBe(true);
    expect(() => cache.assumePod(p, 'n1')).toThrow(/already in the cache/);
    cache.forgetPod(p.uid);
    expect(cache.nodeInfo('n1')?.requested.milliCPU).toBe(0);
    expect(cache.podCount).toBe(0);
  });

  it.each([
    { name: 'on the assumed node', boundTo: 'n1', want: { n1: 1000, n2: 0 } },
    { name: 'on another node (bound by someone else)', boundTo: 'n2', want: { n1: 0, n2: 1000 } },
  ])('the bound pod from the watch confirms the assumed one $name', ({ boundTo, want }) => {
    const { cache } = makeCache();
    cache.addNode(makeNode('n1').obj());
    cache.addNode(makeNode('n2').obj());
    const pod = makePod('p').req({ cpu: '1' }).obj();
    const info = newPodInfo(pod);
    cache.assumePod(info, 'n1');
    cache.finishBinding(info.uid);
    cache.addPod({
      ...pod,
      spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName: boundTo },
    });
    expect(cache.isAssumed(info.uid)).toBe(false);
    expect(cache.nodeInfo('n1')?.requested.milliCPU).toBe(want.n1);
    expect(cache.nodeInfo('n2')?.requested.milliCPU).toBe(want.n2);
    expect(() => cache.forgetPod(info.uid)).toThrow(/cannot be forgotten/);
  });

  it('expires assumed pods only after their binding finished and the TTL passed', () => {
    const { cache, advance, expired } = makeCache();
    cache.addNode(makeNode('n1').obj());
    const binding = newPodInfo(makePod('binding').obj());
    const bound = newPodInfo(makePod('bound').obj());
    cache.assumePod(binding, 'n1');
    cache.assumePod(bound, 'n1');
    cache.finishBinding(bound.uid);
    advance(30_000);
    expect(cache.cleanupExpiredAssumedPods()).toBe(0);
    advance(1);
    expect(cache.cleanupExpiredAssumedPods()).toBe(1);
    expect(expired).toEqual(['bound']);
    expect(cache.nodeInfo('n1')?.pods.map((p) => p.name)).toEqual(['binding']);
  });

  it('removing a pod frees its resources; a deleted node lingers only while pods point at it', () => {
    const { cache } = makeCache();
    const node = makeNode('n1').obj();
    cache.addNode(node);
    const pod = makePod('p').node('n1').req({ cpu: '2' }).obj();
    cache.addPod(pod);
    cache.removeNode(node);
    expect(cache.nodeCount).toBe(0);
    expect(cache.nodeInfo('n1')?.pods.length).toBe(1);
    cache.removePod(pod);
    expect(cache.nodeInfo('n1')).toBeUndefined();
  });
});

describe('SchedulerCache snapshots', () => {
  it('copies only changed NodeInfos and keeps their identity', () => {
    const { cache } = makeCache();
    for (const n of ['a', 'b', 'c']) cache.addNode(makeNode(n).obj());
    const snap = new ClusterSnapshot();
    cache.updateSnapshot(snap);
    expect(names(snap).sort()).toEqual(['a', 'b', 'c']);
    const before = { a: snap.get('a'), b: snap.get('b') };
    // A cache change is invisible until the next update.
    cache.assumePod(newPodInfo(makePod('p').req({ cpu: '1' }).obj()), 'b');
    expect(snap.get('b')?.requested.milliCPU).toBe(0);
    const gen = snap.generation;
    cache.updateSnapshot(snap);
    expect(snap.generation).toBeGreaterThan(gen);
    expect(snap.get('b')).toBe(before.b);
    expect(snap.get('b')?.requested.milliCPU).toBe(1000);
    // The snapshot's copy is independent of the cache's NodeInfo.
    expect(snap.get('b')).not.toBe(cache.nodeInfo('b'));
    expect(snap.get('a')).toBe(before.a);
  });

  it('adds and removes nodes, and lists the nodes with affinity pods', () => {
    const { cache } = makeCache();
    const a = makeNode('a').obj();
    cache.addNode(a);
    cache.addNode(makeNode('b').obj());
    const snap = new ClusterSnapshot();
    cache.updateSnapshot(snap);
    const anti = makePod('anti')
      .node('b')
      .labels({ app: 'x' })
      .affinity({
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } },
          ],
        },
      })
      .obj();
    cache.addPod(anti);
    cache.removeNode(a);
    cache.addNode(makeNode('c').obj());
    cache.updateSnapshot(snap);
    expect(names(snap).sort()).toEqual(['b', 'c']);
    expect(snap.havePodsWithAffinity().map((n) => n.name)).toEqual(['b']);
    expect(snap.havePodsWithRequiredAntiAffinity().map((n) => n.name)).toEqual(['b']);
    cache.removePod(anti);
    cache.updateSnapshot(snap);
    expect(snap.havePodsWithAffinity()).toEqual([]);
  });

  it('lists nodes round-robin across zones', () => {
    const tree = new NodeTree();
    const nodes: [string, string][] = [
      ['a1', 'a'],
      ['a2', 'a'],
      ['a3', 'a'],
      ['b1', 'b'],
      ['c1', 'c'],
      ['c2', 'c'],
    ];
    for (const [n, z] of nodes) tree.add(makeNode(n).zone(z).obj());
    expect(tree.list()).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
  });
});

describe('image states', () => {
  it.each([
    ['busybox', 'busybox:latest'],
    ['busybox:1.36', 'busybox:1.36'],
    ['localhost:5000/busybox', 'localhost:5000/busybox:latest'],
    ['busybox@sha256:abc', 'busybox@sha256:abc'],
  ])('normalises %s to %s', (name, want) => {
    expect(normalizedImageName(name)).toBe(want);
  });

  it('counts the nodes that hold each image', () => {
    const { cache } = makeCache();
    const img = [{ names: ['busybox:1.36'], sizeBytes: 5_000_000 }];
    cache.addNode(makeNode('n1').images(img).obj());
    cache.addNode(makeNode('n2').images(img).obj());
    expect(cache.nodeInfo('n1')?.imageStates.get('busybox:1.36')).toEqual({ size: 5_000_000, numNodes: 2 });
    cache.removeNode(makeNode('n2').images(img).obj());
    expect(cache.nodeInfo('n1')?.imageStates.get('busybox:1.36')?.numNodes).toBe(1);
  });
});

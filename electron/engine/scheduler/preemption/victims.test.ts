import type { Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { Framework } from '../framework/runtime';
import { ListSnapshot } from '../framework/snapshot';
import { NodeInfo, newPodInfo, type PodInfo } from '../framework/types';
import { inTreeRegistry } from '../plugins/registry';
import { makeNode, makePod } from '../testing/fixtures';
import { type Candidate, moreImportant, numCandidates, pickCandidate, selectVictimsOnNode } from './victims';

const NOW = Date.parse('2024-05-01T12:00:00Z');

/** A framework with the real NodeResourcesFit and NodePorts filters. */
function framework(nodeInfos: NodeInfo[]): Framework {
  return new Framework(
    { schedulerName: 'default-scheduler', plugins: [{ name: 'NodeResourcesFit' }, { name: 'NodePorts' }] },
    inTreeRegistry,
    { snapshot: new ListSnapshot(nodeInfos) },
  );
}

const p = (name: string, priority: number, cpu: string, start?: string): Pod => {
  const b = makePod(name).priority(priority).req({ cpu }).node('n1');
  return (start ? b.startTime(start) : b).obj();
};

function victimsOn(
  existing: Pod[],
  preemptor: Pod,
  capacity = '4',
): { victims: string[]; status: string | null } {
  const ni = new NodeInfo(makeNode('n1').capacity({ cpu: capacity, memory: '8Gi', pods: '110' }).obj());
  for (const e of existing) ni.addPod(newPodInfo(e));
  const fw = framework([ni]);
  const pod = newPodInfo(preemptor);
  const state = fw.newCycleState();
  fw.runPreFilterPlugins(state, pod);
  const r = selectVictimsOnNode(fw, state, pod, ni.clone(), NOW);
  return { victims: r.victims.map((v) => v.name), status: r.status ? r.status.message() : null };
}

describe('selectVictimsOnNode', () => {
  it.each([
    {
      name: 'evicts only as much as needed, least important first',
      existing: [p('a', 1, '1'), p('b', 2, '1'), p('c', 3, '1'), p('d', 4, '1')],
      preemptor: makePod('x').priority(10).req({ cpu: '2' }).obj(),
      want: { victims: ['b', 'a'], status: null },
    },
    {
      name: 'keeps the earlier-started of equal-priority pods',
      existing: [p('late', 1, '2', '2024-05-01T11:00:00Z'), p('early', 1, '2', '2024-05-01T10:00:00Z')],
      preemptor: makePod('x').priority(10).req({ cpu: '2' }).obj(),
      want: { victims: ['late'], status: null },
    },
    {
      name: 'never evicts equal or higher priority pods',
      existing: [p('same', 10, '2'), p('higher', 20, '2')],
      preemptor: makePod('x').priority(10).req({ cpu: '1' }).obj(),
      want: { victims: [], status: 'No preemption victims found for incoming pod' },
    },
    {
      name: 'gives up when even all victims do not make room',
      existing: [p('low', 1, '1'), p('high', 20, '3')],
      preemptor: makePod('x').priority(10).req({ cpu: '2' }).obj(),
      want: { victims: [], status: 'Insufficient cpu' },
    },
  ])('$name', ({ existing, preemptor, want }) => {
    expect(victimsOn(existing, preemptor)).toEqual(want);
  });
});

describe('pickCandidate (kube-scheduler pickOneNodeForPreemption)', () => {
  const v = (name: string, priority: number, start?: string): PodInfo =>
    newPodInfo(
      (start ? makePod(name).priority(priority).startTime(start) : makePod(name).priority(priority)).obj(),
    );
  const c = (nodeName: string, victims: PodInfo[], numPDBViolations = 0): Candidate => ({
    nodeName,
    victims,
    numPDBViolations,
  });
  it.each([
    { name: 'a node needing no victims wins', cands: [c('a', [v('x', 1)]), c('b', [])], want: 'b' },
    {
      name: 'fewest PDB violations',
      cands: [c('a', [v('x', 1)], 1), c('b', [v('y', 5), v('z', 5)], 0)],
      want: 'b',
    },
    {
      name: 'lowest highest-priority victim',
      cands: [c('a', [v('x', 100)]), c('b', [v('y', 50), v('z', 50), v('w', 50)])],
      want: 'b',
    },
    {
      name: 'smallest sum of priorities (negative ones count)',
      cands: [c('a', [v('x', 5), v('y', 5)]), c('b', [v('z', 5), v('w', -100)])],
      want: 'b',
    },
    { name: 'fewest victims', cands: [c('a', [v('x', 5), v('y', 0)]), c('b', [v('z', 5)])], want: 'b' },
    {
      name: 'latest start of the highest-priority victims',
      cands: [c('a', [v('x', 5, '2024-05-01T10:00:00Z')]), c('b', [v('y', 5, '2024-05-01T11:00:00Z')])],
      want: 'b',
    },
    { name: 'then the first', cands: [c('a', [v('x', 5)]), c('b', [v('y', 5)])], want: 'a' },
  ])('$name', ({ cands, want }) => {
    expect(pickCandidate(cands, NOW)?.nodeName).toBe(want);
  });

  it('no candidates: null', () => {
    expect(pickCandidate([], NOW)).toBeNull();
  });
});

describe('helpers', () => {
  it.each([
    { nodes: 10, want: 10 },
    { nodes: 500, want: 100 },
    { nodes: 5000, want: 500 },
  ])('numCandidates($nodes) = $want', ({ nodes, want }) => {
    expect(numCandidates(nodes)).toBe(want);
  });

  it('moreImportant: priority, then earlier start; unstarted pods count as now', () => {
    const hi = makePod('hi').priority(2).obj();
    const lo = makePod('lo').priority(1).startTime('2020-01-01T00:00:00Z').obj();
    const started = makePod('s').priority(1).startTime('2024-05-01T11:59:00Z').obj();
    const unstarted = makePod('u').priority(1).obj();
    expect(moreImportant(hi, lo, NOW)).toBe(true);
    expect(moreImportant(lo, hi, NOW)).toBe(false);
    expect(moreImportant(started, unstarted, NOW)).toBe(true);
    expect(moreImportant(unstarted, started, NOW)).toBe(false);
  });
});

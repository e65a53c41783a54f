import type { Node, Taint, Toleration } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { toleratesTaint } from '../../../kube/tolerations';
import {
  applyTaints,
  matchingTolerations,
  minTolerationSeconds,
  noScheduleTaintDiff,
  UNREACHABLE_NO_EXECUTE,
} from './taints';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const dedicated: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('toleratesTaint', () => {
  it.each<[string, Toleration, Taint, boolean]>([
    ['Exists on the key', { key: unreachable.key, operator: 'Exists' }, unreachable, true],
    ['Exists with no key tolerates everything', { operator: 'Exists' }, dedicated, true],
    ['Equal with the value', { key: 'dedicated', value: 'gpu' }, dedicated, true],
    ['Equal with another value', { key: 'dedicated', value: 'cpu' }, dedicated, false],
    [
      'another effect',
      { key: unreachable.key, operator: 'Exists', effect: 'NoSchedule' },
      unreachable,
      false,
    ],
    ['the same effect', { key: unreachable.key, operator: 'Exists', effect: 'NoExecute' }, unreachable, true],
    ['another key', { key: 'other', operator: 'Exists' }, unreachable, false],
    ['an unknown operator', { key: 'dedicated', operator: 'Lt', value: 'gpu' }, dedicated, false],
  ])('%s', (_what, tol, taint, want) => {
    expect(toleratesTaint(tol, taint)).toBe(want);
  });
});

describe('matchingTolerations and minTolerationSeconds', () => {
  const notReady: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };
  const t = (key: string, seconds?: number): Toleration => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: seconds,
  });
  it.each<[string, Taint[], Toleration[], boolean, number]>([
    ['no tolerations: evict now', [unreachable], [], false, 0],
    ['one limited toleration', [unreachable], [t(unreachable.key, 300)], true, 300],
    [
      'the smallest of several',
      [unreachable, notReady],
      [t(unreachable.key, 300), t(notReady.key, 30)],
      true,
      30,
    ],
    ['unlimited: never', [unreachable], [t(unreachable.key)], true, -1],
    ['zero seconds: now', [unreachable], [t(unreachable.key, 0)], true, 0],
    ['a taint not tolerated', [unreachable, notReady], [t(unreachable.key, 300)], false, 0],
  ])('%s', (_what, taints, tols, all, seconds) => {
    const m = matchingTolerations(taints, tols);
    expect(m.all).toBe(all);
    expect(minTolerationSeconds(m.used)).toBe(seconds);
  });
});

describe('applyTaints', () => {
  it.each<[string, Taint[], Taint[], Taint[], Taint[] | undefined]>([
    ['adds', [dedicated], [unreachable], [], [dedicated, unreachable]],
    ['keeps an identical taint (nothing to do)', [unreachable], [unreachable], [], undefined],
    ['removes', [dedicated, unreachable], [], [UNREACHABLE_NO_EXECUTE], [dedicated]],
    ['removing an absent taint changes nothing', [dedicated], [], [unreachable], undefined],
    [
      'replaces a value',
      [dedicated],
      [{ ...dedicated, value: 'tpu' }],
      [],
      [{ key: 'dedicated', value: 'tpu', effect: 'NoSchedule' }],
    ],
  ])('%s', (_what, have, add, remove, want) => {
    expect(applyTaints(have, add, remove)).toEqual(want);
  });
});

describe('noScheduleTaintDiff', () => {
  const node = (conditions: [string, string][], taints: Taint[] = [], unschedulable = false): Node => ({
    spec: { taints, unschedulable },
    status: { conditions: conditions.map(([type, status]) => ({ type, status })) },
  });
  const ns = (key: string): Taint => ({ key: `node.kubernetes.io/${key}`, effect: 'NoSchedule' });
  it.each<[string, Node, Taint[], Taint[]]>([
    ['a healthy node needs none', node([['Ready', 'True']]), [], []],
    ['Ready=False', node([['Ready', 'False']]), [ns('not-ready')], []],
    ['Ready=Unknown', node([['Ready', 'Unknown']]), [ns('unreachable')], []],
    [
      'pressure',
      node([
        ['MemoryPressure', 'True'],
        ['DiskPressure', 'True'],
        ['PIDPressure', 'True'],
      ]),
      [ns('memory-pressure'), ns('disk-pressure'), ns('pid-pressure')],
      [],
    ],
    ['cordoned', node([['Ready', 'True']], [], true), [ns('unschedulable')], []],
    [
      'recovered: stale taint goes',
      node([['Ready', 'True']], [ns('unreachable'), dedicated]),
      [],
      [ns('unreachable')],
    ],
    ['swap', node([['Ready', 'Unknown']], [ns('not-ready')]), [ns('unreachable')], [ns('not-ready')]],
  ])('%s', (_what, n, add, remove) => {
    expect(noScheduleTaintDiff(n)).toEqual({ add, remove });
  });
});

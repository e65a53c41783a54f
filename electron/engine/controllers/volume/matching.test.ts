import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { findBestMatch } from './matching';

/** Fixture builder for PVs. */
function pv(name: string, size: string, modes = ['ReadWriteOnce']) {
  const v: PersistentVolume = {
    metadata: { name, labels: {} },
    spec: { capacity: { storage: size }, accessModes: modes, hostPath: { path: `/data/${name}` } },
  };
  let phase = 'Available';
  const spec = v.spec as NonNullable<PersistentVolume['spec']>;
  const b = {
    klass(c: string) {
      spec.storageClassName = c;
      return b;
    },
    label(k: string, val: string) {
      v.metadata = { ...v.metadata, labels: { ...v.metadata?.labels, [k]: val } };
      return b;
    },
    block() {
      spec.volumeMode = 'Block';
      return b;
    },
    phase(p: string) {
      phase = p;
      return b;
    },
    claimRef(name: string, uid?: string) {
      spec.claimRef = { namespace: 'default', name, uid };
      return b;
    },
    obj: (): PersistentVolume => ({ ...v, status: { phase } }),
  };
  return b;
}
function claim(
  size: string,
  modes = ['ReadWriteOnce'],
  extra: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {},
) {
  const c: PersistentVolumeClaim = {
    metadata: { name: 'data', namespace: 'default', uid: 'claim-uid' },
    spec: { accessModes: modes, resources: { requests: { storage: size } }, ...extra },
  };
  return c;
}

describe('findBestMatch', () => {
  it.each([
    {
      name: 'smallest that fits',
      c: claim('3Gi'),
      pvs: [pv('a', '1Gi'), pv('b', '5Gi'), pv('c', '4Gi')],
      want: 'c',
    },
    { name: 'exact size fits', c: claim('5Gi'), pvs: [pv('a', '5Gi'), pv('b', '6Gi')], want: 'a' },
    { name: 'nothing big enough', c: claim('50Gi'), pvs: [pv('a', '5Gi')], want: undefined },
    {
      name: 'access modes must include all requested',
      c: claim('1Gi', ['ReadWriteMany']),
      pvs: [pv('a', '1Gi'), pv('b', '9Gi', ['ReadWriteOnce', 'ReadWriteMany'])],
      want: 'b',
    },
    {
      name: 'fewest access modes first, then size',
      c: claim('1Gi'),
      pvs: [pv('multi', '1Gi', ['ReadWriteOnce', 'ReadOnlyMany']), pv('single', '8Gi')],
      want: 'single',
    },
    {
      name: 'storage class must match',
      c: claim('1Gi', undefined, { storageClassName: 'fast' }),
      pvs: [pv('a', '1Gi'), pv('b', '2Gi').klass('fast')],
      want: 'b',
    },
    {
      name: 'a claim without class only gets class-less volumes',
      c: claim('1Gi'),
      pvs: [pv('b', '2Gi').klass('fast')],
      want: undefined,
    },
    {
      name: 'volume mode must match',
      c: claim('1Gi', undefined, { volumeMode: 'Block' }),
      pvs: [pv('a', '1Gi'), pv('b', '1Gi').block()],
      want: 'b',
    },
    {
      name: 'selector',
      c: claim('1Gi', undefined, { selector: { matchLabels: { tier: 'gold' } } }),
      pvs: [pv('a', '1Gi'), pv('b', '3Gi').label('tier', 'gold')],
      want: 'b',
    },
    {
      name: 'only Available volumes',
      c: claim('1Gi'),
      pvs: [pv('a', '1Gi').phase('Released'), pv('b', '1Gi').phase('Pending')],
      want: undefined,
    },
    {
      name: 'volumes claimed by others are skipped',
      c: claim('1Gi'),
      pvs: [pv('a', '1Gi').claimRef('other'), pv('b', '2Gi')],
      want: 'b',
    },
    {
      name: 'a volume pre-bound to the claim wins',
      c: claim('1Gi'),
      pvs: [pv('a', '1Gi'), pv('mine', '9Gi').claimRef('data').phase('Pending')],
      want: 'mine',
    },
  ])('$name', ({ c, pvs, want }) => {
    expect(
      findBestMatch(
        c,
        pvs.map((b) => b.obj()),
      )?.metadata?.name,
    ).toBe(want);
  });
});

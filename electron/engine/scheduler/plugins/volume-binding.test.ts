import { describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import type { StorageClass } from 'kubernetes-types/storage/v1';
import { makeNode, makePod, runPlugins } from '../framework/testing';
import type { VolumeLister } from '../framework/types';
import {
  ERR_REASON_BIND_CONFLICT,
  ERR_REASON_NODE_CONFLICT,
  ERR_REASON_PV_NOT_EXIST,
  ERR_REASON_UNBOUND_IMMEDIATE,
  NAME,
  errReasonPVCNotFound,
} from './volume-binding';
import { inTreeRegistry } from './registry';

const pvc = (name: string, volumeName?: string, storageClassName?: string): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
    ...(volumeName ? { volumeName } : {}),
    ...(storageClassName ? { storageClassName } : {}),
  },
});
const pv = (name: string, hostname?: string, storageClassName = 'local'): PersistentVolume => ({
  metadata: { name },
  spec: {
    capacity: { storage: '5Gi' },
    accessModes: ['ReadWriteOnce'],
    storageClassName,
    ...(hostname
      ? {
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] },
              ],
            },
          },
        }
      : {}),
  },
  status: { phase: 'Available' },
});
const classes: Record<string, StorageClass> = {
  local: {
    metadata: { name: 'local' },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'WaitForFirstConsumer',
  },
  dynamic: {
    metadata: { name: 'dynamic' },
    provisioner: 'example.com/csi',
    volumeBindingMode: 'WaitForFirstConsumer',
  },
};

function lister(pvcs: PersistentVolumeClaim[], pvs: PersistentVolume[]): VolumeLister {
  return {
    getPVC: (ns, n) => pvcs.find((c) => c.metadata?.namespace === ns && c.metadata.name === n),
    getPV: (n) => pvs.find((v) => v.metadata?.name === n),
    getStorageClass: (n) => classes[n],
    listPVs: () => pvs,
  };
}

describe('VolumeBinding', () => {
  it.each([
    { name: 'no volumes', claims: [], pvcs: [], pvs: [], want: { n1: '', n2: '' } },
    {
      name: 'missing PVC',
      claims: ['data'],
      pvcs: [],
      pvs: [],
      want: { n1: errReasonPVCNotFound('data'), n2: errReasonPVCNotFound('data') },
    },
    {
      name: 'unbound immediate PVC',
      claims: ['data'],
      pvcs: [pvc('data')],
      pvs: [],
      want: { n1: ERR_REASON_UNBOUND_IMMEDIATE, n2: ERR_REASON_UNBOUND_IMMEDIATE },
    },
    {
      name: 'bound PV without node affinity',
      claims: ['data'],
      pvcs: [pvc('data', 'pv1')],
      pvs: [pv('pv1')],
      want: { n1: '', n2: '' },
    },
    {
      name: "bound PV's node affinity",
      claims: ['data'],
      pvcs: [pvc('data', 'pv1')],
      pvs: [pv('pv1', 'n2')],
      want: { n1: ERR_REASON_NODE_CONFLICT, n2: '' },
    },
    {
      name: 'bound to a PV that does not exist',
      claims: ['data'],
      pvcs: [pvc('data', 'gone')],
      pvs: [],
      want: { n1: ERR_REASON_PV_NOT_EXIST, n2: ERR_REASON_PV_NOT_EXIST },
    },
    {
      name: 'WaitForFirstConsumer: only nodes with a matching local PV',
      claims: ['data'],
      pvcs: [pvc('data', undefined, 'local')],
      pvs: [pv('local-n1', 'n1')],
      want: { n1: '', n2: ERR_REASON_BIND_CONFLICT },
    },
    {
      name: 'WaitForFirstConsumer with a provisioner: any node',
      claims: ['data'],
      pvcs: [pvc('data', undefined, 'dynamic')],
      pvs: [],
      want: { n1: '', n2: '' },
    },
  ])('$name', ({ claims, pvcs, pvs, want }) => {
    const pod = makePod('p');
    for (const c of claims) pod.pvc(c);
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], [makeNode('n1').obj(), makeNode('n2').obj()], [], {
      volumes: lister(pvcs, pvs),
    });
    expect(r.filter(pod.obj()).statuses).toEqual(want);
  });
});

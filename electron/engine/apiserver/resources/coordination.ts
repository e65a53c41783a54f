/** coordination.k8s.io/v1 leases: `/registry/leases/<ns>/<name>` (node heartbeats, leader election). */
import type { Lease } from 'kubernetes-types/coordination/v1';
import { nonNegative, positive } from '../admission/field';
import { defineResource, validator, type Obj } from './define';
import { AGE_COLUMN, col, since } from './printers';
import type { ResourceDefinition } from './types';

type L = Obj<Lease>;

export const leases = defineResource<L>({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  storagePrefix: 'leases',
  validate: validator<L>({ namespaced: true }, (lease) => [
    ...positive('spec.leaseDurationSeconds', lease.spec?.leaseDurationSeconds),
    ...nonNegative('spec.leaseTransitions', lease.spec?.leaseTransitions),
  ]),
  columns: [
    col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'),
    AGE_COLUMN,
  ],
  row: (lease, now) => [
    lease.spec?.holderIdentity ?? '<none>',
    since(lease.metadata?.creationTimestamp, now),
  ],
});

export const COORDINATION_RESOURCES: ResourceDefinition[] = [leases];

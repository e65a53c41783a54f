/**
 * The control plane runs its controllers (and scheduler) as clients of its own API server,
 * under a Lease: a Deployment created with kubectl gets its ReplicaSet and pods without any
 * other process, and the Leases name this server as the holder.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminClient } from '../kube/testing';
import { R } from '../kube/resources';
import type { KubeClient } from '../kube/types';
import { startTestCluster, type TestCluster } from './apiserver/testing/cluster';
import { waitFor } from './controllers/testing';

let cluster: TestCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startTestCluster();
  client = await adminClient(cluster);
});
afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

it('runs the controller manager under its Lease, so a Deployment gets its pods', async () => {
  const created = await cluster.kubectl(['create', 'deployment', 'web', '--image=busybox', '--replicas=3']);
  expect(created.stderr).toBe('');
  const pods = await waitFor(
    'three pods of the deployment',
    async () => {
      const list = await client.resource<Pod>(R.pods).list('default', { labelSelector: 'app=web' });
      return list.items.length === 3 ? list.items : undefined;
    },
    20_000,
  );
  expect(pods.every((p) => p.metadata?.ownerReferences?.[0]?.kind === 'ReplicaSet')).toBe(true);
  const lease = await client.resource<Lease>(R.leases).get('kube-system', 'kube-controller-manager');
  expect(lease.spec?.holderIdentity).toMatch(/_/);
  expect(lease.spec?.leaseDurationSeconds).toBe(15);
});

/**
 * The control plane runs its controllers (and scheduler) as clients of its own API server,
 * under a Lease: a Deployment created with kubectl gets its ReplicaSet and pods without any
 * other process, and the Leases name this server as the holder.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminClient } from '../kube/testing';
import { R } from '../kube/resources';
import type { KubeClient } from '../kube/types';
import { startTestCluster, type TestCluster } from './apiserver/testing/cluster';
import { waitFor } from './controllers/testing';

let cluster: TestCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startTestCluster({ controllers: true });
  client = await adminClient(cluster);
});
afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

it('runs the scheduler and controllers under their Leases, so a Deployment gets its pods placed', async () => {
  await client.resource<Node>(R.nodes).create('', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }],
    },
  });
  const created = await cluster.kubectl(['create', 'deployment', 'web', '--image=busybox', '--replicas=3']);
  expect(created.stderr).toBe('');
  const pods = await waitFor(
    'three pods of the deployment',
    async () => {
      const list = await client.resource<Pod>(R.pods).list('default', { labelSelector: 'app=web' });
      return list.items.length === 3 && list.items.every((p) => p.spec?.nodeName === 'n1')
        ? list.items
        : undefined;
    },
    20_000,
  );
  expect(pods.every((p) => p.metadata?.ownerReferences?.[0]?.kind === 'ReplicaSet')).toBe(true);
  const port = new URL(cluster.apiUrl).port;
  for (const name of ['kube-controller-manager', 'kube-scheduler']) {
    const lease = await client.resource<Lease>(R.leases).get('kube-system', name);
    expect(lease.spec?.holderIdentity).toMatch(new RegExp(`:${port}_`));
    expect(lease.spec?.leaseDurationSeconds).toBe(10);
  }
});

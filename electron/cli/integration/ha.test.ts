/**
 * High availability: two `pilothouse server` processes sharing one real 3-member etcd (started
 * here on loopback) and one PKI run exactly one active scheduler and one active controller
 * manager between them. Killing the engine that leads the controllers (SIGKILL: no chance to
 * release its Leases) hands everything over to the other server within 15 s, and the workload carries on with no
 * pod lost or duplicated.
 */
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  assertBuilt,
  startServer,
  tempDataDir,
  type RunningServer,
} from '../../../e2e/support/pilothouse-server';
import { waitFor } from '../../engine/controllers/testing';
import { EtcdCluster } from '../../engine/store/testing/etcd-cluster';
import { adminClient } from '../../kube/testing';
import { R } from '../../kube/resources';
import type { KubeClient } from '../../kube/types';
import { startSimNodes, type SimNodes } from '../../sim/nodes';

const LEASES = ['kube-scheduler', 'kube-controller-manager'];

let etcd: EtcdCluster;
const servers: RunningServer[] = [];
const clients: KubeClient[] = [];
let sim: SimNodes | undefined;

beforeAll(async () => {
  assertBuilt();
  etcd = await EtcdCluster.start({ members: 3 });
});
afterAll(async () => {
  await sim?.stop();
  for (const c of clients) c.close();
  for (const s of servers) await s.stop('SIGKILL');
  await etcd?.close();
});

async function clientOf(s: RunningServer): Promise<KubeClient> {
  const c = await adminClient(s);
  clients.push(c);
  return c;
}

const holders = async (c: KubeClient) =>
  Promise.all(
    LEASES.map(
      async (n) => (await c.resource<Lease>(R.leases).get('kube-system', n)).spec?.holderIdentity ?? '',
    ),
  );

it('runs one scheduler and one controller manager between two servers, and hands both over after a crash', async () => {
  const args = ['--store', 'etcd', '--etcd-servers', etcd.endpoints.join(',')];
  const a = await startServer({ args });
  servers.push(a);
  // The second server shares the first one's CA, keys and service-account signer.
  const bDir = tempDataDir();
  cpSync(path.join(a.dataDir, 'pki'), path.join(bDir, 'pki'), { recursive: true });
  const b = await startServer({ dataDir: bDir, args });
  servers.push(b);
  const [ca, cb] = [await clientOf(a), await clientOf(b)];

  // One holder per Lease, and it is one of the two servers (identities name host:port).
  const port = (s: RunningServer) => new URL(s.apiUrl).port;
  const first = await waitFor(
    'both leases held',
    async () => {
      const h = await holders(cb);
      return h.every((x) => x !== '') ? h : undefined;
    },
    30_000,
  );
  const owner = (identity: string) => [a, b].find((s) => identity.includes(`:${port(s)}_`));
  for (const h of first) expect(owner(h)).toBeDefined();

  // The controller manager's holder is the one to crash; the scheduler's holder may be either
  // server — after the crash the survivor must hold both.
  const leader = owner(first[1] ?? '') as RunningServer;
  const survivor = leader === a ? b : a;
  const survivorClient = leader === a ? cb : ca;

  // Nodes and a workload, through the server that survives.
  sim = await startSimNodes({ client: survivorClient, count: 5, namePrefix: 'ha-' });
  await survivorClient.request('POST', '/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 10,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    },
  });
  const running = async (n: number) =>
    waitFor(
      `${n} running pods`,
      async () => {
        const pods = (
          await survivorClient.resource<Pod>(R.pods).list('default', { labelSelector: 'app=web' })
        ).items;
        return pods.length === n && pods.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName)
          ? pods
          : undefined;
      },
      60_000,
    );
  const before = await running(10);

  // Crash the leader's engine process (the server's child): its Leases are not released.
  const enginePids = execFileSync('pgrep', ['-P', String(leader.child.pid)])
    .toString()
    .trim()
    .split('\n');
  const killedAt = Date.now();
  for (const pid of enginePids) process.kill(Number(pid), 'SIGKILL');
  const handedOver = await waitFor(
    'both leases held by the survivor',
    async () => {
      const h = await holders(survivorClient);
      return h.every((x) => owner(x) === survivor) ? Date.now() : undefined;
    },
    40_000,
  );
  const handoverMs = handedOver - killedAt;
  process.stdout.write(`[ha] leases handed over ${handoverMs} ms after the leader's engine was killed\n`);
  expect(handoverMs).toBeLessThan(15_000);

  // The new leader carries on: scale up; every earlier pod is still there, none doubled.
  await survivorClient.resource(R.deployments).patch('default', 'web', 'merge', { spec: { replicas: 14 } });
  const after = await running(14);
  const names = new Set(after.map((p) => p.metadata?.name));
  expect(names.size).toBe(14);
  for (const p of before) expect(names.has(p.metadata?.name)).toBe(true);
  const rss = (await survivorClient.resource<ReplicaSet>(R.replicasets).list('default')).items;
  expect(rss).toHaveLength(1);
  expect(rss[0]?.status?.replicas).toBe(14);
});

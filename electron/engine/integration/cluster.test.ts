/**
 * The whole control plane at work with simulated nodes: the scheduler and controllers run in
 * the engine as in production (under their Leases), nodes come from electron/sim, and users act
 * through real kubectl. Periods are shortened through the same config the flags set.
 */
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../kube/resources';
import { adminClient } from '../../kube/testing';
import type { KubeClient } from '../../kube/types';
import { startSimNodes, type SimNodes } from '../../sim/nodes';
import { startTestCluster, type TestCluster } from '../apiserver/testing/cluster';
import { DEFAULT_CONTROLLER_OPTIONS } from '../controllers/types';
import { waitFor } from '../controllers/testing';
import { parseQuantity } from '../../kube/quantity';

let cluster: TestCluster;
let client: KubeClient;
let sim: SimNodes;

beforeAll(async () => {
  cluster = await startTestCluster({
    controllers: true,
    config: {
      controllers: {
        ...DEFAULT_CONTROLLER_OPTIONS,
        nodeMonitorPeriodMs: 500,
        nodeMonitorGracePeriodMs: 3_000,
        nodeEvictionRate: 100,
      },
    },
  });
  client = await adminClient(cluster);
  sim = await startSimNodes({
    client,
    count: 20,
    namePrefix: 'sim-',
    cpu: '2',
    memory: '4Gi',
    heartbeatMs: 500,
  });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
  client?.close();
  await cluster?.stop();
});

const podsOf = async (app: string) =>
  (await client.resource<Pod>(R.pods).list('default', { labelSelector: `app=${app}` })).items;

function deployment(name: string, replicas: number, spec: Record<string, unknown> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'c', image: 'busybox', resources: { requests: { cpu: '300m', memory: '256Mi' } } },
          ],
          ...spec,
        },
      },
    },
  };
}

const allRunning = (n: number, app: string) =>
  waitFor(
    `${n} running ${app} pods`,
    async () => {
      const pods = await podsOf(app);
      const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
      return live.length === n && live.every((p) => p.status?.phase === 'Running') ? live : undefined;
    },
    60_000,
  );

describe('a cluster of 20 simulated nodes', () => {
  it('spreads a 100-replica Deployment within every node’s resources, and kubectl rollout status agrees', async () => {
    await client.resource<Deployment>(R.deployments).create('default', deployment('web', 100));
    const status = await cluster.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    expect(status.stdout).toContain('deployment "web" successfully rolled out');
    const pods = await allRunning(100, 'web');
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(p.spec?.nodeName ?? '', (perNode.get(p.spec?.nodeName ?? '') ?? 0) + 1);
    // 2 CPUs per node fit 6 pods of 300m; 100 pods on 20 nodes: LeastAllocated spreads them 5 each.
    expect([...perNode.keys()].every((n) => n.startsWith('sim-'))).toBe(true);
    expect(Math.max(...perNode.values())).toBeLessThanOrEqual(6);
    expect(perNode.size).toBe(20);
    // Every pod has an IP from its node's pod CIDR (node IPAM + simulated kubelet).
    const nodes = new Map(
      (await client.resource<Node>(R.nodes).list(null)).items.map((n) => [n.metadata?.name, n.spec?.podCIDR]),
    );
    for (const p of pods) {
      const cidr = nodes.get(p.spec?.nodeName) ?? '';
      expect(p.status?.podIP?.split('.').slice(0, 3).join('.')).toBe(cidr.split('.').slice(0, 3).join('.'));
    }
  });

  it('reports FailedScheduling with kube-scheduler’s summary when nothing fits', async () => {
    await client.resource<Deployment>(R.deployments).create('default', {
      ...deployment('huge', 1),
      spec: {
        ...deployment('huge', 1).spec,
        template: {
          metadata: { labels: { app: 'huge' } },
          spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '64' } } }] },
        },
      } as Deployment['spec'],
    });
    const out = await waitFor('a FailedScheduling event', async () => {
      const r = await cluster.kubectl([
        'get',
        'events',
        '--field-selector',
        'reason=FailedScheduling',
        '-o',
        'json',
      ]);
      const items = (JSON.parse(r.stdout) as { items: { message: string }[] }).items;
      return items[0]?.message;
    });
    expect(out).toMatch(/^0\/20 nodes are available: 20 Insufficient cpu\./);
    await client.resource(R.deployments).delete('default', 'huge');
  });

  it('cordon keeps new pods off a node; drain evicts its pods and they are replaced elsewhere', async () => {
    const target = 'sim-3';
    expect((await cluster.kubectl(['cordon', target])).stdout).toContain(`node/${target} cordoned`);
    const drained = await cluster.kubectl(['drain', target, '--ignore-daemonsets', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    expect(drained.code).toBe(0);
    expect(drained.stdout).toContain(`node/${target} drained`);
    const pods = await allRunning(100, 'web');
    expect(pods.filter((p) => p.spec?.nodeName === target)).toHaveLength(0);
    await cluster.kubectl(['scale', 'deployment/web', '--replicas=110']);
    const more = await allRunning(110, 'web');
    expect(more.filter((p) => p.spec?.nodeName === target)).toHaveLength(0);
    expect((await cluster.kubectl(['uncordon', target])).stdout).toContain(`node/${target} uncordoned`);
    // Leave room for the next test's replacements (20 nodes × 6 slots).
    await cluster.kubectl(['scale', 'deployment/web', '--replicas=60']);
    await allRunning(60, 'web');
  });

  it('marks a silent node Unknown and tainted, evicts its pods at their toleration deadline, and replaces them', async () => {
    await client.resource<Deployment>(R.deployments).create(
      'default',
      deployment('tolerant', 10, {
        tolerations: [
          {
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 2,
          },
          {
            key: 'node.kubernetes.io/not-ready',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 2,
          },
        ],
      }),
    );
    const before = await allRunning(10, 'tolerant');
    const victim = before[0]?.spec?.nodeName ?? '';
    const onVictim = before.filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata?.name);
    sim.stopHeartbeat(victim);
    const node = await waitFor(
      'the node to be Unknown and tainted',
      async () => {
        const n = await client.resource<Node>(R.nodes).get('', victim);
        const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
        const tainted = n.spec?.taints?.some(
          (t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute',
        );
        return ready?.status === 'Unknown' && tainted ? n : undefined;
      },
      20_000,
    );
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('NodeStatusUnknown');
    const after = await waitFor(
      'the pods to be replaced on other nodes',
      async () => {
        const pods = (await podsOf('tolerant')).filter((p) => !p.metadata?.deletionTimestamp);
        return pods.length === 10 &&
          pods.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName !== victim)
          ? pods
          : undefined;
      },
      30_000,
    );
    for (const name of onVictim) expect(after.map((p) => p.metadata?.name)).not.toContain(name);
    // Requested resources on every node stay within allocatable.
    const requested = new Map<string, number>();
    for (const p of [...(await podsOf('web')), ...after]) {
      const cpu = parseQuantity(p.spec?.containers[0]?.resources?.requests?.cpu) ?? 0;
      requested.set(p.spec?.nodeName ?? '', (requested.get(p.spec?.nodeName ?? '') ?? 0) + cpu);
    }
    for (const v of requested.values()) expect(v).toBeLessThanOrEqual(2);
  }, 90_000);
});

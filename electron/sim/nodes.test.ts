/**
 * Simulated nodes against the real API server, with node IPAM running so pods get IPs from their
 * node's podCIDR.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeIpamController } from '../engine/controllers/nodeipam/controller';
import { parseCidr, parseIpv4 } from '../engine/controllers/nodeipam/ipv4';
import { type ControllerTest, startControllerTest, waitFor } from '../engine/controllers/testing';
import { R } from '../kube/resources';
import { type SimNodes, startSimNodes } from './nodes';
import { NODE_LEASE_NAMESPACE, simNodeIp } from './objects';
import { bindPod, createPod, getPod, makePod } from './testing';

let t: ControllerTest;
let sim: SimNodes;
const node = (name: string) => t.client.resource<Node>(R.nodes).get('', name);
const lease = (name: string) => t.client.resource<Lease>(R.leases).get(NODE_LEASE_NAMESPACE, name);
const ready = async (name: string) => (await node(name)).status?.conditions?.find((c) => c.type === 'Ready');

function inCidr(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  const n = parseIpv4(ip);
  return !!c && n !== undefined && n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

beforeAll(async () => {
  t = await startControllerTest([createNodeIpamController]);
  sim = await startSimNodes({
    client: t.client,
    count: 3,
    namePrefix: 'sn-',
    heartbeatMs: 300,
    cpu: '4',
    memory: '8Gi',
  });
});
afterAll(async () => {
  await sim.stop();
  await t.stop();
});

describe('simulated nodes', () => {
  it('registers nodes the way a kubelet does', async () => {
    expect(sim.names).toEqual(['sn-0', 'sn-1', 'sn-2']);
    const n = await node('sn-1');
    expect(n.metadata?.labels).toMatchObject({
      'kubernetes.io/hostname': 'sn-1',
      'kubernetes.io/os': 'linux',
      type: 'sim',
    });
    expect(n.status?.capacity).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(n.status?.allocatable).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(n.status?.addresses).toContainEqual({ type: 'InternalIP', address: simNodeIp('sn-1') });
    expect(simNodeIp('sn-1')).toMatch(/^127\./);
    expect(n.status?.nodeInfo?.kubeletVersion).toMatch(/^v1\.\d+\.\d+/);
    expect((await ready('sn-1'))?.status).toBe('True');
    const l = await lease('sn-1');
    expect(l.spec?.holderIdentity).toBe('sn-1');
    expect(l.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Node',
      name: 'sn-1',
      uid: n.metadata?.uid,
    });
  });

  it('renews each Lease', async () => {
    const first = (await lease('sn-0')).spec?.renewTime;
    await waitFor('a renewal', async () => (await lease('sn-0')).spec?.renewTime !== first, 5_000);
  });

  it('shows Ready in kubectl', async () => {
    const r = await t.cluster.kubectl(['get', 'nodes', '-l', 'type=sim', '--no-headers']);
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/).slice(0, 2)),
    ).toEqual([
      ['sn-0', 'Ready'],
      ['sn-1', 'Ready'],
      ['sn-2', 'Ready'],
    ]);
  });

  it('reports a bound pod Running with an IP from its node CIDR, and finishes its deletion', async () => {
    await createPod(t.client, makePod('web').obj());
    await bindPod(t.client, 'default', 'web', 'sn-2');
    const cidr = await waitFor('a podCIDR', async () => (await node('sn-2')).spec?.podCIDR);
    const pod = await waitFor('pod running', async () => {
      const p = await getPod(t.client, 'default', 'web');
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    const s = pod.status ?? {};
    expect(inCidr(s.podIP ?? '', cidr)).toBe(true);
    expect(s.podIPs).toEqual([{ ip: s.podIP }]);
    expect(s.hostIP).toBe(simNodeIp('sn-2'));
    expect(s.startTime).toBeTruthy();
    expect(Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c.status]))).toEqual({
      PodReadyToStartContainers: 'True',
      Initialized: 'True',
      Ready: 'True',
      ContainersReady: 'True',
      PodScheduled: 'True',
    });
    expect(s.containerStatuses?.[0]).toMatchObject({
      name: 'main',
      ready: true,
      started: true,
      restartCount: 0,
    });
    expect(s.containerStatuses?.[0]?.containerID).toMatch(/^sim:\/\//);
    expect(s.containerStatuses?.[0]?.state?.running?.startedAt).toBeTruthy();
    expect(sim.stats().podsRunning).toBeGreaterThanOrEqual(1);

    const k = await t.cluster.kubectl(['get', 'pod', 'web', '--no-headers']);
    expect(k.stdout).toMatch(/^web\s+1\/1\s+Running/);

    // Graceful deletion leaves the pod Terminating; the node's kubelet finishes it.
    await t.client.resource(R.pods).delete('default', 'web');
    await waitFor('pod gone', async () => (await getPod(t.client, 'default', 'web')) === undefined);
  });

  it('gives pods on one node distinct IPs and hostNetwork pods the node IP', async () => {
    for (const name of ['a', 'b', 'c']) await createPod(t.client, makePod(name).node('sn-0').obj());
    await createPod(t.client, makePod('h').node('sn-0').hostNetwork().obj());
    const ips = await waitFor('four running pods', async () => {
      const pods = await Promise.all(['a', 'b', 'c', 'h'].map((n) => getPod(t.client, 'default', n)));
      if (!pods.every((p) => p?.status?.phase === 'Running')) return undefined;
      return pods.map((p) => p?.status?.podIP);
    });
    expect(new Set(ips.slice(0, 3)).size).toBe(3);
    expect(ips[3]).toBe(simNodeIp('sn-0'));
  });

  it('goes NotReady and comes back on command, and a silent node stops renewing', async () => {
    await sim.setNotReady('sn-1');
    await waitFor('Ready=False', async () => (await ready('sn-1'))?.status === 'False');
    expect((await ready('sn-1'))?.reason).toBe('KubeletNotReady');
    await sim.resume('sn-1');
    await waitFor('Ready=True', async () => (await ready('sn-1'))?.status === 'True');

    sim.stopHeartbeat('sn-1');
    // Let any renewal in flight land, then the Lease must stay where it is.
    await new Promise((r) => setTimeout(r, 400));
    const frozen = (await lease('sn-1')).spec?.renewTime;
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await lease('sn-1')).spec?.renewTime).toBe(frozen);
    expect(sim.stats()).toMatchObject({ nodes: 3, ready: 2, silent: 1 });
    await sim.resume('sn-1');
    await waitFor('renewals again', async () => (await lease('sn-1')).spec?.renewTime !== frozen, 5_000);
  });

  it('removes a node with its Lease', async () => {
    await sim.remove('sn-2');
    await expect(node('sn-2')).rejects.toMatchObject({ code: 404 });
    await expect(lease('sn-2')).rejects.toMatchObject({ code: 404 });
    expect(sim.stats().nodes).toBe(2);
  });

  it('adopts its own nodes after a restart and refuses to take over other nodes', async () => {
    const again = await startSimNodes({ client: t.client, count: 2, namePrefix: 'sn-', heartbeatMs: 300 });
    try {
      expect((await ready('sn-0'))?.status).toBe('True');
    } finally {
      await again.stop();
    }
    await t.client.resource<Node>(R.nodes).create('', { metadata: { name: 'real-0' } });
    await expect(startSimNodes({ client: t.client, count: 1, namePrefix: 'real-' })).rejects.toThrow(
      /not a simulated node/,
    );
  });
});

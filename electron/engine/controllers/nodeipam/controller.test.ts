/**
 * Node IPAM against the real API server. The cluster CIDR is a /22 with /24 node subnets, so four
 * nodes exhaust it and reuse becomes visible.
 */
import type { Event, Node } from 'kubernetes-types/core/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import { SILENT } from '../../../kube/log';
import { createControllerManager } from '../manager';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { DEFAULT_CONTROLLER_OPTIONS } from '../types';
import { createNodeIpamController } from './controller';

const OPTIONS = { clusterCidr: '10.99.0.0/22', nodeCidrMaskSize: 24 };
let t: ControllerTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const nodes = (c: KubeClient) => c.resource<Node>(R.nodes);
const addNode = (c: KubeClient, name: string, podCIDR?: string) =>
  nodes(c).create('', { metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });
const cidrOf = (c: KubeClient, name: string) =>
  waitFor(`podCIDR of ${name}`, async () => {
    const spec = (await nodes(c).get('', name)).spec;
    if (!spec?.podCIDR) return undefined;
    expect(spec.podCIDRs).toEqual([spec.podCIDR]);
    return spec.podCIDR;
  });

describe('node IPAM', () => {
  it('assigns distinct /24s, reuses a freed one, and reports exhaustion', async () => {
    t = await startControllerTest([createNodeIpamController], { options: OPTIONS });
    const c = t.client;
    for (const n of ['n0', 'n1', 'n2']) await addNode(c, n);
    const first = await Promise.all(['n0', 'n1', 'n2'].map((n) => cidrOf(c, n)));
    expect(new Set(first).size).toBe(3);
    for (const cidr of first) expect(cidr).toMatch(/^10\.99\.[0-3]\.0\/24$/);

    await nodes(c).delete('', 'n1');
    await addNode(c, 'n3');
    const fourth = await cidrOf(c, 'n3');
    expect(first).not.toContain(fourth);
    // The range is now full but for n1's old subnet, which the next node gets.
    await addNode(c, 'n4');
    expect(await cidrOf(c, 'n4')).toBe(first[1]);

    await addNode(c, 'n5');
    const event = await waitFor('CIDRNotAvailable event', async () => {
      const events = await c.resource<Event>(R.events).list('default');
      return events.items.find((e) => e.reason === 'CIDRNotAvailable' && e.involvedObject.name === 'n5');
    });
    expect(event.type).toBe('Warning');
    expect(event.message).toBe('Node n5 status is now: CIDRNotAvailable');
    expect(event.source?.component).toBe('cidrAllocator');
    expect((await nodes(c).get('', 'n5')).spec?.podCIDR).toBeUndefined();

    // Freeing a subnet lets the waiting node have it (its next retry or update).
    await nodes(c).delete('', 'n0');
    await nodes(c).patch('', 'n5', 'merge', { metadata: { labels: { poke: 'yes' } } });
    expect(await cidrOf(c, 'n5')).toBe(first[0]);
  });

  it('rebuilds its state from existing nodes before assigning', async () => {
    // Nodes that already hold subnets exist before the controller starts (a restart or failover).
    t = await startControllerTest([], { options: OPTIONS });
    await addNode(t.client, 'old0', '10.99.0.0/24');
    await addNode(t.client, 'old1', '10.99.1.0/24');
    // Listed (and queued) before the others, so it is the first allocation.
    await addNode(t.client, 'a-new');
    const manager = createControllerManager({
      client: t.client,
      log: SILENT,
      controllers: [createNodeIpamController],
      options: { ...DEFAULT_CONTROLLER_OPTIONS, ...OPTIONS },
    });
    await manager.start();
    try {
      expect(await cidrOf(t.client, 'a-new')).toBe('10.99.2.0/24');
    } finally {
      await manager.stop();
    }
  });
});

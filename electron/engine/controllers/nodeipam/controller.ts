/**
 * Node IPAM, kube-controller-manager's range allocator (pkg/controller/nodeipam, --allocate-node-
 * cidrs with the RangeAllocator): every node gets one /nodeCidrMaskSize subnet of the cluster CIDR
 * in spec.podCIDR and spec.podCIDRs, from which its network plugin (or a simulated node) hands
 * out pod IPs.
 *
 * - At start the allocator marks the subnets of every existing node as used, before it assigns
 *   any, so a restarted or newly elected controller never hands out a subnet twice.
 * - A node without a subnet gets the next free one (see CidrSet: rotating, so a freed subnet is
 *   reused only once the range has gone round), set with a strategic-merge PATCH. The API server
 *   refuses to change a podCIDR once set, which is the last guard against double assignment.
 * - A deleted node's subnets are released.
 * - When the range is exhausted the node gets a Warning event CIDRNotAvailable ("Node n status is
 *   now: CIDRNotAvailable") and is retried with back-off and on its next update.
 *
 * Known limitations: IPv4 single stack only; the service CIDR is not filtered out of the cluster
 * CIDR (the flags keep them apart: 10.42.0.0/16 and 10.43.0.0/16).
 */
import type { Node } from 'kubernetes-types/core/v1';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { Controller, ControllerFactory } from '../types';
import { CidrSet } from './cidr-set';

export const NAME = 'nodeipam';
/** source.component of the events, as kube-controller-manager's range allocator. */
export const COMPONENT = 'cidrAllocator';
/** Tries of the PATCH that sets a node's podCIDRs (cidrUpdateRetries). */
const UPDATE_RETRIES = 3;
/** Workers assigning subnets (cidrUpdateWorkers). */
const WORKERS = 30;

export function podCidrsOf(node: Node): string[] {
  const spec = node.spec;
  if (spec?.podCIDRs && spec.podCIDRs.length > 0) return spec.podCIDRs;
  return spec?.podCIDR ? [spec.podCIDR] : [];
}

export const createNodeIpamController: ControllerFactory = (ctx): Controller => {
  const cidrs = new CidrSet(ctx.options.clusterCidr, ctx.options.nodeCidrMaskSize);
  const nodes = ctx.informers.informer<Node>(R.nodes);
  const recorder = ctx.recorder(COMPONENT);
  const queue = new WorkQueue({ name: NAME, log: ctx.log, maxDelayMs: 60_000 });
  /**
   * Subnets this controller set and the informer may not show yet (name → uid and CIDR): a sync
   * that runs on a stale cached copy must not allocate a second subnet for the same node.
   */
  const assigned = new Map<string, { uid: string; cidr: string }>();

  const occupy = (node: Node) => {
    for (const cidr of podCidrsOf(node)) {
      try {
        cidrs.occupy(cidr);
      } catch (err) {
        ctx.log.warn(
          { node: node.metadata?.name, cidr, err: (err as Error).message },
          'node podCIDR ignored',
        );
      }
    }
  };
  const release = (node: Node) => {
    for (const cidr of podCidrsOf(node)) {
      try {
        cidrs.release(cidr);
      } catch {
        // Outside our range: never ours to release.
      }
    }
  };

  nodes.addHandlers({
    onAdd: (n) => queue.add(n.metadata?.name ?? ''),
    onUpdate: (_old, n) => queue.add(n.metadata?.name ?? ''),
    onDelete(n) {
      const name = n.metadata?.name ?? '';
      const mine = assigned.get(name);
      assigned.delete(name);
      release(n);
      if (mine && mine.uid === n.metadata?.uid) cidrs.release(mine.cidr);
      queue.add(name);
    },
  });

  async function sync(name: string): Promise<void> {
    const node = nodes.get(name);
    if (!node) return;
    if (node.metadata?.deletionTimestamp) {
      release(node);
      return;
    }
    if (podCidrsOf(node).length > 0) {
      occupy(node);
      return;
    }
    const mine = assigned.get(name);
    if (mine && mine.uid === node.metadata?.uid) return; // our PATCH is on its way to the cache
    const cidr = cidrs.allocateNext();
    if (cidr === undefined) {
      recorder.event(node, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      throw new Error(`no pod CIDR left in ${ctx.options.clusterCidr} for node ${name}`);
    }
    let lastErr: unknown;
    for (let i = 0; i < UPDATE_RETRIES; i++) {
      try {
        await ctx.client
          .resource<Node>(R.nodes)
          .patch('', name, 'strategic', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
        assigned.set(name, { uid: node.metadata?.uid ?? '', cidr });
        ctx.log.info({ node: name, podCIDR: cidr }, 'set node podCIDR');
        return;
      } catch (err) {
        lastErr = err;
      }
    }
    cidrs.release(cidr);
    recorder.event(
      node,
      'Warning',
      'CIDRAssignmentFailed',
      `Node ${name} status is now: CIDRAssignmentFailed`,
    );
    throw lastErr;
  }

  return {
    name: NAME,
    start() {
      // Occupy what existing nodes hold before the first allocation (NewCIDRRangeAllocator).
      for (const n of nodes.list()) occupy(n);
      queue.run(WORKERS, sync);
    },
    stop: () => queue.shutDown(),
  };
};

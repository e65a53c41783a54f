/**
 * The heartbeats of simulated kubelets: every `periodMs` each live node renews its Lease (the
 * kubelet's NodeLease controller, renewInterval 10 s) and checks its node status
 * (--node-status-update-frequency 10 s), writing the status only when its conditions differ
 * from what the API server holds or `reportMs` has passed (--node-status-report-frequency,
 * 5 min): the same traffic a real kubelet makes.
 *
 * The nodes are spread over the period: a ticker every TICK_MS queues 1/slots of them, so 1,000
 * nodes make a steady ~100 Lease renewals a second instead of bursts, and the writes go through
 * a work queue with bounded concurrency (a node already queued is not queued twice).
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node } from 'kubernetes-types/core/v1';
import { isAlreadyExists, isConflict, isNotFound } from '../kube/errors';
import type { Informer } from '../kube/informer';
import type { Logger } from '../kube/log';
import { R } from '../kube/resources';
import type { KubeClient } from '../kube/types';
import { WorkQueue } from '../kube/workqueue';
import { buildLease, conditionsMatch, microTime, NODE_LEASE_NAMESPACE, nodeConditions } from './objects';
import { isAlive, type SimNode, type SimNodeMap } from './state';

const TICK_MS = 100;

export interface HeartbeatDeps {
  client: KubeClient;
  nodes: Informer<Node>;
  sims: SimNodeMap;
  log: Logger;
  now: () => Date;
  periodMs: number;
  reportMs: number;
  concurrency: number;
}

export interface Heartbeat {
  start(order: readonly string[]): void;
  /** Beat `name` now (after a mode change). */
  kick(name: string): void;
  renewLease(sim: SimNode): Promise<void>;
  stop(): Promise<void>;
}

export function createHeartbeat(d: HeartbeatDeps): Heartbeat {
  const leases = d.client.resource<Lease>(R.leases);
  const nodesApi = d.client.resource<Node>(R.nodes);
  const queue = new WorkQueue({ name: 'sim-heartbeat', log: d.log, maxDelayMs: d.periodMs });
  let ticker: NodeJS.Timeout | undefined;

  async function renewLease(sim: SimNode): Promise<void> {
    const now = d.now();
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if (!sim.lease) {
          sim.lease = await leases.create(
            NODE_LEASE_NAMESPACE,
            buildLease({ metadata: { name: sim.name, uid: sim.uid } }, now),
          );
          return;
        }
        const spec = { ...sim.lease.spec, holderIdentity: sim.name, renewTime: microTime(now) };
        sim.lease = await leases.update({ ...sim.lease, spec });
        return;
      } catch (err) {
        if (isAlreadyExists(err) || isConflict(err)) {
          sim.lease = await leases.get(NODE_LEASE_NAMESPACE, sim.name).catch(() => undefined);
        } else if (isNotFound(err)) {
          sim.lease = undefined;
        } else {
          throw err;
        }
      }
    }
    throw new Error(`could not renew the Lease of node ${sim.name}`);
  }

  async function syncStatus(sim: SimNode): Promise<void> {
    if (sim.mode !== 'ready' && sim.mode !== 'notReady') return;
    const now = d.now();
    const server = d.nodes.get(sim.name);
    const conditions = nodeConditions(
      sim.mode === 'ready' ? 'ready' : 'notReady',
      now,
      server?.status?.conditions,
    );
    const due = now.getTime() - sim.lastReport >= d.reportMs;
    if (server && !due && conditionsMatch(server.status?.conditions, conditions)) return;
    // Strategic merge: conditions merge by type, so other writers' conditions stay.
    await nodesApi.patch('', sim.name, 'strategic', { status: { conditions } }, { subresource: 'status' });
    sim.lastReport = now.getTime();
  }

  async function beat(name: string): Promise<void> {
    const sim = d.sims.get(name);
    if (!isAlive(sim)) return;
    await renewLease(sim);
    await syncStatus(sim);
  }

  return {
    renewLease,
    start(order) {
      const slots = Math.max(1, Math.round(d.periodMs / TICK_MS));
      let tick = 0;
      ticker = setInterval(
        () => {
          const slot = tick++ % slots;
          for (let i = slot; i < order.length; i += slots) {
            const name = order[i] as string;
            if (isAlive(d.sims.get(name))) queue.add(name);
          }
        },
        Math.min(TICK_MS, d.periodMs),
      );
      queue.run(d.concurrency, beat);
    },
    kick: (name) => queue.add(name),
    async stop() {
      clearInterval(ticker);
      await queue.shutDown();
    },
  };
}

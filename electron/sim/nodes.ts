/**
 * Simulated nodes (like kwok or kubemark): `startSimNodes` registers N Node objects that renew
 * their Leases, report status, and report every pod bound to them as Running with an IP from the
 * node's podCIDR, without running any container. Tests and benchmarks use them for scale; the
 * controls (stopHeartbeat, setNotReady, resume, remove) drive failure tests.
 *
 * Scale: one watch for all pods and one for all simulated nodes, O(1) work per event, heartbeats
 * spread over their period, and every write through a work queue with bounded concurrency; 1,000
 * nodes and 10,000 pods is the design point.
 *
 * Several simulators with different name prefixes may share a cluster; each touches only the
 * nodes named `<prefix><i>` it registered. Registering a name that is taken by a node without the
 * `type=sim` label fails rather than take over a real node.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { forEachLimit } from '../engine/controllers/nodelifecycle/loops';
import { isAlreadyExists, isNotFound } from '../kube/errors';
import { InformerFactory } from '../kube/informer';
import { type Logger, SILENT } from '../kube/log';
import { R } from '../kube/resources';
import type { KubeClient } from '../kube/types';
import { createHeartbeat } from './heartbeat';
import { buildNode, NODE_LEASE_NAMESPACE, nodeConditions, SIM_LABEL, SIM_LABEL_VALUE } from './objects';
import { createPodWorker, PODS_BY_NODE } from './pods';
import type { SimNode, SimNodeMap } from './state';

export interface SimNodesOptions {
  client: KubeClient;
  count: number;
  /** Nodes are named `<namePrefix><i>`, i from 0 (default 'sim-'). */
  namePrefix?: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  ephemeralStorage?: string;
  /** Extra node labels. */
  labels?: Record<string, string>;
  log?: Logger;
  /** Lease renewal and status check period (the kubelet's 10 s). */
  heartbeatMs?: number;
  /** Status written at least this often even when unchanged (the kubelet's 5 min). */
  statusReportMs?: number;
  /** API writes in flight at once, per kind of work (32). */
  concurrency?: number;
  now?: () => Date;
}

export interface SimNodesStats {
  nodes: number;
  ready: number;
  notReady: number;
  silent: number;
  podsRunning: number;
}

export interface SimNodes {
  readonly names: readonly string[];
  /** The kubelet of `name` dies: no more Lease renewals, status or pod work. */
  stopHeartbeat(name: string): void;
  /** `name` keeps heartbeating but reports Ready=False (written at once). */
  setNotReady(name: string): Promise<void>;
  /** `name` is healthy again: Lease, Ready=True and its pods' status are written at once. */
  resume(name: string): Promise<void>;
  /** Delete `name`'s Node and Lease and stop simulating it. */
  remove(name: string): Promise<void>;
  stats(): SimNodesStats;
  /** Stop every timer and watch. Deletes nothing unless `cleanup` (then Nodes and Leases go). */
  stop(opts?: { cleanup?: boolean }): Promise<void>;
}

export class SimError extends Error {
  override name = 'SimError';
}

export async function startSimNodes(opts: SimNodesOptions): Promise<SimNodes> {
  const { client } = opts;
  const log = opts.log ?? SILENT;
  const now = opts.now ?? (() => new Date());
  const prefix = opts.namePrefix ?? 'sim-';
  const concurrency = opts.concurrency ?? 32;
  const shape = {
    cpu: opts.cpu ?? '8',
    memory: opts.memory ?? '32Gi',
    pods: opts.pods ?? 110,
    ephemeralStorage: opts.ephemeralStorage ?? '100Gi',
    labels: opts.labels ?? {},
  };
  const names = Array.from({ length: opts.count }, (_, i) => `${prefix}${i}`);
  const sims: SimNodeMap = new Map(
    names.map((name) => [name, { name, mode: 'ready', uid: '', lastReport: 0 }]),
  );
  const nodesApi = client.resource<Node>(R.nodes);
  const leasesApi = client.resource<Lease>(R.leases);

  const informers = new InformerFactory(client, log);
  const nodes = informers.informer<Node>(R.nodes, { labelSelector: `${SIM_LABEL}=${SIM_LABEL_VALUE}` });
  const pods = informers.informer<Pod>(R.pods, { fieldSelector: 'spec.nodeName!=' });
  pods.addIndex(PODS_BY_NODE, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  const heartbeat = createHeartbeat({
    client,
    nodes,
    sims,
    log,
    now,
    periodMs: opts.heartbeatMs ?? 10_000,
    reportMs: opts.statusReportMs ?? 300_000,
    concurrency,
  });
  const podWorker = createPodWorker({ client, pods, nodes, sims, log, now, concurrency });

  async function register(sim: SimNode): Promise<void> {
    const want = buildNode(sim.name, shape, now());
    let node: Node;
    try {
      node = await nodesApi.create('', want);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await nodesApi.get('', sim.name);
      if (existing.metadata?.labels?.[SIM_LABEL] !== SIM_LABEL_VALUE) {
        throw new SimError(
          `node ${sim.name} exists and is not a simulated node (no label ${SIM_LABEL}=${SIM_LABEL_VALUE}); choose another name prefix`,
        );
      }
      // A restarted kubelet reports its status afresh; so does a restarted simulator.
      const status = {
        ...want.status,
        conditions: nodeConditions('ready', now(), existing.status?.conditions),
      };
      node = await nodesApi.patch('', sim.name, 'strategic', { status }, { subresource: 'status' });
    }
    sim.uid = node.metadata?.uid ?? '';
    sim.lastReport = now().getTime();
    await heartbeat.renewLease(sim);
  }

  informers.start();
  await informers.waitForSync();
  const started = Date.now();
  let registered = 0;
  try {
    await forEachLimit([...sims.values()], concurrency, async (sim) => {
      await register(sim);
      if (++registered % 100 === 0) log.info({ registered, of: names.length }, 'registering simulated nodes');
    });
  } catch (err) {
    await informers.stop();
    throw err;
  }
  log.info({ nodes: names.length, ms: Date.now() - started }, 'simulated nodes registered');
  heartbeat.start(names);
  podWorker.start();

  const simOf = (name: string): SimNode => {
    const sim = sims.get(name);
    if (!sim) throw new SimError(`${name} is not a node of this simulator`);
    return sim;
  };

  return {
    names,
    stopHeartbeat(name) {
      simOf(name).mode = 'silent';
    },
    async setNotReady(name) {
      const sim = simOf(name);
      sim.mode = 'notReady';
      heartbeat.kick(name);
    },
    async resume(name) {
      const sim = simOf(name);
      sim.mode = 'ready';
      heartbeat.kick(name);
      podWorker.resync(name);
    },
    async remove(name) {
      const sim = simOf(name);
      sim.mode = 'removed';
      sims.delete(name);
      await Promise.all([
        nodesApi.delete('', name).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        }),
        leasesApi.delete(NODE_LEASE_NAMESPACE, name).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        }),
      ]);
    },
    stats() {
      const all = [...sims.values()];
      return {
        nodes: all.length,
        ready: all.filter((s) => s.mode === 'ready').length,
        notReady: all.filter((s) => s.mode === 'notReady').length,
        silent: all.filter((s) => s.mode === 'silent').length,
        podsRunning: podWorker.running,
      };
    },
    async stop(o = {}) {
      await Promise.all([heartbeat.stop(), podWorker.stop()]);
      await informers.stop();
      if (!o.cleanup) return;
      const mineLeft = [...sims.values()].filter((s) => s.mode !== 'removed');
      await forEachLimit(mineLeft, concurrency, async (s) => {
        await Promise.all([
          nodesApi.delete('', s.name).catch(() => undefined),
          leasesApi.delete(NODE_LEASE_NAMESPACE, s.name).catch(() => undefined),
        ]);
      });
    },
  };
}

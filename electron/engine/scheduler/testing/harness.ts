/**
 * Scenario-test harness: a real control plane (memory store, no built-in controllers or
 * scheduler) on loopback, an admin client, and this scheduler running against it. Nodes are
 * plain Node objects created through the API (no kubelet), pods are created and watched through
 * the API, so every placement goes through the real binding subresource.
 */
import type { Event, Node, Pod } from 'kubernetes-types/core/v1';
import { InformerFactory } from '../../../kube/informer';
import { SILENT } from '../../../kube/log';
import { R } from '../../../kube/resources';
import { adminClient } from '../../../kube/testing';
import type { KubeClient } from '../../../kube/types';
import { startTestCluster, type TestCluster } from '../../apiserver/testing/cluster';
import { waitFor } from '../../controllers/testing';
import type { SchedulerConfig } from '../config';
import { createScheduler, type Scheduler } from '../scheduler';

export { waitFor };

export interface SchedulerTest {
  cluster: TestCluster;
  client: KubeClient;
  scheduler: Scheduler;
  createNodes(nodes: Node[]): Promise<void>;
  createPods(pods: Pod[]): Promise<void>;
  /** Waits until every named pod (default namespace unless "ns/name") has a node; returns name → node. */
  waitBound(names: string[], timeoutMs?: number): Promise<Map<string, string>>;
  getPod(name: string, namespace?: string): Promise<Pod>;
  /** Events about one object, oldest first. */
  eventsFor(name: string, namespace?: string): Promise<Event[]>;
  stop(): Promise<void>;
}

const split = (name: string): [string, string] => {
  const i = name.indexOf('/');
  return i < 0 ? ['default', name] : [name.slice(0, i), name.slice(i + 1)];
};

export async function startSchedulerTest(opts: { config?: SchedulerConfig } = {}): Promise<SchedulerTest> {
  const cluster = await startTestCluster({ controllers: false });
  const client = await adminClient(cluster);
  const informers = new InformerFactory(client, SILENT);
  const scheduler = createScheduler({ client, informers, log: SILENT, config: opts.config });
  await scheduler.start();
  const pods = client.resource<Pod>(R.pods);
  const nodes = client.resource<Node>(R.nodes);

  return {
    cluster,
    client,
    scheduler,
    async createNodes(list) {
      await Promise.all(list.map((n) => nodes.create('', n)));
    },
    async createPods(list) {
      await Promise.all(list.map((p) => pods.create(p.metadata?.namespace ?? 'default', p)));
    },
    async waitBound(names, timeoutMs = 20_000) {
      return waitFor(
        `${names.length} pods bound`,
        async () => {
          const out = new Map<string, string>();
          const list = await pods.list(null);
          const byKey = new Map(list.items.map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p]));
          for (const name of names) {
            const [ns, n] = split(name);
            const node = byKey.get(`${ns}/${n}`)?.spec?.nodeName;
            if (!node) return undefined;
            out.set(name, node);
          }
          return out;
        },
        timeoutMs,
      );
    },
    getPod(name, namespace = 'default') {
      return pods.get(namespace, name);
    },
    async eventsFor(name, namespace = 'default') {
      const list = await client
        .resource<Event>(R.events)
        .list(namespace, { fieldSelector: `involvedObject.name=${name}` });
      return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    },
    async stop() {
      await scheduler.stop();
      await informers.stop();
      client.close();
      await cluster.stop();
    },
  };
}

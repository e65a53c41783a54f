/**
 * The garbage collector (kube-controller-manager --controllers=garbagecollector): deletes
 * objects whose owners are gone (Background propagation), lets owners deleted with the
 * `foregroundDeletion` finalizer go once their blocking dependents are gone (Foreground), and
 * removes ownerReferences from the dependents of owners deleted with the `orphan` finalizer
 * (Orphan).
 *
 * On start it reads discovery and monitors every resource that supports list, watch and delete
 * (events excepted, as in Kubernetes) with the shared informers, feeding the dependency graph
 * (graph.ts). Once every monitor has synced, workers process the attemptToDelete and
 * attemptToOrphan queues (actions.ts), keyed by uid.
 *
 * Known limitations: discovery is read once at start (Pilothouse serves a fixed set of
 * resources; Kubernetes re-reads it every 30 s for CRDs); no OwnerRefInvalidNamespace events.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Informer } from '../../../kube/informer';
import type { KubeObject, ResourceRef } from '../../../kube/types';
import { WorkQueue } from '../../../kube/workqueue';
import type { Controller, ControllerContext, ControllerFactory } from '../types';
import { type ActionDeps, attemptToDelete, attemptToOrphan } from './actions';
import { type DiscoveredResource, discoverResources, kindIndex, supports } from './discovery';
import { DependencyGraph } from './graph';

export const NAME = 'garbagecollector';

/** --concurrent-gc-syncs. */
export const GC_SYNCS = 20;

/** Resources the collector never monitors (kube-controller-manager's ignoredResources). */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

const refId = (r: ResourceRef) => `${r.group}/${r.plural}`;

export const createGarbageCollectorController: ControllerFactory = (ctx) => createGarbageCollector(ctx);

export interface GarbageCollector extends Controller {
  /** Resolves once the graph is built from every monitor (for tests and logs). */
  synced(): Promise<void>;
  readonly graph: DependencyGraph | null;
}

export function createGarbageCollector(ctx: ControllerContext): GarbageCollector {
  const log = ctx.log;
  const deleteQueue = new WorkQueue({ name: 'garbage_collector_attempt_to_delete', log });
  const orphanQueue = new WorkQueue({ name: 'garbage_collector_attempt_to_orphan', log });
  const monitors = new Map<string, Informer<KubeObject>>();
  let graph: DependencyGraph | null = null;
  let stopped = false;
  const abort = new AbortController();
  /** Settles when stop() is called, so no wait outlives the controller. */
  const stopping = new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve()));
  let running: Promise<void> | null = null;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  async function discover(): Promise<DiscoveredResource[]> {
    for (let delay = 500; !stopped; delay = Math.min(delay * 2, 30_000)) {
      try {
        const d = await discoverResources(ctx.client);
        if (d.failed.size > 0) log.warn({ failed: [...d.failed.keys()] }, 'gc: partial discovery');
        return d.resources;
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'gc: discovery failed; retrying');
        await sleep(delay, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    }
    return [];
  }

  async function run(): Promise<void> {
    const resources = await discover();
    if (stopped) return;
    const refFor = kindIndex(resources);
    const g = new DependencyGraph(
      {
        attemptToDelete: (n) => deleteQueue.add(n.identity.uid),
        attemptToOrphan: (n) => orphanQueue.add(n.identity.uid),
      },
      refFor,
    );
    graph = g;
    const monitored = resources.filter(
      (r) => supports(r, 'list', 'watch', 'delete') && !IGNORED.has(refId(r)),
    );
    for (const res of monitored) {
      const ref: ResourceRef = {
        group: res.group,
        version: res.version,
        plural: res.plural,
        kind: res.kind,
        namespaced: res.namespaced,
      };
      const inf = ctx.informers.informer<KubeObject>(ref);
      monitors.set(refId(ref), inf);
      inf.addHandlers({
        onAdd: (obj) => g.observe(obj, ref),
        onUpdate: (old, obj) => g.observe(obj, ref, old),
        onDelete: (obj) => g.forget(obj),
      });
      inf.start();
    }
    await Promise.race([Promise.all([...monitors.values()].map((i) => i.waitForSync())), stopping]);
    if (stopped) return;
    log.info({ resources: monitors.size, objects: g.size }, 'gc: dependency graph synced');
    const deps: ActionDeps = {
      client: ctx.client,
      log,
      graph: g,
      refFor,
      informerFor: (r) => monitors.get(refId(r)),
      enqueueDelete: (n) => deleteQueue.add(n.identity.uid),
    };
    deleteQueue.run(GC_SYNCS, async (uid) => {
      const node = g.get(uid);
      if (node) await attemptToDelete(deps, node);
    });
    orphanQueue.run(GC_SYNCS, async (uid) => {
      const node = g.get(uid);
      if (node) await attemptToOrphan(deps, node);
    });
    markSynced();
  }

  return {
    name: NAME,
    get graph() {
      return graph;
    },
    synced: () => synced,
    start() {
      running = run().catch((err: unknown) => log.error({ err: (err as Error).message }, 'gc: stopped'));
    },
    async stop() {
      stopped = true;
      abort.abort();
      await Promise.all([deleteQueue.shutDown(), orphanQueue.shutDown()]);
      await running;
    },
  };
}

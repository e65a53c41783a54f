/**
 * The namespace controller (kube-controller-manager --controllers=namespace): a namespace being
 * deleted (deletionTimestamp set, phase Terminating) has all of its content deleted; its status
 * conditions say what is left or what failed; once it is empty the controller removes its
 * `kubernetes` finalizer through the `finalize` subresource and, with no finalizer left,
 * deletes the namespace again so the API server removes it.
 *
 * While content remains (pods in their grace period, objects held by finalizers) the namespace
 * is checked again after a delay that starts at 100 ms and doubles up to Kubernetes' own
 * (estimate / 2 + 1 s): Kubernetes only waits the estimate, which makes a namespace with a few
 * terminating pods linger for seconds after they are gone.
 */
import type { Namespace } from 'kubernetes-types/core/v1';
import { isConflict, isNotFound } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { Controller, ControllerContext, ControllerFactory } from '../types';
import { type DiscoveredResource, discoverResources } from '../garbagecollector/discovery';
import { type DeletionReport, updateConditions } from './conditions';
import { deleteAllContent } from './deleter';
import { queueController } from '../util/queue';

export const NAME = 'namespace';

/** The finalizer this controller owns (spec.finalizers). */
export const FINALIZER = 'kubernetes';

/** --concurrent-namespace-syncs. */
export const NAMESPACE_SYNCS = 10;

/** How long a discovery answer is reused. */
const DISCOVERY_TTL_MS = 30_000;

export const createNamespaceController: ControllerFactory = (ctx) => createNamespaceControllerWith(ctx);

export function createNamespaceControllerWith(ctx: ControllerContext): Controller {
  const queue = new WorkQueue({ name: 'namespace', log: ctx.log });
  const informer = ctx.informers.informer<Namespace>(R.namespaces);
  const api = ctx.client.resource<Namespace>(R.namespaces);
  /** Consecutive checks that found content left, per namespace (for the re-check delay). */
  const waits = new Map<string, number>();
  let discovery: { at: number; resources: DiscoveredResource[]; failed: Map<string, string> } | null = null;

  const enqueue = (ns: Namespace) => {
    if (ns.metadata?.deletionTimestamp) queue.add(ns.metadata.name ?? '');
  };
  informer.addHandlers({
    onAdd: enqueue,
    onUpdate: (_old, cur) => enqueue(cur),
    onDelete: (ns) => waits.delete(ns.metadata?.name ?? ''),
  });

  async function resources() {
    if (discovery && Date.now() - discovery.at < DISCOVERY_TTL_MS && discovery.failed.size === 0)
      return discovery;
    const d = await discoverResources(ctx.client);
    const failed = new Map([...d.failed].map(([gv, e]) => [gv, e.message]));
    discovery = { at: Date.now(), resources: d.resources, failed };
    return discovery;
  }

  /** Writes the conditions `report` calls for, if they changed. */
  async function writeConditions(ns: Namespace, report: DeletionReport): Promise<void> {
    const conditions = updateConditions(ns.status?.conditions, report, ctx.now());
    if (!conditions) return;
    try {
      await api.patch(
        '',
        ns.metadata?.name ?? '',
        'merge',
        { status: { conditions } },
        { subresource: 'status' },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** PUT finalize without our finalizer, on a fresh read (the cache lags our own status writes). */
  async function finalize(name: string): Promise<void> {
    let finalized: Namespace;
    try {
      const fresh = await api.get('', name);
      if (!fresh.metadata?.deletionTimestamp) return;
      finalized = await ctx.client.request<Namespace>(
        'PUT',
        `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`,
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name, resourceVersion: fresh.metadata.resourceVersion },
          spec: { finalizers: (fresh.spec?.finalizers ?? []).filter((f) => f !== FINALIZER) },
        },
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const done =
      (finalized.spec?.finalizers ?? []).length === 0 && (finalized.metadata?.finalizers ?? []).length === 0;
    if (done) await deleteNamespace(finalized);
  }

  async function deleteNamespace(ns: Namespace): Promise<void> {
    try {
      await api.delete('', ns.metadata?.name ?? '', { preconditions: { uid: ns.metadata?.uid } });
    } catch (err) {
      // 409: a uid precondition failed (a new namespace of that name) — not ours to delete.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  async function sync(name: string): Promise<void> {
    const ns = informer.get(name);
    if (!ns?.metadata?.deletionTimestamp) {
      waits.delete(name);
      return;
    }
    const finalizers = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) {
      // Already finalized by us; other finalizers belong to others. With none left, delete again.
      if (finalizers.length === 0 && (ns.metadata.finalizers ?? []).length === 0) await deleteNamespace(ns);
      return;
    }
    let found: Awaited<ReturnType<typeof resources>>;
    try {
      found = await resources();
    } catch (err) {
      await writeConditions(ns, {
        discoveryFailures: new Map([['', (err as Error).message]]),
        deleteErrors: [],
        remaining: new Map(),
        finalizers: new Map(),
      });
      throw err;
    }
    const result = await deleteAllContent(ctx.client, found.resources, name);
    result.report.discoveryFailures = found.failed;
    await writeConditions(ns, result.report);
    if (result.report.deleteErrors.length > 0 || found.failed.size > 0) {
      throw new Error(`namespace ${name}: content deletion failed: ${result.report.deleteErrors.join('; ')}`);
    }
    if (result.remaining > 0) {
      const n = waits.get(name) ?? 0;
      waits.set(name, n + 1);
      const cap = (result.estimate / 2 + 1) * 1000;
      queue.addAfter(name, Math.min(cap, 100 * 2 ** n));
      return;
    }
    waits.delete(name);
    await finalize(name);
  }

  return queueController(NAME, queue, NAMESPACE_SYNCS, sync);
}

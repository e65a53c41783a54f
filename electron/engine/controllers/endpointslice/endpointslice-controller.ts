/**
 * The EndpointSlice controller (kube-controller-manager --controllers endpointslice): keeps
 * discovery.k8s.io/v1 EndpointSlices for every Service with a selector (ExternalName Services
 * excepted), labelled `kubernetes.io/service-name` and managed-by
 * `endpointslice-controller.k8s.io`, owned by the Service (the garbage collector removes them
 * with it, as in Kubernetes). See reconcile.ts for the slicing.
 *
 * Slices are created with generateName, so acting on a cache that has not yet seen our own
 * writes would create duplicates. Like Kubernetes' endpointSliceTracker, the controller
 * remembers the resourceVersion of every slice it wrote or deleted, and a sync that finds the
 * cache behind those fails and is retried instead.
 */
import type { Node, Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { isNotFound } from '../../../kube/errors';
import { BY_NAMESPACE, keyOf, splitKey } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { ControllerFactory } from '../types';
import { podEndpointsChanged, serviceSelector, serviceSelects } from '../endpoints/pod-endpoints';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, ZONE_LABEL, planSlices } from './reconcile';
import { enqueueEvery, queueController } from '../util/queue';

export const NAME = 'endpointslice';
export const COMPONENT = 'endpoint-slice-controller';
const SLICES_BY_SERVICE = 'endpointslice:service';

export interface EndpointSliceControllerConfig {
  /** --max-endpoints-per-slice (100). */
  maxEndpointsPerSlice?: number;
}

class StaleCacheError extends Error {
  override name = 'StaleCacheError';
}

/** The store's revisions are numbers (etcd semantics), so they order writes. */
const rv = (s: EndpointSlice) => Number(s.metadata?.resourceVersion ?? 0);

export function endpointSliceController(config: EndpointSliceControllerConfig = {}): ControllerFactory {
  return (ctx) => {
    const services = ctx.informers.informer<Service>(R.services);
    const pods = ctx.informers.informer<Pod>(R.pods);
    const nodes = ctx.informers.informer<Node>(R.nodes);
    const slices = ctx.informers.informer<EndpointSlice>(R.endpointslices);
    slices.addIndex(SLICES_BY_SERVICE, (s) => {
      const labels = s.metadata?.labels ?? {};
      const svc = labels[SERVICE_NAME_LABEL];
      return svc && labels[MANAGED_BY_LABEL] === MANAGED_BY ? [`${s.metadata?.namespace ?? ''}/${svc}`] : [];
    });
    const client = ctx.client.resource<EndpointSlice>(R.endpointslices);
    const recorder = ctx.recorder(COMPONENT);
    const queue = new WorkQueue({ name: NAME, log: ctx.log });
    /** Per service key: slice name → the resourceVersion we wrote (Infinity: we deleted it). */
    const written = new Map<string, Map<string, number>>();

    const enqueueServicesOf = (pod: Pod) => {
      for (const svc of services.byIndex(BY_NAMESPACE, pod.metadata?.namespace ?? '')) {
        if (serviceSelects(svc, pod)) queue.add(keyOf(svc));
      }
    };
    services.addHandlers(enqueueEvery(queue));
    pods.addHandlers({
      onAdd: enqueueServicesOf,
      onUpdate(old, pod) {
        if (!podEndpointsChanged(old, pod)) return;
        enqueueServicesOf(pod);
        enqueueServicesOf(old);
      },
      onDelete: enqueueServicesOf,
    });
    const onSlice = (s: EndpointSlice) => {
      const labels = s.metadata?.labels ?? {};
      if (labels[MANAGED_BY_LABEL] !== MANAGED_BY || !labels[SERVICE_NAME_LABEL]) return;
      queue.add(`${s.metadata?.namespace ?? ''}/${labels[SERVICE_NAME_LABEL]}`);
    };
    slices.addHandlers({ onAdd: onSlice, onUpdate: (_o, s) => onSlice(s), onDelete: onSlice });

    /** Throws StaleCacheError when the cache has not caught up with our writes for `key`. */
    const checkFresh = (key: string, cached: EndpointSlice[]) => {
      const mine = written.get(key);
      if (!mine) return;
      const byName = new Map(cached.map((s) => [s.metadata?.name ?? '', s]));
      for (const [name, at] of [...mine]) {
        const s = byName.get(name);
        if (at === Infinity) {
          if (s) throw new StaleCacheError(`slice ${name} deleted but still cached`);
          mine.delete(name);
        } else if (!s || rv(s) < at) {
          throw new StaleCacheError(`slice ${name} not cached at revision ${at} yet`);
        } else {
          mine.delete(name);
        }
      }
      if (mine.size === 0) written.delete(key);
    };
    const remember = (key: string, name: string, at: number) => {
      let mine = written.get(key);
      if (!mine) written.set(key, (mine = new Map()));
      mine.set(name, at);
    };

    const sync = async (key: string): Promise<void> => {
      const svc = services.get(key);
      // Slices of a deleted Service are the garbage collector's (they are owned by it).
      if (!svc) {
        written.delete(key);
        return;
      }
      if (!serviceSelector(svc) || svc.spec?.type === 'ExternalName') return;
      const existing = slices.byIndex(SLICES_BY_SERVICE, key);
      checkFresh(key, existing);
      const [ns] = splitKey(key);
      const selected = pods.byIndex(BY_NAMESPACE, ns).filter((p) => serviceSelects(svc, p));
      const plan = planSlices(svc, selected, existing, {
        maxPerSlice: config.maxEndpointsPerSlice,
        zoneOf: (node) => nodes.get(node)?.metadata?.labels?.[ZONE_LABEL],
      });
      try {
        // Creates first, deletes last: a proxy never sees the Service with fewer endpoints
        // than before or after.
        for (const s of plan.create) {
          const made = await client.create(ns, s);
          remember(key, made.metadata?.name ?? '', rv(made));
        }
        for (const s of plan.update) {
          const done = await client.update(s);
          remember(key, done.metadata?.name ?? '', rv(done));
        }
        for (const s of plan.delete) {
          try {
            await client.delete(ns, s.metadata?.name ?? '');
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
          remember(key, s.metadata?.name ?? '', Infinity);
        }
      } catch (err) {
        recorder.event(
          svc,
          'Warning',
          'FailedToUpdateEndpointSlices',
          `Error updating Endpoint Slices for Service ${key}: ${(err as Error).message}`,
        );
        throw err;
      }
    };

    return queueController(NAME, queue, ctx.options.concurrentSyncs, sync);
  };
}

export const createEndpointSliceController: ControllerFactory = endpointSliceController();

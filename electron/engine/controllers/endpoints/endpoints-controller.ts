/**
 * The Endpoints controller (kube-controller-manager --controllers endpoint): keeps one core/v1
 * Endpoints object per Service with a selector, named like the Service, listing the selected
 * pods' addresses (see subsets.ts). Services without a selector are left alone — their
 * Endpoints belong to the user. Deleting a Service deletes its Endpoints.
 *
 * Known limitation: no `endpoints.kubernetes.io/last-change-trigger-time` annotation.
 */
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1';
import { isAlreadyExists, isNotFound } from '../../../kube/errors';
import { BY_NAMESPACE, keyOf, splitKey } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { ControllerFactory } from '../types';
import { isHeadless, podEndpointsChanged, serviceSelector, serviceSelects } from './pod-endpoints';
import { OVER_CAPACITY_ANNOTATION, desiredSubsets } from './subsets';
import { enqueueEvery, queueController } from '../util/queue';

export const NAME = 'endpoint';
export const COMPONENT = 'endpoint-controller';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

function desiredLabels(svc: Service): Record<string, string> {
  const { [HEADLESS_LABEL]: _user, ...labels } = svc.metadata?.labels ?? {};
  return isHeadless(svc) ? { ...labels, [HEADLESS_LABEL]: '' } : labels;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export const createEndpointsController: ControllerFactory = (ctx) => {
  const services = ctx.informers.informer<Service>(R.services);
  const pods = ctx.informers.informer<Pod>(R.pods);
  const endpointsInformer = ctx.informers.informer<Endpoints>(R.endpoints);
  const endpoints = ctx.client.resource<Endpoints>(R.endpoints);
  const recorder = ctx.recorder(COMPONENT);
  const queue = new WorkQueue({ name: NAME, log: ctx.log });

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
  // Someone else changed or removed an Endpoints object we manage: put it back.
  endpointsInformer.addHandlers({
    onUpdate: (_o, ep) => {
      if (services.get(keyOf(ep))) queue.add(keyOf(ep));
    },
    onDelete: (ep) => {
      if (services.get(keyOf(ep))) queue.add(keyOf(ep));
    },
  });

  const sync = async (key: string): Promise<void> => {
    const [ns, name] = splitKey(key);
    const svc = services.get(key);
    if (!svc) {
      try {
        await endpoints.delete(ns, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const sel = serviceSelector(svc);
    if (!sel) return;
    const selected = pods.byIndex(BY_NAMESPACE, ns).filter((p) => serviceSelects(svc, p));
    const { subsets, truncated } = desiredSubsets(svc, selected);
    const labels = desiredLabels(svc);
    const current = endpointsInformer.get(key);
    const { [OVER_CAPACITY_ANNOTATION]: _was, ...kept } = current?.metadata?.annotations ?? {};
    const annotations: Record<string, string> = truncated
      ? { ...kept, [OVER_CAPACITY_ANNOTATION]: 'truncated' }
      : kept;
    if (
      current &&
      same(current.subsets ?? [], subsets) &&
      same(current.metadata?.labels ?? {}, labels) &&
      same(current.metadata?.annotations ?? {}, annotations)
    ) {
      return;
    }
    const body: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        ...current?.metadata,
        name,
        namespace: ns,
        labels,
        annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
      },
      subsets,
    };
    try {
      if (current) await endpoints.update(body);
      else await endpoints.create(ns, body);
    } catch (err) {
      // A create racing an object the cache has not seen yet is retried like a conflict.
      if (!isAlreadyExists(err)) {
        recorder.event(
          svc,
          'Warning',
          'FailedToUpdateEndpoint',
          `Failed to update endpoint ${key}: ${(err as Error).message}`,
        );
      }
      throw err;
    }
  };

  return queueController(NAME, queue, ctx.options.concurrentSyncs, sync);
};

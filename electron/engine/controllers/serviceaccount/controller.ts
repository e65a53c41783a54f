/**
 * The ServiceAccount controller (kube-controller-manager --controllers=serviceaccount): every
 * active namespace has a `default` ServiceAccount, created when the namespace appears and again
 * whenever it is deleted. Namespaces being deleted are left alone (their content is going away).
 */
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1';
import { isAlreadyExists } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import { isNamespaceTerminating } from '../replicaset/pod-control';
import type { Controller, ControllerContext, ControllerFactory } from '../types';
import { queueController } from '../util/queue';

export const NAME = 'serviceaccount';

/** The accounts every namespace gets (ServiceAccountsControllerOptions.ServiceAccounts). */
export const MANAGED_ACCOUNTS = ['default'];

/** Kubernetes runs this controller with one worker. */
const WORKERS = 1;

export const createServiceAccountController: ControllerFactory = (ctx) =>
  createServiceAccountControllerWith(ctx);

function isActive(ns: Namespace): boolean {
  if (ns.metadata?.deletionTimestamp) return false;
  const phase = ns.status?.phase;
  return phase === undefined || phase === 'Active';
}

export function createServiceAccountControllerWith(ctx: ControllerContext): Controller {
  const queue = new WorkQueue({ name: 'serviceaccount', log: ctx.log });
  const namespaces = ctx.informers.informer<Namespace>(R.namespaces);
  const accounts = ctx.informers.informer<ServiceAccount>(R.serviceaccounts);
  const api = ctx.client.resource<ServiceAccount>(R.serviceaccounts);

  namespaces.addHandlers({
    onAdd: (ns) => queue.add(ns.metadata?.name ?? ''),
    onUpdate: (_old, ns) => queue.add(ns.metadata?.name ?? ''),
  });
  accounts.addHandlers({
    onDelete: (sa) => {
      if (MANAGED_ACCOUNTS.includes(sa.metadata?.name ?? '')) queue.add(sa.metadata?.namespace ?? '');
    },
  });

  async function sync(name: string): Promise<void> {
    const ns = namespaces.get(name);
    if (!ns || !isActive(ns)) return;
    for (const account of MANAGED_ACCOUNTS) {
      if (accounts.getByName(name, account)) continue;
      try {
        await api.create(name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account } });
      } catch (err) {
        if (isAlreadyExists(err) || isNamespaceTerminating(err)) continue;
        throw err;
      }
    }
  }

  return queueController(NAME, queue, WORKERS, sync);
}

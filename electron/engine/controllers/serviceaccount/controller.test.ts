import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { createServiceAccountController } from './controller';

let t: ControllerTest;
let client: KubeClient;
const saApi = () => client.resource<ServiceAccount>(R.serviceaccounts);

const defaultAccount = (ns: string) =>
  waitFor(`default ServiceAccount in ${ns}`, async () => {
    try {
      return await saApi().get(ns, 'default');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  });

beforeAll(async () => {
  t = await startControllerTest([createServiceAccountController]);
  client = t.client;
});

afterAll(async () => {
  await t.stop();
});

describe('ServiceAccount controller', () => {
  it.each(['default', 'kube-system', 'kube-public', 'kube-node-lease'])(
    'gives the existing namespace %s a default account',
    async (ns) => {
      expect((await defaultAccount(ns)).metadata?.name).toBe('default');
    },
  );

  it('creates one in a new namespace and recreates it when deleted', async () => {
    await client.resource<Namespace>(R.namespaces).create('', { metadata: { name: 'team-a' } });
    const first = await defaultAccount('team-a');
    await saApi().delete('team-a', 'default');
    const second = await waitFor('a new default account', async () => {
      const sa = await defaultAccount('team-a');
      return sa.metadata?.uid !== first.metadata?.uid ? sa : undefined;
    });
    expect(second.metadata?.name).toBe('default');
    // kubectl sees it like any other account.
    const r = await t.cluster.kubectl(['get', 'serviceaccount', 'default', '-n', 'team-a', '-o', 'name']);
    expect(r.stdout.trim()).toBe('serviceaccount/default');
  });

  it('does not recreate the account in a namespace being deleted', async () => {
    const nsApi = client.resource<Namespace>(R.namespaces);
    await nsApi.create('', { metadata: { name: 'going' } });
    await defaultAccount('going');
    // No namespace controller runs here: the namespace stays Terminating.
    await nsApi.delete('', 'going');
    await waitFor(
      'going is terminating',
      async () => (await nsApi.get('', 'going')).status?.phase === 'Terminating',
    );
    await saApi().delete('going', 'default');
    // The controller has one worker and a FIFO queue: once team-a's account (queued after
    // going's deletion) is back, going's sync has run too.
    await saApi()
      .delete('team-a', 'default')
      .catch(() => undefined);
    await defaultAccount('team-a');
    await expect(saApi().get('going', 'default')).rejects.toThrow(/not found/);
  });
});

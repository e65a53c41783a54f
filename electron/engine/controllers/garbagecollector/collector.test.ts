import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { ConfigMap, Pod, Secret } from 'kubernetes-types/core/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import type { KubeClient, KubeObject, ResourceRef } from '../../../kube/types';
import { createReplicaSetController } from '../replicaset/replicaset';
import { makeReplicaSet, runPod } from '../replicaset/testing';
import { KUBECTL_DIR } from '../../apiserver/testing/cluster';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { type GarbageCollector, NAME, createGarbageCollectorController } from './collector';

let t: ControllerTest;
let client: KubeClient;
const rsApi = () => client.resource<ReplicaSet>(R.replicasets);
const podApi = () => client.resource<Pod>(R.pods);
const cmApi = () => client.resource<ConfigMap>(R.configmaps);

async function gone(ref: ResourceRef, name: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    `${ref.plural}/${name} gone`,
    async () => {
      try {
        await client.resource(ref).get('default', name);
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    },
    timeoutMs,
  );
}

async function podsOf(app: string): Promise<Pod[]> {
  return (await podApi().list('default', { labelSelector: `app=${app}` })).items;
}

/** A ReplicaSet with `n` pods; when `graceful`, its pods are bound and keep a 30 s grace period. */
async function replicaSetWithPods(name: string, n: number, graceful = false): Promise<ReplicaSet> {
  const rs = makeReplicaSet(name, n);
  const spec = rs.spec?.template?.spec;
  if (graceful && spec) spec.terminationGracePeriodSeconds = 30;
  const created = await rsApi().create('default', rs);
  await waitFor(`${name} pods`, async () => (await podsOf(name)).length === n);
  if (graceful) for (const p of await podsOf(name)) await runPod(client, p);
  return created;
}

const refTo = (obj: KubeObject, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: obj.apiVersion ?? '',
  kind: obj.kind ?? '',
  name: obj.metadata?.name ?? '',
  uid: obj.metadata?.uid ?? '',
  ...extra,
});

async function configMap(name: string, owners: OwnerReference[] = []): Promise<ConfigMap> {
  const cm = await cmApi().create('default', {
    metadata: { name, ...(owners.length ? { ownerReferences: owners } : {}) },
    data: { k: 'v' },
  });
  return { ...cm, apiVersion: 'v1', kind: 'ConfigMap' };
}

beforeAll(async () => {
  t = await startControllerTest([createReplicaSetController, createGarbageCollectorController]);
  client = t.client;
  const gc = t.manager.controllers.find((c) => c.name === NAME) as GarbageCollector;
  await gc.synced();
});

afterAll(async () => {
  await t.stop();
});

/** The oldest and newest kubectl the project supports. */
const KUBECTLS = ['1.27', '1.33'].map((v) => [v, `${KUBECTL_DIR}/kubectl.${v}`] as const);

describe.each(KUBECTLS)('garbage collector with kubectl %s delete --cascade', (v, binary) => {
  const id = v.replace('.', '');
  it('background: the ReplicaSet goes at once and its pods after it', async () => {
    const name = `bg${id}`;
    await replicaSetWithPods(name, 3);
    const r = await t.cluster.kubectl(['delete', 'rs', name, '--cascade=background'], { binary });
    expect(r.stdout).toContain(`replicaset.apps "${name}" deleted`);
    await gone(R.replicasets, name);
    await waitFor(`${name} pods deleted`, async () => (await podsOf(name)).length === 0);
  });

  it('foreground: the ReplicaSet waits, with its finalizer, until its pods are gone', async () => {
    const name = `fg${id}`;
    await replicaSetWithPods(name, 2, true);
    const r = await t.cluster.kubectl(['delete', 'rs', name, '--cascade=foreground', '--wait=false'], {
      binary,
    });
    expect(r.code).toBe(0);
    // The pods are terminating (bound, 30 s grace) and block the owner.
    const pods = await waitFor(`${name} pods terminating`, async () => {
      const list = await podsOf(name);
      return list.length === 2 && list.every((p) => p.metadata?.deletionTimestamp) ? list : undefined;
    });
    const waiting = await rsApi().get('default', name);
    expect(waiting.metadata?.deletionTimestamp).toBeDefined();
    expect(waiting.metadata?.finalizers).toEqual(['foregroundDeletion']);
    // What the kubelet does once the containers stopped.
    for (const p of pods) await podApi().delete('default', p.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    await gone(R.replicasets, name);
  });

  it('orphan: the ReplicaSet goes and its pods stay, without owner references', async () => {
    const name = `orph${id}`;
    await replicaSetWithPods(name, 2);
    const r = await t.cluster.kubectl(['delete', 'rs', name, '--cascade=orphan'], { binary });
    expect(r.code).toBe(0);
    await gone(R.replicasets, name);
    const pods = await waitFor('orphans without owners', async () => {
      const list = await podsOf(name);
      return list.every((p) => (p.metadata?.ownerReferences ?? []).length === 0) ? list : undefined;
    });
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => !p.metadata?.deletionTimestamp)).toBe(true);
  });
});

describe('garbage collector owner references', () => {
  it.each([
    [
      'an owner uid that never existed',
      'ghost-rs',
      () => ({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'ghost',
        uid: '00000000-dead-beef-0000-000000000000',
      }),
      true,
    ],
    [
      'an owner of the right name but another uid',
      'wrong-uid',
      async () => refTo(await configMap('cm-wrong-uid'), { uid: '11111111-2222-3333-4444-555555555555' }),
      true,
    ],
    ['an existing owner', 'kept', async () => refTo(await configMap('cm-kept')), false],
  ])('a dependent of %s is %s', async (_what, name, owner, collected) => {
    const ref = await owner();
    await podApi().create('default', {
      metadata: { name, ownerReferences: [ref] },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    if (collected) {
      await gone(R.pods, name);
    } else {
      // Give the collector the chance to act wrongly: a later dangling dependent is collected first.
      await podApi().create('default', {
        metadata: {
          name: `${name}-probe`,
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'nope',
              uid: '99999999-0000-0000-0000-000000000000',
            },
          ],
        },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      });
      await gone(R.pods, `${name}-probe`);
      expect((await podApi().get('default', name)).metadata?.ownerReferences).toEqual([ref]);
    }
  });

  it('keeps a dependent with another live owner, dropping the reference to the deleted one', async () => {
    const a = await configMap('owner-a');
    const b = await configMap('owner-b');
    await configMap('two-owners', [refTo(a), refTo(b)]);
    await cmApi().delete('default', 'owner-a');
    const cm = await waitFor('reference to owner-a dropped', async () => {
      const cur = await cmApi().get('default', 'two-owners');
      return cur.metadata?.ownerReferences?.length === 1 ? cur : undefined;
    });
    expect(cm.metadata?.ownerReferences?.[0]?.uid).toBe(b.metadata?.uid);
  });

  it('collects dependents of any kind (a Secret owned by a ConfigMap)', async () => {
    const owner = await configMap('secret-owner');
    await client.resource<Secret>(R.secrets).create('default', {
      metadata: { name: 'owned-secret', ownerReferences: [refTo(owner)] },
      stringData: { a: 'b' },
    });
    await cmApi().delete('default', 'secret-owner');
    await gone(R.secrets, 'owned-secret');
  });

  it('foreground-deletes a chain: Deployment → ReplicaSet → pods, owners last', async () => {
    const dep = await client.resource<Deployment>(R.deployments).create('default', {
      metadata: { name: 'chain' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'chain-dep' } },
        template: {
          metadata: { labels: { app: 'chain-dep' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    });
    const rs = makeReplicaSet('chain', 2);
    rs.metadata = {
      ...rs.metadata,
      ownerReferences: [
        refTo(
          { ...dep, apiVersion: 'apps/v1', kind: 'Deployment' },
          { controller: true, blockOwnerDeletion: true },
        ),
      ],
    };
    const spec = rs.spec?.template?.spec;
    if (spec) spec.terminationGracePeriodSeconds = 30;
    await rsApi().create('default', rs);
    await waitFor('chain pods', async () => (await podsOf('chain')).length === 2);
    for (const p of await podsOf('chain')) await runPod(client, p);
    await client.resource(R.deployments).delete('default', 'chain', { propagationPolicy: 'Foreground' });
    const pods = await waitFor('chain pods terminating', async () => {
      const list = await podsOf('chain');
      return list.length === 2 && list.every((p) => p.metadata?.deletionTimestamp) ? list : undefined;
    });
    // Both owners wait for the terminating pods, each with the foregroundDeletion finalizer.
    const [heldDep, heldRs] = await Promise.all([
      client.resource<Deployment>(R.deployments).get('default', 'chain'),
      rsApi().get('default', 'chain'),
    ]);
    expect(heldDep.metadata?.finalizers).toEqual(['foregroundDeletion']);
    expect(heldRs.metadata?.finalizers).toEqual(['foregroundDeletion']);
    for (const p of pods) await podApi().delete('default', p.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    await gone(R.replicasets, 'chain');
    await gone(R.deployments, 'chain');
  });

  const labels = { app: 'owner-kind' };
  const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  const jobTemplate = { ...template, spec: { ...template.spec, restartPolicy: 'Never' } };
  it.each<[ResourceRef, Record<string, unknown>]>([
    [R.pods, { spec: template.spec }],
    [R.replicasets, { spec: { replicas: 0, selector: { matchLabels: labels }, template } }],
    [R.deployments, { spec: { replicas: 0, selector: { matchLabels: labels }, template } }],
    [R.replicationcontrollers, { spec: { replicas: 0, selector: labels, template } }],
    [
      R.statefulsets,
      { spec: { replicas: 0, serviceName: 'x', selector: { matchLabels: labels }, template } },
    ],
    [R.daemonsets, { spec: { selector: { matchLabels: labels }, template } }],
    [R.jobs, { spec: { suspend: true, template: jobTemplate } }],
    [
      R.cronjobs,
      { spec: { schedule: '0 0 1 1 *', suspend: true, jobTemplate: { spec: { template: jobTemplate } } } },
    ],
    [R.controllerrevisions, { revision: 1 }],
    [R.endpointslices, { addressType: 'IPv4', endpoints: [] }],
    [R.services, { spec: { ports: [{ port: 80 }] } }],
    [R.configmaps, { data: {} }],
    [R.secrets, { data: {} }],
    [
      R.persistentvolumeclaims,
      { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    ],
  ])('collects the dependents of a deleted %s', async (ref, body) => {
    const name = `owner-${ref.plural}`;
    const owner = await client.resource(ref).create('default', { metadata: { name }, ...body });
    const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
    await configMap(`dep-of-${ref.plural}`, [refTo({ ...owner, apiVersion, kind: ref.kind })]);
    await client.resource(ref).delete('default', name, { gracePeriodSeconds: 0 });
    await gone(R.configmaps, `dep-of-${ref.plural}`);
  });
});

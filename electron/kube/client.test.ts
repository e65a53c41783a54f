/**
 * The client, informers, work queue, leader election and event recorder against the real API
 * server (a control plane on loopback with a memory store).
 */
import type { ConfigMap, Event } from 'kubernetes-types/core/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../engine/apiserver/testing/cluster';
import { waitFor } from '../engine/controllers/testing';
import { createKubeClient } from './client';
import { KubeApiError, KubeConnectionError, isConflict, isNotFound } from './errors';
import { createEventRecorder } from './events';
import { BY_NAMESPACE, Informer, InformerFactory } from './informer';
import { startLeaderElection } from './leader-election';
import { SILENT } from './log';
import { R } from './resources';
import { adminClient } from './testing';
import type { KubeClient, KubeObject, ResourceClient, ResourceRef } from './types';

let cluster: TestCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startTestCluster({ controllers: false });
  client = await adminClient(cluster);
});
afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels },
  data,
});

describe('client', () => {
  it('creates, gets, updates with optimistic concurrency, patches and deletes', async () => {
    const cms = client.resource<ConfigMap>(R.configmaps);
    const created = await cms.create('default', cm('c1', { a: '1' }));
    expect(created.metadata?.uid).toBeTruthy();
    const got = await cms.get('default', 'c1');
    expect(got.data).toEqual({ a: '1' });
    const updated = await cms.update({ ...got, data: { a: '2' } });
    expect(updated.metadata?.resourceVersion).not.toBe(got.metadata?.resourceVersion);
    // The stale resourceVersion loses: 409 Conflict as a KubeApiError.
    const stale = await cms.update({ ...got, data: { a: '3' } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect((stale as KubeApiError).reason).toBe('Conflict');
    const patched = await cms.patch('default', 'c1', 'merge', { data: { b: 'x' } });
    expect(patched.data).toEqual({ a: '2', b: 'x' });
    await cms.delete('default', 'c1');
    const gone = await cms.get('default', 'c1').catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
    expect((gone as Error).message).toMatch(/configmaps "c1" not found/);
  });

  it('pages through a list with listAll', async () => {
    const cms = client.resource<ConfigMap>(R.configmaps);
    await Promise.all(
      Array.from({ length: 1203 }, (_, i) => cms.create('default', cm(`page-${i}`, {}, { page: 'yes' }))),
    );
    const all = await cms.listAll('default', { labelSelector: 'page=yes' });
    expect(all.items).toHaveLength(1203);
    expect(new Set(all.items.map((c) => c.metadata?.name)).size).toBe(1203);
    expect(Number(all.resourceVersion)).toBeGreaterThan(0);
  });

  it('streams watch events in order and stops calling back after close', async () => {
    const cms = client.resource<ConfigMap>(R.configmaps);
    const seen: string[] = [];
    const { resourceVersion } = await cms.list('default', { limit: 1 });
    const handle = cms.watch('default', { resourceVersion, labelSelector: 'w=1' }, (e) =>
      seen.push(`${e.type} ${e.object.metadata?.name}`),
    );
    await cms.create('default', cm('w1', {}, { w: '1' }));
    await cms.patch('default', 'w1', 'merge', { data: { x: 'y' } });
    await cms.delete('default', 'w1');
    await waitFor('three events', () => seen.length >= 3);
    expect(seen).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    handle.close();
    await handle.done;
    await cms.create('default', cm('w2', {}, { w: '1' }));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toHaveLength(3);
  });

  it('says when the server cannot be reached, and refuses a wrong CA', async () => {
    const dead = createKubeClient({ server: 'https://127.0.0.1:1', caPem: '' });
    await expect(dead.request('GET', '/version')).rejects.toBeInstanceOf(KubeConnectionError);
    dead.close();
    const wrongCa = createKubeClient({ server: cluster.apiUrl, caPem: '', token: 'x' });
    await expect(wrongCa.request('GET', '/version')).rejects.toThrow(/certificate/);
    wrongCa.close();
  });
});

describe('informer', () => {
  it('lists, then follows the watch, keeping the store and indexes current', async () => {
    const cms = client.resource<ConfigMap>(R.configmaps);
    await cms.create('default', cm('inf-a', {}, { inf: 'yes' }));
    const inf = new Informer<ConfigMap>(client, R.configmaps, { labelSelector: 'inf=yes' }, SILENT);
    inf.addIndex('color', (o) => [o.data?.color ?? 'none']);
    const events: string[] = [];
    inf.addHandlers({
      onAdd: (o) => events.push(`add ${o.metadata?.name}`),
      onUpdate: (_old, o) => events.push(`update ${o.metadata?.name} ${o.data?.color}`),
      onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
    });
    inf.start();
    await inf.waitForSync();
    expect(inf.get('default/inf-a')?.kind).toBe('ConfigMap');
    await cms.create('default', cm('inf-b', { color: 'red' }, { inf: 'yes' }));
    await cms.patch('default', 'inf-a', 'merge', { data: { color: 'red' } });
    await cms.delete('default', 'inf-b');
    await waitFor('informer events', () => events.length >= 4);
    expect(events).toEqual(['add inf-a', 'add inf-b', 'update inf-a red', 'delete inf-b']);
    expect(inf.byIndex('color', 'red').map((o) => o.metadata?.name)).toEqual(['inf-a']);
    expect(inf.byIndex(BY_NAMESPACE, 'default').map((o) => o.metadata?.name)).toEqual(['inf-a']);
    // Handlers added after the sync get the current objects as adds.
    const late: string[] = [];
    inf.addHandlers({ onAdd: (o) => late.push(o.metadata?.name ?? '') });
    expect(late).toEqual(['inf-a']);
    await inf.stop();
  });

  it('lists again after 410 Gone and reports what changed meanwhile as adds and deletes', async () => {
    const cms = client.resource<ConfigMap>(R.configmaps);
    await cms.create('default', cm('gone-a', {}, { gone: 'yes' }));
    await cms.create('default', cm('gone-b', {}, { gone: 'yes' }));
    // A compacted revision cannot be produced on demand here, so the first watch this informer
    // opens answers with the ERROR event a compacted watch gets (410 Expired); everything else is
    // the real server. Before that event, the objects change behind the informer's back.
    let watches = 0;
    const flaky: KubeClient = {
      ...client,
      resource: <T extends KubeObject>(ref: ResourceRef) => {
        const real = client.resource<T>(ref);
        const wrapped: ResourceClient<T> = {
          ...real,
          watch: (ns, opts, onEvent) => {
            if (watches++ > 0) return real.watch(ns, opts, onEvent);
            const done = (async () => {
              await cms.delete('default', 'gone-a');
              await cms.create('default', cm('gone-c', {}, { gone: 'yes' }));
              onEvent({
                type: 'ERROR',
                object: { code: 410, reason: 'Expired', message: 'too old' } as unknown as T,
              });
            })();
            return { close: () => undefined, done };
          },
        };
        return wrapped;
      },
    };
    const inf = new Informer<ConfigMap>(flaky, R.configmaps, { labelSelector: 'gone=yes' }, SILENT);
    const events: string[] = [];
    inf.addHandlers({
      onAdd: (o) => events.push(`add ${o.metadata?.name}`),
      onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
    });
    inf.start();
    await waitFor('relist', () => events.length >= 4);
    expect(events).toEqual(['add gone-a', 'add gone-b', 'add gone-c', 'delete gone-a']);
    expect(
      inf
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['gone-b', 'gone-c']);
    expect(watches).toBe(2);
    await inf.stop();
  });

  it('shares one informer per resource and selector in a factory', () => {
    const f = new InformerFactory(client, SILENT);
    expect(f.informer(R.pods)).toBe(f.informer(R.pods));
    expect(f.informer(R.pods, { fieldSelector: 'spec.nodeName=a' })).not.toBe(f.informer(R.pods));
  });
});

describe('leader election', () => {
  it('elects exactly one of two candidates, and hands over when the leader stops', async () => {
    const leading = new Set<string>();
    const mk = (id: string) =>
      startLeaderElection({
        client,
        name: 'test-lock',
        identity: id,
        leaseDurationMs: 2_000,
        renewDeadlineMs: 1_500,
        retryPeriodMs: 200,
        log: SILENT,
        onStartedLeading: () => leading.add(id),
        onStoppedLeading: () => leading.delete(id),
      });
    const a = mk('a');
    const b = mk('b');
    await waitFor('a leader', () => leading.size === 1);
    await new Promise((r) => setTimeout(r, 600));
    expect(leading.size).toBe(1);
    const [first] = [...leading];
    const [winner, loser] = first === 'a' ? [a, b] : [b, a];
    expect(winner.isLeader()).toBe(true);
    expect(loser.isLeader()).toBe(false);
    await winner.stop();
    await waitFor('the other takes over', () => loser.isLeader());
    const lease = await client.resource<Lease>(R.leases).get('kube-system', 'test-lock');
    expect(lease.spec?.holderIdentity).toBe(first === 'a' ? 'b' : 'a');
    expect(lease.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
    await loser.stop();
  });
});

describe('event recorder', () => {
  it('records an event about an object and folds repeats into its count', async () => {
    const obj = await client.resource<ConfigMap>(R.configmaps).create('default', cm('ev-target'));
    const rec = createEventRecorder(client, SILENT, { component: 'test-controller' });
    for (let i = 0; i < 3; i++) rec.event(obj, 'Warning', 'Broken', 'it broke');
    rec.event(obj, 'Normal', 'Fixed', 'it works');
    await rec.flush();
    const events = (await client.resource<Event>(R.events).list('default')).items.filter(
      (e) => e.involvedObject.name === 'ev-target',
    );
    const broken = events.find((e) => e.reason === 'Broken');
    expect(broken).toMatchObject({
      type: 'Warning',
      message: 'it broke',
      count: 3,
      source: { component: 'test-controller' },
    });
    expect(broken?.involvedObject).toMatchObject({ kind: 'ConfigMap', uid: obj.metadata?.uid });
    expect(events.filter((e) => e.reason === 'Fixed')).toHaveLength(1);
  });

  it('combines similar events past ten into one, as client-go does', async () => {
    const obj = await client.resource<ConfigMap>(R.configmaps).create('default', cm('ev-many'));
    const rec = createEventRecorder(client, SILENT, { component: 'test-controller' });
    for (let i = 0; i < 50; i++) rec.event(obj, 'Normal', 'SuccessfulCreate', `Created pod: p-${i}`);
    await rec.flush();
    const events = (await client.resource<Event>(R.events).list('default')).items.filter(
      (e) => e.involvedObject.name === 'ev-many',
    );
    expect(events).toHaveLength(11);
    const combined = events.find((e) => e.message?.startsWith('(combined from similar events): '));
    expect(combined).toMatchObject({
      count: 40,
      message: '(combined from similar events): Created pod: p-49',
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, startTestCluster } from '../testing/cluster';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster();
  for (const ns of ['wr', 'gone-soon']) {
    expect((await c.request('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  }
});
afterAll(async () => {
  await c?.stop();
});

const DEPLOYMENTS = '/apis/apps/v1/namespaces/wr/deployments';
const CONFIGMAPS = '/api/v1/namespaces/wr/configmaps';
const PODS = '/api/v1/namespaces/wr/pods';
const MERGE = { 'content-type': 'application/merge-patch+json' };

function deployment(name: string, replicas = 1, image = 'busybox') {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}
const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

async function post(path: string, body: unknown) {
  const r = await c.request('POST', path, body);
  expect(r.status, r.text).toBe(201);
  return r.json;
}

describe('create', () => {
  it('sets uid, creationTimestamp, resourceVersion, and generation for objects with a spec', async () => {
    const before = Date.now();
    const d = await post(DEPLOYMENTS, deployment('meta'));
    expect(d.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(d.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(d.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(d.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(d.metadata.generation).toBe(1);
    expect(d.metadata.namespace).toBe('wr');
    // A ConfigMap has no spec and no generation.
    const cm = await post(CONFIGMAPS, { metadata: { name: 'no-gen' }, data: {} });
    expect(cm.metadata.generation).toBeUndefined();
    // What the client sent for server-owned fields is ignored.
    const forged = await post(CONFIGMAPS, {
      metadata: { name: 'forged', uid: 'x', creationTimestamp: '2001-01-01T00:00:00Z', generation: 9 },
    });
    expect(forged.metadata.uid).not.toBe('x');
    expect(forged.metadata.creationTimestamp).not.toBe('2001-01-01T00:00:00Z');
  });

  it('names objects from generateName with five characters of Kubernetes alphabet', async () => {
    const a = await post(CONFIGMAPS, { metadata: { generateName: 'gen-' } });
    const b = await post(CONFIGMAPS, { metadata: { generateName: 'gen-' } });
    expect(a.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(a.metadata.name).not.toBe(b.metadata.name);
    expect(a.metadata.generateName).toBe('gen-');
  });

  it('refuses a second object with the same name (409 AlreadyExists) and a resourceVersion (400)', async () => {
    await post(CONFIGMAPS, { metadata: { name: 'twice' } });
    const again = await c.request('POST', CONFIGMAPS, { metadata: { name: 'twice' } });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({
      reason: 'AlreadyExists',
      message: 'configmaps "twice" already exists',
    });
    const withRv = await c.request('POST', CONFIGMAPS, { metadata: { name: 'rv', resourceVersion: '5' } });
    expect(withRv.status).toBe(400);
  });

  it('dryRun=All validates and answers, but stores nothing', async () => {
    const r = await c.request('POST', `${CONFIGMAPS}?dryRun=All`, {
      metadata: { name: 'dry' },
      data: { a: 'b' },
    });
    expect(r.status).toBe(201);
    expect(r.json.metadata.name).toBe('dry');
    expect(r.json.metadata.resourceVersion ?? '').toBe('');
    expect((await c.request('GET', `${CONFIGMAPS}/dry`)).status).toBe(404);
    const bad = await c.request('POST', `${CONFIGMAPS}?dryRun=Some`, { metadata: { name: 'dry' } });
    expect(bad.status).toBe(400);
  });

  it('checks the namespace: missing → 404, terminating → 403', async () => {
    const missing = await c.request('POST', '/api/v1/namespaces/nope/configmaps', {
      metadata: { name: 'x' },
    });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ reason: 'NotFound', message: 'namespaces "nope" not found' });
    const del = await c.request('DELETE', '/api/v1/namespaces/gone-soon');
    expect(del.status).toBe(200);
    // The namespace stays, Terminating, until its finalizer (the namespace controller's) is removed.
    const ns = await c.request('GET', '/api/v1/namespaces/gone-soon');
    expect(ns.status).toBe(200);
    expect(ns.json.status.phase).toBe('Terminating');
    expect(ns.json.metadata.deletionTimestamp).toBeDefined();
    const refused = await c.request('POST', '/api/v1/namespaces/gone-soon/configmaps', {
      metadata: { name: 'x' },
    });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({
      reason: 'Forbidden',
      message:
        'configmaps "x" is forbidden: unable to create new content in namespace gone-soon because it is being terminated',
      details: {
        name: 'x',
        kind: 'configmaps',
        causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace' }],
      },
    });
    // While the namespace finalizer is there, another DELETE is a conflict.
    const twice = await c.request('DELETE', '/api/v1/namespaces/gone-soon');
    expect(twice.status).toBe(409);
    expect(twice.json.message).toBe(
      'Operation cannot be fulfilled on namespaces "gone-soon": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
    );
    // What the namespace controller does once the content is gone: finalize, then delete.
    const fin = await c.request('PUT', '/api/v1/namespaces/gone-soon/finalize', {
      ...ns.json,
      spec: { finalizers: [] },
    });
    expect(fin.status, fin.text).toBe(200);
    expect(fin.json.status.phase).toBe('Terminating');
    expect((await c.request('DELETE', '/api/v1/namespaces/gone-soon')).status).toBe(200);
    expect((await c.request('GET', '/api/v1/namespaces/gone-soon')).status).toBe(404);
  });
});

describe('update', () => {
  it('PUT with a stale resourceVersion: 409 Conflict; without one: unconditional', async () => {
    const cm = await post(CONFIGMAPS, { metadata: { name: 'occ' }, data: { v: '1' } });
    const first = await c.request('PUT', `${CONFIGMAPS}/occ`, { ...cm, data: { v: '2' } });
    expect(first.status).toBe(200);
    expect(Number(first.json.metadata.resourceVersion)).toBeGreaterThan(Number(cm.metadata.resourceVersion));
    const stale = await c.request('PUT', `${CONFIGMAPS}/occ`, { ...cm, data: { v: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'occ', kind: 'configmaps' },
    });
    const meta = { ...cm.metadata };
    delete meta.resourceVersion;
    const blind = await c.request('PUT', `${CONFIGMAPS}/occ`, { ...cm, metadata: meta, data: { v: '4' } });
    expect(blind.status).toBe(200);
    expect(blind.json.data).toEqual({ v: '4' });
    expect(blind.json.metadata.uid).toBe(cm.metadata.uid);
  });

  it('PUT of a missing object: 404', async () => {
    const r = await c.request('PUT', `${CONFIGMAPS}/missing`, { metadata: { name: 'missing' } });
    expect(r.status).toBe(404);
  });

  it('a no-op update keeps the resourceVersion', async () => {
    const cm = await post(CONFIGMAPS, { metadata: { name: 'noop' }, data: { v: '1' } });
    const put = await c.request('PUT', `${CONFIGMAPS}/noop`, cm);
    expect(put.status).toBe(200);
    expect(put.json.metadata.resourceVersion).toBe(cm.metadata.resourceVersion);
    const patch = await c.request('PATCH', `${CONFIGMAPS}/noop`, { data: { v: '1' } }, MERGE);
    expect(patch.status).toBe(200);
    expect(patch.json.metadata.resourceVersion).toBe(cm.metadata.resourceVersion);
  });

  it.each([
    ['a label', 1, { metadata: { labels: { x: 'y' } } }],
    ['an annotation', 1, { metadata: { annotations: { note: 'n' } } }],
    ['the replicas', 2, { spec: { replicas: 3 } }],
    ['the image', 2, { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }],
  ])('changing %s → generation %i', async (_what, generation, patch) => {
    const name = `gen-${generation}-${Math.random().toString(36).slice(2, 7)}`;
    await post(DEPLOYMENTS, deployment(name));
    const r = await c.request('PATCH', `${DEPLOYMENTS}/${name}`, patch, {
      'content-type': 'application/strategic-merge-patch+json',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.metadata.generation).toBe(generation);
  });

  it('the main resource keeps status; the status subresource keeps everything else', async () => {
    const d = await post(DEPLOYMENTS, deployment('split', 2));
    expect(d.status ?? {}).not.toHaveProperty('replicas', 7);
    const status = await c.request('PUT', `${DEPLOYMENTS}/split/status`, {
      ...d,
      metadata: { ...d.metadata, labels: { changed: 'yes' } },
      spec: { ...d.spec, replicas: 9 },
      status: { replicas: 7, observedGeneration: 1 },
    });
    expect(status.status, status.text).toBe(200);
    expect(status.json.status).toMatchObject({ replicas: 7, observedGeneration: 1 });
    expect(status.json.spec.replicas).toBe(2);
    expect(status.json.metadata.labels).toBeUndefined();
    expect(status.json.metadata.generation).toBe(1);
    const main = await c.request('PUT', `${DEPLOYMENTS}/split`, {
      ...status.json,
      spec: { ...status.json.spec, replicas: 3 },
      status: { replicas: 0 },
    });
    expect(main.status, main.text).toBe(200);
    expect(main.json.spec.replicas).toBe(3);
    expect(main.json.status.replicas).toBe(7);
    expect(main.json.metadata.generation).toBe(2);
    const patched = await c.request(
      'PATCH',
      `${DEPLOYMENTS}/split/status`,
      { status: { availableReplicas: 1 } },
      MERGE,
    );
    expect(patched.json.status).toMatchObject({ replicas: 7, availableReplicas: 1 });
    expect(patched.json.spec.replicas).toBe(3);
  });

  it('keeps uid and creationTimestamp; a mismatching uid is a conflict', async () => {
    const cm = await post(CONFIGMAPS, { metadata: { name: 'ids' } });
    const r = await c.request('PUT', `${CONFIGMAPS}/ids`, {
      ...cm,
      metadata: { ...cm.metadata, uid: '00000000-0000-4000-8000-000000000000' },
    });
    expect(r.status).toBe(409);
    expect(r.json.message).toContain(
      'Precondition failed: UID in precondition: 00000000-0000-4000-8000-000000000000',
    );
    const ts = await c.request('PUT', `${CONFIGMAPS}/ids`, {
      ...cm,
      metadata: { ...cm.metadata, creationTimestamp: '2001-01-01T00:00:00Z' },
      data: { a: 'b' },
    });
    expect(ts.status).toBe(200);
    expect(ts.json.metadata.creationTimestamp).toBe(cm.metadata.creationTimestamp);
  });
});

describe('pods/binding', () => {
  it('sets spec.nodeName once; a second binding is a conflict', async () => {
    await post(PODS, pod('bind-me'));
    const binding = (node: string) => ({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'bind-me' },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    });
    const r = await c.request('POST', `${PODS}/bind-me/binding`, binding('n1'));
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ kind: 'Status', status: 'Success' });
    const p = await c.request('GET', `${PODS}/bind-me`);
    expect(p.json.spec.nodeName).toBe('n1');
    expect(p.json.status.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'PodScheduled', status: 'True' })]),
    );
    const again = await c.request('POST', `${PODS}/bind-me/binding`, binding('n2'));
    expect(again.status).toBe(409);
    expect(again.json.message).toBe(
      'Operation cannot be fulfilled on pods/binding "bind-me": pod bind-me is already assigned to node "n1"',
    );
    await post(PODS, pod('bind-uid'));
    const wrongUid = await c.request('POST', `${PODS}/bind-uid/binding`, {
      ...binding('n1'),
      metadata: { name: 'bind-uid', uid: '00000000-0000-4000-8000-000000000000' },
    });
    expect(wrongUid.status).toBe(409);
    expect((await c.request('GET', `${PODS}/bind-uid`)).json.spec.nodeName).toBeUndefined();
    const missing = await c.request('POST', `${PODS}/nobody/binding`, {
      ...binding('n1'),
      metadata: { name: 'nobody' },
    });
    expect(missing.status).toBe(404);
  });
});

describe('scale subresource', () => {
  it.each([
    ['deployments', DEPLOYMENTS, deployment('scaled', 2), 'app=scaled'],
    [
      'replicationcontrollers',
      '/api/v1/namespaces/wr/replicationcontrollers',
      {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'scaled' },
        spec: {
          replicas: 2,
          selector: { app: 'scaled' },
          template: {
            metadata: { labels: { app: 'scaled' } },
            spec: { containers: [{ name: 'c', image: 'busybox' }] },
          },
        },
      },
      'app=scaled',
    ],
  ])('%s: get, update and patch the Scale', async (_what, base, body, selector) => {
    await post(base, body);
    const get = await c.request('GET', `${base}/scaled/scale`);
    expect(get.status, get.text).toBe(200);
    expect(get.json).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'scaled', namespace: 'wr' },
      spec: { replicas: 2 },
      status: { replicas: 0, selector },
    });
    const put = await c.request('PUT', `${base}/scaled/scale`, { ...get.json, spec: { replicas: 4 } });
    expect(put.status, put.text).toBe(200);
    expect(put.json.spec.replicas).toBe(4);
    const stale = await c.request('PUT', `${base}/scaled/scale`, { ...get.json, spec: { replicas: 5 } });
    expect(stale.status).toBe(409);
    const patch = await c.request('PATCH', `${base}/scaled/scale`, { spec: { replicas: 1 } }, MERGE);
    expect(patch.status, patch.text).toBe(200);
    expect(patch.json.spec.replicas).toBe(1);
    const obj = await c.request('GET', `${base}/scaled`);
    expect(obj.json.spec.replicas).toBe(1);
    expect(obj.json.metadata.generation).toBe(3);
    const negative = await c.request('PATCH', `${base}/scaled/scale`, { spec: { replicas: -1 } }, MERGE);
    expect(negative.status).toBe(422);
  });
});

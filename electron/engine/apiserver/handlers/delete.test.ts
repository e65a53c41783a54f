import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, startTestCluster } from '../testing/cluster';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster();
  expect((await c.request('POST', '/api/v1/namespaces', { metadata: { name: 'del' } })).status).toBe(201);
});
afterAll(async () => {
  await c?.stop();
});

const CM = '/api/v1/namespaces/del/configmaps';
const PODS = '/api/v1/namespaces/del/pods';
const MERGE = { 'content-type': 'application/merge-patch+json' };

/**
 * DELETE with DeleteOptions in the body. Node's client sends a DELETE body without a length
 * unless told, which no server can frame; kubectl and client-go always send Content-Length.
 */
function del(path: string, options: unknown) {
  const body = JSON.stringify(options);
  return c.request('DELETE', path, body, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  });
}

async function post(path: string, body: unknown) {
  const r = await c.request('POST', path, body);
  expect(r.status, r.text).toBe(201);
  return r.json;
}
function pod(name: string, extra: { nodeName?: string; grace?: number; phase?: string } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
      ...(extra.grace !== undefined ? { terminationGracePeriodSeconds: extra.grace } : {}),
    },
  };
}

describe('DELETE', () => {
  it('removes an object without finalizers at once', async () => {
    await post(CM, { metadata: { name: 'plain' } });
    const r = await c.request('DELETE', `${CM}/plain`);
    expect(r.status).toBe(200);
    expect((await c.request('GET', `${CM}/plain`)).status).toBe(404);
    const again = await c.request('DELETE', `${CM}/plain`);
    expect(again.status).toBe(404);
    expect(again.json.message).toBe('configmaps "plain" not found');
  });

  it('with a finalizer: marks the object; removing the last finalizer deletes it', async () => {
    await post(CM, { metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
    const r = await c.request('DELETE', `${CM}/fin`);
    expect(r.status).toBe(200);
    expect(r.json.metadata.deletionTimestamp).toMatch(/Z$/);
    expect(r.json.metadata.deletionGracePeriodSeconds).toBe(0);
    const held = await c.request('GET', `${CM}/fin`);
    expect(held.status).toBe(200);
    expect(held.json.metadata.finalizers).toEqual(['example.com/hold']);
    // Deleting again changes nothing.
    const again = await c.request('DELETE', `${CM}/fin`);
    expect(again.status).toBe(200);
    expect(again.json.metadata.resourceVersion).toBe(held.json.metadata.resourceVersion);
    // No new finalizers on an object being deleted.
    const add = await c.request(
      'PATCH',
      `${CM}/fin`,
      { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } },
      MERGE,
    );
    expect(add.status).toBe(422);
    expect(add.json.message).toContain('no new finalizers can be added if the object is being deleted');
    // Other updates keep it (and its deletionTimestamp).
    const label = await c.request('PATCH', `${CM}/fin`, { metadata: { labels: { a: 'b' } } }, MERGE);
    expect(label.status).toBe(200);
    expect(label.json.metadata.deletionTimestamp).toBe(r.json.metadata.deletionTimestamp);
    const release = await c.request('PATCH', `${CM}/fin`, { metadata: { finalizers: null } }, MERGE);
    expect(release.status, release.text).toBe(200);
    expect((await c.request('GET', `${CM}/fin`)).status).toBe(404);
  });

  it('a finalizer removed from an object that is not being deleted is just an update', async () => {
    await post(CM, { metadata: { name: 'keep', finalizers: ['example.com/hold'] } });
    const r = await c.request('PATCH', `${CM}/keep`, { metadata: { finalizers: null } }, MERGE);
    expect(r.status).toBe(200);
    expect((await c.request('GET', `${CM}/keep`)).status).toBe(200);
  });

  it.each([
    ['Orphan', 'orphan'],
    ['Foreground', 'foregroundDeletion'],
  ])('propagationPolicy=%s adds the %s finalizer for the garbage collector', async (policy, finalizer) => {
    const name = `prop-${policy.toLowerCase()}`;
    await post(CM, { metadata: { name } });
    const r = await c.request('DELETE', `${CM}/${name}?propagationPolicy=${policy}`);
    expect(r.status).toBe(200);
    expect(r.json.metadata.finalizers).toEqual([finalizer]);
    expect((await c.request('GET', `${CM}/${name}`)).json.metadata.deletionTimestamp).toBeDefined();
  });

  it('propagationPolicy must be one of Kubernetes values', async () => {
    await post(CM, { metadata: { name: 'badprop' } });
    const r = await c.request('DELETE', `${CM}/badprop?propagationPolicy=Later`);
    expect(r.status).toBe(400);
    expect((await c.request('GET', `${CM}/badprop`)).status).toBe(200);
  });

  it('dryRun=All deletes nothing', async () => {
    await post(CM, { metadata: { name: 'dry' } });
    const r = await c.request('DELETE', `${CM}/dry?dryRun=All`);
    expect(r.status).toBe(200);
    expect((await c.request('GET', `${CM}/dry`)).status).toBe(200);
  });

  it.each([
    [
      'uid',
      () => ({ preconditions: { uid: '00000000-0000-4000-8000-000000000000' } }),
      'Precondition failed: UID in precondition: 00000000-0000-4000-8000-000000000000, UID in object meta: ',
    ],
    [
      'resourceVersion',
      () => ({ preconditions: { resourceVersion: '1' } }),
      'Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ',
    ],
  ])('a %s precondition that does not hold: 409', async (what, body, message) => {
    const obj = await post(CM, { metadata: { name: `pre-${what.toLowerCase()}` } });
    const r = await del(`${CM}/${obj.metadata.name}`, { kind: 'DeleteOptions', apiVersion: 'v1', ...body() });
    expect(r.status).toBe(409);
    expect(r.json.reason).toBe('Conflict');
    expect(r.json.message).toContain(message);
    expect((await c.request('GET', `${CM}/${obj.metadata.name}`)).status).toBe(200);
    // Preconditions that hold: deleted.
    const ok = await del(`${CM}/${obj.metadata.name}`, {
      preconditions: { uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion },
    });
    expect(ok.status).toBe(200);
    expect((await c.request('GET', `${CM}/${obj.metadata.name}`)).status).toBe(404);
  });
});

describe('graceful pod deletion', () => {
  it('an unscheduled pod goes at once', async () => {
    await post(PODS, pod('unbound'));
    expect((await c.request('DELETE', `${PODS}/unbound`)).status).toBe(200);
    expect((await c.request('GET', `${PODS}/unbound`)).status).toBe(404);
  });

  it.each([
    ['the default grace period', undefined, 30],
    ['spec.terminationGracePeriodSeconds', 5, 5],
  ])(
    'a bound pod gets a deletionTimestamp with %s; gracePeriodSeconds=0 removes it',
    async (_what, grace, expected) => {
      const name = `bound-${expected}`;
      await post(PODS, pod(name, { nodeName: 'n1', ...(grace !== undefined ? { grace } : {}) }));
      const before = Date.now();
      const r = await c.request('DELETE', `${PODS}/${name}`);
      expect(r.status).toBe(200);
      expect(r.json.metadata.deletionGracePeriodSeconds).toBe(expected);
      const at = Date.parse(r.json.metadata.deletionTimestamp);
      expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + (expected - 1) * 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + expected * 1000 + 1000);
      expect((await c.request('GET', `${PODS}/${name}`)).json.metadata.deletionTimestamp).toBe(
        r.json.metadata.deletionTimestamp,
      );
      // A longer grace period never extends it.
      const longer = await c.request('DELETE', `${PODS}/${name}?gracePeriodSeconds=600`);
      expect(longer.json.metadata.deletionGracePeriodSeconds).toBe(expected);
      // What the node agent (or `kubectl delete --force --grace-period=0`) does.
      const force = await del(`${PODS}/${name}`, { gracePeriodSeconds: 0 });
      expect(force.status).toBe(200);
      expect((await c.request('GET', `${PODS}/${name}`)).status).toBe(404);
    },
  );

  it('shortens the grace period of a pod already terminating', async () => {
    await post(PODS, pod('shorten', { nodeName: 'n1' }));
    await c.request('DELETE', `${PODS}/shorten`);
    const r = await c.request('DELETE', `${PODS}/shorten?gracePeriodSeconds=3`);
    expect(r.status).toBe(200);
    expect(r.json.metadata.deletionGracePeriodSeconds).toBe(3);
    await c.request('DELETE', `${PODS}/shorten?gracePeriodSeconds=0`);
    expect((await c.request('GET', `${PODS}/shorten`)).status).toBe(404);
  });

  it('a bound pod that finished goes at once', async () => {
    const p = await post(PODS, pod('done', { nodeName: 'n1' }));
    const st = await c.request('PUT', `${PODS}/done/status`, { ...p, status: { phase: 'Succeeded' } });
    expect(st.status, st.text).toBe(200);
    expect((await c.request('DELETE', `${PODS}/done`)).status).toBe(200);
    expect((await c.request('GET', `${PODS}/done`)).status).toBe(404);
  });
});

describe('DELETE collection', () => {
  it('deletes what the selector matches, nothing else', async () => {
    for (const [name, tier] of [
      ['c1', 'a'],
      ['c2', 'a'],
      ['c3', 'b'],
    ] as const) {
      await post(CM, { metadata: { name, labels: { coll: 'yes', tier } } });
    }
    const r = await c.request('DELETE', `${CM}?labelSelector=coll%3Dyes,tier%3Da`);
    expect(r.status).toBe(200);
    expect(r.json.kind).toBe('ConfigMapList');
    expect(r.json.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()).toEqual([
      'c1',
      'c2',
    ]);
    const left = await c.request('GET', `${CM}?labelSelector=coll%3Dyes`);
    expect(left.json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['c3']);
  });

  it('with a field selector, and dryRun', async () => {
    await post(CM, { metadata: { name: 'by-field' } });
    const dry = await c.request('DELETE', `${CM}?fieldSelector=metadata.name%3Dby-field&dryRun=All`);
    expect(dry.status).toBe(200);
    expect(dry.json.items).toHaveLength(1);
    expect((await c.request('GET', `${CM}/by-field`)).status).toBe(200);
    const r = await c.request('DELETE', `${CM}?fieldSelector=metadata.name%3Dby-field`);
    expect(r.json.items).toHaveLength(1);
    expect((await c.request('GET', `${CM}/by-field`)).status).toBe(404);
  });
});

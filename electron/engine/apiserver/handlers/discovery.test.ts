import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, startTestCluster } from '../testing/cluster';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster();
});
afterAll(async () => {
  await c?.stop();
});

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  group?: string;
  version?: string;
  shortNames?: string[];
  categories?: string[];
}
const find = (list: { resources: ApiResource[] }, name: string) =>
  list.resources.find((r) => r.name === name);

/** What kubectl ≥ 1.30 sends for /api and /apis. */
const AGGREGATED =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

describe('legacy discovery', () => {
  it('/api lists the core versions and the address clients reached', async () => {
    const r = await c.request('GET', '/api');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect(r.json.serverAddressByClientCIDRs).toEqual([
      { clientCIDR: '0.0.0.0/0', serverAddress: new URL(c.apiUrl).host },
    ]);
  });

  it('/apis lists the named groups with their preferred versions, without the core group', async () => {
    const r = await c.request('GET', '/apis');
    expect(r.json).toMatchObject({ kind: 'APIGroupList', apiVersion: 'v1' });
    const names = r.json.groups.map((g: { name: string }) => g.name);
    expect(names).toEqual(
      expect.arrayContaining(['apps', 'batch', 'coordination.k8s.io', 'authorization.k8s.io']),
    );
    expect(names).not.toContain('');
    const apps = r.json.groups.find((g: { name: string }) => g.name === 'apps');
    expect(apps).toEqual({
      name: 'apps',
      versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
  });

  it('/apis/apps is one APIGroup; an unknown group is 404', async () => {
    const r = await c.request('GET', '/apis/apps');
    expect(r.json).toMatchObject({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'apps',
      preferredVersion: { groupVersion: 'apps/v1' },
    });
    expect((await c.request('GET', '/apis/nope.example.com')).status).toBe(404);
    expect((await c.request('GET', '/apis/apps/v9')).status).toBe(404);
  });

  it('/api/v1 lists resources and subresources as kubectl expects', async () => {
    const r = await c.request('GET', '/api/v1');
    expect(r.json).toMatchObject({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'v1' });
    const pods = find(r.json, 'pods');
    expect(pods).toMatchObject({
      kind: 'Pod',
      namespaced: true,
      singularName: 'pod',
      shortNames: ['po'],
      categories: ['all'],
    });
    expect([...(pods?.verbs ?? [])].sort()).toEqual([
      'create',
      'delete',
      'deletecollection',
      'get',
      'list',
      'patch',
      'update',
      'watch',
    ]);
    expect(find(r.json, 'pods/status')).toMatchObject({ kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    expect(find(r.json, 'pods/binding')).toMatchObject({ kind: 'Binding', verbs: ['create'] });
    expect(find(r.json, 'pods/eviction')).toMatchObject({
      group: 'policy',
      version: 'v1',
      kind: 'Eviction',
      verbs: ['create'],
    });
    expect(find(r.json, 'namespaces')).toMatchObject({ namespaced: false, shortNames: ['ns'] });
    expect(find(r.json, 'nodes')).toMatchObject({ namespaced: false, kind: 'Node' });
    expect(find(r.json, 'replicationcontrollers/scale')).toMatchObject({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
  });

  it('/apis/apps/v1 lists deployments with their scale subresource', async () => {
    const r = await c.request('GET', '/apis/apps/v1');
    expect(r.json).toMatchObject({ kind: 'APIResourceList', groupVersion: 'apps/v1' });
    expect(find(r.json, 'deployments')).toMatchObject({
      kind: 'Deployment',
      namespaced: true,
      shortNames: ['deploy'],
      categories: ['all'],
    });
    expect(find(r.json, 'deployments/scale')).toMatchObject({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
    expect(find(r.json, 'deployments/status')).toMatchObject({ kind: 'Deployment' });
    expect(find(r.json, 'deployments/status')).not.toHaveProperty('group');
  });
});

describe('aggregated discovery', () => {
  it.each([
    ['v2', AGGREGATED],
    ['v2beta1', 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'],
  ])('%s: the whole catalog in one response with its own Content-Type', async (version, accept) => {
    for (const prefix of ['/api', '/apis']) {
      const r = await c.request('GET', prefix, undefined, { accept });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe(
        `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
      );
      expect(r.headers.vary).toBe('Accept');
      expect(r.json).toMatchObject({
        kind: 'APIGroupDiscoveryList',
        apiVersion: `apidiscovery.k8s.io/${version}`,
      });
    }
    const core = (await c.request('GET', '/api', undefined, { accept })).json;
    expect(core.items).toHaveLength(1);
    const v1 = core.items[0].versions[0];
    expect(v1).toMatchObject({ version: 'v1', freshness: 'Current' });
    const pods = v1.resources.find((x: { resource: string }) => x.resource === 'pods');
    expect(pods).toMatchObject({
      responseKind: { group: '', version: 'v1', kind: 'Pod' },
      scope: 'Namespaced',
      singularResource: 'pod',
      shortNames: ['po'],
    });
    expect(pods.subresources).toEqual(
      expect.arrayContaining([
        {
          subresource: 'status',
          responseKind: { group: '', version: 'v1', kind: 'Pod' },
          verbs: ['get', 'patch', 'update'],
        },
        expect.objectContaining({ subresource: 'log' }),
      ]),
    );
    const groups = (await c.request('GET', '/apis', undefined, { accept })).json.items;
    const apps = groups.find((g: { metadata: { name: string } }) => g.metadata.name === 'apps');
    const deployments = apps.versions[0].resources.find(
      (x: { resource: string }) => x.resource === 'deployments',
    );
    expect(deployments.subresources).toEqual(
      expect.arrayContaining([
        {
          subresource: 'scale',
          responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
          verbs: ['get', 'patch', 'update'],
        },
      ]),
    );
    expect(groups.map((g: { metadata: { name: string } }) => g.metadata.name)).not.toContain('');
  });

  it('falls back to the legacy form when the client does not ask for the aggregated one', async () => {
    const r = await c.request('GET', '/apis', undefined, { accept: 'application/json' });
    expect(r.json.kind).toBe('APIGroupList');
  });
});

describe('caching', () => {
  it.each([
    ['/apis', AGGREGATED],
    ['/apis', 'application/json'],
    ['/api/v1', 'application/json'],
    ['/apis/apps/v1', 'application/json'],
  ])('%s (%s): an ETag, 304 when it still matches', async (path, accept) => {
    const first = await c.request('GET', path, undefined, { accept });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    const again = await c.request('GET', path, undefined, { accept, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(etag);
    const stale = await c.request('GET', path, undefined, { accept, 'if-none-match': '"something-else"' });
    expect(stale.status).toBe(200);
  });

  it('aggregated and legacy forms of one path have different ETags', async () => {
    const agg = await c.request('GET', '/apis', undefined, { accept: AGGREGATED });
    const legacy = await c.request('GET', '/apis', undefined, { accept: 'application/json' });
    expect(agg.headers.etag).not.toBe(legacy.headers.etag);
    const cross = await c.request('GET', '/apis', undefined, {
      accept: 'application/json',
      'if-none-match': agg.headers.etag as string,
    });
    expect(cross.status).toBe(200);
  });
});

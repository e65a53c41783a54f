import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, configMap, pod, startTestApi } from './testing';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
  for (const ns of ['a', 'b', 'paged']) {
    expect((await t.request('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
});

const names = (list: { items: { metadata: { name: string } }[] }) => list.items.map((i) => i.metadata.name);
const cm = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;

async function create(path: string, body: unknown): Promise<number> {
  const r = await t.request('POST', path, body);
  expect(r.status, r.text).toBe(201);
  return Number(r.json.metadata.resourceVersion);
}

describe('GET', () => {
  it('reads the latest state, or the cache with resourceVersion=0', async () => {
    const rv = await create(cm('a'), configMap('get-me', { k: 'v' }));
    for (const q of ['', '?resourceVersion=0', `?resourceVersion=${rv}`]) {
      const r = await t.request('GET', `${cm('a')}/get-me${q}`);
      expect(r.status, q).toBe(200);
      expect(r.json).toMatchObject({
        kind: 'ConfigMap',
        apiVersion: 'v1',
        data: { k: 'v' },
        metadata: { resourceVersion: String(rv) },
      });
    }
    const missing = await t.request('GET', `${cm('a')}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'configmaps "nope" not found',
      details: { name: 'nope', kind: 'configmaps' },
    });
  });
});

describe('LIST resourceVersion semantics', () => {
  it('unset: a consistent read that includes every write acknowledged before it', async () => {
    const rv = await create(cm('a'), configMap('fresh'));
    const r = await t.request('GET', cm('a'));
    expect(r.status).toBe(200);
    expect(r.json.kind).toBe('ConfigMapList');
    expect(Number(r.json.metadata.resourceVersion)).toBeGreaterThanOrEqual(rv);
    expect(names(r.json)).toContain('fresh');
  });

  it('0: whatever the cache has; N: at least as fresh as N', async () => {
    const rv = await create(cm('a'), configMap('not-older'));
    const any = await t.request('GET', `${cm('a')}?resourceVersion=0`);
    expect(any.status).toBe(200);
    const r = await t.request('GET', `${cm('a')}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`);
    expect(r.status).toBe(200);
    expect(names(r.json)).toContain('not-older');
    expect(Number(r.json.metadata.resourceVersion)).toBeGreaterThanOrEqual(rv);
  });

  it('N beyond the store: 504 Timeout "Too large resource version"', async () => {
    const r = await t.request('GET', `${cm('a')}?resourceVersion=99999999`);
    expect(r.status).toBe(504);
    expect(r.json).toMatchObject({ reason: 'Timeout', details: { retryAfterSeconds: 1 } });
    expect(r.json.message).toMatch(/^Too large resource version: 99999999, current: \d+$/);
  });

  it('Exact: the state at that revision, read from the store history', async () => {
    const before = await create(cm('a'), configMap('exact-1'));
    await create(cm('a'), configMap('exact-2'));
    const r = await t.request('GET', `${cm('a')}?resourceVersion=${before}&resourceVersionMatch=Exact`);
    expect(r.status).toBe(200);
    expect(r.json.metadata.resourceVersion).toBe(String(before));
    expect(names(r.json)).toContain('exact-1');
    expect(names(r.json)).not.toContain('exact-2');
  });

  it.each([
    [
      '?resourceVersionMatch=Exact',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    ],
    [
      '?resourceVersion=0&resourceVersionMatch=Exact',
      'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    ],
    [
      '?resourceVersion=1&resourceVersionMatch=Newest',
      'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
    ],
    ['?sendInitialEvents=true', 'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
    [
      '?resourceVersionMatch=NotOlderThan&resourceVersion=1&continue=x',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided',
    ],
  ])('%s → 422 (ValidateListOptions)', async (q, message) => {
    const r = await t.request('GET', `${cm('a')}${q}`);
    expect(r.status).toBe(422);
    expect(r.json.reason).toBe('Invalid');
    expect(r.json.message).toContain(message);
  });

  it.each([['abc'], ['-1'], ['1.5']])('resourceVersion=%s → 400', async (rv) => {
    const r = await t.request('GET', `${cm('a')}?resourceVersion=${rv}`);
    expect(r.status).toBe(400);
  });
});

describe('LIST limit and continue', () => {
  const all = Array.from({ length: 7 }, (_, i) => `item-${i}`);
  beforeAll(async () => {
    for (const n of all) await create(cm('paged'), configMap(n));
  });

  async function pages(first: string, limit: number) {
    const seen: string[] = [];
    const rvs = new Set<string>();
    let path = `${first}?limit=${limit}`;
    for (let i = 0; i < 20; i++) {
      const r = await t.request('GET', path);
      expect(r.status, r.text).toBe(200);
      expect(r.json.items.length).toBeLessThanOrEqual(limit);
      seen.push(...names(r.json));
      rvs.add(r.json.metadata.resourceVersion);
      const token = r.json.metadata.continue;
      if (!token) return { seen, rvs, pagesRead: i + 1 };
      path = `${first}?limit=${limit}&continue=${encodeURIComponent(token)}`;
    }
    throw new Error('pagination did not end');
  }

  it.each([[1], [3], [7], [50]])(
    'limit=%i returns every object once, all pages at one revision',
    async (limit) => {
      const { seen, rvs, pagesRead } = await pages(cm('paged'), limit);
      expect(seen).toEqual(all);
      expect(rvs.size).toBe(1);
      expect(pagesRead).toBe(Math.max(1, Math.ceil(all.length / limit)));
    },
  );

  it('continues at the first page revision after writes happened (from the store history)', async () => {
    const first = await t.request('GET', `${cm('paged')}?limit=3`);
    expect(names(first.json)).toEqual(all.slice(0, 3));
    const listRv = first.json.metadata.resourceVersion;
    // Writes after the first page: a deletion and a creation in the part not yet read.
    expect((await t.request('DELETE', `${cm('paged')}/item-5`)).status).toBe(200);
    await create(cm('paged'), configMap('item-55'));
    const rest = await t.request(
      'GET',
      `${cm('paged')}?limit=10&continue=${encodeURIComponent(first.json.metadata.continue)}`,
    );
    expect(rest.status).toBe(200);
    expect(rest.json.metadata.resourceVersion).toBe(listRv);
    expect(names(rest.json)).toEqual(all.slice(3));
    // Items from the history carry their resourceVersion like live ones.
    expect(rest.json.items[0].metadata.resourceVersion).toMatch(/^\d+$/);
    // Put the fixture back for other tests.
    expect((await t.request('DELETE', `${cm('paged')}/item-55`)).status).toBe(200);
    await create(cm('paged'), configMap('item-5'));
  });

  it('an expired continue token: 410 with a token that resumes at the latest revision', async () => {
    const first = await t.request('GET', `${cm('paged')}?limit=2`);
    expect(first.status).toBe(200);
    await create(cm('paged'), configMap('item-9'));
    const { header } = await t.store.status();
    await t.store.compact(header.revision);
    const r = await t.request(
      'GET',
      `${cm('paged')}?limit=2&continue=${encodeURIComponent(first.json.metadata.continue)}`,
    );
    expect(r.status).toBe(410);
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    expect(r.json.message).toBe(
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    );
    // The Status carries a continue token for an inconsistent continuation (Kubernetes' rv -1).
    const token = r.json.metadata?.continue;
    expect(typeof token).toBe('string');
    const rest = await t.request('GET', `${cm('paged')}?limit=100&continue=${encodeURIComponent(token)}`);
    expect(rest.status).toBe(200);
    expect(names(rest.json)).toEqual([...all.slice(2), 'item-9']);
    expect(Number(rest.json.metadata.resourceVersion)).toBeGreaterThanOrEqual(header.revision);
    expect((await t.request('DELETE', `${cm('paged')}/item-9`)).status).toBe(200);
  });

  it('Exact at a compacted revision: 410 "too old"', async () => {
    const r = await t.request('GET', `${cm('paged')}?resourceVersion=1&resourceVersionMatch=Exact`);
    expect(r.status).toBe(410);
    expect(r.json).toMatchObject({
      reason: 'Expired',
      message: 'The resourceVersion for the provided list is too old.',
    });
  });

  it.each([
    ['garbage', 400],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":1}').toString('base64'), 400],
  ])('continue=%s → %i', async (token, code) => {
    const r = await t.request('GET', `${cm('paged')}?limit=2&continue=${encodeURIComponent(token)}`);
    expect(r.status).toBe(code);
  });

  it('continue with a resourceVersion: 400 as kube-apiserver', async () => {
    const first = await t.request('GET', `${cm('paged')}?limit=2`);
    const r = await t.request(
      'GET',
      `${cm('paged')}?limit=2&resourceVersion=5&continue=${encodeURIComponent(first.json.metadata.continue)}`,
    );
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('specifying resource version is not allowed when using continue');
  });

  it('a limit with a selector fills pages with matching objects only', async () => {
    await create(cm('paged'), configMap('sel-1', {}, { pick: 'yes' }));
    await create(cm('paged'), configMap('sel-2', {}, { pick: 'yes' }));
    const one = await t.request('GET', `${cm('paged')}?labelSelector=pick%3Dyes&limit=1`);
    expect(names(one.json)).toEqual(['sel-1']);
    const two = await t.request(
      'GET',
      `${cm('paged')}?labelSelector=pick%3Dyes&limit=1&continue=${encodeURIComponent(one.json.metadata.continue)}`,
    );
    expect(names(two.json)).toEqual(['sel-2']);
    expect(two.json.metadata.continue).toBeUndefined();
  });
});

describe('LIST selectors and scope', () => {
  beforeAll(async () => {
    await create(
      '/api/v1/namespaces/b/pods',
      pod('web-1', { labels: { app: 'web', tier: 'front' }, nodeName: 'n1' }),
    );
    await create('/api/v1/namespaces/b/pods', pod('web-2', { labels: { app: 'web' }, nodeName: 'n2' }));
    await create('/api/v1/namespaces/b/pods', pod('db-1', { labels: { app: 'db' } }));
    await create('/api/v1/namespaces/a/pods', pod('web-a', { labels: { app: 'web' } }));
  });

  it.each([
    ['labelSelector=app%3Dweb', ['web-1', 'web-2']],
    ['labelSelector=app!%3Dweb', ['db-1']],
    ['labelSelector=app%20in%20(web,db)', ['db-1', 'web-1', 'web-2']],
    ['labelSelector=tier', ['web-1']],
    ['labelSelector=!tier', ['db-1', 'web-2']],
    ['fieldSelector=spec.nodeName%3Dn1', ['web-1']],
    ['fieldSelector=spec.nodeName%3D', ['db-1']],
    ['fieldSelector=metadata.name%3Dweb-2', ['web-2']],
    ['fieldSelector=metadata.name!%3Dweb-2', ['db-1', 'web-1']],
    ['fieldSelector=metadata.namespace%3Da', []],
    ['fieldSelector=status.phase%3DPending', ['db-1', 'web-1', 'web-2']],
    ['labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn2', ['web-2']],
  ])('pods in b with %s', async (q, want) => {
    const r = await t.request('GET', `/api/v1/namespaces/b/pods?${q}`);
    expect(r.status, r.text).toBe(200);
    expect(names(r.json)).toEqual(want);
  });

  it.each([
    ['fieldSelector=spec.foo%3Dbar', 'field label not supported: spec.foo'],
    ['labelSelector=app%3D%3D%3D', 'unable to parse requirement'],
    ['labelSelector=Bad%20Key%3D1', 'unable to parse requirement'],
  ])('%s → 400', async (q, message) => {
    const r = await t.request('GET', `/api/v1/namespaces/b/pods?${q}`);
    expect(r.status).toBe(400);
    expect(r.json.reason).toBe('BadRequest');
    expect(r.json.message).toContain(message);
  });

  it('lists one namespace, or all of them at /api/v1/<resource>', async () => {
    const inA = await t.request('GET', '/api/v1/namespaces/a/pods');
    expect(names(inA.json)).toEqual(['web-a']);
    const everywhere = await t.request('GET', '/api/v1/pods?labelSelector=app%3Dweb');
    expect(
      everywhere.json.items.map(
        (p: { metadata: { namespace: string; name: string } }) =>
          `${p.metadata.namespace}/${p.metadata.name}`,
      ),
    ).toEqual(['a/web-a', 'b/web-1', 'b/web-2']);
    const byField = await t.request('GET', '/api/v1/pods?fieldSelector=metadata.namespace%3Da');
    expect(names(byField.json)).toEqual(['web-a']);
  });
});

describe('LIST output formats', () => {
  const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

  it.each([
    ['', 'PartialObjectMetadata'],
    ['&includeObject=Metadata', 'PartialObjectMetadata'],
    ['&includeObject=Object', 'Pod'],
    ['&includeObject=None', undefined],
  ])('Table%s: NAME first, one row per object, embedded %s', async (q, embedded) => {
    const r = await t.request('GET', `/api/v1/namespaces/b/pods?labelSelector=app%3Dweb${q}`, undefined, {
      accept: TABLE,
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(r.json.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(r.json.columnDefinitions[0]).toMatchObject({
      name: 'Name',
      type: 'string',
      format: 'name',
      priority: 0,
    });
    expect(r.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['Name', 'Ready', 'Status', 'Restarts', 'Age']),
    );
    expect(r.json.rows.map((row: { cells: unknown[] }) => row.cells[0])).toEqual(['web-1', 'web-2']);
    for (const row of r.json.rows) {
      expect(row.cells).toHaveLength(r.json.columnDefinitions.length);
      expect(row.object?.kind).toBe(embedded);
    }
    if (embedded === 'Pod') expect(r.json.rows[0].object.spec.containers[0].image).toBe('busybox');
  });

  it('Table with limit carries the continue token', async () => {
    const r = await t.request('GET', '/api/v1/namespaces/b/pods?limit=1', undefined, { accept: TABLE });
    expect(r.json.rows).toHaveLength(1);
    expect(typeof r.json.metadata.continue).toBe('string');
  });

  it('PartialObjectMetadataList: metadata only, each item typed', async () => {
    const r = await t.request('GET', '/api/v1/namespaces/b/pods', undefined, {
      accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' });
    expect(r.json.items).toHaveLength(3);
    for (const item of r.json.items) {
      expect(item.kind).toBe('PartialObjectMetadata');
      expect(item.apiVersion).toBe('meta.k8s.io/v1');
      expect(item.spec).toBeUndefined();
      expect(item.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('YAML', async () => {
    const r = await t.request('GET', '/api/v1/namespaces/b/pods?labelSelector=app%3Ddb', undefined, {
      accept: 'application/yaml',
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/yaml');
    const list = YAML.parse(r.text) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe('PodList');
    expect(names(list)).toEqual(['db-1']);
  });

  it('406 for a media type the server cannot produce', async () => {
    const r = await t.request('GET', '/api/v1/namespaces/b/pods', undefined, { accept: 'text/html' });
    expect(r.status).toBe(406);
    expect(r.json.reason).toBe('NotAcceptable');
  });
});

/**
 * Bad requests over raw HTTP against a real control plane: each must be refused with the HTTP
 * code, metav1.Status reason and (where clients parse them) causes kube-apiserver answers with,
 * and must leave nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, type TestResponse, startTestCluster } from '../testing/cluster';
import { requestWithoutCertificate } from './raw-client';

const NS = 'bad-input';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments`;
const PODS = `/api/v1/namespaces/${NS}/pods`;

const deployment = (name: string, app = name) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    selector: { matchLabels: { app } },
    template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
  },
});

interface Cause {
  reason?: string;
  field?: string;
  message?: string;
}

interface Case {
  name: string;
  /** Objects that must exist first (POSTed to the given collection, expecting 201). */
  setup?: { path: string; body: unknown }[];
  send: (c: TestCluster) => Promise<TestResponse>;
  code: number;
  reason: string;
  message: RegExp;
  causes?: Cause[];
  /** A path that must still answer 404 afterwards (nothing was created). */
  absent?: string;
}

const json = (c: TestCluster, method: string, path: string, body: string, type = 'application/json') =>
  c.request(method, path, body, { 'content-type': type });

const CASES: Case[] = [
  {
    name: 'malformed JSON',
    send: (c) => json(c, 'POST', CM, '{"metadata": {"name": "x"'),
    code: 400,
    reason: 'BadRequest',
    message: /json/i,
  },
  {
    name: 'malformed YAML',
    send: (c) => json(c, 'POST', CM, 'metadata:\n  name: [x\n data: :', 'application/yaml'),
    code: 400,
    reason: 'BadRequest',
    message: /yaml/i,
  },
  {
    name: 'a body that is an array',
    send: (c) => c.request('POST', CM, [{ metadata: { name: 'arr' } }]),
    code: 400,
    reason: 'BadRequest',
    message: /array/,
    absent: `${CM}/arr`,
  },
  {
    name: 'a body that is a JSON string',
    send: (c) => json(c, 'POST', CM, '"configmap"'),
    code: 400,
    reason: 'BadRequest',
    message: /string/,
  },
  {
    name: 'the wrong kind for the URL',
    send: (c) =>
      c.request('POST', CM, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrong-kind' } }),
    code: 400,
    reason: 'BadRequest',
    message: /Secret.*ConfigMap/,
    absent: `${CM}/wrong-kind`,
  },
  {
    name: 'the wrong apiVersion',
    send: (c) =>
      c.request('POST', CM, { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'wrong-gv' } }),
    code: 400,
    reason: 'BadRequest',
    message: /apps\/v1/,
    absent: `${CM}/wrong-gv`,
  },
  {
    name: 'a name in the body that differs from the URL',
    setup: [{ path: CM, body: { metadata: { name: 'named' } } }],
    send: (c) => c.request('PUT', `${CM}/named`, { metadata: { name: 'other' }, data: { a: 'b' } }),
    code: 400,
    reason: 'BadRequest',
    message: /^the name of the object \(other\) does not match the name on the URL \(named\)$/,
    absent: `${CM}/other`,
  },
  {
    name: 'a namespace in the body that differs from the URL',
    send: (c) => c.request('POST', CM, { metadata: { name: 'elsewhere', namespace: 'default' } }),
    code: 400,
    reason: 'BadRequest',
    message: /^the namespace of the provided object does not match the namespace sent on the request$/,
    absent: `${CM}/elsewhere`,
  },
  ...['Foo', 'a_b', 'x'.repeat(300)].map((name): Case => ({
    name: `the invalid name ${name.length > 20 ? `of ${name.length} characters` : JSON.stringify(name)}`,
    send: (c) => c.request('POST', CM, { metadata: { name } }),
    code: 422,
    reason: 'Invalid',
    message: new RegExp(`^ConfigMap "${name}" is invalid: metadata\\.name: Invalid value: "${name}": `),
    causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }],
  })),
  {
    name: 'a stale resourceVersion on PUT',
    setup: [{ path: CM, body: { metadata: { name: 'stale' } } }],
    send: async (c) => {
      const cur = await c.request('GET', `${CM}/stale`);
      const first = await c.request('PUT', `${CM}/stale`, { ...cur.json, data: { v: '1' } });
      expect(first.status, first.text).toBe(200);
      return c.request('PUT', `${CM}/stale`, { ...cur.json, data: { v: '2' } });
    },
    code: 409,
    reason: 'Conflict',
    message:
      /^Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again$/,
  },
  {
    name: 'creating the same name twice',
    setup: [{ path: CM, body: { metadata: { name: 'twice' } } }],
    send: (c) => c.request('POST', CM, { metadata: { name: 'twice' } }),
    code: 409,
    reason: 'AlreadyExists',
    message: /^configmaps "twice" already exists$/,
  },
  {
    name: 'an unknown resource',
    send: (c) => c.request('GET', `/api/v1/namespaces/${NS}/widgets`),
    code: 404,
    reason: 'NotFound',
    message: /^the server could not find the requested resource$/,
  },
  {
    name: 'an unknown API group',
    send: (c) =>
      c.request('POST', `/apis/widgets.example.com/v1/namespaces/${NS}/widgets`, { metadata: { name: 'w' } }),
    code: 404,
    reason: 'NotFound',
    message: /^the server could not find the requested resource$/,
  },
  {
    name: 'an unknown field with fieldValidation=Strict',
    send: (c) =>
      c.request('POST', `${CM}?fieldValidation=Strict`, {
        metadata: { name: 'strict', bogus: 1 },
        data: {},
        extra: true,
      }),
    code: 400,
    reason: 'BadRequest',
    message:
      /^ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata\.bogus", unknown field "extra"$/,
    absent: `${CM}/strict`,
  },
  {
    name: 'a body over 3 MiB',
    send: (c) =>
      c.request('POST', CM, { metadata: { name: 'huge' }, data: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) } }),
    code: 413,
    reason: 'RequestEntityTooLarge',
    message: /^Request entity too large: limit is 3145728$/,
    absent: `${CM}/huge`,
  },
  {
    name: 'changing spec.nodeName of a bound pod',
    setup: [
      {
        path: PODS,
        body: { metadata: { name: 'bound' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    ],
    send: async (c) => {
      const bind = await c.request('POST', `${PODS}/bound/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'bound' },
        target: { kind: 'Node', name: 'node-a' },
      });
      expect(bind.status, bind.text).toBe(201);
      return c.request('PATCH', `${PODS}/bound`, '{"spec":{"nodeName":"node-b"}}', {
        'content-type': 'application/merge-patch+json',
      });
    },
    code: 422,
    reason: 'Invalid',
    message: /^Pod "bound" is invalid: spec: Forbidden: pod updates may not change fields other than/,
    causes: [{ reason: 'FieldValueForbidden', field: 'spec' }],
  },
  {
    name: 'changing the selector of a deployment',
    setup: [{ path: DEPLOY, body: deployment('sel') }],
    send: (c) =>
      c.request('PUT', `${DEPLOY}/sel`, {
        ...deployment('sel', 'other'),
      }),
    code: 422,
    reason: 'Invalid',
    message: /^Deployment\.apps "sel" is invalid: spec\.selector: Invalid value: .*field is immutable/,
    causes: [{ reason: 'FieldValueInvalid', field: 'spec.selector' }],
  },
  {
    name: 'a patch with an unsupported content type',
    setup: [{ path: CM, body: { metadata: { name: 'patched' } } }],
    send: (c) => json(c, 'PATCH', `${CM}/patched`, '{"data":{"a":"b"}}', 'text/plain'),
    code: 415,
    reason: 'UnsupportedMediaType',
    message: /text\/plain/,
  },
  {
    name: 'a patch sent as plain application/json',
    setup: [{ path: CM, body: { metadata: { name: 'patched-json' } } }],
    send: (c) => json(c, 'PATCH', `${CM}/patched-json`, '{"data":{"a":"b"}}'),
    code: 415,
    reason: 'UnsupportedMediaType',
    message: /patch/,
  },
  {
    name: 'no credentials',
    send: (c) => requestWithoutCertificate(c, 'GET', CM),
    code: 401,
    reason: 'Unauthorized',
    message: /^Unauthorized$/,
  },
  {
    name: 'a bad bearer token',
    send: (c) => requestWithoutCertificate(c, 'GET', CM, { authorization: 'Bearer abcdef.0123456789abcdef' }),
    code: 401,
    reason: 'Unauthorized',
    message: /^Unauthorized$/,
  },
  {
    name: 'a malformed bearer token',
    send: (c) => requestWithoutCertificate(c, 'GET', CM, { authorization: 'Bearer not-a-jwt' }),
    code: 401,
    reason: 'Unauthorized',
    message: /^Unauthorized$/,
  },
];

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster();
  const r = await cluster.request('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  expect(r.status, r.text).toBe(201);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('bad input is refused like kube-apiserver refuses it', () => {
  it.each(CASES)('$name → $code $reason', async (tc) => {
    for (const s of tc.setup ?? []) {
      const r = await cluster.request('POST', s.path, s.body);
      expect(r.status, r.text).toBe(201);
    }
    const res = await tc.send(cluster);
    expect(res.status, res.text).toBe(tc.code);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: tc.code,
      reason: tc.reason,
    });
    expect(res.json.message).toMatch(tc.message);
    if (tc.causes) expect(res.json.details.causes).toMatchObject(tc.causes);
    if (tc.absent) expect((await cluster.request('GET', tc.absent)).status).toBe(404);
  });

  it('still serves good requests after all of them', async () => {
    const r = await cluster.request('POST', CM, { metadata: { name: 'good' }, data: { k: 'v' } });
    expect(r.status, r.text).toBe(201);
    expect((await cluster.request('GET', `${CM}/good`)).json.data).toEqual({ k: 'v' });
  });
});

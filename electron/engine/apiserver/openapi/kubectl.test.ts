/**
 * Real kubectl (1.27 and the newest installed) against the OpenAPI handler: `kubectl explain` over
 * OpenAPI v3 JSON and over the v2 protobuf (which proves gnostic wire compatibility), and
 * server-side field validation detection on create and apply, which is what sends
 * `fieldValidation=Strict`. The API server proper is not part of this module, so a stub stands in
 * for discovery and for the object endpoints (it echoes writes and records requests); the lead's
 * end-to-end tests run kubectl against the real server. Skipped when kubectl is not installed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleOpenApi } from './handler';

const SDK = '/usr/lib/google-cloud-sdk/bin';
const KUBECTLS = [`${SDK}/kubectl.1.27`, `${SDK}/kubectl.1.33`].filter((bin) => existsSync(bin));

const resourceList = (groupVersion: string, name: string, kind: string) => ({
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion,
  resources: [
    {
      name,
      singularName: kind.toLowerCase(),
      namespaced: true,
      kind,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    },
  ],
});
const DISCOVERY: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [
      {
        name: 'apps',
        versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
      },
    ],
  },
  '/api/v1': resourceList('v1', 'pods', 'Pod'),
  '/apis/apps/v1': resourceList('apps/v1', 'deployments', 'Deployment'),
};
const APPLIED = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default' },
  spec: { containers: [{ name: 'a', image: 'nginx' }] },
};

describe.skipIf(KUBECTLS.length === 0)('kubectl against the OpenAPI handler', () => {
  let server: http.Server;
  let port = 0;
  let dir = '';
  const requests: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openapi-kubectl-'));
    server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push(`${req.method} ${req.url}`);
      if (handleOpenApi(req, res, path)) return;
      const json = (code: number, body: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (DISCOVERY[path]) return json(200, DISCOVERY[path]);
      if (req.method === 'GET' && path === '/api/v1/namespaces/default/pods/web') {
        const annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(APPLIED) };
        return json(200, {
          ...APPLIED,
          metadata: { ...APPLIED.metadata, resourceVersion: '5', annotations },
        });
      }
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => json(201, JSON.parse(Buffer.concat(chunks).toString())));
        return;
      }
      if (req.method === 'PATCH') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          requests.push(`PATCH BODY ${Buffer.concat(chunks).toString()}`);
          json(200, APPLIED);
        });
        return;
      }
      json(404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
        message: 'not found',
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs kubectl with a fresh cache, so every run reads the documents from the server. */
  const kubectl = (bin: string, args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const cache = mkdtempSync(join(dir, 'cache-'));
      const flags = ['--server', `http://127.0.0.1:${port}`, '--cache-dir', cache, ...args];
      execFile(
        bin,
        flags,
        { timeout: 30_000, env: { ...process.env, KUBECONFIG: '/dev/null' } },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      );
    });

  it.each(KUBECTLS)('%s explains pod.spec.containers from OpenAPI v3', async (bin) => {
    requests.length = 0;
    const out = await kubectl(bin, ['explain', 'pods.spec.containers']);
    expect(out).toMatch(/FIELD: +containers <\[\]Container>/);
    expect(out).toMatch(/^ +image\t<string>/m);
    expect(out).toMatch(/^ +name\t<string> -required-/m);
    expect(requests.some((r) => r.startsWith('GET /openapi/v3/api/v1?hash='))).toBe(true);
  });

  it.each(KUBECTLS)('%s explains from the OpenAPI v2 protobuf', async (bin) => {
    const out = await kubectl(bin, ['explain', 'deployments.spec.strategy', '--output=plaintext-openapiv2']);
    expect(out).toMatch(/RESOURCE: strategy <Object>/);
    expect(out).toMatch(/rollingUpdate\t<Object>/);
  });

  it.each(KUBECTLS)(
    '%s sends fieldValidation=Strict on create and computes a merge-keyed apply',
    async (bin) => {
      requests.length = 0;
      const manifest = (name: string, containers: string) =>
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n  containers:\n${containers}`;
      writeFileSync(join(dir, 'new.yaml'), manifest('new', '  - name: a\n    image: nginx\n'));
      await kubectl(bin, ['create', '-f', join(dir, 'new.yaml'), '--validate=strict']);
      expect(requests).toContain(
        'POST /api/v1/namespaces/default/pods?fieldManager=kubectl-create&fieldValidation=Strict',
      );

      writeFileSync(
        join(dir, 'web.yaml'),
        manifest('web', '  - name: b\n    image: redis\n  - name: a\n    image: nginx\n'),
      );
      await kubectl(bin, ['apply', '-f', join(dir, 'web.yaml')]);
      const patch = requests.find((r) => r.startsWith('PATCH BODY '));
      expect(JSON.parse(patch?.slice('PATCH BODY '.length) ?? '{}')).toMatchObject({
        spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] },
      });
      expect(
        requests.some(
          (r) =>
            r.startsWith('PATCH /api/v1/namespaces/default/pods/web?') &&
            r.includes('fieldValidation=Strict'),
        ),
      ).toBe(true);
    },
  );
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceDefinition } from '../resources/types';
import { createOpenApiDocuments } from './documents';
import { createOpenApiHandler, parseAccept, V2_PROTOBUF, V2_PROTOBUF_DEPRECATED } from './handler';

const pods: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  storagePrefix: 'pods',
};
const deployments: ResourceDefinition = { ...pods, group: 'apps', kind: 'Deployment', plural: 'deployments' };
const docs = createOpenApiDocuments({ resources: [pods, deployments], version: 'v1.33.0' });
const handle = createOpenApiHandler(docs);

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!handle(req, res, path)) res.writeHead(418).end('not openapi');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A raw request (no automatic decompression or redirects, unlike fetch), on its own connection:
 * a kept-alive socket can be reset under load between two tests.
 */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, timeout: 5000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new Error(`${method} ${path}: ${err.message}`)));
    req.end();
  });
}

const appsUrl = () => `/openapi/v3/apis/apps/v1?hash=${docs.v3('apis/apps/v1')?.etag}`;

describe('content negotiation', () => {
  it.each<[string, string, Record<string, string>, number, string | undefined]>([
    ['v2 without Accept', '/openapi/v2', {}, 200, 'application/json'],
    ['v2 as JSON', '/openapi/v2', { accept: 'application/json' }, 200, 'application/json'],
    ['v2 as protobuf (client-go)', '/openapi/v2', { accept: V2_PROTOBUF_DEPRECATED }, 200, V2_PROTOBUF],
    ['v2 as protobuf (dotted spelling)', '/openapi/v2', { accept: V2_PROTOBUF }, 200, V2_PROTOBUF],
    [
      'v2 preferring protobuf by q',
      '/openapi/v2',
      { accept: `application/json;q=0.5, ${V2_PROTOBUF};q=0.9` },
      200,
      V2_PROTOBUF,
    ],
    ['v2 for a wildcard', '/openapi/v2', { accept: 'application/*' }, 200, 'application/json'],
    ['v2 as YAML', '/openapi/v2', { accept: 'application/yaml' }, 406, 'application/json'],
    ['the v3 index (kubectl)', '/openapi/v3', { accept: 'application/json, */*' }, 200, 'application/json'],
    [
      'a v3 document (kubectl)',
      '/openapi/v3/api/v1',
      { accept: 'application/json' },
      200,
      'application/json',
    ],
    [
      'a v3 document as protobuf',
      '/openapi/v3/api/v1',
      { accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' },
      406,
      'application/json',
    ],
    ['an unknown group-version', '/openapi/v3/apis/batch/v1', {}, 404, 'application/json'],
  ])('serves %s', async (_name, path, headers, status, contentType) => {
    const reply = await get(path, headers);
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe(contentType);
    if (status !== 200) {
      expect(JSON.parse(reply.body.toString())).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        code: status,
      });
    }
  });

  it('serves the protobuf and JSON forms of v2 with one entity tag and Vary: Accept', async () => {
    const json = await get('/openapi/v2', { accept: 'application/json' });
    const pb = await get('/openapi/v2', { accept: V2_PROTOBUF_DEPRECATED });
    expect(json.body).toEqual(docs.v2Json().body);
    expect(pb.body).toEqual(docs.v2Protobuf().body);
    expect(json.headers.etag).toBe(`"${docs.v2Json().etag}"`);
    expect(pb.headers.etag).toBe(json.headers.etag);
    expect(json.headers.vary).toMatch(/\bAccept\b/);
  });

  it.each([
    [undefined, ['*/*']],
    ['application/json, */*', ['application/json', '*/*']],
    ['*/*, application/*, application/json', ['application/json', 'application/*', '*/*']],
    ['application/json;q=0, */*;q=0.1', ['*/*']],
    ['text/html;q=0.2, application/json', ['application/json', 'text/html']],
    ['garbage, application/json', ['application/json']],
  ])('orders Accept %s by q-value, then specificity', (accept, expected) => {
    expect(parseAccept(accept).map((c) => `${c.type}/${c.subtype}`)).toEqual(expected);
  });
});

describe('caching', () => {
  it('links the index to hashed URLs that are immutable', async () => {
    const index = JSON.parse((await get('/openapi/v3')).body.toString()) as {
      paths: Record<string, { serverRelativeURL: string }>;
    };
    expect(index.paths['apis/apps/v1']?.serverRelativeURL).toBe(appsUrl());
    const reply = await get(appsUrl(), { accept: 'application/json' });
    expect(reply.status).toBe(200);
    expect(reply.headers['cache-control']).toBe('public, immutable');
    expect(Date.parse(reply.headers.expires ?? '')).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
    expect(reply.headers.etag).toBe(`"${docs.v3('apis/apps/v1')?.etag}"`);
  });

  it.each(['/openapi/v2', '/openapi/v3', '/openapi/v3/apis/apps/v1'])(
    'asks clients to revalidate %s',
    async (path) => {
      const reply = await get(path);
      expect(reply.headers['cache-control']).toBe('no-cache, private');
      expect(reply.headers.expires).toBeUndefined();
    },
  );

  it('redirects a stale hash to the current URL', async () => {
    const reply = await get('/openapi/v3/apis/apps/v1?hash=0123');
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe(appsUrl());
  });

  it.each([
    ['the current tag', (tag: string) => `"${tag}"`, 304],
    ['a weak current tag among others', (tag: string) => `"x", W/"${tag}"`, 304],
    ['any tag', () => '*', 304],
    ['an old tag', () => '"0ABC"', 200],
  ])('answers If-None-Match with %s', async (_name, header, status) => {
    const tag = docs.v2Json().etag;
    const reply = await get('/openapi/v2', { 'if-none-match': header(tag) });
    expect(reply.status).toBe(status);
    if (status === 304) {
      expect(reply.body.length).toBe(0);
      expect(reply.headers.etag).toBe(`"${tag}"`);
    }
  });

  it('compresses for clients that accept gzip', async () => {
    const reply = await get('/openapi/v2', { accept: V2_PROTOBUF, 'accept-encoding': 'gzip' });
    expect(reply.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(reply.body)).toEqual(docs.v2Protobuf().body);
  });
});

describe('routing', () => {
  it.each(['/openapi', '/openapi/v2/extra', '/openapi/v22', '/api/v1', '/openapi/v3x'])(
    'leaves %s to others',
    async (path) => {
      expect((await get(path)).status).toBe(418);
    },
  );

  it('answers HEAD without a body and rejects writes', async () => {
    const head = await get('/openapi/v3', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect((await get('/openapi/v3', {}, 'POST')).status).toBe(405);
  });
});

/**
 * Test harness for handler tests that need the store itself (compaction, writes that bypass
 * the API, objects present before the watch caches start): the real API layer (`createApi`)
 * over a memory store, served as plain HTTP on a loopback port with every request made as a
 * cluster admin. TLS and authentication are left out on purpose — `testing/cluster.ts` covers
 * them; here the subject is list/watch semantics.
 *
 * `watch()` reads a chunked watch response event by event, as client-go's stream decoder does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../log';
import { generateServiceAccountKey } from '../../pki/service-account';
import { createMemoryStore } from '../../store/memory';
import type { Store } from '../../store/types';
import { type Api, createApi } from '../api';
import { GROUP_MASTERS, type UserInfo } from '../auth/user';
import { type TestResponse, readResponse, requestHeaders } from '../testing/http';

export type Response = TestResponse;

export interface WatchEvent {
  type: string;
  object: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- arbitrary API objects
}

export interface WatchStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The next event; rejects after `timeoutMs` (default 3 s) or when the stream ended first. */
  next(timeoutMs?: number): Promise<WatchEvent>;
  /** Events until the stream ends (bounded by `timeoutMs`, default 5 s). */
  rest(timeoutMs?: number): Promise<WatchEvent[]>;
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  close(): void;
}

export interface TestApi {
  store: Store;
  api: Api;
  url: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  watch(path: string, headers?: Record<string, string>): Promise<WatchStream>;
  close(): Promise<void>;
}

const ADMIN: UserInfo = { name: 'test-admin', groups: [GROUP_MASTERS, 'system:authenticated'] };

export async function startTestApi(opts: { before?(store: Store): Promise<void> } = {}): Promise<TestApi> {
  const log = createLogger('test', 'silent');
  const store = createMemoryStore({ retentionSeconds: 3600, log });
  await opts.before?.(store);
  const api = createApi({
    store,
    log,
    serviceAccountKey: generateServiceAccountKey(),
    issuer: 'https://kubernetes.default.svc.cluster.local',
    serviceClusterIpRange: '10.43.0.0/16',
  });
  await api.ready();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://apiserver');
    void api.handle(req, res, url, ADMIN);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true });
  const open = new Set<http.ClientRequest>();

  const send = (method: string, path: string, body: unknown, headers: Record<string, string>) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request({
      host: '127.0.0.1',
      port,
      method,
      path,
      agent,
      headers: requestHeaders(payload, headers),
    });
    req.end(payload);
    return req;
  };

  const request: TestApi['request'] = (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = send(method, path, body, headers);
      req.on('error', reject);
      req.on('response', (res) => readResponse(res).then(resolve, reject));
    });

  const watch: TestApi['watch'] = (path, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = send('GET', path, undefined, headers);
      open.add(req);
      req.on('error', (err) => {
        if (!done) reject(err);
      });
      let done = false;
      let buffer = '';
      const queue: WatchEvent[] = [];
      const waiting: { resolve(e: WatchEvent): void; reject(e: Error): void }[] = [];
      let finish!: () => void;
      const ended = new Promise<void>((r) => (finish = r));
      const end = () => {
        if (done) return;
        done = true;
        open.delete(req);
        for (const w of waiting.splice(0)) w.reject(new Error('watch ended'));
        finish();
      };
      req.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (!line) continue;
            const ev = JSON.parse(line) as WatchEvent;
            const w = waiting.shift();
            if (w) w.resolve(ev);
            else queue.push(ev);
          }
        });
        res.on('end', end);
        res.on('close', end);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          ended,
          next(timeoutMs = 3000) {
            const ev = queue.shift();
            if (ev) return Promise.resolve(ev);
            if (done) return Promise.reject(new Error('watch ended'));
            return new Promise((res2, rej) => {
              const timer = setTimeout(() => {
                const i = waiting.indexOf(entry);
                if (i >= 0) waiting.splice(i, 1);
                rej(new Error(`no watch event within ${timeoutMs} ms`));
              }, timeoutMs);
              const entry = {
                resolve: (e: WatchEvent) => {
                  clearTimeout(timer);
                  res2(e);
                },
                reject: (e: Error) => {
                  clearTimeout(timer);
                  rej(e);
                },
              };
              waiting.push(entry);
            });
          },
          async rest(timeoutMs = 5000) {
            let timer: NodeJS.Timeout | undefined;
            const limit = new Promise<never>((_, rej) => {
              timer = setTimeout(() => rej(new Error(`watch did not end within ${timeoutMs} ms`)), timeoutMs);
            });
            try {
              await Promise.race([ended, limit]);
            } finally {
              clearTimeout(timer);
            }
            return queue.splice(0);
          },
          close() {
            req.destroy();
            end();
          },
        });
      });
    });

  return {
    store,
    api,
    url: `http://127.0.0.1:${port}`,
    request,
    watch,
    async close() {
      for (const r of open) r.destroy();
      agent.destroy();
      api.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await store.close();
    },
  };
}

/** A minimal valid pod for `namespace`. */
export function pod(
  name: string,
  extra: { labels?: Record<string, string>; nodeName?: string; namespace?: string } = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      ...(extra.namespace ? { namespace: extra.namespace } : {}),
      ...(extra.labels ? { labels: extra.labels } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
    },
  };
}

export function configMap(name: string, data: Record<string, string> = {}, labels?: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data };
}

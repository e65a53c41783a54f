/**
 * The HTTPS implementation of KubeClient: one keep-alive agent per client, JSON in and out,
 * metav1.Status errors as KubeApiError, and watches read as newline-delimited JSON events (what
 * the API server writes for `?watch=true` with `Accept: application/json`).
 */
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { KubeApiError, KubeConnectionError, type StatusBody } from './errors';
import type {
  Connection,
  DeleteOptions,
  KubeClient,
  KubeObject,
  ListOptions,
  ListResult,
  PatchType,
  ResourceClient,
  ResourceRef,
  WatchEvent,
  WatchHandle,
  WatchOptions,
} from './types';

const PATCH_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

const DEFAULT_PAGE = 500;

/** The collection path of `ref` (in `namespace` when it is namespaced and one is given). */
export function collectionPath(ref: ResourceRef, namespace: string | null): string {
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const ns = ref.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${ref.plural}`;
}

export function objectPath(ref: ResourceRef, namespace: string, name: string): string {
  return `${collectionPath(ref, namespace)}/${encodeURIComponent(name)}`;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

function parseStatus(body: Buffer): StatusBody | null {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as StatusBody;
    return typeof parsed === 'object' && parsed !== null ? parsed : null;
  } catch {
    return null;
  }
}

export function createKubeClient(conn: Connection): KubeClient {
  const url = new URL(conn.server);
  const agent = new https.Agent({
    ca: conn.caPem,
    cert: conn.certPem,
    key: conn.keyPem,
    keepAlive: true,
    maxSockets: conn.maxSockets ?? 64,
  });
  const timeoutMs = conn.timeoutMs ?? 30_000;
  const baseHeaders: Record<string, string> = { accept: 'application/json' };
  if (conn.token) baseHeaders.authorization = `Bearer ${conn.token}`;
  const watches = new Set<() => void>();
  let closed = false;

  function send(
    method: string,
    path: string,
    payload: Buffer | undefined,
    headers: Record<string, string>,
    idleTimeoutMs?: number,
  ): Promise<IncomingMessage> {
    if (closed) return Promise.reject(new KubeConnectionError('the client is closed', 'CLOSED'));
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: url.hostname,
          port: url.port || 443,
          method,
          path,
          agent,
          headers: {
            ...baseHeaders,
            ...(payload ? { 'content-length': String(payload.length) } : {}),
            ...headers,
          },
        },
        resolve,
      );
      // A request (not a watch) whose socket stays silent this long is given up on.
      if (idleTimeoutMs) {
        req.setTimeout(idleTimeoutMs, () =>
          req.destroy(
            Object.assign(new Error(`no answer within ${idleTimeoutMs} ms`), { code: 'ETIMEDOUT' }),
          ),
        );
      }
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          new KubeConnectionError(`${method} ${conn.server}${path}: ${err.message}`, err.code ?? 'ECONN', {
            cause: err,
          }),
        ),
      );
      req.end(payload);
    });
  }

  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const payload =
      body === undefined
        ? undefined
        : Buffer.isBuffer(body)
          ? body
          : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const contentType: Record<string, string> = payload ? { 'content-type': 'application/json' } : {};
    const res = await send(method, path, payload, { ...contentType, ...headers }, timeoutMs);
    const data = await readAll(res).catch((err: Error) => {
      throw new KubeConnectionError(`${method} ${conn.server}${path}: ${err.message}`, 'ERESET', {
        cause: err,
      });
    });
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) {
      throw new KubeApiError(code, parseStatus(data), `${method} ${path}`);
    }
    if (data.length === 0) return undefined as T;
    return JSON.parse(data.toString('utf8')) as T;
  }

  function watch<T>(path: string, onEvent: (e: WatchEvent<T>) => void): WatchHandle {
    let stopped = false;
    let stop: () => void = () => {
      stopped = true;
    };
    const done = (async () => {
      const res = await send('GET', path, undefined, {});
      const code = res.statusCode ?? 0;
      if (code !== 200) {
        const data = await readAll(res);
        throw new KubeApiError(code, parseStatus(data), `GET ${path}`);
      }
      await new Promise<void>((resolve, reject) => {
        stop = () => {
          stopped = true;
          res.destroy();
          resolve();
        };
        if (stopped) return stop();
        watches.add(stop);
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while (!stopped && (nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (line.trim() === '') continue;
            let event: WatchEvent<T>;
            try {
              event = JSON.parse(line) as WatchEvent<T>;
            } catch (err) {
              reject(new KubeConnectionError(`watch ${path}: undecodable event`, 'EDECODE', { cause: err }));
              res.destroy();
              return;
            }
            onEvent(event);
          }
        });
        res.on('end', () => resolve());
        res.on('error', (err) =>
          stopped ? resolve() : reject(new KubeConnectionError(`watch ${path}: ${err.message}`, 'ERESET')),
        );
        res.on('close', () => resolve());
      }).finally(() => watches.delete(stop));
    })();
    // A watch nobody awaits must not crash the process with an unhandled rejection.
    done.catch(() => undefined);
    return {
      close: () => stop(),
      done,
    };
  }

  function resource<T extends KubeObject>(ref: ResourceRef): ResourceClient<T> {
    const nsOf = (obj: KubeObject) => obj.metadata?.namespace ?? '';
    const nameOf = (obj: KubeObject) => obj.metadata?.name ?? '';
    const self: ResourceClient<T> = {
      ref,
      get: (ns, name) => request<T>('GET', objectPath(ref, ns, name)),
      async list(ns, opts: ListOptions = {}) {
        const list = await request<{
          items?: T[];
          metadata?: { resourceVersion?: string; continue?: string };
        }>('GET', collectionPath(ref, ns) + query({ ...opts }));
        return {
          items: list.items ?? [],
          resourceVersion: list.metadata?.resourceVersion ?? '',
          continue: list.metadata?.continue || undefined,
        };
      },
      async listAll(ns, opts = {}) {
        const items: T[] = [];
        let page: ListResult<T> = await self.list(ns, { ...opts, limit: DEFAULT_PAGE });
        items.push(...page.items);
        const rv = page.resourceVersion;
        while (page.continue) {
          page = await self.list(ns, { ...opts, limit: DEFAULT_PAGE, continue: page.continue });
          items.push(...page.items);
        }
        return { items, resourceVersion: rv };
      },
      create: (ns, obj) => request<T>('POST', collectionPath(ref, ns), obj),
      update: (obj) => request<T>('PUT', objectPath(ref, nsOf(obj), nameOf(obj)), obj),
      updateStatus: (obj) => request<T>('PUT', `${objectPath(ref, nsOf(obj), nameOf(obj))}/status`, obj),
      patch(ns, name, type, patch, opts = {}) {
        const path =
          objectPath(ref, ns, name) +
          (opts.subresource ? `/${opts.subresource}` : '') +
          query({ fieldManager: opts.fieldManager, force: opts.force });
        return request<T>('PATCH', path, typeof patch === 'string' ? patch : JSON.stringify(patch), {
          'content-type': PATCH_TYPES[type],
        });
      },
      delete(ns, name, opts: DeleteOptions = {}) {
        const { dryRun, ...rest } = opts;
        const body = Object.keys(rest).length
          ? { kind: 'DeleteOptions', apiVersion: 'v1', ...rest }
          : undefined;
        return request(
          'DELETE',
          objectPath(ref, ns, name) + query({ dryRun: dryRun ? 'All' : undefined }),
          body,
        );
      },
      watch(ns, opts: WatchOptions, onEvent) {
        return watch<T>(collectionPath(ref, ns) + query({ watch: 'true', ...opts }), onEvent);
      },
      createSubresource: (ns, name, sub, body) =>
        request('POST', `${objectPath(ref, ns, name)}/${sub}`, body),
    };
    return self;
  }

  return {
    server: conn.server,
    identity: conn.token ? 'token' : 'certificate',
    resource,
    request,
    close() {
      closed = true;
      for (const stop of [...watches]) stop();
      agent.destroy();
    },
  };
}

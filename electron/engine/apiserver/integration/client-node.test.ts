/**
 * The official JavaScript client (`@kubernetes/client-node`) against a real control plane, with
 * the kubeconfig the cluster writes: typed CRUD, label selectors and limit/continue paging,
 * watches, an informer across reconnects, and exec on a pod no node runs.
 */
import type {
  ApiException,
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
  V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, startTestCluster } from '../testing/cluster';
import * as clientNode from '@kubernetes/client-node';

const NS = 'client-node';

let k8s: typeof clientNode;
let cluster: TestCluster;
let kc: KubeConfig;
let core: CoreV1Api;
const mergePatch = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

beforeAll(async () => {
  k8s = clientNode;
  cluster = await startTestCluster();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});

afterAll(async () => {
  await cluster?.stop();
});

/** Resolve once `predicate` holds, polling every 20 ms; reject with `what` after `timeoutMs`. */
async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The HTTP code of a failed client call. */
async function failure(
  p: Promise<unknown>,
): Promise<{ code: number; body: { reason?: string; message?: string } }> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(k8s.ApiException);
  const e = err as ApiException<unknown>;
  const body = typeof e.body === 'string' ? (JSON.parse(e.body) as object) : (e.body as object);
  return { code: e.code, body };
}

const rv = (o: KubernetesObject) => Number(o.metadata?.resourceVersion);

describe('CoreV1Api', () => {
  it('creates, reads, replaces, patches and deletes a configmap', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'crud', labels: { app: 'crud' } }, data: { a: '1' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);

    const read = await core.readNamespacedConfigMap({ name: 'crud', namespace: NS });
    expect(read.data).toEqual({ a: '1' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

    const replaced = await core.replaceNamespacedConfigMap({
      name: 'crud',
      namespace: NS,
      body: { ...read, data: { a: '2' } },
    });
    expect(replaced.data).toEqual({ a: '2' });
    expect(rv(replaced)).toBeGreaterThan(rv(read));

    // Replacing with the old resourceVersion is a conflict, as client-go callers expect.
    const stale = await failure(core.replaceNamespacedConfigMap({ name: 'crud', namespace: NS, body: read }));
    expect(stale.code).toBe(409);
    expect(stale.body.reason).toBe('Conflict');

    const patched = await core.patchNamespacedConfigMap(
      { name: 'crud', namespace: NS, body: { data: { b: '3' } } },
      mergePatch(),
    );
    expect(patched.data).toEqual({ a: '2', b: '3' });
    const jsonPatched = await core.patchNamespacedConfigMap(
      { name: 'crud', namespace: NS, body: [{ op: 'remove', path: '/data/a' }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    expect(jsonPatched.data).toEqual({ b: '3' });

    await core.deleteNamespacedConfigMap({ name: 'crud', namespace: NS });
    const gone = await failure(core.readNamespacedConfigMap({ name: 'crud', namespace: NS }));
    expect(gone.code).toBe(404);
    expect(gone.body.message).toBe('configmaps "crud" not found');
  });

  it('lists with label selectors and pages with limit and continue', async () => {
    for (let i = 0; i < 7; i++) {
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: `page-${i}`, labels: { paged: 'yes', parity: i % 2 ? 'odd' : 'even' } } },
      });
    }
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'page-other', labels: { paged: 'no' } } },
    });

    const names = (items: V1ConfigMap[]) => items.map((c) => c.metadata?.name);
    expect(
      names(
        (await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'paged=yes,parity=odd' })).items,
      ),
    ).toEqual(['page-1', 'page-3', 'page-5']);
    expect(
      names((await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'paged in (no)' })).items),
    ).toEqual(['page-other']);
    // `!=` also matches objects without the label, as in Kubernetes.
    expect(
      names(
        (await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'paged,parity!=even' })).items,
      ),
    ).toEqual(['page-1', 'page-3', 'page-5', 'page-other']);

    const pages: string[][] = [];
    let cont: string | undefined;
    let firstRv = '';
    for (let i = 0; i < 10; i++) {
      const page = await core.listNamespacedConfigMap({
        namespace: NS,
        labelSelector: 'paged=yes',
        limit: 3,
        _continue: cont,
      });
      pages.push(names(page.items) as string[]);
      firstRv ||= page.metadata?.resourceVersion ?? '';
      // Every page of one paged list is served from the first page's snapshot.
      expect(page.metadata?.resourceVersion).toBe(firstRv);
      cont = page.metadata?._continue;
      if (!cont) break;
      if (i === 0) {
        // A change after the first page must not show up in later pages.
        await core.createNamespacedConfigMap({
          namespace: NS,
          body: { metadata: { name: 'page-9', labels: { paged: 'yes' } } },
        });
      }
    }
    expect(pages).toEqual([['page-0', 'page-1', 'page-2'], ['page-3', 'page-4', 'page-5'], ['page-6']]);
  });
});

describe('Watch', () => {
  it('delivers ADDED, MODIFIED and DELETED in order with increasing resourceVersions', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: NS });
    const events: { type: string; name: string; rv: number }[] = [];
    let ended: unknown = 'open';
    const watch = new k8s.Watch(kc);
    const ctl = await watch.watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      { resourceVersion: list.metadata?.resourceVersion, fieldSelector: 'metadata.name=watched' },
      (type, obj: V1ConfigMap) => events.push({ type, name: obj.metadata?.name ?? '', rv: rv(obj) }),
      (err) => {
        ended = err;
      },
    );
    // client-node reports its own abort() through the done callback: judge the stream before it.
    let endedBeforeAbort: unknown;
    try {
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: 'watched' }, data: { v: '1' } },
      });
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'not-watched' } } });
      await core.patchNamespacedConfigMap(
        { name: 'watched', namespace: NS, body: { data: { v: '2' } } },
        mergePatch(),
      );
      await core.deleteNamespacedConfigMap({ name: 'watched', namespace: NS });
      await until('three watch events', () => events.length >= 3);
    } finally {
      endedBeforeAbort = ended;
      ctl.abort();
    }
    expect(events.map((e) => `${e.type} ${e.name}`)).toEqual([
      'ADDED watched',
      'MODIFIED watched',
      'DELETED watched',
    ]);
    const rvs = [Number(list.metadata?.resourceVersion), ...events.map((e) => e.rv)];
    expect(
      rvs.every((v, i) => i === 0 || v > (rvs[i - 1] ?? Infinity)),
      `resourceVersions ${rvs.join(', ')}`,
    ).toBe(true);
    expect(endedBeforeAbort).toBe('open');
  });
});

describe('informer', () => {
  it('sees adds, updates and deletes, and keeps its cache right across reconnects', async () => {
    const labelSelector = 'informed=yes';
    // The server ends each watch after 2 s, so the informer reconnects from its resourceVersion
    // several times during the test, as it would when kube-apiserver's watch timeout expires.
    const informer = k8s.makeInformer<V1ConfigMap>(
      kc,
      `/api/v1/namespaces/${NS}/configmaps?timeoutSeconds=2`,
      () => core.listNamespacedConfigMap({ namespace: NS, labelSelector }),
      labelSelector,
    );
    const seen: string[] = [];
    const errors: unknown[] = [];
    let connects = 0;
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name} ${o.data?.v ?? ''}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.data?.v ?? ''}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    // stop() aborts the open watch, which the client reports as an AbortError: not a failure.
    informer.on('error', (e) => {
      if ((e as Error | undefined)?.name !== 'AbortError') errors.push(e);
    });
    informer.on('connect', () => connects++);
    const labels = { informed: 'yes' };

    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'inf-a', labels }, data: { v: '1' } },
    });
    await informer.start();
    try {
      await until('the initial list', () => seen.includes('add inf-a 1'));
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: 'inf-b', labels }, data: { v: '1' } },
      });
      await core.patchNamespacedConfigMap(
        { name: 'inf-a', namespace: NS, body: { data: { v: '2' } } },
        mergePatch(),
      );
      await until('add and update', () => seen.includes('add inf-b 1') && seen.includes('update inf-a 2'));

      // Let the server end the watch; the informer reconnects and must miss nothing.
      await until('a reconnect', () => connects >= 2, 8_000);
      await core.deleteNamespacedConfigMap({ name: 'inf-b', namespace: NS });
      await core.patchNamespacedConfigMap(
        { name: 'inf-a', namespace: NS, body: { data: { v: '3' } } },
        mergePatch(),
      );
      await until(
        'delete and update after a reconnect',
        () => seen.includes('delete inf-b') && seen.includes('update inf-a 3'),
      );

      // Changes while the informer is stopped arrive when it resumes from its resourceVersion.
      await informer.stop();
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: 'inf-c', labels }, data: { v: '1' } },
      });
      await core.deleteNamespacedConfigMap({ name: 'inf-a', namespace: NS });
      await informer.start();
      await until(
        'changes made while stopped',
        () => seen.includes('add inf-c 1') && seen.includes('delete inf-a'),
      );
    } finally {
      await informer.stop();
    }
    expect(seen).toEqual([
      'add inf-a 1',
      'add inf-b 1',
      'update inf-a 2',
      'delete inf-b',
      'update inf-a 3',
      'add inf-c 1',
      'delete inf-a',
    ]);
    expect(informer.list(NS).map((o) => o.metadata?.name)).toEqual(['inf-c']);
    expect(errors).toEqual([]);
  });
});

describe('Exec', () => {
  it('fails promptly with a clear error on a pod that no node runs', async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: { metadata: { name: 'unscheduled' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    });
    const exec = new k8s.Exec(kc);
    const attempt = exec.exec(NS, 'unscheduled', 'c', ['true'], null, null, null, false);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('exec hung')), 10_000),
    );
    const err = await Promise.race([attempt, timeout]).then(
      (ws) => {
        ws.close();
        throw new Error('exec unexpectedly connected');
      },
      (e: unknown) => e,
    );
    // The WebSocket upgrade is refused with 400 (kube-apiserver's answer for a pod without a
    // node); the client surfaces only the status code, kubectl shows the message (kubectl.test.ts).
    expect((err as { message?: string }).message).toBe('Unexpected server response: 400');
  });
});

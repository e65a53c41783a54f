/**
 * Differential tests against the real thing: `kubectl patch --local` applies patches with the
 * same Go libraries kube-apiserver uses (strategicpatch with k8s.io/api's struct tags,
 * evanphx/json-patch v4), without a server. Each case runs through kubectl and through our
 * functions and the results must be equal. Skipped, saying so, when kubectl is not installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type PatchType, PatchError, applyPatch, patchMetaFor } from './index';

function kubectlVersion(): string | undefined {
  try {
    return execFileSync('kubectl', ['version', '--client'], { timeout: 10_000, encoding: 'utf8' });
  } catch {
    return undefined;
  }
}

const hasKubectl = kubectlVersion() !== undefined;
const dir = mkdtempSync(join(tmpdir(), 'patch-oracle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** kubectl's result: the patched object, or the error message it printed. */
function kubectl(original: object, type: PatchType, patch: unknown): { object?: unknown; error?: string } {
  const file = join(dir, 'object.json');
  writeFileSync(file, JSON.stringify(original));
  try {
    const out = execFileSync(
      'kubectl',
      ['patch', '--local', '-f', file, '--type', type, '-p', JSON.stringify(patch), '-o', 'json'],
      { timeout: 20_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { object: JSON.parse(out) };
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    return { error: stderr.replace(/^error: /, '').trim() };
  }
}

function ours(original: object, type: PatchType, patch: unknown): { object?: unknown; error?: string } {
  const { apiVersion, kind } = original as { apiVersion: string; kind: string };
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  try {
    return { object: applyPatch(type, original, patch, patchMetaFor(group, kind)) };
  } catch (err) {
    if (!(err instanceof PatchError)) throw err;
    return { error: err.causes?.[0]?.message ?? err.message };
  }
}

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { a: '1', b: '2' }, finalizers: ['1', '2', '3', '4'] },
  spec: {
    containers: [
      { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }], ports: [{ containerPort: 80 }] },
      { name: 'b', image: 'b:1' },
      { name: 'c', image: 'c:1' },
    ],
    volumes: [{ name: 'v', emptyDir: {} }],
    tolerations: [{ key: 'k', operator: 'Exists' }],
  },
};

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd' },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
    template: { spec: { containers: [{ name: 'a', image: 'a:1' }] } },
  },
};

const node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n' },
  spec: { podCIDRs: ['10.42.0.0/24'] },
  status: {
    addresses: [
      { type: 'InternalIP', address: '10.0.0.1' },
      { type: 'Hostname', address: 'n' },
    ],
  },
};

const cases: [string, object, PatchType, unknown][] = [
  ['labels merge and delete', pod, 'strategic', { metadata: { labels: { a: null, c: '3' } } }],
  [
    'containers merge by name in patch order',
    pod,
    'strategic',
    {
      spec: {
        containers: [
          { name: 'c', image: 'c:2' },
          { name: 'a', image: 'a:2' },
          { name: 'z', image: 'z' },
        ],
      },
    },
  ],
  ['scalar merge list union', pod, 'strategic', { metadata: { finalizers: ['3', '1', '9'] } }],
  [
    '$setElementOrder with deletions',
    pod,
    'strategic',
    {
      metadata: {
        '$setElementOrder/finalizers': ['1', '2', '5'],
        '$deleteFromPrimitiveList/finalizers': ['3'],
        finalizers: ['5'],
      },
    },
  ],
  [
    '$setElementOrder on containers',
    pod,
    'strategic',
    {
      spec: {
        '$setElementOrder/containers': [{ name: 'n' }, { name: 'c' }, { name: 'a' }, { name: 'b' }],
        containers: [{ name: 'n', image: 'n:1' }],
      },
    },
  ],
  ['$patch: delete element', pod, 'strategic', { spec: { containers: [{ name: 'b', $patch: 'delete' }] } }],
  [
    '$patch: replace list',
    pod,
    'strategic',
    { spec: { containers: [{ $patch: 'replace' }, { name: 'r', image: 'r' }] } },
  ],
  ['$patch: replace map', pod, 'strategic', { metadata: { labels: { z: '9', $patch: 'replace' } } }],
  [
    'env and ports merge',
    pod,
    'strategic',
    {
      spec: {
        containers: [
          { name: 'a', env: [{ name: 'Y', value: '2' }], ports: [{ containerPort: 80, name: 'http' }] },
        ],
      },
    },
  ],
  ['atomic tolerations', pod, 'strategic', { spec: { tolerations: [{ key: 'j', operator: 'Exists' }] } }],
  [
    'volume $retainKeys',
    pod,
    'strategic',
    { spec: { volumes: [{ name: 'v', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/x' } }] } },
  ],
  [
    'strategy $retainKeys',
    deployment,
    'strategic',
    { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
  ],
  [
    'template containers',
    deployment,
    'strategic',
    { spec: { template: { spec: { containers: [{ name: 'b', image: 'b' }] } } } },
  ],
  [
    'node podCIDRs and addresses',
    node,
    'strategic',
    {
      spec: { podCIDRs: ['10.42.1.0/24'] },
      status: { addresses: [{ type: 'ExternalIP', address: '1.2.3.4' }] },
    },
  ],
  ['missing merge key', pod, 'strategic', { spec: { containers: [{ image: 'x' }] } }],
  [
    'merge patch replaces lists',
    pod,
    'merge',
    { metadata: { labels: { a: null } }, spec: { tolerations: [] } },
  ],
  [
    'json patch edits',
    pod,
    'json',
    [
      { op: 'replace', path: '/spec/containers/0/image', value: 'q' },
      { op: 'remove', path: '/metadata/labels/b' },
    ],
  ],
  [
    'json replace adds a missing member',
    pod,
    'json',
    [{ op: 'replace', path: '/metadata/labels/new', value: 'v' }],
  ],
  ['json failed test', pod, 'json', [{ op: 'test', path: '/metadata/name', value: 'x' }]],
  ['json remove of a missing member', pod, 'json', [{ op: 'remove', path: '/metadata/labels/zz' }]],
  ['json add under a missing parent', pod, 'json', [{ op: 'add', path: '/spec/x/y', value: 1 }]],
  ['json add past the end', pod, 'json', [{ op: 'add', path: '/spec/containers/9', value: {} }]],
  ['json negative index', pod, 'json', [{ op: 'remove', path: '/spec/containers/-1' }]],
];

describe.skipIf(!hasKubectl)('patches agree with kubectl patch --local', () => {
  it.each(cases)('%s', (_name, original, type, patch) => {
    const want = kubectl(original, type, patch);
    const got = ours(original, type, patch);
    if (want.error !== undefined) {
      expect(got.error, 'kubectl failed, so must we').toBeDefined();
      expect(want.error).toContain(got.error);
    } else {
      expect(got).toEqual(want);
    }
  });
});

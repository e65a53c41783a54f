import { describe, expect, it } from 'vitest';
import { patchMetaFor } from '../meta';
import { fieldsOf, fromFieldsV1, pathOf, pathString, removeAt, resolve, toFieldsV1 } from './fieldset';

const POD = patchMetaFor('', 'Pod');

describe('fieldsV1 encoding', () => {
  // The shape kube-apiserver writes for a Deployment created by kubectl (abridged).
  const fromKubernetes = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} },
          },
        },
      },
    },
  };

  it('round-trips what Kubernetes writes, `.` included', () => {
    expect(toFieldsV1(fromFieldsV1(fromKubernetes))).toEqual(fromKubernetes);
  });

  it('reads members: leaves and nodes marked with `.`', () => {
    expect([...fromFieldsV1(fromKubernetes)].map((k) => pathString(pathOf(k))).sort()).toEqual([
      '.metadata.labels',
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.template.spec.containers[name="nginx"]',
      '.spec.template.spec.containers[name="nginx"].image',
      '.spec.template.spec.containers[name="nginx"].name',
      '.spec.template.spec.containers[name="nginx"].resources',
    ]);
  });

  it.each([null, 'x', [1], 3])('reads %j as the empty set', (junk) => {
    expect(fromFieldsV1(junk).size).toBe(0);
  });
});

describe('fieldsOf', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'd',
      uid: 'u',
      resourceVersion: '1',
      labels: { a: 'b' },
      finalizers: ['f'],
    },
    spec: {
      containers: [
        { name: 'c', ports: [{ containerPort: 53, protocol: 'UDP' }], args: ['x'], resources: {} },
      ],
      tolerations: [{ key: 'k' }],
      nodeSelector: { disk: 'ssd' },
    },
    status: { phase: 'Running' },
  };

  it('lists leaves and list elements, strips identity fields, leaves status to the subresource', () => {
    const paths = [...fieldsOf(pod, POD)].map((k) => pathString(pathOf(k))).sort();
    expect(paths).toEqual([
      '.metadata.finalizers[="f"]',
      '.metadata.labels.a',
      '.spec.containers[name="c"]',
      '.spec.containers[name="c"].args',
      '.spec.containers[name="c"].name',
      '.spec.containers[name="c"].ports[containerPort=53,protocol="UDP"]',
      '.spec.containers[name="c"].ports[containerPort=53,protocol="UDP"].containerPort',
      '.spec.containers[name="c"].ports[containerPort=53,protocol="UDP"].protocol',
      '.spec.containers[name="c"].resources',
      '.spec.nodeSelector',
      '.spec.tolerations',
    ]);
    const status = [...fieldsOf(pod, POD, 'status')].map((k) => pathString(pathOf(k)));
    expect(status).toContain('.status.phase');
    expect(status.some((p) => p.startsWith('.spec'))).toBe(false);
  });

  it('resolves and removes by path', () => {
    const copy = structuredClone(pod);
    const [port] = [...fieldsOf(copy, POD)].filter((k) => k.endsWith('"UDP"}'));
    expect(port).toBeDefined();
    expect(resolve(copy, POD, pathOf(port ?? ''))?.value).toEqual({ containerPort: 53, protocol: 'UDP' });
    expect(removeAt(copy, POD, pathOf(port ?? ''))).toBe(true);
    expect(copy.spec.containers[0]?.ports).toEqual([]);
    expect(removeAt(copy, POD, pathOf(port ?? ''))).toBe(false);
  });
});

describe('toFieldsV1 key order', () => {
  it('writes `.` first and the rest sorted', () => {
    const set = fromFieldsV1({ 'f:b': {}, 'f:a': { 'f:z': {}, '.': {}, 'f:y': {} } });
    const tree = toFieldsV1(set);
    expect(Object.keys(tree)).toEqual(['f:a', 'f:b']);
    expect(Object.keys(tree['f:a'] ?? {})).toEqual(['.', 'f:y', 'f:z']);
  });
});

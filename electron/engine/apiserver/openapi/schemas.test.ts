import { describe, expect, it } from 'vitest';
import {
  allDefinitions,
  definitionName,
  resolve,
  schemaForKind,
  strictDecodeErrorMessage,
  strictDecodingMessage,
  unknownFields,
  warningHeader,
} from './schemas';

const defs = allDefinitions();

describe('generated definitions', () => {
  it('names definitions like Kubernetes and tags served kinds with their group/version/kind', () => {
    expect(definitionName('', 'v1', 'Pod')).toBe('io.k8s.api.core.v1.Pod');
    expect(definitionName('apps', 'v1', 'Deployment')).toBe('io.k8s.api.apps.v1.Deployment');
    expect(definitionName('rbac.authorization.k8s.io', 'v1', 'Role')).toBe('io.k8s.api.rbac.v1.Role');
    expect(definitionName('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')).toBe(
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    );
    expect(defs['io.k8s.api.apps.v1.Deployment']?.['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    // Nested types are not kinds.
    expect(defs['io.k8s.api.core.v1.PodSpec']?.['x-kubernetes-group-version-kind']).toBeUndefined();
  });

  it('describes Pod.spec.containers as a list of Container, whose name is required', () => {
    const pod = schemaForKind('', 'v1', 'Pod');
    expect(pod?.properties?.spec?.$ref).toBe('#/definitions/io.k8s.api.core.v1.PodSpec');
    expect(pod?.properties?.metadata?.$ref).toBe(
      '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    );
    expect(pod?.description).toMatch(/containers/);
    const containers = defs['io.k8s.api.core.v1.PodSpec']?.properties?.containers;
    expect(containers?.type).toBe('array');
    expect(containers?.items).toEqual({ $ref: '#/definitions/io.k8s.api.core.v1.Container' });
    expect(defs['io.k8s.api.core.v1.PodSpec']?.required).toEqual(['containers']);
    expect(defs['io.k8s.api.core.v1.Container']?.required).toEqual(['name']);
  });

  it.each([
    ['io.k8s.api.core.v1.ContainerPort', 'containerPort', { type: 'integer', format: 'int32' }],
    ['io.k8s.api.core.v1.PodSpec', 'terminationGracePeriodSeconds', { type: 'integer', format: 'int64' }],
    ['io.k8s.api.core.v1.Container', 'stdin', { type: 'boolean' }],
    ['io.k8s.api.core.v1.Container', 'args', { type: 'array', items: { type: 'string' } }],
    [
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      'labels',
      { type: 'object', additionalProperties: { type: 'string' } },
    ],
    [
      'io.k8s.api.core.v1.ResourceRequirements',
      'limits',
      {
        type: 'object',
        additionalProperties: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' },
      },
    ],
    [
      'io.k8s.api.core.v1.ServicePort',
      'targetPort',
      { $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString' },
    ],
  ])('%s.%s has type %j', (definition, field, expected) => {
    const schema = { ...defs[definition]?.properties?.[field] };
    delete schema.description;
    expect(schema).toEqual(expected);
  });

  it('gives the special scalar types their string formats', () => {
    expect(defs['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).toMatchObject({
      type: 'string',
      format: 'date-time',
    });
    expect(defs['io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime']).toMatchObject({
      type: 'string',
      format: 'date-time',
    });
    expect(defs['io.k8s.apimachinery.pkg.api.resource.Quantity']).toMatchObject({ type: 'string' });
    expect(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({
      type: 'string',
      format: 'int-or-string',
      'x-kubernetes-int-or-string': true,
    });
  });

  it('resolves every reference', () => {
    const dangling: string[] = [];
    const visit = (schema: unknown, where: string) => {
      if (schema === null || typeof schema !== 'object') return;
      for (const [key, value] of Object.entries(schema)) {
        if (key === '$ref' && typeof value === 'string' && !defs[value.replace('#/definitions/', '')]) {
          dangling.push(`${where}: ${value}`);
        } else visit(value, where);
      }
    };
    for (const [name, schema] of Object.entries(defs)) visit(schema, name);
    expect(dangling).toEqual([]);
    expect(resolve({ $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' }, defs)).toBe(
      defs['io.k8s.api.core.v1.PodSpec'],
    );
  });
});

describe('unknownFields', () => {
  const pod = (extra: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { app: 'x' }, annotations: { a: 'b' } },
    spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] },
    ...extra,
  });

  it.each<[string, unknown, string, string, string, string[]]>([
    ['a valid pod', pod({}), '', 'v1', 'Pod', []],
    ['a top-level field', pod({ foo: 1 }), '', 'v1', 'Pod', ['foo']],
    ['a spec field', pod({ spec: { containers: [], foo: true } }), '', 'v1', 'Pod', ['spec.foo']],
    [
      'a metadata field',
      { metadata: { name: 'x', unknownMeta: 'y' } },
      '',
      'v1',
      'Pod',
      ['metadata.unknownMeta'],
    ],
    [
      'fields inside list items, with their index',
      pod({
        spec: { containers: [{ name: 'a' }, { name: 'b', imagePullPolice: 'Always', ports: [{ port: 1 }] }] },
      }),
      '',
      'v1',
      'Pod',
      ['spec.containers[1].imagePullPolice', 'spec.containers[1].ports[0].port'],
    ],
    [
      'a deployment pod template, in document order',
      {
        spec: {
          replica: 3,
          selector: { matchLabels: { app: 'x' } },
          template: { spec: { containers: [{ name: 'c', lifecycle: { preStart: {} } }] } },
        },
      },
      'apps',
      'v1',
      'Deployment',
      ['spec.replica', 'spec.template.spec.containers[0].lifecycle.preStart'],
    ],
    [
      'fields inside values of maps of objects, entered by key',
      {
        spec: {
          versions: [
            {
              name: 'v1',
              schema: { openAPIV3Schema: { properties: { spec: { type: 'object', typo: 1 } } } },
            },
          ],
        },
      },
      'apiextensions.k8s.io',
      'v1',
      'CustomResourceDefinition',
      ['spec.versions[0].schema.openAPIV3Schema.properties.spec.typo'],
    ],
    [
      'nothing under free-form fields',
      { metadata: { name: 'x', managedFields: [{ fieldsV1: { 'f:spec': { 'f:anything': {} } } }] } },
      '',
      'v1',
      'ConfigMap',
      [],
    ],
    ['nothing for an unknown kind', { anything: 1 }, 'example.com', 'v1', 'Widget', []],
    [
      'int-or-string values as scalars',
      { spec: { ports: [{ port: 80, targetPort: 'http' }] } },
      '',
      'v1',
      'Service',
      [],
    ],
  ])('reports %s', (_name, obj, group, version, kind, expected) => {
    expect(unknownFields(obj, group, version, kind)).toEqual(expected);
  });
});

describe('strict validation messages', () => {
  it('words Strict failures as kube-apiserver does', () => {
    expect(strictDecodingMessage(['spec.foo', 'spec.containers[0].bar'])).toBe(
      'strict decoding error: unknown field "spec.foo", unknown field "spec.containers[0].bar"',
    );
    expect(strictDecodeErrorMessage('Deployment', 'v1', ['spec.foo'])).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"',
    );
  });

  it.each([
    ['unknown field "spec.foo"', '299 - "unknown field \\"spec.foo\\""'],
    ['back\\slash', '299 - "back\\\\slash"'],
    ['naïve', '299 - "na?ve"'],
  ])('formats the Warn header for %s', (text, header) => {
    expect(warningHeader(text)).toBe(header);
  });
});

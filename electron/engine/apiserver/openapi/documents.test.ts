import { describe, expect, it } from 'vitest';
import { patchMetaFor } from '../patch/meta';
import { ALL_RESOURCES } from '../resources';
import type { ResourceDefinition } from '../resources/types';
import { createOpenApiDocuments } from './documents';
import type { PatchMetaNode } from './patch-meta';
import type { Schema } from './schemas';
import type { SwaggerDocument } from './v2';
import type { V3Document, V3Operation } from './v3';

/** A resource declaration with the fields OpenAPI reads. */
const resource = (
  r: Partial<ResourceDefinition> & Pick<ResourceDefinition, 'kind' | 'plural'>,
): ResourceDefinition => ({
  group: '',
  version: 'v1',
  singular: r.kind.toLowerCase(),
  namespaced: true,
  storagePrefix: r.plural,
  ...r,
});

const RESOURCES = [
  resource({
    kind: 'Pod',
    plural: 'pods',
    status: true,
    special: ['binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy'],
  }),
  resource({
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    status: true,
    special: ['finalize'],
  }),
  resource({ kind: 'ServiceAccount', plural: 'serviceaccounts', special: ['token'] }),
  resource({
    kind: 'ComponentStatus',
    plural: 'componentstatuses',
    namespaced: false,
    verbs: ['get', 'list'],
  }),
  resource({
    group: 'apps',
    kind: 'Deployment',
    plural: 'deployments',
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' },
  }),
];

/** A hand-made patch metadata tree: Pod and Deployment merge containers by name. */
const CONTAINERS: PatchMetaNode = {
  fields: {
    containers: {
      meta: { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    },
  },
};
const lookup = (group: string, kind: string): PatchMetaNode | undefined => {
  if (group === '' && kind === 'Pod') return { fields: { spec: CONTAINERS } };
  if (group === 'apps' && kind === 'Deployment') {
    return { fields: { spec: { fields: { template: { fields: { spec: CONTAINERS } } } } } };
  }
  return undefined;
};

const docs = createOpenApiDocuments({ resources: RESOURCES, patchMetaFor: lookup, version: 'v1.33.0+test' });
const v3 = (gv: string) => JSON.parse(docs.v3(gv)?.body.toString() ?? 'null') as V3Document;
const v2 = JSON.parse(docs.v2Json().body.toString()) as SwaggerDocument;

/** Every `$ref` in `doc` that does not name one of `names` (under `prefix`). */
function danglingRefs(doc: unknown, prefix: string, names: Record<string, unknown>): string[] {
  const out: string[] = [];
  const visit = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && (typeof child !== 'string' || !(child.slice(prefix.length) in names)))
        out.push(String(child));
      else visit(child);
    }
  };
  visit(doc);
  return out;
}

describe('OpenAPI v3', () => {
  it('indexes one document per group-version, linked with its hash', () => {
    const index = JSON.parse(docs.v3Index().body.toString()) as {
      paths: Record<string, { serverRelativeURL: string }>;
    };
    expect(Object.keys(index.paths)).toEqual(['api/v1', 'apis/apps/v1']);
    expect(index.paths['apis/apps/v1']?.serverRelativeURL).toBe(
      `/openapi/v3/apis/apps/v1?hash=${docs.v3('apis/apps/v1')?.etag}`,
    );
    expect(docs.v3('apis/apps/v1')?.etag).toMatch(/^[0-9A-F]{128}$/);
    expect(docs.v3('apis/batch/v1')).toBeUndefined();
  });

  // client-go's queryParamVerifierV3 (kubectl apply/create --validate): the first PATCH operation
  // tagged with the kind must list fieldValidation; kubectl apply then needs the strategic merge
  // body type and a component schema tagged with the kind.
  it.each([
    ['apis/apps/v1', { group: 'apps', version: 'v1', kind: 'Deployment' }],
    ['apis/apps/v1', { group: 'autoscaling', version: 'v1', kind: 'Scale' }],
    ['api/v1', { group: '', version: 'v1', kind: 'Pod' }],
    ['api/v1', { group: '', version: 'v1', kind: 'Namespace' }],
  ])('lets kubectl detect server-side field validation and strategic merge in %s for %j', (gv, gvk) => {
    const doc = v3(gv);
    const patches = Object.values(doc.paths)
      .map((item) => item.patch)
      .filter((op): op is V3Operation => op?.['x-kubernetes-group-version-kind']?.kind === gvk.kind);
    expect(patches.length).toBeGreaterThan(0);
    for (const op of patches) {
      expect(op['x-kubernetes-group-version-kind']).toEqual(gvk);
      expect(op.parameters?.map((p) => p.name)).toContain('fieldValidation');
      expect(Object.keys(op.requestBody?.content ?? {})).toContain('application/strategic-merge-patch+json');
    }
    const tagged = Object.values(doc.components.schemas).filter((s) =>
      s['x-kubernetes-group-version-kind']?.some((k) => k.kind === gvk.kind && k.group === gvk.group),
    );
    expect(tagged).toHaveLength(1);
  });

  it('lets kubectl explain walk pod.spec.containers to Container fields', () => {
    const schemas = v3('api/v1').components.schemas;
    const deref = (s: Schema | undefined): Schema => {
      const ref = s?.$ref ?? s?.allOf?.[0]?.$ref;
      return ref ? (schemas[ref.replace('#/components/schemas/', '')] as Schema) : (s as Schema);
    };
    const pod = schemas['io.k8s.api.core.v1.Pod'];
    expect(pod?.properties?.spec?.allOf).toEqual([
      { $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' },
    ]);
    expect(pod?.properties?.spec?.description).toMatch(/pod/);
    const containers = deref(pod?.properties?.spec).properties?.containers;
    expect(containers?.type).toBe('array');
    expect(deref(containers?.items).properties?.image?.type).toBe('string');
    expect(deref(containers?.items).required).toEqual(['name']);
  });

  it('carries the patch metadata where strategic merge reads it', () => {
    const podSpec = v3('apis/apps/v1').components.schemas['io.k8s.api.core.v1.PodSpec'];
    expect(podSpec?.properties?.containers).toMatchObject({
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
  });

  it.each(['api/v1', 'apis/apps/v1'])('%s carries every schema it references, and only those', (gv) => {
    const doc = v3(gv);
    expect(danglingRefs(doc, '#/components/schemas/', doc.components.schemas)).toEqual([]);
    expect(Object.keys(doc.components.schemas)).not.toContain('io.k8s.api.batch.v1.Job');
  });

  it('builds each document once', () => {
    expect(docs.v3('api/v1')).toBe(docs.v3('api/v1'));
    expect(docs.v2Json()).toBe(docs.v2Json());
  });
});

describe('OpenAPI v2', () => {
  it.each<[string, string, string, string, object]>([
    ['/api/v1/namespaces/{namespace}/pods', 'get', 'listCoreV1NamespacedPod', 'list', { kind: 'Pod' }],
    ['/api/v1/namespaces/{namespace}/pods', 'post', 'createCoreV1NamespacedPod', 'post', { kind: 'Pod' }],
    [
      '/api/v1/namespaces/{namespace}/pods',
      'delete',
      'deletecollectionCoreV1NamespacedPod',
      'deletecollection',
      {},
    ],
    [
      '/api/v1/namespaces/{namespace}/pods/{name}',
      'patch',
      'patchCoreV1NamespacedPod',
      'patch',
      { kind: 'Pod' },
    ],
    [
      '/api/v1/namespaces/{namespace}/pods/{name}/status',
      'put',
      'replaceCoreV1NamespacedPodStatus',
      'put',
      {},
    ],
    ['/api/v1/pods', 'get', 'listCoreV1PodForAllNamespaces', 'list', {}],
    ['/api/v1/watch/namespaces/{namespace}/pods', 'get', 'watchCoreV1NamespacedPodList', 'watchlist', {}],
    ['/api/v1/watch/namespaces/{namespace}/pods/{name}', 'get', 'watchCoreV1NamespacedPod', 'watch', {}],
    ['/api/v1/watch/pods', 'get', 'watchCoreV1PodListForAllNamespaces', 'watchlist', {}],
    [
      '/api/v1/namespaces/{namespace}/pods/{name}/eviction',
      'post',
      'createCoreV1NamespacedPodEviction',
      'post',
      { group: 'policy', kind: 'Eviction' },
    ],
    [
      '/api/v1/namespaces/{namespace}/pods/{name}/binding',
      'post',
      'createCoreV1NamespacedPodBinding',
      'post',
      { kind: 'Binding' },
    ],
    [
      '/api/v1/namespaces/{namespace}/pods/{name}/log',
      'get',
      'readCoreV1NamespacedPodLog',
      'get',
      { kind: 'Pod' },
    ],
    [
      '/api/v1/namespaces/{namespace}/pods/{name}/exec',
      'post',
      'connectCoreV1PostNamespacedPodExec',
      'connect',
      { kind: 'PodExecOptions' },
    ],
    [
      '/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path}',
      'get',
      'connectCoreV1GetNamespacedPodProxyWithPath',
      'connect',
      {},
    ],
    [
      '/api/v1/namespaces/{name}/finalize',
      'put',
      'replaceCoreV1NamespaceFinalize',
      'put',
      { kind: 'Namespace' },
    ],
    [
      '/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token',
      'post',
      'createCoreV1NamespacedServiceAccountToken',
      'post',
      { kind: 'TokenRequest' },
    ],
    ['/api/v1/namespaces/{name}', 'get', 'readCoreV1Namespace', 'get', { kind: 'Namespace' }],
    [
      '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
      'patch',
      'patchAppsV1NamespacedDeploymentScale',
      'patch',
      { group: 'autoscaling', kind: 'Scale' },
    ],
    ['/apis/apps/v1/deployments', 'get', 'listAppsV1DeploymentForAllNamespaces', 'list', { group: 'apps' }],
  ])('serves %s %s as %s', (path, method, operationId, action, gvk) => {
    const op = v2.paths[path]?.[method as 'get'];
    expect(op).toMatchObject({
      operationId,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
  });

  it('serves only the declared verbs', () => {
    expect(Object.keys(v2.paths['/api/v1/componentstatuses'] ?? {})).toEqual(['get', 'parameters']);
    expect(Object.keys(v2.paths['/api/v1/componentstatuses/{name}'] ?? {})).toEqual(['get', 'parameters']);
    expect(v2.paths['/api/v1/watch/componentstatuses']).toBeUndefined();
  });

  it('declares the body, path and query parameters Kubernetes clients send', () => {
    const patch = v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
    expect(patch?.consumes).toContain('application/strategic-merge-patch+json');
    expect(patch?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual([
      'body:body',
      'query:dryRun',
      'query:fieldManager',
      'query:fieldValidation',
      'query:force',
    ]);
    expect(patch?.parameters?.[0]?.schema).toEqual({
      $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
    });
    expect(
      v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.parameters?.map((p) => p.name),
    ).toEqual(['name', 'namespace', 'pretty']);
    expect(patch?.responses['200']?.schema).toEqual({ $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' });
  });

  it('carries every definition it references', () => {
    expect(danglingRefs(v2, '#/definitions/', v2.definitions)).toEqual([]);
    expect(v2.definitions['io.k8s.api.core.v1.Container']).toBeDefined();
    expect(v2.info.version).toBe('v1.33.0+test');
  });
});

describe('the built-in catalog', () => {
  const builtIn = createOpenApiDocuments({ resources: ALL_RESOURCES, patchMetaFor, version: 'v1.33.0' });

  it('publishes a document for every served group-version, with every reference resolvable', () => {
    const index = JSON.parse(builtIn.v3Index().body.toString()) as { paths: Record<string, unknown> };
    expect(Object.keys(index.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1']));
    for (const gv of Object.keys(index.paths)) {
      const doc = JSON.parse(builtIn.v3(gv)?.body.toString() ?? '{}') as V3Document;
      expect(danglingRefs(doc, '#/components/schemas/', doc.components.schemas), gv).toEqual([]);
    }
    const swagger = builtIn.v2();
    expect(danglingRefs(swagger, '#/definitions/', swagger.definitions)).toEqual([]);
  });

  it('annotates the pod spec with the patch engine metadata', () => {
    const podSpec = builtIn.v2().definitions['io.k8s.api.core.v1.PodSpec'];
    expect(podSpec?.properties?.containers?.['x-kubernetes-patch-merge-key']).toBe('name');
    expect(podSpec?.properties?.containers?.['x-kubernetes-patch-strategy']).toBe('merge');
  });
});

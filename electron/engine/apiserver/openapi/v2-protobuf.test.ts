import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { patchMetaFor } from '../patch/meta';
import { ALL_RESOURCES } from '../resources';
import { createOpenApiDocuments } from './documents';
import { encodeV2Document, openApiV2Root } from './v2-protobuf';

// A mock stands in for kubectl here: kubectl's decoder (gnostic + kube-openapi) is Go, so the test
// decodes with the same .proto. The field numbers in openapiv2.proto were checked against
// gnostic's OpenAPIv2.proto; a real kubectl run against the API server is the end-to-end check.
const docs = createOpenApiDocuments({ resources: ALL_RESOURCES, patchMetaFor, version: 'v1.33.0+test' });
const Document = openApiV2Root().lookupType('openapi.v2.Document');
const bytes = docs.v2Protobuf().body;

interface NamedAny {
  name: string;
  value: { yaml: string };
}
interface Named<T> {
  name: string;
  value: T;
}
interface DecodedSchema {
  _ref?: string;
  description?: string;
  required?: string[];
  type?: { value: string[] };
  items?: { schema: DecodedSchema[] };
  properties?: { additional_properties: Named<DecodedSchema>[] };
  vendor_extension?: NamedAny[];
}
interface DecodedOperation {
  operation_id: string;
  consumes: string[];
  parameters: {
    parameter: Record<string, Record<string, { name: string; in: string; required?: boolean }>>;
  }[];
  responses: {
    response_code: Named<{ response: { description: string; schema?: { schema: DecodedSchema } } }>[];
  };
  vendor_extension: NamedAny[];
}
interface Decoded {
  swagger: string;
  info: { title: string; version: string };
  paths: { path: Named<Record<string, DecodedOperation>>[] };
  definitions: { additional_properties: Named<DecodedSchema>[] };
}

const decoded = Document.toObject(Document.decode(bytes), { defaults: false, arrays: true }) as Decoded;
const definition = (name: string) =>
  decoded.definitions.additional_properties.find((d) => d.name === name)?.value;
const property = (schema: DecodedSchema | undefined, name: string) =>
  schema?.properties?.additional_properties.find((p) => p.name === name)?.value;
const extension = (list: NamedAny[] | undefined, name: string): unknown => {
  const found = list?.find((e) => e.name === name);
  return found ? parseYaml(found.value.yaml) : undefined;
};

describe('OpenAPI v2 protobuf', () => {
  it('round-trips: decoding and re-encoding gives the same bytes', () => {
    // Buffer.equals, not toEqual: a deep equality over megabytes takes vitest tens of seconds.
    expect(Buffer.from(Document.encode(Document.decode(bytes)).finish()).equals(bytes)).toBe(true);
    expect(Buffer.from(encodeV2Document(docs.v2())).equals(bytes)).toBe(true);
  });

  it('carries the document header and every definition and path of the JSON form', () => {
    const json = docs.v2();
    expect(decoded.swagger).toBe('2.0');
    expect(decoded.info).toMatchObject({ title: 'Kubernetes', version: 'v1.33.0+test' });
    expect(decoded.definitions.additional_properties.map((d) => d.name)).toEqual(
      Object.keys(json.definitions),
    );
    expect(decoded.paths.path.map((p) => p.name)).toEqual(Object.keys(json.paths));
  });

  it('encodes schemas as gnostic does: TypeItem, ItemsItem, named properties, YAML extensions', () => {
    const pod = definition('io.k8s.api.core.v1.Pod');
    expect(pod?.type?.value).toEqual(['object']);
    expect(property(pod, 'spec')?._ref).toBe('#/definitions/io.k8s.api.core.v1.PodSpec');
    expect(extension(pod?.vendor_extension, 'x-kubernetes-group-version-kind')).toEqual([
      { group: '', kind: 'Pod', version: 'v1' },
    ]);
    const containers = property(definition('io.k8s.api.core.v1.PodSpec'), 'containers');
    expect(containers?.type?.value).toEqual(['array']);
    expect(containers?.items?.schema[0]?._ref).toBe('#/definitions/io.k8s.api.core.v1.Container');
    expect(extension(containers?.vendor_extension, 'x-kubernetes-patch-merge-key')).toBe('name');
    expect(extension(containers?.vendor_extension, 'x-kubernetes-patch-strategy')).toBe('merge');
    expect(definition('io.k8s.api.core.v1.Container')?.required).toEqual(['name']);
  });

  it('encodes operations with their parameters, responses and kind', () => {
    const item = decoded.paths.path.find(
      (p) => p.name === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
    );
    const patch = item?.value.patch;
    expect(patch?.operation_id).toBe('patchAppsV1NamespacedDeployment');
    expect(patch?.consumes).toContain('application/strategic-merge-patch+json');
    expect(extension(patch?.vendor_extension, 'x-kubernetes-group-version-kind')).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
    });
    expect(extension(patch?.vendor_extension, 'x-kubernetes-action')).toBe('patch');
    const params = patch?.parameters.map((p) => Object.values(p.parameter)[0]) ?? [];
    expect(params[0]).toMatchObject({ name: 'body', in: 'body', required: true });
    const query = params.slice(1).map((p) => Object.values(p ?? {})[0]);
    expect(query).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
    const ok = patch?.responses.response_code.find((r) => r.name === '200');
    expect(ok?.value.response.schema?.schema._ref).toBe('#/definitions/io.k8s.api.apps.v1.Deployment');
  });
});

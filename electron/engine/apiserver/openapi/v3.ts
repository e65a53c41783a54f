/**
 * The OpenAPI 3.0 documents served at /openapi/v3/<api/v1 | apis/<group>/<version>>, one per
 * group-version (kube-openapi's handler3 layout), each with the component schemas its paths reach.
 * kubectl 1.27+ reads them for `kubectl explain` (finding the kind's schema by
 * `x-kubernetes-group-version-kind`), for server-side field validation detection, and for
 * `kubectl apply`'s strategic-merge metadata (PatchMetaFromOpenAPIV3).
 *
 * Schema form: `#/components/schemas/` references; a reference with siblings (a description, or
 * patch metadata) is wrapped as `allOf: [{ $ref }]`, because OpenAPI 3.0 ignores a `$ref`'s
 * siblings — Kubernetes publishes the same shape, and kubectl's resolvers unwrap it.
 */
import type { ApiPath, Operation } from './model';
import { PATCH_TYPES } from './model';
import type { Parameter } from './parameters';
import type { Definitions, Schema } from './schemas';
import { bodySchema, RESPONSE_DESCRIPTIONS } from './v2';

const REF = '#/components/schemas/';

export interface V3Parameter {
  name: string;
  in: 'path' | 'query';
  description: string;
  required?: boolean;
  schema: { type: string };
}

type Content = Record<string, { schema: Schema }>;

export interface V3Operation {
  tags: string[];
  description: string;
  operationId: string;
  parameters?: V3Parameter[];
  requestBody?: { content: Content; required: boolean };
  responses: Record<string, { description: string; content?: Content }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; version: string; kind: string };
}

export type V3PathItem = { parameters?: V3Parameter[] } & Partial<Record<Operation['method'], V3Operation>>;

export interface V3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, V3PathItem>;
  components: { schemas: Definitions };
}

/** A v2-form schema in v3 form (see the module comment). Returns a new object. */
export function toV3Schema(schema: Schema): Schema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref') continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value as Definitions).map(([k, v]) => [k, toV3Schema(v)]));
    } else if ((key === 'items' || key === 'additionalProperties') && value && typeof value === 'object') {
      out[key] = toV3Schema(value as Schema);
    } else if (key === 'allOf' && Array.isArray(value)) {
      out[key] = (value as Schema[]).map(toV3Schema);
    } else {
      out[key] = value;
    }
  }
  if (schema.$ref === undefined) return out as Schema;
  const ref = { $ref: `${REF}${schema.$ref.slice(schema.$ref.lastIndexOf('/') + 1)}` };
  return Object.keys(out).length === 0 ? ref : ({ allOf: [ref], ...out } as Schema);
}

function v3Parameter(p: Parameter): V3Parameter {
  return {
    name: p.name,
    in: p.in,
    description: p.description,
    ...(p.required ? { required: true } : {}),
    schema: { type: p.type },
  };
}

function content(types: string[], schema: Schema): Content {
  return Object.fromEntries(types.map((type) => [type, { schema }]));
}

function v3Operation(op: Operation): V3Operation {
  const responses: V3Operation['responses'] = {};
  // Streams and logs declare `*/*` / text; JSON clients still get a JSON-typed response entry.
  const produced = op.produces.filter((type) => type !== '*/*');
  for (const [code, body] of Object.entries(op.responses)) {
    const types = produced.length > 0 ? produced : ['*/*'];
    responses[code] = {
      description: RESPONSE_DESCRIPTIONS[code] ?? 'OK',
      content: content(types, bodySchema(body, REF)),
    };
  }
  responses['401'] = { description: 'Unauthorized' };
  return {
    tags: [op.tag],
    description: op.description,
    operationId: op.operationId,
    ...(op.parameters.length > 0 ? { parameters: op.parameters.map(v3Parameter) } : {}),
    ...(op.requestBody
      ? {
          requestBody: {
            content: content(op.method === 'patch' ? PATCH_TYPES : ['*/*'], bodySchema(op.requestBody, REF)),
            required: op.method !== 'delete',
          },
        }
      : {}),
    responses,
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': { ...op.gvk },
  };
}

/** Renders one group-version's paths, with `definitions` (already limited to what they reach). */
export function v3Document(
  paths: ApiPath[],
  definitions: Readonly<Definitions>,
  version: string,
): V3Document {
  const rendered: Record<string, V3PathItem> = {};
  for (const apiPath of paths) {
    const item: V3PathItem = {};
    for (const op of apiPath.operations) item[op.method] = v3Operation(op);
    if (apiPath.parameters.length > 0) item.parameters = apiPath.parameters.map(v3Parameter);
    rendered[apiPath.path] = item;
  }
  const schemas: Definitions = {};
  for (const [name, schema] of Object.entries(definitions)) schemas[name] = toV3Schema(schema);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version },
    paths: rendered,
    components: { schemas },
  };
}

/**
 * The Swagger 2.0 document served at /openapi/v2 (kube-openapi's layout): every path of every
 * served resource, and the definitions those paths reach. kubectl reads it (as protobuf, see
 * v2-protobuf.ts) for client-side validation, `kubectl explain` before 1.27, and the
 * strategic-merge metadata of `kubectl apply` when OpenAPI v3 is unavailable.
 */
import type { ApiPath, Body, Operation } from './model';
import type { Parameter } from './parameters';
import type { Definitions, Schema } from './schemas';

export interface SwaggerParameter {
  name: string;
  in: 'path' | 'query' | 'body';
  description?: string;
  required?: boolean;
  type?: string;
  schema?: Schema;
}

export interface SwaggerOperation {
  description: string;
  consumes: string[];
  produces: string[];
  schemes: string[];
  tags: string[];
  operationId: string;
  parameters?: SwaggerParameter[];
  responses: Record<string, { description: string; schema?: Schema }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; version: string; kind: string };
}

export type SwaggerPathItem = { parameters?: SwaggerParameter[] } & Partial<
  Record<Operation['method'], SwaggerOperation>
>;

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Definitions;
}

export const RESPONSE_DESCRIPTIONS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted',
  '401': 'Unauthorized',
};

/** A body as a schema, with references in `refPrefix` form (`#/definitions/`). */
export function bodySchema(body: Body, refPrefix: string): Schema {
  return 'definition' in body ? { $ref: `${refPrefix}${body.definition}` } : { type: body.type };
}

function swaggerParameter(p: Parameter): SwaggerParameter {
  return {
    name: p.name,
    in: p.in,
    description: p.description,
    type: p.type,
    ...(p.required ? { required: true } : {}),
  };
}

function swaggerOperation(op: Operation): SwaggerOperation {
  const parameters = op.parameters.map(swaggerParameter);
  if (op.requestBody) {
    // DELETE bodies (DeleteOptions) are optional; create/replace/patch need one.
    const required = op.method !== 'delete';
    parameters.unshift({
      name: 'body',
      in: 'body',
      required,
      schema: bodySchema(op.requestBody, '#/definitions/'),
    });
  }
  const responses: SwaggerOperation['responses'] = {};
  for (const [code, body] of Object.entries(op.responses)) {
    responses[code] = {
      description: RESPONSE_DESCRIPTIONS[code] ?? 'OK',
      schema: bodySchema(body, '#/definitions/'),
    };
  }
  responses['401'] = { description: 'Unauthorized' };
  return {
    description: op.description,
    consumes: op.consumes,
    produces: op.produces,
    schemes: ['https'],
    tags: [op.tag],
    operationId: op.operationId,
    ...(parameters.length > 0 ? { parameters } : {}),
    responses,
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': { ...op.gvk },
  };
}

/** Renders the paths, with `definitions` (already limited to what the paths reach). */
export function swaggerDocument(
  paths: ApiPath[],
  definitions: Definitions,
  version: string,
): SwaggerDocument {
  const rendered: Record<string, SwaggerPathItem> = {};
  for (const apiPath of paths) {
    const item: SwaggerPathItem = {};
    for (const op of apiPath.operations) item[op.method] = swaggerOperation(op);
    if (apiPath.parameters.length > 0) item.parameters = apiPath.parameters.map(swaggerParameter);
    rendered[apiPath.path] = item;
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version }, paths: rendered, definitions };
}

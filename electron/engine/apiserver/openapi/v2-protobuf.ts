/**
 * /openapi/v2 as protobuf: gnostic's `openapi.v2.Document`, which kubectl and client-go's
 * discovery client request (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`)
 * and decode with kube-openapi's proto models. Converted from the JSON document the way gnostic's
 * parser does: maps become ordered name/value lists, `type` a TypeItem, `items` an ItemsItem, and
 * every vendor extension (`x-kubernetes-*`) a NamedAny whose value is the extension as YAML text
 * (JSON is YAML; kube-openapi reads the text with a YAML parser).
 *
 * The .proto (openapiv2.proto, beside this file) is imported as text with Vite's `?raw`, like
 * the definitions (see schemas.ts).
 */
import protobuf from 'protobufjs';
import protoText from './openapiv2.proto?raw';
import type { Schema } from './schemas';
import type { SwaggerDocument, SwaggerOperation, SwaggerParameter, SwaggerPathItem } from './v2';

let root: protobuf.Root | undefined;

/** The parsed openapi.v2 messages (keepCase: field names as in the .proto, e.g. `operation_id`). */
export function openApiV2Root(): protobuf.Root {
  root ??= protobuf.parse(protoText, { keepCase: true }).root;
  return root;
}

type Message = Record<string, unknown>;

function extensions(source: object): Message[] {
  return Object.entries(source)
    .filter(([key]) => key.startsWith('x-'))
    .map(([name, value]) => ({ name, value: { yaml: `${JSON.stringify(value)}\n` } }));
}

function schema(s: Schema): Message {
  const out: Message = {};
  if (s.$ref !== undefined) out._ref = s.$ref;
  if (s.format !== undefined) out.format = s.format;
  if (s.description !== undefined) out.description = s.description;
  if (s.required) out.required = s.required;
  if (typeof s.additionalProperties === 'boolean')
    out.additional_properties = { boolean: s.additionalProperties };
  else if (s.additionalProperties) out.additional_properties = { schema: schema(s.additionalProperties) };
  if (s.type !== undefined) out.type = { value: [s.type] };
  if (s.items) out.items = { schema: [schema(s.items)] };
  if (s.allOf) out.all_of = s.allOf.map(schema);
  if (s.properties) {
    out.properties = {
      additional_properties: Object.entries(s.properties).map(([name, value]) => ({
        name,
        value: schema(value),
      })),
    };
  }
  const ext = extensions(s);
  if (ext.length > 0) out.vendor_extension = ext;
  return out;
}

function parameter(p: SwaggerParameter): Message {
  if (p.in === 'body') {
    return {
      parameter: {
        body_parameter: {
          name: p.name,
          in: p.in,
          required: p.required ?? false,
          ...(p.description ? { description: p.description } : {}),
          ...(p.schema ? { schema: schema(p.schema) } : {}),
        },
      },
    };
  }
  const sub = {
    name: p.name,
    in: p.in,
    description: p.description,
    required: p.required ?? false,
    type: p.type,
  };
  const kind = p.in === 'path' ? 'path_parameter_sub_schema' : 'query_parameter_sub_schema';
  return { parameter: { non_body_parameter: { [kind]: sub } } };
}

function operation(op: SwaggerOperation): Message {
  return {
    tags: op.tags,
    description: op.description,
    operation_id: op.operationId,
    produces: op.produces,
    consumes: op.consumes,
    parameters: (op.parameters ?? []).map(parameter),
    responses: {
      response_code: Object.entries(op.responses).map(([name, r]) => ({
        name,
        value: {
          response: {
            description: r.description,
            ...(r.schema ? { schema: { schema: schema(r.schema) } } : {}),
          },
        },
      })),
    },
    schemes: op.schemes,
    vendor_extension: extensions(op),
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function pathItem(item: SwaggerPathItem): Message {
  const out: Message = {};
  for (const method of METHODS) {
    const op = item[method];
    if (op) out[method] = operation(op);
  }
  if (item.parameters) out.parameters = item.parameters.map(parameter);
  return out;
}

/** Encodes the v2 document as gnostic protobuf. */
export function encodeV2Document(doc: SwaggerDocument): Buffer {
  const Document = openApiV2Root().lookupType('openapi.v2.Document');
  const message = Document.fromObject({
    swagger: doc.swagger,
    info: doc.info,
    paths: { path: Object.entries(doc.paths).map(([name, item]) => ({ name, value: pathItem(item) })) },
    definitions: {
      additional_properties: Object.entries(doc.definitions).map(([name, value]) => ({
        name,
        value: schema(value),
      })),
    },
  });
  return Buffer.from(Document.encode(message).finish());
}

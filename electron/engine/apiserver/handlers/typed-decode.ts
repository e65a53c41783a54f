/**
 * The type check kube-apiserver gets from decoding a body into its Go struct: a value of the
 * wrong JSON type (a string where an int32 goes, an array where an object goes, a number out of
 * an int32's range) is a 400 BadRequest before any defaulting or validation runs, worded like
 * Kubernetes' decode error:
 * `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field spec.replicas of type int32`.
 *
 * Like Go's decoder, `null` is accepted anywhere and means "absent": null fields are dropped and
 * null list items become the item type's zero value, so later stages never see null.
 *
 * Known limitations: nesting is capped at MAX_DEPTH levels (Go's decoder allows 10,000; this
 * process's stack does not); the message names the JSON path, not Go's struct type name.
 */
import { type Schema, allDefinitions, refName, resolve, schemaForKind } from '../openapi/schemas';
import { badRequest } from '../errors';

export const MAX_DEPTH = 200;

class TypeMismatch extends Error {}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function zeroValue(s: Schema): unknown {
  switch (s.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return {};
  }
}

const INT64: [number, number] = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
const INT_RANGES: Record<string, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: INT64 };

/** Check `value` against `schema`, returning it with nulls normalised (may rewrite in place). */
function check(value: unknown, schema: Schema, path: string, depth: number): unknown {
  if (depth > MAX_DEPTH)
    throw new TypeMismatch(`the object is nested more than ${MAX_DEPTH} levels deep at ${path}`);
  const isQuantity = schema.$ref !== undefined && refName(schema.$ref).endsWith('.resource.Quantity');
  const s = resolve(schema, allDefinitions());
  const mismatch = (expected: string) =>
    new TypeMismatch(
      `json: cannot unmarshal ${jsonType(value)} into Go struct field ${path} of type ${expected}`,
    );
  if (s['x-kubernetes-preserve-unknown-fields']) {
    freeForm(value, path, depth);
    return value;
  }
  if (s['x-kubernetes-int-or-string'] || isQuantity) {
    if (typeof value !== 'string' && typeof value !== 'number')
      throw mismatch(isQuantity ? 'Quantity' : 'IntOrString');
    return value;
  }
  switch (s.type) {
    case 'string':
      if (typeof value !== 'string') throw mismatch('string');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw mismatch('bool');
      return value;
    case 'number':
      if (typeof value !== 'number') throw mismatch('float64');
      return value;
    case 'integer': {
      const format = s.format ?? 'int64';
      const [min, max] = INT_RANGES[format] ?? INT64;
      if (typeof value !== 'number') throw mismatch(format);
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new TypeMismatch(
          `json: cannot unmarshal number ${value} into Go struct field ${path} of type ${format}`,
        );
      }
      return value;
    }
    case 'array': {
      if (!Array.isArray(value)) throw mismatch('array');
      const items = s.items;
      if (!items) return value;
      for (let i = 0; i < value.length; i++) {
        value[i] =
          value[i] === null
            ? zeroValue(resolve(items, allDefinitions()))
            : check(value[i], items, `${path}[${i}]`, depth + 1);
      }
      return value;
    }
  }
  if (s.type === 'object' || s.properties || s.additionalProperties) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw mismatch('object');
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const child =
        s.properties?.[key] ??
        (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (obj[key] === null) {
        Reflect.deleteProperty(obj, key);
        continue;
      }
      const childPath = path ? `${path}.${key}` : key;
      // Unknown fields are fieldValidation's business (Ignore/Warn/Strict); only their depth matters here.
      if (child) obj[key] = check(obj[key], child, childPath, depth + 1);
      else freeForm(obj[key], childPath, depth + 1);
    }
    return obj;
  }
  return value;
}

/** Free-form JSON (RawExtension, FieldsV1, unknown fields): only the depth is limited. */
function freeForm(value: unknown, path: string, depth: number) {
  if (depth > MAX_DEPTH)
    throw new TypeMismatch(`the object is nested more than ${MAX_DEPTH} levels deep at ${path}`);
  if (value === null || typeof value !== 'object') return;
  for (const v of Array.isArray(value) ? value : Object.values(value)) freeForm(v, path, depth + 1);
}

/**
 * Type-check a decoded object of `kind` in `apiVersion`; throws 400 BadRequest on a mismatch.
 * Kinds without a schema pass unchecked (depth still limited).
 */
export function typedDecode<T>(obj: T, apiVersion: string, kind: string): T {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const schema = schemaForKind(group, version, kind);
  try {
    if (schema) check(obj, schema, '', 0);
    else freeForm(obj, '', 0);
  } catch (err) {
    if (!(err instanceof TypeMismatch)) throw err;
    throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${err.message}`);
  }
  return obj;
}

/** A patch body is free-form JSON: only its depth is limited (400 BadRequest beyond MAX_DEPTH). */
export function checkPatchDepth(body: unknown): void {
  try {
    freeForm(body, '', 0);
  } catch (err) {
    if (!(err instanceof TypeMismatch)) throw err;
    throw badRequest(`the patch is not valid: ${err.message}`);
  }
}

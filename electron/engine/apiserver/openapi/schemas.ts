/**
 * The component schemas of every Kubernetes type (generated from the `kubernetes-types` package by
 * scripts/gen-openapi.mjs; run `node scripts/gen-openapi.mjs` before building or testing), lookup
 * by group/version/kind, and the strict field validator behind `fieldValidation=Strict|Warn`.
 *
 * Loading: the generated JSON is imported as text with Vite's `?raw` suffix, which both Vitest and
 * the electron-vite bundle resolve at build time (the bundle inlines the string, so nothing has to
 * be shipped beside it), while `tsc` only sees the ambient declaration in raw-modules.d.ts and never
 * reads — or requires — the generated file. It is parsed on first use (about 1 MB).
 *
 * Schemas are in OpenAPI v2 form: references are `#/definitions/<name>`, a `$ref` may carry a
 * sibling `description` (as in Kubernetes' swagger.json); v3.ts rewrites them for OpenAPI v3.
 */
import definitionsText from './generated/definitions.json?raw';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The subset of (Swagger 2.0 / OpenAPI 3.0) Schema Object that the generator emits. */
export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
}

export type Definitions = Record<string, Schema>;

interface Loaded {
  definitions: Definitions;
  byGvk: Map<string, string>;
}

let loaded: Loaded | undefined;

function load(): Loaded {
  if (loaded) return loaded;
  const parsed = JSON.parse(definitionsText) as { definitions: Definitions };
  const byGvk = new Map<string, string>();
  for (const [name, schema] of Object.entries(parsed.definitions)) {
    for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) byGvk.set(gvkKey(gvk), name);
  }
  loaded = { definitions: parsed.definitions, byGvk };
  return loaded;
}

function gvkKey({ group, version, kind }: GroupVersionKind): string {
  return `${group}/${version}/${kind}`;
}

/** Every definition by its Kubernetes name (`io.k8s.api.core.v1.Pod`). Shared: do not mutate. */
export function allDefinitions(): Readonly<Definitions> {
  return load().definitions;
}

/** The definition name of a served kind, e.g. ('apps','v1','Deployment') → `io.k8s.api.apps.v1.Deployment`. */
export function definitionName(group: string, version: string, kind: string): string | undefined {
  return load().byGvk.get(gvkKey({ group, version, kind }));
}

/** The schema of a kind (its definition; nested types stay `$ref`s), or undefined if unknown. */
export function schemaForKind(group: string, version: string, kind: string): Schema | undefined {
  const name = definitionName(group, version, kind);
  return name === undefined ? undefined : load().definitions[name];
}

/** `#/definitions/x` or `#/components/schemas/x` → `x`. */
export function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

const MAX_REF_HOPS = 64;

/** Follows `$ref` (and Kubernetes' v3 single-element `allOf` wrapper) to the schema it names. */
export function resolve(schema: Schema, definitions: Readonly<Definitions>): Schema {
  let current = schema;
  // Bounded: a chain of references longer than the number of definitions would be a cycle.
  // Chains of $ref are a few links long; the bound only catches cycles (it is checked per call,
  // so it must not cost a pass over every definition).
  for (let hops = 0; hops <= MAX_REF_HOPS; hops++) {
    const inner = current.allOf?.length === 1 ? current.allOf[0] : undefined;
    const ref = current.$ref ?? inner?.$ref;
    if (ref === undefined) return inner ?? current;
    const target = definitions[refName(ref)];
    if (!target) return {};
    current = target;
  }
  throw new Error(`reference cycle at ${schema.$ref ?? '(inline schema)'}`);
}

/**
 * Paths of the fields in `obj` that its kind's schema does not declare, in document order,
 * formatted as Kubernetes' strict decoder does: dotted names with list indexes,
 * `spec.template.spec.containers[0].imagePullPolice`. Map values are entered as `.key`. Fields
 * under free-form schemas (RawExtension, FieldsV1, CRD JSON) are not checked. An unknown kind
 * yields no paths: there is nothing to validate against.
 */
export function unknownFields(obj: unknown, group: string, version: string, kind: string): string[] {
  const schema = schemaForKind(group, version, kind);
  if (!schema) return [];
  const found: string[] = [];
  walk(obj, schema, '', load().definitions, found);
  return found;
}

function walk(
  value: unknown,
  schema: Schema,
  path: string,
  definitions: Readonly<Definitions>,
  found: string[],
) {
  if (value === null || typeof value !== 'object') return;
  const s = resolve(schema, definitions);
  if (s['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value)) {
    if (!s.items) return;
    value.forEach((item, i) => walk(item, s.items as Schema, `${path}[${i}]`, definitions, found));
    return;
  }
  const join = (key: string) => (path ? `${path}.${key}` : key);
  if (s.properties) {
    for (const [key, child] of Object.entries(value)) {
      const prop = s.properties[key];
      if (prop) walk(child, prop, join(key), definitions, found);
      else found.push(join(key));
    }
  } else if (typeof s.additionalProperties === 'object') {
    for (const [key, child] of Object.entries(value)) {
      walk(child, s.additionalProperties, join(key), definitions, found);
    }
  }
}

/** One strict-decoding problem as Kubernetes words it: `unknown field "spec.foo"`. */
export function unknownFieldMessage(path: string): string {
  return `unknown field "${path}"`;
}

/** runtime.StrictDecodingError's text: `strict decoding error: unknown field "a", unknown field "b"`. */
export function strictDecodingMessage(paths: string[]): string {
  return `strict decoding error: ${paths.map(unknownFieldMessage).join(', ')}`;
}

/**
 * The 400 BadRequest message for a create/update body with unknown fields under
 * `fieldValidation=Strict` (kube-apiserver's transformDecodeError), e.g.
 * `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"`.
 * `bodyVersion` is the version part of the body's apiVersion (`v1` for `apps/v1`).
 */
export function strictDecodeErrorMessage(bodyKind: string, bodyVersion: string, paths: string[]): string {
  return `${bodyKind} in version "${bodyVersion}" cannot be handled as a ${bodyKind}: ${strictDecodingMessage(paths)}`;
}

/**
 * A `Warning` response header value (RFC 7234 warn-code 299, agent `-`) as kube-apiserver sends
 * for `fieldValidation=Warn`: `299 - "unknown field \"spec.foo\""`. kubectl prints the text as
 * `Warning: unknown field "spec.foo"`.
 */
export function warningHeader(text: string): string {
  // HTTP header values must stay printable ASCII; other characters become `?` (as Kubernetes'
  // warning recorder sanitizes them).
  const printable = text.replace(/[^\x20-\x7e\t]/g, '?');
  return `299 - "${printable.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The names of `roots` and of every definition they reference, transitively, sorted — what a
 * document that mentions `roots` must carry so every `$ref` resolves (kubectl rejects a v2
 * document with a dangling reference).
 */
export function referencedDefinitions(roots: Iterable<string>, definitions: Readonly<Definitions>): string[] {
  const seen = new Set<string>();
  const pending = [...roots];
  const collect = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') pending.push(refName(child));
      else collect(child);
    }
  };
  // Bounded by the number of definitions: each is expanded at most once.
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (seen.has(name) || !definitions[name]) continue;
    seen.add(name);
    collect(definitions[name]);
  }
  return [...seen].sort();
}

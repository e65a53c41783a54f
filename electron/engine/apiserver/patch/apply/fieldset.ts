/**
 * Field sets of server-side apply: which fields of an object a manager owns, encoded the way
 * structured-merge-diff encodes them in `metadata.managedFields[].fieldsV1`.
 *
 * A path is a list of elements: `f:<name>` (an object field), `k:{"name":"web"}` (the element of a
 * `listType=map` list with those key fields, sorted), `v:"x"` (the element of a `listType=set`
 * list). A set holds the paths of leaves (scalars, atomic lists and maps, empty maps) and of every
 * list element; in fieldsV1 an element that also has owned children carries `.: {}`.
 *
 * Known limitations (simplified from structured-merge-diff): non-empty maps and structs are never
 * members themselves (Kubernetes marks an added map or pointer struct with `.`), and the only key
 * field default is `protocol: TCP`, the one the served kinds have (container and service ports).
 */
import { PatchError } from '../errors';
import { type JsonMap, isJsonMap } from '../json';
import { type PatchMetaNode, fieldNode } from '../meta';

export type Path = string[];
/** Paths joined by SEP; the separator cannot occur inside an element (JSON escapes control characters). */
export type FieldSet = Set<string>;

const SEP = '\u0000';
export const pathKey = (path: Path): string => path.join(SEP);
export const pathOf = (key: string): Path => (key === '' ? [] : key.split(SEP));

/** Defaults of list-map key fields (k8s.io/api declares `protocol` defaulting to TCP). */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

/** Kubernetes does not track these (fieldmanager's stripMeta). */
const STRIPPED = [
  ['f:apiVersion'],
  ['f:kind'],
  ...[
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'generation',
    'managedFields',
    'resourceVersion',
  ].map((f) => ['f:metadata', `f:${f}`]),
].map(pathKey);

function listMapKeys(node: PatchMetaNode | undefined): string[] {
  const meta = node?.meta;
  return meta?.listMapKeys ?? (meta?.patchMergeKey ? [meta.patchMergeKey] : []);
}

export function listTypeOf(node: PatchMetaNode | undefined): 'atomic' | 'set' | 'map' {
  return node?.meta?.listType ?? 'atomic';
}

/** The `k:` element of a list-map item, or undefined when a key field is missing. */
export function keyElement(item: unknown, node: PatchMetaNode | undefined): string | undefined {
  if (!isJsonMap(item)) return undefined;
  const keys = [...listMapKeys(node)].sort();
  const fields: JsonMap = {};
  for (const key of keys) {
    const value = item[key] ?? KEY_DEFAULTS[key];
    if (value === undefined) return undefined;
    fields[key] = value;
  }
  return `k:${JSON.stringify(fields)}`;
}

export const valueElement = (value: unknown) => `v:${JSON.stringify(value)}`;

/**
 * The fields `obj` sets, as a manager applying it would own them. `scope` narrows to the fields a
 * request may change: the main resource never owns `status`, the status subresource never `spec`.
 * Throws PatchError (422) for a list-map element without its key fields.
 */
export function fieldsOf(obj: JsonMap, meta: PatchMetaNode, subresource?: string): FieldSet {
  const out: FieldSet = new Set();
  const skip = subresource === 'status' ? 'spec' : subresource === undefined ? 'status' : undefined;
  for (const [key, value] of Object.entries(obj)) {
    if (key === skip) continue;
    collect(value, fieldNode(meta, key), [`f:${key}`], out);
  }
  for (const stripped of STRIPPED) out.delete(stripped);
  return out;
}

function collect(value: unknown, node: PatchMetaNode | undefined, path: Path, out: FieldSet): void {
  if (Array.isArray(value)) {
    const type = listTypeOf(node);
    if (type === 'atomic') {
      out.add(pathKey(path));
    } else if (type === 'set') {
      for (const v of value) out.add(pathKey([...path, valueElement(v)]));
    } else {
      value.forEach((item, index) => {
        const element = keyElement(item, node);
        if (!element) {
          throw new PatchError(
            422,
            'Invalid',
            `${pathString(path)}: element ${index}: associative list with keys has an element that omits key field "${listMapKeys(node).find((k) => !isJsonMap(item) || (item[k] ?? KEY_DEFAULTS[k]) === undefined) ?? ''}"`,
          );
        }
        const itemPath = [...path, element];
        out.add(pathKey(itemPath));
        if (isJsonMap(item)) collectFields(item, node?.items, itemPath, out);
      });
    }
  } else if (isJsonMap(value) && node?.meta?.mapType !== 'atomic' && Object.keys(value).length > 0) {
    collectFields(value, node, path, out);
  } else {
    out.add(pathKey(path));
  }
}

function collectFields(map: JsonMap, node: PatchMetaNode | undefined, path: Path, out: FieldSet) {
  for (const [key, value] of Object.entries(map))
    collect(value, fieldNode(node, key), [...path, `f:${key}`], out);
}

// ---- resolving paths in objects -------------------------------------------------------------

export interface Resolved {
  value: unknown;
  node: PatchMetaNode | undefined;
  /** The container holding the value and how to address it there. */
  parent: JsonMap | unknown[];
  at: string | number;
}

/** The value at `path` in `obj` (undefined when absent). */
export function resolve(obj: JsonMap, meta: PatchMetaNode, path: Path): Resolved | undefined {
  let current: Resolved = { value: obj, node: meta, parent: [obj], at: 0 };
  for (const element of path) {
    const next = step(current, element);
    if (!next) return undefined;
    current = next;
  }
  return current;
}

function step(from: Resolved, element: string): Resolved | undefined {
  const { value, node } = from;
  if (element.startsWith('f:')) {
    const name = element.slice(2);
    if (!isJsonMap(value) || !Object.hasOwn(value, name)) return undefined;
    return { value: value[name], node: fieldNode(node, name), parent: value, at: name };
  }
  if (!Array.isArray(value)) return undefined;
  const index = element.startsWith('k:')
    ? value.findIndex((item) => keyElement(item, node) === element)
    : value.findIndex((item) => valueElement(item) === element);
  if (index < 0) return undefined;
  return { value: value[index], node: node?.items, parent: value, at: index };
}

/** Removes the value at `path` from `obj` (in place); false when it was absent. */
export function removeAt(obj: JsonMap, meta: PatchMetaNode, path: Path): boolean {
  const found = resolve(obj, meta, path);
  if (!found || path.length === 0) return false;
  if (Array.isArray(found.parent)) found.parent.splice(found.at as number, 1);
  else Reflect.deleteProperty(found.parent, found.at as string);
  return true;
}

// ---- fieldsV1 -------------------------------------------------------------------------------

export type FieldsV1 = { [element: string]: FieldsV1 };

/** Encodes a set as the fieldsV1 tree (keys sorted with `.` first, as Kubernetes writes them). */
export function toFieldsV1(set: FieldSet): FieldsV1 {
  const root: FieldsV1 = {};
  for (const key of set) {
    let node = root;
    for (const element of pathOf(key)) node = node[element] ??= {};
  }
  const build = (node: FieldsV1, key: string): FieldsV1 => {
    const out: FieldsV1 = {};
    const children = Object.keys(node).sort();
    // A member with children of its own is marked with `.`.
    if (key !== '' && set.has(key) && children.length > 0) out['.'] = {};
    for (const child of children) {
      out[child] = build(node[child] ?? {}, key === '' ? child : pathKey([key, child]));
    }
    return out;
  };
  return build(root, '');
}

/** Decodes a fieldsV1 tree; anything that is not one decodes to the empty set. */
export function fromFieldsV1(tree: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: unknown, path: Path) => {
    if (!isJsonMap(node)) return;
    const children = Object.keys(node).filter((k) => k !== '.');
    if (path.length > 0 && (children.length === 0 || '.' in node)) out.add(pathKey(path));
    for (const child of children) walk(node[child], [...path, child]);
  };
  walk(tree, []);
  return out;
}

/** Kubernetes' display of a path: `.spec.containers[name="web"].image`, `.metadata.finalizers[="x"]`. */
export function pathString(path: Path): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      if (element.startsWith('f:')) return `.${body}`;
      if (element.startsWith('v:')) return `[=${body}]`;
      const fields = JSON.parse(body) as JsonMap;
      return `[${Object.entries(fields)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    })
    .join('');
}

/** True when `key` is `prefix` or lies below it. */
export function isAtOrBelow(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(prefix + SEP);
}

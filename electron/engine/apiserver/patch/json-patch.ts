/**
 * JSON patch (RFC 6902, `application/json-patch+json`) with kube-apiserver's semantics and
 * messages. Kubernetes applies these with evanphx/json-patch v4, which differs from a strict
 * RFC 6902 reading in ways clients can observe, so the paths are resolved here the way it resolves
 * them and fast-json-patch performs each operation on the resolved location:
 *
 * - `replace` of a missing object member adds it; `copy` from a missing member copies null;
 * - negative array indices count from the end;
 * - a path without a leading `/` addresses its last segment in the root (`a/b` acts as `/b`);
 * - a failed operation is a 422 "the server rejected our request due to an error in our request"
 *   whose cause is the library message (`testing value /spec/replicas failed: test failed`);
 * - a body that is not a list of operations is a 400; more than 10000 operations is a 413.
 */
import jsonPatch from 'fast-json-patch';
import { PatchError, badRequest, jsonTypeName, unprocessable } from './errors';
import { type JsonMap, cloneJson, isJsonMap } from './json';

// fast-json-patch is CommonJS under Node's ESM loader (the bundled engine) and ESM under vite:
// the default export is the one both provide.
const { _areEquals, applyOperation } = jsonPatch;

/** kube-apiserver's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

type Container = JsonMap | unknown[];

/** Where a path points: its container, the key in it, and the container's canonical pointer. */
interface Location {
  container: Container;
  key: string;
  pointer: string;
}

/** Applies `patch` (the decoded request body) to `original`; neither is modified. */
export function applyJsonPatch(original: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw badRequest(`json: cannot unmarshal ${jsonTypeName(patch)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (op !== null && !isJsonMap(op)) {
      throw badRequest(
        `json: cannot unmarshal ${jsonTypeName(op)} into Go value of type jsonpatch.Operation`,
      );
    }
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(
      413,
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  const doc = { root: cloneJson(original) };
  for (const op of patch as (JsonMap | null)[]) {
    try {
      applyOne(doc, op ?? {});
    } catch (err) {
      if (err instanceof PatchError) throw err;
      throw unprocessable(err instanceof Error ? err.message : String(err));
    }
  }
  return doc.root;
}

/** A failure with evanphx's message; becomes the cause of the 422. */
class OpError extends Error {}

function applyOne(doc: { root: unknown }, op: JsonMap): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  const path = typeof op.path === 'string' ? op.path : undefined;
  const from = typeof op.from === 'string' ? op.from : undefined;
  const value = cloneJson(op.value ?? null);
  const fail = (message: string) => unprocessable(message);
  const missingPath = `${kind} operation failed to decode path: operation missing path field: missing value`;
  switch (kind) {
    case 'add': {
      if (path === undefined) throw fail('add operation failed to decode path: missing value');
      const at = locate(doc.root, path);
      if (!at) throw fail(`add operation does not apply: doc is missing path: "${path}": missing value`);
      add(doc, at, value, (m) => `error in add for path: '${path}': ${m}`);
      return;
    }
    case 'remove': {
      if (path === undefined) throw fail('remove operation failed to decode path: missing value');
      const at = locate(doc.root, path);
      if (!at) {
        throw fail(`remove operation does not apply: doc is missing path: "${path}": missing value`);
      }
      remove(doc, at, (m) => `error in remove for path: '${path}': ${m}`);
      return;
    }
    case 'replace': {
      if (path === undefined) throw fail(missingPath);
      if (path === '') {
        // evanphx swallows the error for a scalar value: the document stays as it is.
        if (typeof value === 'object' && value !== null) doc.root = cloneJson(value);
        return;
      }
      const at = locate(doc.root, path);
      if (!at) throw fail(`replace operation does not apply: doc is missing path: ${path}: missing value`);
      if (Array.isArray(at.container)) {
        const index = arrayIndex(at.container, at.key, false);
        if (typeof index === 'string') {
          throw fail(`replace operation does not apply: doc is missing key: ${path}: missing value`);
        }
        mutate(doc, { op: 'replace', path: `${at.pointer}/${index}`, value });
      } else {
        mutate(doc, { op: 'add', path: `${at.pointer}/${escape(at.key)}`, value });
      }
      return;
    }
    case 'move':
    case 'copy': {
      if (from === undefined) {
        throw fail(`${kind} operation failed to decode from: operation, missing from field: missing value`);
      }
      const source = locate(doc.root, from);
      if (!source) {
        throw fail(`${kind} operation does not apply: doc is missing from path: ${from}: missing value`);
      }
      const read = get(source);
      if (typeof read === 'string') {
        throw fail(
          kind === 'move'
            ? `error in move for path: '${source.key}': ${read}`
            : `error in copy for from: '${from}': ${read}`,
        );
      }
      const moved = cloneJson(read.value ?? null);
      if (kind === 'move') remove(doc, source, (m) => `error in move for path: '${source.key}': ${m}`);
      if (path === undefined) {
        throw fail(kind === 'move' ? missingPath : 'copy operation failed to decode path: missing value');
      }
      const target = locate(doc.root, path);
      if (!target) {
        throw fail(
          `${kind} operation does not apply: doc is missing destination path: ${path}: missing value`,
        );
      }
      add(doc, target, moved, (m) =>
        kind === 'move'
          ? `error in move for path: '${path}': ${m}`
          : `error while adding value during copy: ${m}`,
      );
      return;
    }
    case 'test': {
      if (path === undefined) throw fail(missingPath);
      const failed = fail(`testing value ${path} failed: test failed`);
      if (path === '') {
        if (!_areEquals(doc.root, op.value)) throw failed;
        return;
      }
      const at = locate(doc.root, path);
      if (!at) throw fail(`test operation does not apply: is missing path: ${path}: missing value`);
      const read = get(at);
      if (typeof read === 'string') throw fail(`error in test for path: '${path}': ${read}`);
      // A missing or null member equals an absent or null value, nothing else (as evanphx).
      if (read.value === undefined || read.value === null) {
        if (op.value !== undefined && op.value !== null) throw failed;
        return;
      }
      if (op.value === undefined || !_areEquals(read.value, op.value)) throw failed;
      return;
    }
    default:
      throw fail(`Unexpected kind: ${kind}`);
  }
}

/** evanphx's findObject: walks every segment but the last; undefined when it cannot. */
function locate(root: unknown, path: string): Location | undefined {
  const segments = path.split('/');
  if (segments.length < 2) return undefined;
  let container: unknown = root;
  let pointer = '';
  for (const raw of segments.slice(1, -1)) {
    if (!isContainer(container)) return undefined;
    const read = get({ container, key: unescape(raw), pointer });
    if (typeof read === 'string' || !isContainer(read.value)) return undefined;
    pointer += `/${escape(read.canonical)}`;
    container = read.value;
  }
  if (!isContainer(container)) return undefined;
  return { container, key: unescape(segments.at(-1) ?? ''), pointer };
}

/** The member or element at `at`; a string is evanphx's error for a bad index. */
function get(at: Location): { value: unknown; canonical: string } | string {
  if (!Array.isArray(at.container)) {
    const value = Object.hasOwn(at.container, at.key) ? at.container[at.key] : undefined;
    return { value, canonical: at.key };
  }
  const index = arrayIndex(at.container, at.key, false);
  if (typeof index === 'string') return index;
  return { value: at.container[index], canonical: String(index) };
}

function add(doc: { root: unknown }, at: Location, value: unknown, wrap: (m: string) => string): void {
  if (!Array.isArray(at.container)) {
    mutate(doc, { op: 'add', path: `${at.pointer}/${escape(at.key)}`, value });
    return;
  }
  if (at.key === '-') {
    mutate(doc, { op: 'add', path: `${at.pointer}/-`, value });
    return;
  }
  const index = arrayIndex(at.container, at.key, true);
  if (typeof index === 'string') throw new OpError(wrap(index));
  mutate(doc, { op: 'add', path: `${at.pointer}/${index}`, value });
}

function remove(doc: { root: unknown }, at: Location, wrap: (m: string) => string): void {
  if (!Array.isArray(at.container)) {
    if (!Object.hasOwn(at.container, at.key)) {
      throw new OpError(wrap(`Unable to remove nonexistent key: ${at.key}: missing value`));
    }
    mutate(doc, { op: 'remove', path: `${at.pointer}/${escape(at.key)}` });
    return;
  }
  const index = arrayIndex(at.container, at.key, false);
  if (typeof index === 'string') throw new OpError(wrap(index));
  mutate(doc, { op: 'remove', path: `${at.pointer}/${index}` });
}

/**
 * Resolves an array index as evanphx does (strconv.Atoi, negatives from the end). `forInsert`
 * allows one past the end. Returns the error message when the index is unusable.
 */
function arrayIndex(list: unknown[], key: string, forInsert: boolean): number | string {
  if (!/^[+-]?\d+$/.test(key)) {
    const atoi = `strconv.Atoi: parsing "${key}": invalid syntax`;
    return forInsert ? `value was not a proper array index: '${key}': ${atoi}` : atoi;
  }
  const size = list.length + (forInsert ? 1 : 0);
  let index = Number(key);
  if (index < 0) index += size;
  if (index < 0 || index >= size) {
    return `Unable to access invalid index: ${Number(key)}: invalid index referenced`;
  }
  return index;
}

/** One resolved operation through fast-json-patch (which also refuses `__proto__` writes). */
function mutate(
  doc: { root: unknown },
  op: { op: 'add' | 'remove' | 'replace'; path: string; value?: unknown },
) {
  const operation =
    op.op === 'remove' ? { op: 'remove' as const, path: op.path } : { ...op, value: op.value };
  doc.root = applyOperation(
    doc.root,
    operation as Parameters<typeof applyOperation>[1],
    false,
    true,
    true,
  ).newDocument;
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

const unescape = (segment: string) => segment.replaceAll('~1', '/').replaceAll('~0', '~');
const escape = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

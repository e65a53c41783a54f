/**
 * GET of one object and LIST, served like kube-apiserver:
 * - GET reads the store (a consistent read), or the watch cache for resourceVersion=0.
 * - LIST without resourceVersion is a consistent read served from the watch cache once it has
 *   caught up with the store's current revision ("consistent list from cache", Kubernetes
 *   1.31+); resourceVersion=0 serves the cache as it is; resourceVersionMatch=Exact reads the
 *   store at that revision.
 * - limit/continue paginate over a fixed revision; pages after the first come from the cache
 *   while it has not moved, else from the store's history at that revision (410 Expired once
 *   compacted, with Kubernetes' message).
 */
import { ApiError, badRequest, expired, invalid, notFound, timeout } from '../errors';
import type { FieldError } from '../resources/types';
import type { StatusBody } from '../status';
import type { KubeObject } from '../resources/types';
import type { CachedObject } from '../registry/cached-object';
import { SelectorError, parseFieldSelector, parseLabelSelector } from '../../../kube/selectors';
import { decodeObject, storeFailure } from '../registry/storage';
import type { ServedResource } from '../registry/served';
import { StoreError, type Store } from '../../store/types';
import { type RequestContext, param } from './context';
import { sendObject, sendRaw } from './http';
import { listKind, parseIncludeObject, partialMetadata, toTable } from './table';

export async function handleGet(ctx: RequestContext) {
  const { served, info } = ctx;
  const rv = param(ctx, 'resourceVersion');
  let obj: KubeObject | undefined;
  let json: string | undefined;
  const ns = served.def.namespaced ? info.namespace : '';
  if (rv !== null && rv !== '') {
    const min = parseRv(rv);
    if (min > 0) await served.cache.waitFresh(min);
    else await served.cache.usable();
    const cached = served.cache.get(served.storage.key(ns, info.name));
    if (cached) {
      obj = served.served(cached);
      json = served.json(cached);
    }
  } else {
    const stored = await served.storage.get(ns, info.name);
    if (stored) obj = served.fromStored(stored.object);
  }
  if (!obj) throw notFound(served.resource, info.name);
  sendOne(ctx, obj, json);
}

/** Answer with one object in the negotiated format. */
export function sendOne(ctx: RequestContext, obj: KubeObject, json?: string, code = 200) {
  const f = ctx.format;
  if (f.kind === 'table') {
    const include = parseIncludeObject(param(ctx, 'includeObject'));
    return sendObject(ctx.res, code, toTable(ctx.served.def, [obj], { include, version: f.version }));
  }
  if (f.kind === 'partial') return sendObject(ctx.res, code, partialMetadata(obj, f.version));
  return sendRaw(ctx.res, code, json ?? JSON.stringify(obj), f);
}

export function parseRv(rv: string): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return Number(rv);
}

interface ContinueToken {
  rv: number;
  /** Key (relative to the resource prefix) to resume at. */
  start: string;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

/**
 * A token's rv is the revision every page is read at, or -1: "continue at the latest revision"
 * (what Kubernetes hands out with a 410 once the original revision is compacted).
 */
function decodeContinue(token: string): ContinueToken {
  let t: { v?: string; rv?: number; start?: string };
  try {
    t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof t;
  } catch {
    throw badRequest('continue key is not valid: illegal base64 or JSON in continue key');
  }
  if (t?.v !== 'meta.k8s.io/v1')
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  if (
    typeof t.rv !== 'number' ||
    !Number.isInteger(t.rv) ||
    t.rv === 0 ||
    t.rv < -1 ||
    typeof t.start !== 'string'
  ) {
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  return { rv: t.rv, start: t.start };
}

/** kube-apiserver's texts for list reads below the compaction point (etcd3 storage). */
const LIST_EXPIRED = 'The resourceVersion for the provided list is too old.';
const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** 410 whose Status carries `metadata.continue`: a token that resumes at the latest revision. */
class ContinueExpired extends ApiError {
  constructor(private readonly token: string) {
    super(410, 'Expired', CONTINUE_EXPIRED);
  }
  override status(): StatusBody {
    return { ...super.status(), metadata: { continue: this.token } as unknown as StatusBody['metadata'] };
  }
}

/** Kubernetes' ValidateListOptions for non-watch lists: 422 on ListOptions.meta.k8s.io. */
function validateListOptions(q: {
  resourceVersion: string | null;
  resourceVersionMatch: string | null;
  continue: string | null;
}) {
  const match = q.resourceVersionMatch ?? '';
  const errs: FieldError[] = [];
  const forbidden = (message: string) =>
    errs.push({
      field: 'resourceVersionMatch',
      type: 'FieldValueForbidden',
      message: `Forbidden: ${message}`,
    });
  if (match) {
    if (!q.resourceVersion) forbidden('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (q.continue) forbidden('resourceVersionMatch is forbidden when continue is provided');
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errs.push({
        field: 'resourceVersionMatch',
        type: 'FieldValueNotSupported',
        message: `Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan", ""`,
      });
    }
    if (match === 'Exact' && q.resourceVersion === '0')
      forbidden('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  }
  if (errs.length) throw invalid('ListOptions', 'meta.k8s.io', '', errs);
  // etcd3 storage: a continue token fixes the revision itself.
  if (q.continue && q.resourceVersion && q.resourceVersion !== '0') {
    throw badRequest('specifying resource version is not allowed when using continue');
  }
}

export interface ListPage {
  items: { obj: KubeObject; json?: string }[];
  rv: number;
  continueToken?: string;
  remaining?: number;
}

export async function listObjects(
  served: ServedResource,
  store: Store,
  namespace: string,
  q: {
    labelSelector: string | null;
    fieldSelector: string | null;
    limit: number;
    continue: string | null;
    resourceVersion: string | null;
    resourceVersionMatch: string | null;
  },
): Promise<ListPage> {
  let labels, fields;
  try {
    labels = parseLabelSelector(q.labelSelector);
    fields = parseFieldSelector(q.fieldSelector);
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(`unable to parse requirement: ${err.message}`);
    throw err;
  }
  served.checkFieldSelector(fields);
  validateListOptions(q);
  const match = served.matcher(labels, fields);
  const range = served.range(served.def.namespaced ? namespace : '');
  const limit = q.limit > 0 ? q.limit : Infinity;
  let from = range.from;
  let rv: number;
  let fromStore = false;

  if (q.continue) {
    const token = decodeContinue(q.continue);
    from = served.prefix + token.start;
    if (from < range.from)
      throw badRequest('continue key is not valid: the start key is outside the listed range');
    if (token.rv === -1) {
      await served.cache.waitFresh(await served.storage.currentRevision());
      rv = served.cache.rev;
    } else {
      rv = token.rv;
      await served.cache.usable();
      fromStore = served.cache.rev !== rv;
    }
  } else if (q.resourceVersion && q.resourceVersionMatch === 'Exact') {
    rv = parseRv(q.resourceVersion);
    await served.cache.usable();
    fromStore = served.cache.rev !== rv;
  } else {
    if (q.resourceVersion === '0') await served.cache.usable();
    else if (q.resourceVersion) await served.cache.waitFresh(parseRv(q.resourceVersion));
    else await served.cache.waitFresh(await served.storage.currentRevision());
    rv = served.cache.rev;
  }

  const items: ListPage['items'] = [];
  let nextKey: string | undefined;
  if (!fromStore) {
    served.cache.scan(from, range.to, (o: CachedObject) => {
      if (!match(o.object)) return true;
      if (items.length >= limit) {
        nextKey = o.key;
        return false;
      }
      items.push({ obj: served.served(o), json: served.json(o) });
      return true;
    });
  } else {
    nextKey = await listFromStore(
      served,
      store,
      from,
      range.to,
      rv,
      limit,
      match,
      items,
      q.continue !== null,
    );
  }
  const page: ListPage = { items, rv };
  if (nextKey !== undefined) page.continueToken = encodeContinue(rv, nextKey.slice(served.prefix.length));
  return page;
}

async function listFromStore(
  served: ServedResource,
  store: Store,
  from: string,
  to: string,
  rv: number,
  limit: number,
  match: (o: KubeObject) => boolean,
  items: ListPage['items'],
  paging: boolean,
): Promise<string | undefined> {
  let key = Buffer.from(from);
  const end = Buffer.from(to);
  for (;;) {
    let page;
    try {
      page = await store.range({
        key,
        rangeEnd: end,
        revision: rv,
        limit: Math.min(limit === Infinity ? 1000 : limit + 1, 5000),
      });
    } catch (err) {
      if (err instanceof StoreError && err.code === 'future-revision') {
        throw timeout(
          `Too large resource version: ${rv}, current: ${err.details.currentRevision ?? served.cache.rev}`,
        );
      }
      const apiErr = storeFailure(err);
      if (apiErr.code === 410) {
        if (!paging) throw expired(LIST_EXPIRED);
        throw new ContinueExpired(encodeContinue(-1, key.toString('utf8').slice(served.prefix.length)));
      }
      throw apiErr;
    }
    for (const kv of page.kvs) {
      const obj = decodeObject(kv.value, kv.modRevision);
      if (!match(obj)) continue;
      if (items.length >= limit) return Buffer.from(kv.key).toString('utf8');
      items.push({ obj: served.fromStored(obj) });
    }
    const last = page.kvs.at(-1);
    if (!page.more || !last) return undefined;
    key = Buffer.concat([Buffer.from(last.key), Buffer.from([0])]);
  }
}

export async function handleList(ctx: RequestContext, store: Store) {
  const { served, info } = ctx;
  const limitParam = param(ctx, 'limit');
  const limit = limitParam ? Number(limitParam) : 0;
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`invalid limit: ${limitParam}`);
  if (param(ctx, 'sendInitialEvents') !== null) {
    throw invalid('ListOptions', 'meta.k8s.io', '', [
      {
        field: 'sendInitialEvents',
        type: 'FieldValueForbidden',
        message: 'Forbidden: sendInitialEvents is forbidden for list',
      },
    ]);
  }
  const page = await listObjects(served, store, info.namespace, {
    labelSelector: param(ctx, 'labelSelector'),
    fieldSelector: param(ctx, 'fieldSelector'),
    limit,
    continue: param(ctx, 'continue'),
    resourceVersion: param(ctx, 'resourceVersion'),
    resourceVersionMatch: param(ctx, 'resourceVersionMatch'),
  });
  const listMeta: Record<string, unknown> = { resourceVersion: String(page.rv) };
  if (page.continueToken) listMeta.continue = page.continueToken;
  const f = ctx.format;
  if (f.kind === 'table') {
    const include = parseIncludeObject(param(ctx, 'includeObject'));
    return sendObject(
      ctx.res,
      200,
      toTable(
        served.def,
        page.items.map((i) => i.obj),
        { include, version: f.version, listMeta },
      ),
    );
  }
  if (f.kind === 'partial') {
    return sendObject(ctx.res, 200, {
      kind: 'PartialObjectMetadataList',
      apiVersion: `meta.k8s.io/${f.version}`,
      metadata: listMeta,
      items: page.items.map((i) => partialMetadata(i.obj, f.version)),
    });
  }
  const { kind, apiVersion } = listKind(served.def);
  const head = JSON.stringify({ kind, apiVersion, metadata: listMeta });
  const body = `${head.slice(0, -1)},"items":[${page.items.map((i) => i.json ?? JSON.stringify(i.obj)).join(',')}]}`;
  sendRaw(ctx.res, 200, body, f);
}

export { ApiError };

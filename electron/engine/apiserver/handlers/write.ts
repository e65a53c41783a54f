/**
 * CREATE, UPDATE (PUT) and PATCH, following kube-apiserver's generic registry:
 * decode → check apiVersion/kind/name/namespace against the URL → metadata rules (uid,
 * creationTimestamp, generateName, generation) → status handling (the main resource keeps
 * status, the status subresource keeps everything else) → defaulting → validation →
 * admission → field management → strict field validation → an optimistic store write.
 * PATCH and unconditional PUT retry on a concurrent write, like GuaranteedUpdate; a PUT that
 * names a resourceVersion gets 409 Conflict instead.
 */
import { ApiError, MODIFIED, badRequest, conflict, invalid, notFound } from '../errors';
import { strictDecodeErrorMessage, unknownFieldMessage, warningHeader } from '../openapi/schemas';
import type { KubeObject } from '../resources/types';
import {
  clone,
  comparable,
  generatedName,
  newUid,
  nowTimestamp,
  specPart,
  metaOf,
} from '../registry/object-meta';
import type { ServedResource } from '../registry/served';
import { withRv } from '../registry/storage';
import { type RequestContext, param } from './context';
import { bodyType, decodeBody, isPlainObject, readBody, readObjectBody } from './http';
import { sendOne } from './read';
import { checkPatchDepth, typedDecode } from './typed-decode';
import type { PatchKind, WriteDeps } from './write-deps';

const MAX_RETRIES = 8;

function dryRun(ctx: RequestContext): boolean {
  const v = ctx.url.searchParams.getAll('dryRun');
  for (const d of v)
    if (d !== 'All') throw badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  return v.length > 0;
}

/** The field manager: ?fieldManager, else the client's User-Agent product (Kubernetes' default). */
export function fieldManager(ctx: RequestContext): string {
  const m = param(ctx, 'fieldManager');
  if (m !== null) {
    if (m.length > 128 || !/^[\x20-\x7e]*$/.test(m))
      throw badRequest('fieldManager: Invalid value: must be at most 128 printable characters');
    return m;
  }
  const ua = ctx.req.headers['user-agent'] ?? 'unknown';
  return ua.split('/')[0]?.slice(0, 128) || 'unknown';
}

/** Decode a create/update body and check it belongs at this URL. */
async function decodeObjectBody(ctx: RequestContext, kind: string, apiVersion: string): Promise<KubeObject> {
  const body = await readObjectBody(ctx.req);
  return checkedObject(body, kind, apiVersion);
}

export function checkedObject(body: unknown, kind: string, apiVersion: string): KubeObject {
  if (!isPlainObject(body))
    throw badRequest(
      `the body of the request must be a JSON object (a ${kind}), got ${Array.isArray(body) ? 'an array' : typeof body}`,
    );
  const obj = body as KubeObject;
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (obj.kind !== undefined && obj.kind !== kind) {
    throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${kind})`);
  }
  if (obj.metadata !== undefined && !isPlainObject(obj.metadata))
    throw badRequest('metadata: must be an object');
  // Wrong JSON types are a decode error (400) in Kubernetes, before defaulting or validation.
  return typedDecode({ ...obj, apiVersion, kind, metadata: { ...(obj.metadata ?? {}) } }, apiVersion, kind);
}

/** Namespace in the body vs the URL (Kubernetes: EnsureObjectNamespaceMatchesRequestNamespace). */
function placeNamespace(ctx: RequestContext, obj: KubeObject) {
  const meta = metaOf(obj);
  if (!ctx.served.def.namespaced) {
    delete meta.namespace;
    return;
  }
  if (meta.namespace && meta.namespace !== ctx.info.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  meta.namespace = ctx.info.namespace;
}

function checkNamespaceLifecycle(ctx: RequestContext, deps: WriteDeps, name = ctx.info.name) {
  if (!ctx.served.def.namespaced) return;
  const ns = ctx.info.namespace;
  const phase = deps.namespacePhase(ns);
  if (phase === 'missing') throw notFound({ group: '', plural: 'namespaces' }, ns);
  if (phase === 'Terminating') {
    const message = `unable to create new content in namespace ${ns} because it is being terminated`;
    // The cause is how clients (the namespace-aware controllers) recognise this refusal.
    throw new ApiError(403, 'Forbidden', `${ctx.served.def.plural} "${name}" is forbidden: ${message}`, {
      name,
      group: ctx.served.resource.group || undefined,
      kind: ctx.served.resource.plural,
      causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }],
    });
  }
}

/** The body's name, when it has one, must be the URL's (Kubernetes' name-mismatch 400). */
function checkNameMatchesUrl(name: string | undefined, urlName: string) {
  if (name !== undefined && name !== urlName) {
    throw badRequest(`the name of the object (${name}) does not match the name on the URL (${urlName})`);
  }
}

function fieldValidation(ctx: RequestContext, deps: WriteDeps, obj: KubeObject): Record<string, string> {
  const mode = param(ctx, 'fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(mode)) {
    throw badRequest(
      `fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`,
    );
  }
  if (mode === 'Ignore') return {};
  const unknown = deps.unknownFields(obj, ctx.served);
  if (unknown.length === 0) return {};
  if (mode === 'Strict') {
    throw badRequest(strictDecodeErrorMessage(ctx.served.def.kind, ctx.served.def.version, unknown));
  }
  return { warning: unknown.map((p) => warningHeader(unknownFieldMessage(p))).join(', ') };
}

function validateOrThrow(served: ServedResource, obj: KubeObject, old?: KubeObject) {
  const errs = served.def.validate?.(obj, old) ?? [];
  if (errs.length) throw invalid(served.def.kind, served.def.group, obj.metadata?.name ?? '', errs);
}

export async function handleCreate(ctx: RequestContext, deps: WriteDeps) {
  const { served } = ctx;
  const obj = await decodeObjectBody(ctx, served.def.kind, served.gv);
  const meta = metaOf(obj);
  placeNamespace(ctx, obj);
  if (ctx.info.name && meta.name) checkNameMatchesUrl(meta.name, ctx.info.name);
  if (!meta.name && meta.generateName) meta.name = generatedName(meta.generateName);
  if (!meta.name) {
    throw invalid(served.def.kind, served.def.group, '', [
      {
        field: 'metadata.name',
        type: 'FieldValueRequired',
        message: 'Required value: name or generateName is required',
      },
    ]);
  }
  if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
  checkNamespaceLifecycle(ctx, deps, meta.name);
  const created = prepareCreate(ctx, deps, obj, false);
  await commitCreate(ctx, deps, created, meta.name, fieldValidation(ctx, deps, created));
}

/**
 * Metadata, status reset, defaults, validation and admission of a new object, and its managed
 * fields — recorded here for ordinary creates; server-side apply brings its own (`applied`).
 */
function prepareCreate(ctx: RequestContext, deps: WriteDeps, obj: KubeObject, applied: boolean): KubeObject {
  const { served } = ctx;
  const meta = metaOf(obj);
  meta.uid = newUid();
  meta.creationTimestamp = nowTimestamp();
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.resourceVersion;
  if (tracksGeneration(served)) meta.generation = 1;
  else delete meta.generation;
  if (served.def.status && !served.def.keepStatusOnCreate) delete obj.status;
  served.def.defaults?.(obj);
  validateOrThrow(served, obj);
  deps.admit(ctx, 'CREATE', obj, undefined);
  if (applied) return obj;
  return deps.manageFields(undefined, obj, { manager: fieldManager(ctx), served });
}

/**
 * Store a prepared object and answer 201. Allocation (cluster IPs, node ports) runs for a dry
 * run too, so its answer shows them, as kube-apiserver's dry-run allocators do; the
 * reservations are simply not committed.
 */
async function commitCreate(
  ctx: RequestContext,
  deps: WriteDeps,
  obj: KubeObject,
  name: string,
  headers: Record<string, string>,
) {
  const { served } = ctx;
  const extras = await deps.hooks(served)?.beforeCreate?.(obj, ctx);
  if (dryRun(ctx)) return sendOne(ctx, served.fromStored(obj), undefined, 201);
  const saved = await served.storage.create(ctx.info.namespace, name, served.toStored(obj), extras);
  for (const [k, v] of Object.entries(headers)) ctx.res.setHeader(k, v);
  sendOne(ctx, served.fromStored(saved), undefined, 201);
}

function tracksGeneration(served: ServedResource): boolean {
  return served.def.generation ?? Boolean(served.def.status);
}

/**
 * The next stored state for an update of `old` with `incoming` (through the main resource or
 * the status subresource). Returns null for a no-op.
 */
function prepareUpdate(
  ctx: RequestContext,
  deps: WriteDeps,
  old: KubeObject,
  incoming: KubeObject,
  manager: string,
): KubeObject | null {
  const { served } = ctx;
  const sub = ctx.info.subresource;
  let next: KubeObject;
  if (sub === 'status') {
    next = { ...clone(old), status: incoming.status };
  } else {
    next = incoming;
    if (served.def.status) next.status = old.status;
  }
  const meta = { ...metaOf(next) };
  const oldMeta = metaOf(old);
  if (meta.uid && meta.uid !== oldMeta.uid) {
    throw conflict(
      served.resource,
      oldMeta.name ?? '',
      `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${oldMeta.uid}`,
    );
  }
  meta.uid = oldMeta.uid;
  meta.name = oldMeta.name;
  meta.creationTimestamp = oldMeta.creationTimestamp;
  if (served.def.namespaced) meta.namespace = oldMeta.namespace;
  if (oldMeta.deletionTimestamp) {
    meta.deletionTimestamp = oldMeta.deletionTimestamp;
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  } else {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  if (oldMeta.deletionTimestamp) {
    const added = (meta.finalizers ?? []).filter((f) => !(oldMeta.finalizers ?? []).includes(f));
    if (added.length) {
      throw invalid(served.def.kind, served.def.group, oldMeta.name ?? '', [
        {
          field: 'metadata.finalizers',
          type: 'FieldValueForbidden',
          message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
        },
      ]);
    }
  }
  if (sub === 'status') {
    // The status subresource cannot change metadata other than through its own rules.
    next.metadata = { ...oldMeta, resourceVersion: oldMeta.resourceVersion };
  } else {
    next.metadata = meta;
  }
  if (tracksGeneration(served)) {
    next.metadata.generation =
      (oldMeta.generation ?? 1) + (sub !== 'status' && specPart(next) !== specPart(old) ? 1 : 0);
  }
  served.def.defaults?.(next);
  validateOrThrow(served, next, old);
  deps.admit(ctx, 'UPDATE', next, old);
  const managed = deps.manageFields(old, next, { manager, served, ...(sub ? { subresource: sub } : {}) });
  if (comparable(managed) === comparable(old)) return null;
  return managed;
}

/** Write `next` over `cur`: delete instead when graceful deletion has finished (no finalizers left, grace 0). */
async function commitUpdate(
  ctx: RequestContext,
  deps: WriteDeps,
  old: KubeObject,
  oldRv: number,
  next: KubeObject,
): Promise<KubeObject> {
  const { served, info } = ctx;
  if (shouldDeleteDuringUpdate(served, old, next)) {
    const extras = deps.hooks(served)?.beforeDelete?.(old);
    const rev = await served.storage.delete(info.namespace, info.name, oldRv, extras);
    return withRv(next, rev);
  }
  const extras = await deps.hooks(served)?.beforeUpdate?.(next, old, ctx);
  return served.storage.update(info.namespace, info.name, served.toStored(next), oldRv, extras);
}

/**
 * Kubernetes' ShouldDeleteDuringUpdate: an update that removes the last finalizer of an object
 * whose graceful deletion has run out (deletionGracePeriodSeconds 0) completes the deletion.
 * Namespaces also need an empty spec.finalizers (the namespace controller's own finalizer).
 */
function shouldDeleteDuringUpdate(served: ServedResource, old: KubeObject, next: KubeObject): boolean {
  const meta = next.metadata ?? {};
  if (!meta.deletionTimestamp || (meta.finalizers ?? []).length > 0) return false;
  if (old.metadata?.deletionGracePeriodSeconds !== 0) return false;
  if (served.def.group === '' && served.def.kind === 'Namespace') {
    return ((next.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length === 0;
  }
  return true;
}

export async function handleUpdate(ctx: RequestContext, deps: WriteDeps) {
  const { served, info } = ctx;
  const incoming = await decodeObjectBody(ctx, served.def.kind, served.gv);
  placeNamespace(ctx, incoming);
  const meta = metaOf(incoming);
  checkNameMatchesUrl(meta.name, info.name);
  const precondition = meta.resourceVersion;
  if (precondition !== undefined && precondition !== '' && !/^\d+$/.test(precondition)) {
    throw badRequest(
      `metadata.resourceVersion: Invalid value: ${JSON.stringify(precondition)}: must be a number`,
    );
  }
  const headers = fieldValidation(ctx, deps, incoming);
  const manager = fieldManager(ctx);
  const dry = dryRun(ctx);
  for (let attempt = 0; ; attempt++) {
    const cur = await served.storage.get(info.namespace, info.name);
    if (!cur) throw notFound(served.resource, info.name);
    if (precondition && Number(precondition) !== cur.rv) throw conflict(served.resource, info.name, MODIFIED);
    const old = served.fromStored(cur.object);
    const next = prepareUpdate(ctx, deps, old, clone(incoming), manager);
    const mayRetry = !precondition && attempt < MAX_RETRIES;
    if (await finishUpdate(ctx, deps, { old, rv: cur.rv, next, headers, dry, mayRetry })) return;
  }
}

/** What an update would store, with the resource's hooks applied (kept cluster IPs and ports). */
async function dryRunUpdate(
  ctx: RequestContext,
  deps: WriteDeps,
  old: KubeObject,
  next: KubeObject,
): Promise<KubeObject> {
  if (!shouldDeleteDuringUpdate(ctx.served, old, next))
    await deps.hooks(ctx.served)?.beforeUpdate?.(next, old, ctx);
  return next;
}

/**
 * Answer an update: the unchanged object for a no-op, the would-be object for a dry run, else
 * the committed one. False when a concurrent write won and the caller may retry (GuaranteedUpdate).
 */
async function finishUpdate(
  ctx: RequestContext,
  deps: WriteDeps,
  u: {
    old: KubeObject;
    rv: number;
    next: KubeObject | null;
    headers: Record<string, string>;
    dry: boolean;
    mayRetry: boolean;
  },
): Promise<boolean> {
  if (!u.next) {
    sendOne(ctx, u.old);
    return true;
  }
  if (u.dry) {
    sendOne(ctx, await dryRunUpdate(ctx, deps, u.old, u.next));
    return true;
  }
  try {
    const saved = await commitUpdate(ctx, deps, u.old, u.rv, u.next);
    for (const [k, v] of Object.entries(u.headers)) ctx.res.setHeader(k, v);
    sendOne(ctx, ctx.served.fromStored(saved));
    return true;
  } catch (err) {
    if (!u.mayRetry || !retryable(err)) throw err;
    return false;
  }
}

function retryable(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'Conflict';
}

const PATCH_TYPES: Record<string, PatchKind | 'apply'> = {
  'json-patch': 'json',
  'merge-patch': 'merge',
  'strategic-merge-patch': 'strategic',
  'apply-patch': 'apply',
};

export async function handlePatch(ctx: RequestContext, deps: WriteDeps) {
  const { served, info } = ctx;
  const type = bodyType(ctx.req.headers['content-type']);
  const kind = PATCH_TYPES[type];
  if (!kind) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the server does not support patch content type ${ctx.req.headers['content-type'] ?? ''}`,
    );
  }
  const body = decodeBody(await readBody(ctx.req), type);
  checkPatchDepth(body);
  const manager = param(ctx, 'fieldManager') ?? '';
  if (kind === 'apply' && !manager)
    throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
  const force = param(ctx, 'force') === 'true';
  if (force && kind !== 'apply')
    throw badRequest('force: Invalid value: true: may not be specified for non-apply patch');
  const dry = dryRun(ctx);
  for (let attempt = 0; ; attempt++) {
    const cur = await served.storage.get(info.namespace, info.name);
    if (!cur) {
      if (kind === 'apply') return applyCreate(ctx, deps, body, manager, force);
      throw notFound(served.resource, info.name);
    }
    const old = served.fromStored(cur.object);
    let patched: KubeObject;
    if (kind === 'apply') {
      const applied = checkedObject(body, served.def.kind, served.gv);
      patched = deps.apply(clone(old), applied, {
        manager: manager,
        force,
        served,
        ...(info.subresource ? { subresource: info.subresource } : {}),
      });
    } else {
      patched = deps.patch(kind, clone(old), body, served);
      if (!isPlainObject(patched)) throw badRequest('the patch produced something other than an object');
      patched = checkedObject(patched, served.def.kind, served.gv);
    }
    const rvAfter = patched.metadata?.resourceVersion;
    if (rvAfter && rvAfter !== String(cur.rv)) throw conflict(served.resource, info.name, MODIFIED);
    const headers = fieldValidation(ctx, deps, patched);
    const next = prepareUpdate(ctx, deps, old, patched, kind === 'apply' ? manager : fieldManager(ctx));
    const mayRetry = !rvAfter && attempt < MAX_RETRIES;
    if (await finishUpdate(ctx, deps, { old, rv: cur.rv, next, headers, dry, mayRetry })) return;
  }
}

/** Server-side apply of an object that does not exist yet: a create owned by the applier. */
async function applyCreate(
  ctx: RequestContext,
  deps: WriteDeps,
  body: unknown,
  manager: string,
  force: boolean,
) {
  const { served, info } = ctx;
  const applied = checkedObject(body, served.def.kind, served.gv);
  placeNamespace(ctx, applied);
  checkNameMatchesUrl(metaOf(applied).name, info.name);
  metaOf(applied).name = info.name;
  checkNamespaceLifecycle(ctx, deps);
  const headers = fieldValidation(ctx, deps, applied);
  const obj = checkedObject(
    deps.apply(undefined, applied, { manager, force, served }),
    served.def.kind,
    served.gv,
  );
  await commitCreate(ctx, deps, prepareCreate(ctx, deps, obj, true), info.name, headers);
}

export { prepareUpdate, commitUpdate, checkNamespaceLifecycle, validateOrThrow };

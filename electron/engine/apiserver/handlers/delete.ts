/**
 * DELETE and DELETECOLLECTION with Kubernetes' graceful deletion:
 * - preconditions (uid, resourceVersion) → 409 when they do not hold;
 * - a grace period (DeleteOptions.gracePeriodSeconds, else the resource's default — for a pod
 *   bound to a node, spec.terminationGracePeriodSeconds) or finalizers keep the object with
 *   metadata.deletionTimestamp set; the agent or the finalizer's owner finishes the deletion;
 * - propagationPolicy Orphan / Foreground add the `orphan` / `foregroundDeletion` finalizers for
 *   the garbage collector; Background (the default) deletes now and leaves dependents to it.
 */
import type { DeleteOptions } from 'kubernetes-types/meta/v1';
import { badRequest, conflict, notFound } from '../errors';
import type { KubeObject } from '../resources/types';
import { nowTimestamp, metaOf } from '../registry/object-meta';
import { withRv } from '../registry/storage';
import { type RequestContext, param } from './context';
import { bodyType, decodeBody, isPlainObject, readBody, sendObject } from './http';
import { listObjects, sendOne } from './read';
import type { WriteDeps } from './write-deps';

async function deleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const buf = await readBody(ctx.req);
  let opts: DeleteOptions = {};
  if (buf.length && buf.toString('utf8').trim() !== '') {
    const body = decodeBody(buf, bodyType(ctx.req.headers['content-type']));
    if (!isPlainObject(body)) throw badRequest('DeleteOptions must be a JSON object');
    opts = body as DeleteOptions;
  }
  const grace = param(ctx, 'gracePeriodSeconds');
  if (grace !== null) {
    if (!/^-?\d+$/.test(grace)) throw badRequest(`gracePeriodSeconds: invalid value ${grace}`);
    opts = { ...opts, gracePeriodSeconds: Number(grace) };
  }
  const policy = param(ctx, 'propagationPolicy');
  if (policy !== null) opts = { ...opts, propagationPolicy: policy };
  const orphan = param(ctx, 'orphanDependents');
  if (orphan !== null) opts = { ...opts, orphanDependents: orphan === 'true' };
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw badRequest(
      `propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  if (opts.propagationPolicy && opts.orphanDependents !== undefined) {
    throw badRequest(
      'propagationPolicy: Invalid value: "…": orphanDependents and deletionPropagation cannot be both set',
    );
  }
  return opts;
}

/** The grace period a resource gets when the client does not choose one. */
function defaultGrace(obj: KubeObject, served: RequestContext['served']): number {
  if (served.def.group !== '' || served.def.kind !== 'Pod') return 0;
  const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  // Unscheduled or finished pods have nothing to stop: Kubernetes deletes them at once.
  if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  return spec.terminationGracePeriodSeconds ?? 30;
}

export async function deleteOne(
  ctx: RequestContext,
  deps: WriteDeps,
  namespace: string,
  name: string,
  opts: DeleteOptions,
  dry: boolean,
): Promise<KubeObject> {
  const { served } = ctx;
  for (let attempt = 0; ; attempt++) {
    const cur = await served.storage.get(namespace, name);
    if (!cur) throw notFound(served.resource, name);
    const obj = served.fromStored(cur.object);
    const meta = metaOf(obj);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(
        served.resource,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        served.resource,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
      );
    }
    deps.admit({ ...ctx, info: { ...ctx.info, name } }, 'DELETE', undefined, obj);
    if (isNamespace(served)) {
      const held = await namespaceDeletion(ctx, obj, cur.rv, dry);
      if (held === 'retry') continue;
      if (held) return held;
    }
    let grace = opts.gracePeriodSeconds ?? defaultGrace(obj, served);
    if (grace < 0) grace = 1;
    const finalizers = new Set(meta.finalizers ?? []);
    const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
    if (policy === 'Orphan') finalizers.add('orphan');
    if (policy === 'Foreground') finalizers.add('foregroundDeletion');
    if (policy === 'Background' || opts.orphanDependents === false) {
      finalizers.delete('orphan');
      finalizers.delete('foregroundDeletion');
    }
    const graceful = grace > 0 || finalizers.size > 0;
    const already = meta.deletionTimestamp !== undefined;
    /** Remove the object from the store now, releasing what its hooks reserved. */
    const remove = async (answer: KubeObject) => {
      const extras = deps.hooks(served)?.beforeDelete?.(obj);
      return withRv(answer, await served.storage.delete(namespace, name, cur.rv, extras));
    };
    let write: () => Promise<KubeObject>;
    if (!graceful && !already) {
      if (dry) return obj;
      write = () => remove(obj);
    } else {
      // Graceful: mark, or shorten an ongoing grace period (never lengthen it).
      const next: KubeObject = { ...obj, metadata: { ...meta } };
      const nm = metaOf(next);
      const currentGrace = meta.deletionGracePeriodSeconds ?? 0;
      const nextGrace = already ? Math.min(currentGrace, grace) : grace;
      const deleteNow = finalizers.size === 0 && nextGrace === 0;
      // Already being deleted and nothing changes: answer with the object as it is.
      if (already && !deleteNow && nextGrace === currentGrace && sameSet(finalizers, meta.finalizers))
        return obj;
      nm.deletionGracePeriodSeconds = nextGrace;
      if (!already || nextGrace < currentGrace)
        nm.deletionTimestamp = nowTimestamp(Date.now() + nextGrace * 1000);
      nm.finalizers = [...finalizers];
      if (nm.finalizers.length === 0) delete nm.finalizers;
      if (dry) return next;
      write = deleteNow
        ? () => remove(next)
        : async () =>
            served.fromStored(await served.storage.update(namespace, name, served.toStored(next), cur.rv));
    }
    try {
      return await write();
    } catch (err) {
      if (attempt < 5 && (err as { code?: number }).code === 409) continue;
      throw err;
    }
  }
}

function isNamespace(served: RequestContext['served']): boolean {
  return served.def.group === '' && served.def.kind === 'Namespace';
}

const NAMESPACE_PURGING =
  'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.';

/**
 * Kubernetes' namespace deletion: the first DELETE marks the namespace Terminating (with a
 * deletionTimestamp) and keeps it while spec.finalizers is not empty — the namespace controller
 * removes the content, empties spec.finalizers through `finalize` and deletes again. A DELETE
 * while spec.finalizers remain is a conflict. Returns the object to answer with, 'retry' after a
 * concurrent write, or null when the generic deletion applies (no spec finalizers left).
 */
async function namespaceDeletion(
  ctx: RequestContext,
  obj: KubeObject,
  rv: number,
  dry: boolean,
): Promise<KubeObject | 'retry' | null> {
  const { served } = ctx;
  const name = obj.metadata?.name ?? '';
  const specFinalizers = (obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
  if (specFinalizers.length === 0) return null;
  if (obj.metadata?.deletionTimestamp) throw conflict(served.resource, name, NAMESPACE_PURGING);
  const next: KubeObject = {
    ...obj,
    metadata: { ...obj.metadata, deletionTimestamp: nowTimestamp() },
    status: { ...(obj.status as object | undefined), phase: 'Terminating' },
  };
  if (dry) return next;
  try {
    return served.fromStored(await served.storage.update('', name, served.toStored(next), rv));
  } catch (err) {
    if ((err as { code?: number; reason?: string }).reason === 'Conflict') return 'retry';
    throw err;
  }
}

function sameSet(a: Set<string>, b: string[] | undefined): boolean {
  const bs = new Set(b ?? []);
  return a.size === bs.size && [...a].every((x) => bs.has(x));
}

export async function handleDelete(ctx: RequestContext, deps: WriteDeps) {
  const opts = await deleteOptions(ctx);
  const dry = ctx.url.searchParams.getAll('dryRun').includes('All') || (opts.dryRun ?? []).includes('All');
  const obj = await deleteOne(ctx, deps, ctx.info.namespace, ctx.info.name, opts, dry);
  sendOne(ctx, obj);
}

export async function handleDeleteCollection(ctx: RequestContext, deps: WriteDeps) {
  const opts = await deleteOptions(ctx);
  const dry = ctx.url.searchParams.getAll('dryRun').includes('All');
  const page = await listObjects(ctx.served, deps.store, ctx.info.namespace, {
    labelSelector: param(ctx, 'labelSelector'),
    fieldSelector: param(ctx, 'fieldSelector'),
    limit: 0,
    continue: null,
    resourceVersion: null,
    resourceVersionMatch: null,
  });
  const deleted: KubeObject[] = [];
  for (const { obj } of page.items) {
    try {
      deleted.push(
        await deleteOne(ctx, deps, obj.metadata?.namespace ?? '', metaOf(obj).name ?? '', opts, dry),
      );
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
  sendObject(ctx.res, 200, {
    kind: `${ctx.served.def.kind}List`,
    apiVersion: ctx.served.gv,
    metadata: { resourceVersion: String(page.rv) },
    items: deleted,
  });
}

/**
 * Subresources with their own shapes: scale (autoscaling/v1 Scale over the declared replicas
 * paths), pods/binding (what the scheduler posts), pods/eviction (policy/v1 Eviction, a
 * graceful delete; PodDisruptionBudgets are not served yet so none blocks it), and the
 * streaming ones proxied to the node's agent (log, exec, attach, portforward, proxy), which
 * answer with a clear error until node agents exist.
 */
import { ApiError, badRequest, conflict, invalid, MODIFIED, notFound } from '../errors';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { KubeObject, ScaleSpec } from '../resources/types';
import { selectorString } from '../../../kube/selectors';
import { clone, metaOf, nowTimestamp, valueAt } from '../registry/object-meta';
import { type RequestContext } from './context';
import { bodyType, decodeBody, isPlainObject, readBody, readObjectBody, sendObject } from './http';
import { deleteOne } from './delete';
import { checkedObject } from './write';
import type { WriteDeps } from './write-deps';

function setPath(obj: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] ?? ''] = value;
}

function toScale(obj: KubeObject, spec: ScaleSpec): KubeObject {
  const m = metaOf(obj);
  let selector = '';
  if (spec.labelSelectorPath) {
    const sel = valueAt(obj, spec.labelSelectorPath);
    // A LabelSelector (matchLabels/matchExpressions), or a plain label map (ReplicationController).
    if (isPlainObject(sel)) {
      const isSelector = 'matchLabels' in sel || 'matchExpressions' in sel;
      selector = selectorString((isSelector ? sel : { matchLabels: sel }) as LabelSelector);
    }
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: Number(valueAt(obj, spec.specReplicasPath) ?? 0) },
    status: {
      replicas: Number(valueAt(obj, spec.statusReplicasPath) ?? 0),
      ...(selector ? { selector } : {}),
    },
  };
}

export async function handleScale(ctx: RequestContext, deps: WriteDeps) {
  const { served, info } = ctx;
  const spec = served.def.scale;
  if (!spec) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  for (let attempt = 0; ; attempt++) {
    const cur = await served.storage.get(info.namespace, info.name);
    if (!cur) throw notFound(served.resource, info.name);
    const obj = served.fromStored(cur.object);
    const scale = toScale(obj, spec);
    if (info.verb === 'get')
      return sendObject(ctx.res, 200, scale, ctx.format.kind === 'yaml' ? ctx.format : { kind: 'json' });
    let wanted: KubeObject;
    if (info.verb === 'update') {
      wanted = checkedObject(await readObjectBody(ctx.req), 'Scale', 'autoscaling/v1');
    } else if (info.verb === 'patch') {
      const type = bodyType(ctx.req.headers['content-type']);
      const body = decodeBody(await readBody(ctx.req), type);
      const kind = type === 'json-patch' ? 'json' : type === 'merge-patch' ? 'merge' : 'strategic';
      wanted = deps.patch(kind, clone(scale), body, served);
    } else {
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    }
    const replicas = (wanted.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', 'autoscaling', info.name, [
        {
          field: 'spec.replicas',
          type: 'FieldValueInvalid',
          message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        },
      ]);
    }
    const rv = wanted.metadata?.resourceVersion;
    if (rv && rv !== String(cur.rv)) throw conflict(served.resource, info.name, MODIFIED);
    const next = clone(obj);
    setPath(next as Record<string, unknown>, spec.specReplicasPath, replicas);
    if (replicas === Number(valueAt(obj, spec.specReplicasPath))) return sendObject(ctx.res, 200, scale);
    metaOf(next).generation = (metaOf(obj).generation ?? 1) + 1;
    const managed = deps.manageFields(obj, next, { manager: 'unknown', served, subresource: 'scale' });
    try {
      const saved = await served.storage.update(info.namespace, info.name, served.toStored(managed), cur.rv);
      return sendObject(ctx.res, 200, toScale(served.fromStored(saved), spec));
    } catch (err) {
      if (rv || attempt >= 5 || !(err instanceof ApiError) || err.code !== 409) throw err;
    }
  }
}

/** POST pods/<name>/binding: set spec.nodeName once (the scheduler's only write to a pod). */
export async function handleBinding(ctx: RequestContext) {
  const { served, info } = ctx;
  const body = await readObjectBody(ctx.req);
  if (!isPlainObject(body) || body.kind !== 'Binding') throw badRequest('the body must be a v1 Binding');
  const target = (body.target ?? {}) as { kind?: string; name?: string };
  if (target.kind && target.kind !== 'Node')
    throw badRequest(`target.kind: Unsupported value: "${target.kind}": supported values: "Node"`);
  if (!target.name)
    throw invalid('Binding', '', info.name, [
      { field: 'target.name', type: 'FieldValueRequired', message: 'Required value' },
    ]);
  const cur = await served.storage.get(info.namespace, info.name);
  if (!cur) throw notFound(served.resource, info.name);
  const pod = served.fromStored(cur.object);
  const spec = (pod.spec ?? {}) as { nodeName?: string };
  // Kubernetes reports binding refusals as conflicts on the pods/binding resource.
  const binding = { group: '', plural: 'pods/binding' };
  const uid = isPlainObject(body.metadata) ? body.metadata.uid : undefined;
  if (typeof uid === 'string' && uid && uid !== pod.metadata?.uid) {
    throw conflict(
      binding,
      info.name,
      `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata?.uid ?? ''}`,
    );
  }
  if (pod.metadata?.deletionTimestamp)
    throw conflict(binding, info.name, `pod ${info.name} is being deleted, cannot be assigned to a host`);
  if (spec.nodeName)
    throw conflict(binding, info.name, `pod ${info.name} is already assigned to node "${spec.nodeName}"`);
  const next = clone(pod);
  (next.spec as { nodeName?: string }).nodeName = target.name;
  const status = (next.status ?? {}) as {
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
  };
  status.conditions = [
    ...(status.conditions ?? []).filter((c) => c.type !== 'PodScheduled'),
    {
      type: 'PodScheduled',
      status: 'True',
      lastTransitionTime: nowTimestamp(),
    },
  ];
  next.status = status;
  await served.storage.update(info.namespace, info.name, served.toStored(next), cur.rv);
  sendObject(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/** POST pods/<name>/eviction: a graceful delete with the Eviction's DeleteOptions. */
export async function handleEviction(ctx: RequestContext, deps: WriteDeps) {
  const body = await readObjectBody(ctx.req);
  if (!isPlainObject(body) || body.kind !== 'Eviction')
    throw badRequest('the body must be a policy/v1 Eviction');
  const opts = (body.deleteOptions ?? {}) as Record<string, unknown>;
  const podCtx = { ...ctx, info: { ...ctx.info, subresource: '' } };
  await deleteOne(podCtx, deps, ctx.info.namespace, ctx.info.name, opts, false);
  sendObject(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/**
 * log / exec / attach / portforward / proxy: these stream from the node's agent (its kubelet
 * API on port 10250). Until agents run, answer what Kubernetes answers for a pod that is not
 * on a node, or that its node cannot serve this yet.
 */
export async function handleNodeProxied(ctx: RequestContext) {
  const { served, info } = ctx;
  const cur = await served.storage.get(info.namespace, info.name);
  if (!cur) throw notFound(served.resource, info.name);
  const obj = served.fromStored(cur.object);
  if (served.def.kind === 'Pod') {
    const nodeName = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName) {
      if (info.subresource === 'log') {
        throw badRequest(`pod ${info.name} does not have a host assigned`);
      }
      throw badRequest(`pod ${info.name} does not have a host assigned`);
    }
    throw new ApiError(
      503,
      'ServiceUnavailable',
      `no agent is serving node "${nodeName}": pods/${info.subresource} needs the Pilothouse agent on the node (its kubelet API on port 10250)`,
    );
  }
  throw new ApiError(
    503,
    'ServiceUnavailable',
    `${served.def.plural}/${info.subresource} is not available: no agent serves it yet`,
  );
}

/**
 * PUT namespaces/<name>/finalize: only spec.finalizers changes (what the namespace controller
 * does when a namespace's content is gone, before it deletes the namespace again).
 */
export async function handleFinalize(ctx: RequestContext) {
  const { served, info } = ctx;
  const body = checkedObject(await readObjectBody(ctx.req), served.def.kind, served.gv);
  const finalizers = (body.spec as { finalizers?: unknown } | undefined)?.finalizers ?? [];
  if (!Array.isArray(finalizers) || !finalizers.every((f) => typeof f === 'string')) {
    throw badRequest('spec.finalizers must be a list of strings');
  }
  const cur = await served.storage.get('', info.name);
  if (!cur) throw notFound(served.resource, info.name);
  const rv = body.metadata?.resourceVersion;
  if (rv && rv !== String(cur.rv)) throw conflict(served.resource, info.name, MODIFIED);
  const old = served.fromStored(cur.object);
  const next = clone(old);
  next.spec = { ...((next.spec as Record<string, unknown> | undefined) ?? {}), finalizers };
  const saved = await served.storage.update('', info.name, served.toStored(next), cur.rv);
  sendObject(ctx.res, 200, served.fromStored(saved));
}

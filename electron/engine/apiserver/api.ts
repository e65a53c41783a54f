/**
 * The Kubernetes API behind the HTTPS front: the served resources with their watch caches,
 * discovery, authentication and authorization, admission, and request dispatch to the
 * handlers. `createApi` is this layer's composition root; server.ts owns TLS and the
 * unauthenticated health endpoints.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pod } from 'kubernetes-types/core/v1';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1';
import type { Logger } from '../log';
import type { Store } from '../store/types';
import { type Authenticator, createAuthenticator } from './auth/authenticator';
import { type AuthorizerLookup, type RequestAttributes, authorize, forbiddenError } from './auth/authorizer';
import { admitNodeRequest } from './auth/node-restriction';
import { selfSubjectAccessReview, selfSubjectReview, subjectAccessReview, tokenReview } from './auth/reviews';
import { issueServiceAccountToken } from './auth/tokens';
import { AuthError, type UserInfo } from './auth/user';
import { ApiError, badRequest, forbidden, methodNotAllowed, notFoundPath, unavailable } from './errors';
import type { RequestContext } from './handlers/context';
import { handleDelete, handleDeleteCollection } from './handlers/delete';
import { Discovery, type ExtraResource } from './handlers/discovery';
import { negotiate, readObjectBody, sendError, sendObject } from './handlers/http';
import { handleGet, handleList } from './handlers/read';
import {
  handleBinding,
  handleEviction,
  handleFinalize,
  handleNodeProxied,
  handleScale,
} from './handlers/subresources';
import { handleWatch } from './handlers/watch';
import { handleCreate, handlePatch, handleUpdate } from './handlers/write';
import type { ResourceHooks, WriteDeps } from './handlers/write-deps';
import { handleOpenApi } from './openapi/handler';
import { createPatcher } from './patching';
import { ALL_RESOURCES } from './resources';
import type { KubeObject, ResourceDefinition } from './resources/types';
import { ServedResource, ResourceStorage } from './registry/served';
import { WatchCache } from './registry/watch-cache';
import { type RequestInfo, requestInfo } from './request-info';
import { BadRequestMeter } from './bad-requests';
import { bootstrapNamespaces, bootstrapPriorityClasses } from './bootstrap';
import { admitPodPriority, type PriorityLookup } from './admission/priority';
import { createServiceHooks } from './registry/service-allocator';

export interface ApiOptions {
  store: Store;
  log: Logger;
  serviceAccountKey: { privateKeyPem: string; publicKeyPem: string };
  /** --service-account-issuer: the API server's URL. */
  issuer: string;
  serviceClusterIpRange: string;
  nodePortRange?: [number, number];
  resources?: ResourceDefinition[];
}

export interface Api {
  /** Resolves once every watch cache has its initial list and the system namespaces exist. */
  ready(): Promise<void>;
  authenticate(req: IncomingMessage): UserInfo | null | AuthError;
  /** Tally of refused requests per client (server.ts adds its 401s). */
  readonly badRequests: BadRequestMeter;
  /** Serve an authenticated request (anything but the health endpoints). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, user: UserInfo): Promise<void>;
  close(): void;
}

const EXTRAS: ExtraResource[] = [
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    plural: 'selfsubjectreviews',
    singular: 'selfsubjectreview',
    kind: 'SelfSubjectReview',
    namespaced: false,
    verbs: ['create'],
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    plural: 'tokenreviews',
    singular: 'tokenreview',
    kind: 'TokenReview',
    namespaced: false,
    verbs: ['create'],
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1beta1',
    plural: 'selfsubjectreviews',
    singular: 'selfsubjectreview',
    kind: 'SelfSubjectReview',
    namespaced: false,
    verbs: ['create'],
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    plural: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    verbs: ['create'],
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    plural: 'subjectaccessreviews',
    singular: 'subjectaccessreview',
    kind: 'SubjectAccessReview',
    namespaced: false,
    verbs: ['create'],
  },
  {
    group: 'metrics.k8s.io',
    version: 'v1beta1',
    plural: 'nodes',
    singular: '',
    kind: 'NodeMetrics',
    namespaced: false,
    verbs: ['get', 'list'],
  },
  {
    group: 'metrics.k8s.io',
    version: 'v1beta1',
    plural: 'pods',
    singular: '',
    kind: 'PodMetrics',
    namespaced: true,
    verbs: ['get', 'list'],
  },
];

export function createApi(opts: ApiOptions): Api {
  const { store, log } = opts;
  const defs = opts.resources ?? ALL_RESOURCES;
  const caches = new Map<string, WatchCache>();
  const served = new Map<string, ServedResource>();
  for (const def of defs) {
    const prefix = `/registry/${def.storagePrefix}/`;
    let cache = caches.get(prefix);
    if (!cache) caches.set(prefix, (cache = new WatchCache({ store, prefix, log })));
    const storage = new ResourceStorage(store, prefix, def.namespaced, {
      group: def.group,
      plural: def.plural,
    });
    served.set(`${def.group}/${def.version}/${def.plural}`, new ServedResource(def, cache, storage));
  }
  const discovery = new Discovery(defs, EXTRAS);
  const core = (plural: string) => served.get(`/v1/${plural}`);
  const lookup =
    (plural: string) =>
    (namespace: string, name: string): KubeObject | undefined => {
      const s = core(plural);
      if (!s) return undefined;
      return s.cache.get(s.storage.key(namespace, name))?.object;
    };
  const lookupPod = lookup('pods') as (ns: string, name: string) => Pod | undefined;
  const authzLookup: AuthorizerLookup = {
    pod: lookupPod,
    podsOnNode(nodeName) {
      const pods = core('pods');
      const out: Pod[] = [];
      if (!pods) return out;
      const all = pods.range('');
      pods.cache.scan(all.from, all.to, (o) => {
        if ((o.object.spec as { nodeName?: string } | undefined)?.nodeName === nodeName)
          out.push(o.object as Pod);
        return true;
      });
      return out;
    },
  };
  const authenticator: Authenticator = createAuthenticator({
    lookupSecret: lookup('secrets'),
    lookupServiceAccount: lookup('serviceaccounts'),
    lookupPod: lookup('pods'),
    serviceAccountKey: opts.serviceAccountKey,
    issuer: opts.issuer,
  });
  const serviceHooks = createServiceHooks({
    store,
    cidr: opts.serviceClusterIpRange,
    nodePorts: opts.nodePortRange ?? [30000, 32767],
    services: () => core('services'),
  });
  const priorityClasses = () => served.get('scheduling.k8s.io/v1/priorityclasses');
  const priorityLookup: PriorityLookup = {
    priorityClass(name) {
      const s = priorityClasses();
      return s?.cache.get(s.storage.key('', name))?.object as PriorityClass | undefined;
    },
    globalDefault() {
      const s = priorityClasses();
      if (!s) return undefined;
      let found: PriorityClass | undefined;
      const all = s.range('');
      s.cache.scan(all.from, all.to, (o) => {
        const pc = o.object as unknown as PriorityClass;
        if (
          pc.globalDefault &&
          (!found || (pc.metadata?.creationTimestamp ?? '') < (found.metadata?.creationTimestamp ?? ''))
        )
          found = pc;
        return true;
      });
      return found;
    },
  };
  const patcher = createPatcher();
  const badRequests = new BadRequestMeter(log);

  const writeDeps: WriteDeps = {
    store,
    namespacePhase(ns) {
      const obj = lookup('namespaces')('', ns);
      if (!obj) return 'missing';
      return (obj.status as { phase?: string } | undefined)?.phase === 'Terminating' ||
        obj.metadata?.deletionTimestamp
        ? 'Terminating'
        : 'Active';
    },
    hooks(s): ResourceHooks | undefined {
      if (s.def.group === '' && s.def.kind === 'Service') return serviceHooks;
      return undefined;
    },
    admit(ctx, op, obj, old) {
      const message = admitNodeRequest(
        {
          user: ctx.user,
          apiGroup: ctx.info.apiGroup,
          resource: ctx.info.resource,
          subresource: ctx.info.subresource,
          namespace: ctx.info.namespace,
          name: ctx.info.name,
          operation: op,
        },
        obj,
        old,
        { pod: lookupPod, node: lookup('nodes') as never },
      );
      if (message) throw forbidden(message, ctx.served.resource, ctx.info.name);
      if (
        op === 'CREATE' &&
        obj &&
        ctx.served.def.group === '' &&
        ctx.served.def.kind === 'Pod' &&
        !ctx.info.subresource
      ) {
        const refused = admitPodPriority(obj as Pod, priorityLookup);
        if (refused) {
          const name = obj.metadata?.name ?? ctx.info.name;
          throw forbidden(`pods "${name}" is forbidden: ${refused}`, ctx.served.resource, name);
        }
      }
    },
    patch: (kind, original, patch, s) => patcher.patch(kind, original, patch, s),
    apply: (live, applied, o) => patcher.apply(live, applied, o),
    manageFields: (old, obj, o) => patcher.manageFields(old, obj, o),
    unknownFields: (obj, s) => patcher.unknownFields(obj, s),
  };

  let readyPromise: Promise<void> | null = null;
  const ready = () => {
    readyPromise ??= (async () => {
      await Promise.all([...caches.values()].map((c) => c.start()));
      const namespaces = core('namespaces');
      if (namespaces) await bootstrapNamespaces(namespaces, log);
      const classes = priorityClasses();
      if (classes) await bootstrapPriorityClasses(classes, log);
    })();
    return readyPromise;
  };

  function attributes(info: RequestInfo, user: UserInfo, url: URL): RequestAttributes {
    let name = info.name;
    const fieldSelector = url.searchParams.get('fieldSelector') ?? undefined;
    if (!name && (info.verb === 'list' || info.verb === 'watch') && fieldSelector) {
      const m = /(?:^|,)metadata\.name==?([^,]+)/.exec(fieldSelector);
      if (m?.[1]) name = m[1];
    }
    return {
      user,
      verb: info.verb,
      apiGroup: info.apiGroup,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name,
      resourceRequest: info.isResourceRequest,
      path: info.path,
      ...(fieldSelector ? { fieldSelector } : {}),
    };
  }

  /**
   * Impersonation (`kubectl --as`, `--as-group`): the caller must be allowed the `impersonate`
   * verb on users/groups (only admins are, without RBAC); the request then runs as that user,
   * as kube-apiserver's impersonation filter does.
   */
  function impersonate(req: IncomingMessage, user: UserInfo, url: URL): UserInfo {
    const as = req.headers['impersonate-user'];
    const groups = req.headers['impersonate-group'];
    const groupList = groups === undefined ? [] : Array.isArray(groups) ? groups : [groups];
    if (as === undefined && groupList.length === 0) return user;
    if (typeof as !== 'string' || as === '') {
      throw badRequest('requested impersonation of groups without impersonating a user');
    }
    const checks: [string, string][] = [
      ['users', as],
      ...groupList.map((g): [string, string] => ['groups', g]),
    ];
    for (const [resource, name] of checks) {
      const attrs: RequestAttributes = {
        user,
        verb: 'impersonate',
        apiGroup: '',
        resource,
        subresource: '',
        namespace: '',
        name,
        resourceRequest: true,
        path: url.pathname,
      };
      const decision = authorize(attrs, authzLookup);
      if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
    }
    const impliedGroups = as.startsWith('system:serviceaccount:')
      ? ['system:serviceaccounts', `system:serviceaccounts:${as.split(':')[2] ?? ''}`]
      : [];
    return { name: as, groups: [...new Set([...groupList, ...impliedGroups, 'system:authenticated'])] };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL, authenticated: UserInfo) {
    const info = requestInfo(req.method ?? 'GET', url);
    // Refusals are tallied under the authenticated caller, who sent them.
    const user = authenticated;
    try {
      const acting = impersonate(req, authenticated, url);
      const attrs = attributes(info, acting, url);
      const decision = authorize(attrs, authzLookup);
      if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
      if (!info.isResourceRequest) {
        if (handleOpenApi(req, res, url.pathname)) return;
        if (req.method === 'GET' && discovery.handle(req, res, url.pathname)) return;
        throw notFoundPath();
      }
      await dispatch(req, res, url, info, acting);
    } catch (err) {
      const apiErr = toApiError(err);
      if (apiErr.code >= 500) log.error({ err, path: url.pathname, verb: info.verb }, 'request failed');
      else {
        log.debug(
          { path: url.pathname, verb: info.verb, code: apiErr.code, reason: apiErr.reason },
          'request refused',
        );
        badRequests.record(user.name, apiErr.code);
      }
      if (!res.headersSent) sendError(res, apiErr);
      else res.end();
    }
  }

  async function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    info: RequestInfo,
    user: UserInfo,
  ) {
    if (await handleExtra(req, res, info, user)) return;
    const s = served.get(`${info.apiGroup}/${info.apiVersion}/${info.resource}`);
    if (!s) throw notFoundPath();
    if (s.def.namespaced && !info.namespace && info.name && info.resource !== 'namespaces')
      throw notFoundPath();
    if (!s.def.namespaced) info.namespace = '';
    const ctx: RequestContext = {
      req,
      res,
      url,
      info,
      user,
      served: s,
      format: negotiate(req.headers.accept),
      log,
    };
    await s.cache.usable().catch((err: unknown) => {
      throw err instanceof ApiError ? err : unavailable(String(err));
    });
    const verbs = s.def.verbs;
    if (verbs && !info.subresource && !verbs.includes(info.verb as never)) throw methodNotAllowed();
    switch (info.subresource) {
      case '':
        return dispatchMain(ctx);
      case 'status':
        if (!s.def.status) break;
        if (info.verb === 'get') return handleGet(ctx);
        if (info.verb === 'update') return handleUpdate(ctx, writeDeps);
        if (info.verb === 'patch') return handlePatch(ctx, writeDeps);
        throw methodNotAllowed();
      case 'scale':
        if (!s.def.scale) break;
        return handleScale(ctx, writeDeps);
      case 'binding':
        if (!s.def.special?.includes('binding')) break;
        if (info.verb !== 'create') throw methodNotAllowed();
        return handleBinding(ctx);
      case 'eviction':
        if (!s.def.special?.includes('eviction')) break;
        if (info.verb !== 'create') throw methodNotAllowed();
        return handleEviction(ctx, writeDeps);
      case 'token':
        if (!s.def.special?.includes('token')) break;
        if (info.verb !== 'create') throw methodNotAllowed();
        return sendObject(
          res,
          201,
          await issueServiceAccountToken(
            {
              serviceAccountKey: opts.serviceAccountKey,
              issuer: opts.issuer,
              lookupServiceAccount: lookup('serviceaccounts'),
              lookupPod: lookup('pods'),
              lookupSecret: lookup('secrets'),
            },
            info.namespace,
            info.name,
            await readObjectBody(req),
          ),
        );
      case 'finalize':
        if (!s.def.special?.includes('finalize')) break;
        if (info.verb !== 'update') throw methodNotAllowed();
        return handleFinalize(ctx);
      case 'log':
      case 'exec':
      case 'attach':
      case 'portforward':
      case 'proxy':
        if (!s.def.special?.includes(info.subresource)) break;
        return handleNodeProxied(ctx);
    }
    throw notFoundPath();
  }

  async function dispatchMain(ctx: RequestContext) {
    switch (ctx.info.verb) {
      case 'get':
        return handleGet(ctx);
      case 'list':
        return handleList(ctx, store);
      case 'watch':
        return handleWatch(ctx);
      case 'create':
        if (ctx.info.name && ctx.served.def.plural !== 'namespaces') throw methodNotAllowed();
        return handleCreate(ctx, writeDeps);
      case 'update':
        return handleUpdate(ctx, writeDeps);
      case 'patch':
        return handlePatch(ctx, writeDeps);
      case 'delete':
        return handleDelete(ctx, writeDeps);
      case 'deletecollection':
        return handleDeleteCollection(ctx, writeDeps);
    }
    throw methodNotAllowed();
  }

  /** Resources outside the generic registry: access reviews and metrics. */
  async function handleExtra(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    user: UserInfo,
  ): Promise<boolean> {
    const gv = `${info.apiGroup}/${info.apiVersion}`;
    const body = () => readObjectBody(req);
    const post = () => {
      if (info.verb !== 'create') throw methodNotAllowed();
    };
    switch (`${gv}/${info.resource}`) {
      case 'authentication.k8s.io/v1/selfsubjectreviews':
      case 'authentication.k8s.io/v1beta1/selfsubjectreviews':
        post();
        sendObject(res, 201, selfSubjectReview(user, await body(), gv as 'authentication.k8s.io/v1'));
        return true;
      case 'authentication.k8s.io/v1/tokenreviews':
        post();
        sendObject(res, 201, tokenReview(authenticator, await body()));
        return true;
      case 'authorization.k8s.io/v1/selfsubjectaccessreviews':
        post();
        sendObject(res, 201, selfSubjectAccessReview(user, await body(), authzLookup));
        return true;
      case 'authorization.k8s.io/v1/subjectaccessreviews':
        post();
        sendObject(res, 201, subjectAccessReview(await body(), authzLookup));
        return true;
      case 'metrics.k8s.io/v1beta1/nodes':
      case 'metrics.k8s.io/v1beta1/pods':
        throw new ApiError(
          503,
          'ServiceUnavailable',
          'metrics not available yet: no node agent reports resource usage to this cluster',
        );
    }
    return false;
  }

  return {
    ready,
    authenticate: (req) => authenticator.authenticate(req),
    badRequests,
    handle,
    close() {
      for (const c of caches.values()) c.close();
    },
  };
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { code?: unknown; reason?: unknown; message?: string; status?: () => unknown };
  if (typeof e?.code === 'number' && e.code >= 400 && e.code < 600 && typeof e.reason === 'string') {
    return new ApiError(e.code, e.reason || 'BadRequest', e.message ?? 'error');
  }
  return new ApiError(
    500,
    'InternalError',
    `Internal error occurred: ${(err as Error)?.message ?? String(err)}`,
  );
}

export { badRequest };

/**
 * Operations of the subresources the API server routes to special handlers (binding, eviction,
 * token, finalize, log, exec, attach, portforward, proxy), shaped as kube-apiserver publishes them:
 * creations carry the subresource's own kind as `x-kubernetes-group-version-kind` (pods/eviction →
 * policy/v1 Eviction), streams are `connect` actions with one operation per HTTP method
 * (`connectCoreV1GetNamespacedPodExec`), and proxy also has a `/proxy/{path}` form.
 */
import type { SpecialSubresource } from '../resources/types';
import {
  type ApiPath,
  type Body,
  bodyOf,
  type Method,
  OBJECT_TYPES,
  type Operation,
  type ResourceContext,
  WRITE,
} from './model';
import { parameter } from './parameters';
import type { GroupVersionKind } from './schemas';

interface SpecialSpec {
  /**
   * The subresource's own kind, when it is not the parent's. Every PATCH operation must carry a
   * distinct kind: clients pick "the" PATCH of a kind from the document (see operations.ts).
   */
  gvk?: GroupVersionKind | ((parentKind: string) => GroupVersionKind);
  methods: Method[];
  /** Streams: bodies are whatever the protocol carries. */
  connect?: boolean;
  produces?: string[];
  params: string[];
}

const STREAM_PARAMS = ['container', 'stderr', 'stdin', 'stdout', 'tty'];
const core = (kind: string): GroupVersionKind => ({ group: '', version: 'v1', kind });

const SPECIAL: Record<SpecialSubresource, SpecialSpec> = {
  binding: { gvk: core('Binding'), methods: ['post'], params: [] },
  eviction: { gvk: { group: 'policy', version: 'v1', kind: 'Eviction' }, methods: ['post'], params: [] },
  token: {
    gvk: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
    methods: ['post'],
    params: [],
  },
  finalize: { methods: ['put'], params: [] },
  log: {
    methods: ['get'],
    produces: ['text/plain', 'application/json', 'application/yaml'],
    params: [
      'container',
      'follow',
      'insecureSkipTLSVerifyBackend',
      'limitBytes',
      'previous',
      'sinceSeconds',
      'tailLines',
      'timestamps',
    ],
  },
  exec: {
    gvk: core('PodExecOptions'),
    methods: ['get', 'post'],
    connect: true,
    params: ['command', ...STREAM_PARAMS],
  },
  attach: { gvk: core('PodAttachOptions'), methods: ['get', 'post'], connect: true, params: STREAM_PARAMS },
  portforward: {
    gvk: core('PodPortForwardOptions'),
    methods: ['get', 'post'],
    connect: true,
    params: ['ports'],
  },
  // PodProxyOptions, ServiceProxyOptions, NodeProxyOptions.
  proxy: {
    gvk: (parent) => core(`${parent}ProxyOptions`),
    methods: ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'],
    connect: true,
    params: ['path'],
  },
};

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

function operation(
  ctx: ResourceContext,
  sub: SpecialSubresource,
  spec: SpecialSpec,
  method: Method,
): Operation {
  const suffix = capitalize(sub);
  const gvk = (typeof spec.gvk === 'function' ? spec.gvk(ctx.gvk.kind) : spec.gvk) ?? ctx.gvk;
  const common = { method, tag: ctx.tag, gvk, consumes: ['*/*'] };
  if (spec.connect) {
    return {
      ...common,
      operationId: ctx.id('connect', suffix, { method: capitalize(method) }),
      description: `Connect to the ${sub} of the named ${ctx.gvk.kind}.`,
      action: 'connect',
      parameters: spec.params.map((name) => parameter(name)),
      produces: ['*/*'],
      responses: { '200': { type: 'string' } },
    };
  }
  const own: Body = gvk === ctx.gvk ? ctx.object : bodyOf(gvk.group, gvk.version, gvk.kind);
  if (method === 'get') {
    return {
      ...common,
      operationId: ctx.id('read', suffix),
      description: `Read the ${sub} of the named ${ctx.gvk.kind}.`,
      action: 'get',
      parameters: spec.params.map((name) => parameter(name)),
      produces: spec.produces ?? OBJECT_TYPES,
      responses: { '200': sub === 'log' ? { type: 'string' } : own },
    };
  }
  const create = method === 'post';
  return {
    ...common,
    operationId: ctx.id(create ? 'create' : 'replace', suffix),
    description: `${create ? 'Create' : 'Replace'} the ${sub} of the named ${ctx.gvk.kind}.`,
    action: create ? 'post' : 'put',
    parameters: [...spec.params, ...WRITE].map((name) => parameter(name)),
    requestBody: own,
    produces: spec.produces ?? OBJECT_TYPES,
    responses: create ? { '200': own, '201': own, '202': own } : { '200': own, '201': own },
  };
}

/** The path(s) of one special subresource of `ctx`'s resource. */
export function specialPaths(ctx: ResourceContext, sub: SpecialSubresource): ApiPath[] {
  const spec = SPECIAL[sub];
  const operations = spec.methods.map((method) => operation(ctx, sub, spec, method));
  const paths: ApiPath[] = [{ path: `${ctx.item}/${sub}`, parameters: ctx.named, operations }];
  if (sub === 'proxy') {
    paths.push({
      path: `${ctx.item}/proxy/{path}`,
      parameters: [...ctx.named, { ...parameter('path'), in: 'path', required: true }],
      operations: operations.map((o) => ({ ...o, operationId: `${o.operationId}WithPath`, parameters: [] })),
    });
  }
  return paths;
}

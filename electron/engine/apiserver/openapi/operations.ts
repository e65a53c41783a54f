/**
 * The REST operations the API server serves, derived from the resource catalog, in a neutral form
 * that v2.ts (Swagger 2.0) and v3.ts (OpenAPI 3.0) render. Shapes follow kube-apiserver's
 * published spec, which clients rely on:
 *
 * - paths: `/api/v1/namespaces/{namespace}/pods[/{name}[/status]]`, `/api/v1/pods` (all
 *   namespaces), and the deprecated `/api/v1/watch/...` forms;
 * - every operation carries `x-kubernetes-action` (get, list, watch, watchlist, post, put, patch,
 *   delete, deletecollection, connect) and `x-kubernetes-group-version-kind` (a single object).
 *   client-go's NewQueryParamVerifierV3 and kubectl apply's gvkSupportsPatchOpenAPIV3 find a
 *   kind's PATCH operation by that extension, then look for the `fieldValidation` parameter and
 *   the `application/strategic-merge-patch+json` body — without them kubectl falls back to
 *   client-side validation and to its compiled-in patch metadata;
 * - operation ids `<verb><Group><Version>[Namespaced]<Kind>[<Subresource>]`, tags `<group>_<version>`.
 */
import { groupVersion, type ResourceDefinition, type Verb } from '../resources/types';
import {
  type Action,
  type ApiPath,
  type Body,
  bodyOf,
  type Method,
  OBJECT_TYPES,
  type Operation,
  PATCH_TYPES,
  type ResourceContext,
  WRITE,
} from './model';
import { parameter, type Parameter } from './parameters';
import type { GroupVersionKind } from './schemas';
import { specialPaths } from './subresources';

const WATCH_TYPES = ['application/json;stream=watch'];
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ALL_VERBS: Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

const LIST = [
  'allowWatchBookmarks',
  'continue',
  'fieldSelector',
  'labelSelector',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
  'watch',
];
const DELETE = ['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy'];

/** One operation of the main resource (or of status/scale, which reuse get/update/patch). */
interface OpSpec {
  verb: Verb;
  at: 'collection' | 'item';
  method: Method;
  action: Action;
  idVerb: string;
  describe: (what: string) => string;
  params: string[];
  body?: 'object' | 'delete' | 'patch';
  response: 'object' | 'list' | 'status';
  codes: number[];
}

const OPS: OpSpec[] = [
  // prettier-ignore
  { verb: 'list', at: 'collection', method: 'get', action: 'list', idVerb: 'list', describe: (k) => `List or watch ${k} objects.`, params: LIST, response: 'list', codes: [200] },
  // prettier-ignore
  { verb: 'create', at: 'collection', method: 'post', action: 'post', idVerb: 'create', describe: (k) => `Create a ${k}.`, params: WRITE, body: 'object', response: 'object', codes: [200, 201, 202] },
  // prettier-ignore
  { verb: 'deletecollection', at: 'collection', method: 'delete', action: 'deletecollection', idVerb: 'deletecollection', describe: (k) => `Delete a collection of ${k} objects.`, params: [...LIST.filter((p) => p !== 'watch' && p !== 'allowWatchBookmarks'), ...DELETE], body: 'delete', response: 'status', codes: [200] },
  // prettier-ignore
  { verb: 'get', at: 'item', method: 'get', action: 'get', idVerb: 'read', describe: (k) => `Read the named ${k}.`, params: [], response: 'object', codes: [200] },
  // prettier-ignore
  { verb: 'update', at: 'item', method: 'put', action: 'put', idVerb: 'replace', describe: (k) => `Replace the named ${k}.`, params: WRITE, body: 'object', response: 'object', codes: [200, 201] },
  // prettier-ignore
  { verb: 'delete', at: 'item', method: 'delete', action: 'delete', idVerb: 'delete', describe: (k) => `Delete the named ${k}.`, params: DELETE, body: 'delete', response: 'status', codes: [200, 202] },
  // prettier-ignore
  { verb: 'patch', at: 'item', method: 'patch', action: 'patch', idVerb: 'patch', describe: (k) => `Partially update the named ${k}.`, params: [...WRITE, 'force'], body: 'patch', response: 'object', codes: [200, 201] },
];

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** `rbac.authorization.k8s.io` → `RbacAuthorization`; core → `Core`. */
function groupWord(group: string): string {
  if (!group) return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split('.')
    .map(capitalize)
    .join('');
}

function contextOf(def: ResourceDefinition, item: string, ns: Parameter[]): ResourceContext {
  const { group, version, kind, namespaced } = def;
  return {
    def,
    tag: `${groupWord(group).charAt(0).toLowerCase()}${groupWord(group).slice(1)}_${version}`,
    gvk: { group, version, kind },
    item,
    named: [parameter('name', kind), ...ns, parameter('pretty')],
    object: bodyOf(group, version, kind),
    id: (verb, suffix = '', options = {}) =>
      `${verb}${groupWord(group)}${capitalize(version)}${options.method ?? ''}` +
      `${namespaced && !options.allNamespaces ? 'Namespaced' : ''}${kind}${suffix}`,
  };
}

/** Renders the specs as operations on `object` (the kind itself, or Scale for the scale subresource). */
function operationsOf(
  ctx: ResourceContext,
  specs: OpSpec[],
  target: { suffix: string; gvk: GroupVersionKind; object: Body; what: string },
): Operation[] {
  const list = bodyOf(ctx.gvk.group, ctx.gvk.version, `${ctx.gvk.kind}List`);
  const bodies = { object: target.object, list, status: { definition: `${META}.Status` } };
  return specs.map((spec) => ({
    method: spec.method,
    operationId: ctx.id(spec.idVerb, target.suffix),
    description: spec.describe(target.what),
    tag: ctx.tag,
    action: spec.action,
    gvk: target.gvk,
    parameters: spec.params.map((name) => parameter(name)),
    ...(spec.body === undefined
      ? {}
      : {
          requestBody:
            spec.body === 'object'
              ? target.object
              : { definition: `${META}.${spec.body === 'patch' ? 'Patch' : 'DeleteOptions'}` },
        }),
    consumes: spec.body === 'patch' ? PATCH_TYPES : ['*/*'],
    produces: spec.action === 'list' ? [...OBJECT_TYPES, ...WATCH_TYPES] : OBJECT_TYPES,
    responses: Object.fromEntries(spec.codes.map((code) => [String(code), bodies[spec.response]])),
  }));
}

/** The paths and operations of one resource (main resource, status, scale, special subresources). */
export function resourcePaths(def: ResourceDefinition): ApiPath[] {
  const { group, version, kind, plural, namespaced } = def;
  const verbs = new Set(def.verbs ?? ALL_VERBS);
  const prefix = group ? `/apis/${groupVersion(def)}` : `/api/${version}`;
  const ns = namespaced ? [parameter('namespace')] : [];
  const collection = `${prefix}${namespaced ? '/namespaces/{namespace}' : ''}/${plural}`;
  const ctx = contextOf(def, `${collection}/{name}`, ns);
  const main = { suffix: '', gvk: ctx.gvk, object: ctx.object, what: kind };
  const served = (at: OpSpec['at']) => OPS.filter((spec) => spec.at === at && verbs.has(spec.verb));
  const paths: ApiPath[] = [];
  const add = (path: string, parameters: Parameter[], operations: Operation[]) => {
    if (operations.length > 0) paths.push({ path, parameters, operations });
  };

  add(collection, [...ns, parameter('pretty')], operationsOf(ctx, served('collection'), main));
  add(ctx.item, ctx.named, operationsOf(ctx, served('item'), main));
  if (verbs.has('list') && namespaced) {
    const [list] = operationsOf(ctx, served('collection').slice(0, 1), main);
    if (list)
      add(
        `${prefix}/${plural}`,
        [parameter('pretty')],
        [{ ...list, operationId: ctx.id('list', 'ForAllNamespaces', { allNamespaces: true }) }],
      );
  }
  if (verbs.has('watch')) {
    const watchPrefix = `${prefix}/watch${namespaced ? '/namespaces/{namespace}' : ''}/${plural}`;
    const watch = (path: string, pathParams: Parameter[], operationId: string, action: Action) =>
      add(
        path,
        [...pathParams, parameter('pretty')],
        [
          {
            method: 'get',
            operationId,
            description: `Watch changes to ${kind} objects (deprecated: use the watch parameter of list).`,
            tag: ctx.tag,
            action,
            gvk: ctx.gvk,
            parameters: LIST.map((name) => parameter(name)),
            consumes: ['*/*'],
            produces: WATCH_TYPES,
            responses: { '200': { definition: `${META}.WatchEvent` } },
          },
        ],
      );
    watch(watchPrefix, ns, ctx.id('watch', 'List'), 'watchlist');
    watch(`${watchPrefix}/{name}`, ctx.named.slice(0, -1), ctx.id('watch'), 'watch');
    if (namespaced) {
      watch(
        `${prefix}/watch/${plural}`,
        [],
        ctx.id('watch', 'ListForAllNamespaces', { allNamespaces: true }),
        'watchlist',
      );
    }
  }

  const readWrite = OPS.filter(
    (spec) => spec.verb === 'get' || spec.verb === 'update' || spec.verb === 'patch',
  );
  if (def.status) {
    const target = { ...main, suffix: 'Status', what: `${kind} status` };
    add(`${ctx.item}/status`, ctx.named, operationsOf(ctx, readWrite, target));
  }
  if (def.scale) {
    const gvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    const target = {
      suffix: 'Scale',
      gvk,
      object: bodyOf(gvk.group, gvk.version, gvk.kind),
      what: `${kind} scale`,
    };
    add(`${ctx.item}/scale`, ctx.named, operationsOf(ctx, readWrite, target));
  }
  for (const sub of def.special ?? []) paths.push(...specialPaths(ctx, sub));
  return paths;
}

/** `api/v1` or `apis/apps/v1`: the OpenAPI v3 document key of a group-version. */
export function groupVersionPath(def: Pick<ResourceDefinition, 'group' | 'version'>): string {
  return def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`;
}

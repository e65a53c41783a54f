/**
 * What a request is about, parsed from its method and path the way kube-apiserver's
 * RequestInfoFactory does: /api/v1/namespaces/{ns}/{resource}/{name}/{subresource} and the
 * /apis/{group}/{version}/… equivalent, the legacy /watch/ prefix, and `?watch=true`. The
 * router, the authorizer and audit logging all read this one structure.
 */
export interface RequestInfo {
  /** False for discovery, OpenAPI, health and other non-resource paths. */
  isResourceRequest: boolean;
  path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection; for non-resource paths the lowercased method. */
  verb: string;
  apiPrefix: '' | 'api' | 'apis';
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

/** Subresources of a namespace that keep `namespaces` as the resource (Kubernetes' list). */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function requestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
  const nonResource = (): RequestInfo => ({
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
  });
  let parts = path.split('/').filter((p) => p !== '');
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return nonResource();
  parts = parts.slice(1);
  let group = '';
  if (prefix === 'apis') {
    if (parts.length < 3)
      return { ...nonResource(), apiPrefix: prefix, apiGroup: parts[0] ?? '', apiVersion: parts[1] ?? '' };
    group = parts[0] as string;
    parts = parts.slice(1);
  } else if (parts.length < 2) {
    return { ...nonResource(), apiPrefix: prefix, apiVersion: parts[0] ?? '' };
  }
  const version = parts[0] as string;
  parts = parts.slice(1);
  const info: RequestInfo = {
    isResourceRequest: true,
    path,
    verb: '',
    apiPrefix: prefix,
    apiGroup: group,
    apiVersion: version,
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
  };
  // Kubernetes' special verbs: /api/v1/watch/… and the legacy /api/v1/proxy/….
  let specialVerb = '';
  if (parts[0] === 'watch' || parts[0] === 'proxy') {
    specialVerb = parts[0];
    parts = parts.slice(1);
  }
  if (parts[0] === 'namespaces' && parts.length > 1) {
    info.namespace = decodeURIComponent(parts[1] as string);
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] as string)) parts = parts.slice(2);
  }
  info.resource = parts[0] ?? '';
  info.name = parts[1] !== undefined ? decodeURIComponent(parts[1]) : '';
  // Only the segment after the name is the subresource; what follows (pods/foo/proxy/some/path)
  // belongs to the subresource handler. A special verb's path has no subresource at all.
  info.subresource = specialVerb ? '' : (parts[2] ?? '');
  if (specialVerb) {
    info.verb = specialVerb;
    return info;
  }

  switch (method) {
    case 'GET':
    case 'HEAD':
      // Only name-less GETs become list or watch (a named GET with ?watch stays a get).
      info.verb = info.name ? 'get' : parseBool(url.searchParams.get('watch')) ? 'watch' : 'list';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = method.toLowerCase();
  }
  return info;
}

/** Go's strconv.ParseBool, as Kubernetes decodes `?watch=`; anything else is false. */
function parseBool(v: string | null): boolean {
  return v !== null && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

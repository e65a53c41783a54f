/**
 * Authorization. Pilothouse has no RBAC yet; it grants by identity the way a fresh
 * kube-apiserver's default policy does for the identities Pilothouse issues:
 *  - system:masters: everything (the cluster-admin binding);
 *  - nodes (system:node:<name> in system:nodes): Kubernetes' node authorizer (node-authorizer.ts),
 *    with NodeRestriction admission (node-restriction.ts) narrowing writes to the node's own objects;
 *  - system:bootstrappers: certificate signing requests only (system:node-bootstrapper);
 *  - every authenticated user: discovery, health and version paths (system:discovery,
 *    system:public-info-viewer) and the self reviews (system:basic-user), so `kubectl auth
 *    whoami` and `kubectl auth can-i` work for anyone.
 * Everything else is denied with a reason saying so.
 *
 * Decisions are synchronous and pure given `lookup` (read from the watch cache).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { authorizeNode } from './node-authorizer';
import { GROUP_AUTHENTICATED, GROUP_BOOTSTRAPPERS, GROUP_MASTERS, type UserInfo, nodeName } from './user';

export { forbiddenError, forbiddenMessage } from './forbidden';

/** Kubernetes' authorizer.Attributes, as the API server derives them from the request. */
export interface RequestAttributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, proxy…; for non-resource paths the lowercased HTTP method. */
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  /**
   * The object's name; for list/watch with a `metadata.name=<x>` field selector, `x` (as
   * Kubernetes' RequestInfoFactory sets it), so "read my own Node" can be told apart.
   */
  name: string;
  resourceRequest: boolean;
  path: string;
  /** The raw `fieldSelector` query parameter of list/watch (nodes may list only their own pods). */
  fieldSelector?: string;
}

export interface Decision {
  allowed: boolean;
  /**
   * Why. For denials this is what Kubernetes appends to the 403 message (pass it to
   * forbiddenMessage); empty where Kubernetes' node authorizer gives no reason.
   */
  reason: string;
}

/** Reads from the watch cache the node authorizer needs: the pods bound to a node. */
export interface AuthorizerLookup {
  /** Pods whose spec.nodeName is `nodeName`. */
  podsOnNode(nodeName: string): Pod[];
  pod(namespace: string, name: string): Pod | undefined;
}

export const NO_POLICY_REASON =
  'Pilothouse grants access only to system:masters, nodes and bootstrap tokens (RBAC is not supported yet)';

/** Paths any authenticated user may GET (system:discovery + system:public-info-viewer). */
const DISCOVERY_PATHS = [
  '/livez',
  '/readyz',
  '/healthz',
  '/version',
  '/version/',
  '/openapi',
  '/api',
  '/apis',
];
const DISCOVERY_PREFIXES = ['/openapi/', '/api/', '/apis/'];

export function authorize(attrs: RequestAttributes, lookup: AuthorizerLookup): Decision {
  const { user } = attrs;
  if (user.groups.includes(GROUP_MASTERS)) {
    return { allowed: true, reason: `allowed: member of group "${GROUP_MASTERS}"` };
  }
  if (!user.groups.includes(GROUP_AUTHENTICATED)) return { allowed: false, reason: 'not authenticated' };
  if (!attrs.resourceRequest) {
    const discovery =
      attrs.verb === 'get' &&
      (DISCOVERY_PATHS.includes(attrs.path) || DISCOVERY_PREFIXES.some((p) => attrs.path.startsWith(p)));
    return discovery
      ? { allowed: true, reason: 'allowed: discovery is open to authenticated users' }
      : { allowed: false, reason: NO_POLICY_REASON };
  }
  if (isSelfReview(attrs)) return { allowed: true, reason: 'allowed: any user may review itself' };
  const node = nodeName(user);
  if (node !== undefined) return authorizeNode(node, attrs, lookup);
  if (user.groups.includes(GROUP_BOOTSTRAPPERS) && isCsrRequest(attrs)) {
    return { allowed: true, reason: `allowed: member of group "${GROUP_BOOTSTRAPPERS}"` };
  }
  return { allowed: false, reason: NO_POLICY_REASON };
}

/** system:basic-user: create selfsubjectaccessreviews, selfsubjectrulesreviews, selfsubjectreviews. */
function isSelfReview(a: RequestAttributes): boolean {
  if (a.verb !== 'create' || a.subresource) return false;
  return (
    (a.apiGroup === 'authorization.k8s.io' &&
      (a.resource === 'selfsubjectaccessreviews' || a.resource === 'selfsubjectrulesreviews')) ||
    (a.apiGroup === 'authentication.k8s.io' && a.resource === 'selfsubjectreviews')
  );
}

/** system:node-bootstrapper: create/get/list/watch certificatesigningrequests. */
function isCsrRequest(a: RequestAttributes): boolean {
  return (
    a.apiGroup === 'certificates.k8s.io' &&
    a.resource === 'certificatesigningrequests' &&
    !a.subresource &&
    ['create', 'get', 'list', 'watch'].includes(a.verb)
  );
}

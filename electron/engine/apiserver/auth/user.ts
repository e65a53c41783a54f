/**
 * Who made a request, and the well-known user and group names Kubernetes gives meaning to
 * (k8s.io/apiserver pkg/authentication/user).
 */

/** Kubernetes' user.Info: what authentication establishes and authorization decides on. */
export interface UserInfo {
  name: string;
  /** Set for service accounts (the ServiceAccount's uid); absent for certificate users. */
  uid?: string;
  groups: string[];
  /** Extra attributes, e.g. `authentication.kubernetes.io/pod-name` for pod-bound tokens. */
  extra?: Record<string, string[]>;
}

/**
 * Credentials were presented and are not valid: the request is answered 401 and never falls
 * back to anonymous (kube-apiserver does the same). `message` is for the log only; clients get
 * Kubernetes' bare "Unauthorized", so a probe learns nothing about why.
 */
export class AuthError extends Error {
  override name = 'AuthError';
  readonly code = 'UNAUTHORIZED';
}

export const GROUP_AUTHENTICATED = 'system:authenticated';
export const GROUP_MASTERS = 'system:masters';
export const GROUP_NODES = 'system:nodes';
export const GROUP_BOOTSTRAPPERS = 'system:bootstrappers';
export const GROUP_SERVICE_ACCOUNTS = 'system:serviceaccounts';
export const NODE_USER_PREFIX = 'system:node:';
export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';

/** Groups plus system:authenticated, once (Kubernetes' AuthenticatedGroupAdder). */
export function withAuthenticated(groups: string[]): string[] {
  return groups.includes(GROUP_AUTHENTICATED) ? [...groups] : [...groups, GROUP_AUTHENTICATED];
}

/**
 * The node a user speaks for, as Kubernetes' default NodeIdentifier: a user named
 * `system:node:<name>` in group system:nodes. `undefined` = not a node; `''` = a node identity
 * whose name is missing (denied everything).
 */
export function nodeName(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(GROUP_NODES)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}

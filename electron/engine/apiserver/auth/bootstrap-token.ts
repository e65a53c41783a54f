/**
 * Bootstrap tokens, as Kubernetes' bootstrap token authenticator and k8s.io/cluster-bootstrap:
 * a bearer token `<id>.<secret>` (6 and 16 characters of [a-z0-9]) matches the Secret
 * `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`, and authenticates
 * as `system:bootstrap:<id>` in `system:bootstrappers` plus the Secret's `auth-extra-groups`.
 * Node join hands these out short-lived; they can do nothing but ask for a node certificate.
 */
import { timingSafeEqual } from 'node:crypto';
import type { KubeObject } from '../resources/types';
import { AuthError, GROUP_BOOTSTRAPPERS, type UserInfo, withAuthenticated } from './user';

export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
/** The token's shape; anything else is not a bootstrap token (it may be another kind). */
export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
/** What `auth-extra-groups` may name (cluster-bootstrap's BootstrapGroupPattern). */
export const BOOTSTRAP_GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** Secret data keys (cluster-bootstrap token/api). */
export const KEY = {
  id: 'token-id',
  secret: 'token-secret',
  expiration: 'expiration',
  usageAuthentication: 'usage-bootstrap-authentication',
  extraGroups: 'auth-extra-groups',
  description: 'description',
} as const;

/** RFC 3339 as Go's time.Parse(time.RFC3339) accepts it (fractional seconds optional). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function isBootstrapToken(token: string): boolean {
  return BOOTSTRAP_TOKEN_PATTERN.test(token);
}

/**
 * Check a bootstrap-shaped token against its Secret. Every failure is an AuthError (the request
 * carried a token, so it must not pass as anonymous); the message names the cause for the log.
 */
export function authenticateBootstrapToken(
  token: string,
  lookupSecret: (namespace: string, name: string) => KubeObject | undefined,
  now: number,
): UserInfo | AuthError {
  const match = BOOTSTRAP_TOKEN_PATTERN.exec(token);
  if (!match) return new AuthError('not a bootstrap token');
  const [, id = '', secret = ''] = match;
  const name = BOOTSTRAP_TOKEN_SECRET_PREFIX + id;
  const where = `bootstrap token secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${name}`;
  const obj = lookupSecret(BOOTSTRAP_TOKEN_NAMESPACE, name);
  if (!obj) return new AuthError(`${where} does not exist`);
  if (obj.metadata?.deletionTimestamp) return new AuthError(`${where} is being deleted`);
  if (obj.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) {
    return new AuthError(`${where} has type ${String(obj.type)}, not ${BOOTSTRAP_TOKEN_SECRET_TYPE}`);
  }
  const data = secretData(obj);
  if (!constantTimeEqual(data(KEY.secret) ?? '', secret))
    return new AuthError(`${where}: wrong token secret`);
  if (data(KEY.id) !== id) return new AuthError(`${where}: token-id does not match the name`);
  const expiration = data(KEY.expiration);
  if (expiration !== undefined && expiration !== '') {
    const at = RFC3339.test(expiration) ? Date.parse(expiration) : NaN;
    // An unreadable expiration counts as expired, as in cluster-bootstrap.
    if (Number.isNaN(at))
      return new AuthError(`${where}: unreadable expiration ${JSON.stringify(expiration)}`);
    if (at <= now) return new AuthError(`${where} expired at ${expiration}`);
  }
  if (data(KEY.usageAuthentication) !== 'true') {
    return new AuthError(`${where} is not marked ${KEY.usageAuthentication}=true`);
  }
  const groups = new Set([GROUP_BOOTSTRAPPERS]);
  for (const g of (data(KEY.extraGroups) ?? '').split(',')) {
    const group = g.trim();
    if (group === '') continue;
    if (!BOOTSTRAP_GROUP_PATTERN.test(group)) return new AuthError(`${where}: invalid extra group ${group}`);
    groups.add(group);
  }
  // Sorted like cluster-bootstrap's GetGroups (a string set's List()).
  return { name: BOOTSTRAP_USER_PREFIX + id, groups: withAuthenticated([...groups].sort()) };
}

/** Reads a Secret's `data` (base64, as stored and served); undefined for an absent key. */
function secretData(obj: KubeObject): (key: string) => string | undefined {
  const data = (obj.data ?? {}) as Record<string, unknown>;
  return (key) => {
    const v = data[key];
    return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  };
}

/** Compares without leaking where the first difference is (crypto/subtle.ConstantTimeCompare). */
function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // A length difference is no secret: the token format fixes the length.
  return x.length === y.length && timingSafeEqual(x, y);
}

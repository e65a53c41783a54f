/**
 * The review APIs, answered from the authenticator and authorizer:
 *  - authentication.k8s.io SelfSubjectReview (v1, v1beta1, v1alpha1): who am I (`kubectl auth whoami`);
 *  - authorization.k8s.io/v1 SelfSubjectAccessReview: may I (`kubectl auth can-i`);
 *  - authorization.k8s.io/v1 SubjectAccessReview and authentication.k8s.io/v1 TokenReview: the
 *    delegated checks a kubelet makes for callers of its own API.
 * Each takes the decoded request body (unvalidated) and returns the response object, which the
 * API server sends with 201 Created as Kubernetes does; malformed bodies throw an ApiError
 * (400 BadRequest, or 422 Invalid with Kubernetes' messages).
 */
import type {
  SelfSubjectReview,
  TokenReview,
  UserInfo as KubeUserInfo,
} from 'kubernetes-types/authentication/v1';
import type {
  NonResourceAttributes,
  ResourceAttributes,
  SelfSubjectAccessReview,
  SubjectAccessReview,
  SubjectAccessReviewStatus,
} from 'kubernetes-types/authorization/v1';
import { ApiError, badRequest } from '../errors';
import { nowTimestamp } from '../registry/object-meta';
import type { Authenticator } from './authenticator';
import { type AuthorizerLookup, type RequestAttributes, authorize } from './authorizer';
import { AuthError, type UserInfo } from './user';

export type SelfSubjectReviewVersion =
  'authentication.k8s.io/v1' | 'authentication.k8s.io/v1beta1' | 'authentication.k8s.io/v1alpha1';

/** SelfSubjectReview: echoes the requesting user's attributes in status.userInfo. */
export function selfSubjectReview(
  user: UserInfo,
  body: unknown,
  apiVersion: SelfSubjectReviewVersion = 'authentication.k8s.io/v1',
  now: number = Date.now(),
): SelfSubjectReview {
  expectKind<SelfSubjectReview>(body, 'SelfSubjectReview');
  return {
    apiVersion: apiVersion as 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { creationTimestamp: nowTimestamp(now) },
    status: { userInfo: kubeUserInfo(user) },
  };
}

/** SelfSubjectAccessReview: would the requesting user be allowed the action in spec? */
export function selfSubjectAccessReview(
  user: UserInfo,
  body: unknown,
  lookup: AuthorizerLookup,
): SelfSubjectAccessReview {
  const review = expectKind<SelfSubjectAccessReview>(body, 'SelfSubjectAccessReview');
  const spec = review.spec ?? {};
  const attrs = reviewAttributes('SelfSubjectAccessReview', user, spec);
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec,
    status: decide(attrs, lookup),
  };
}

/** SubjectAccessReview: would the user described in spec be allowed the action? */
export function subjectAccessReview(body: unknown, lookup: AuthorizerLookup): SubjectAccessReview {
  const review = expectKind<SubjectAccessReview>(body, 'SubjectAccessReview');
  const spec = review.spec ?? {};
  if (!spec.user && !(spec.groups ?? []).length) {
    throw invalid(
      'SubjectAccessReview.authorization.k8s.io',
      'spec.user',
      '""',
      'at least one of user or group must be specified',
    );
  }
  const user: UserInfo = {
    name: spec.user ?? '',
    groups: spec.groups ?? [],
    ...(spec.uid ? { uid: spec.uid } : {}),
    ...(spec.extra ? { extra: spec.extra } : {}),
  };
  const attrs = reviewAttributes('SubjectAccessReview', user, spec);
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec,
    status: decide(attrs, lookup),
  };
}

/** TokenReview: whom a bearer token authenticates, for the audiences asked (default the API server's). */
export function tokenReview(
  authenticator: Pick<Authenticator, 'authenticateToken'>,
  body: unknown,
): TokenReview {
  const review = expectKind<TokenReview>(body, 'TokenReview');
  const spec = review.spec ?? {};
  if (!spec.token) throw badRequest('token is required for TokenReview in authentication.k8s.io');
  const result = authenticator.authenticateToken(
    spec.token,
    spec.audiences?.length ? spec.audiences : undefined,
  );
  // The token is a credential: never echo it back.
  const echoed = { ...(spec.audiences ? { audiences: spec.audiences } : {}) };
  const status: TokenReview['status'] =
    result instanceof AuthError
      ? { authenticated: false, error: result.message }
      : { authenticated: true, user: kubeUserInfo(result.user), audiences: result.audiences };
  return { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: echoed, status };
}

function kubeUserInfo(user: UserInfo): KubeUserInfo {
  return {
    username: user.name,
    ...(user.uid ? { uid: user.uid } : {}),
    groups: user.groups,
    ...(user.extra ? { extra: user.extra } : {}),
  };
}

function decide(attrs: RequestAttributes, lookup: AuthorizerLookup): SubjectAccessReviewStatus {
  const d = authorize(attrs, lookup);
  return { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
}

/** Exactly one of resourceAttributes / nonResourceAttributes, as Kubernetes' validation requires. */
function reviewAttributes(
  kind: string,
  user: UserInfo,
  spec: { resourceAttributes?: ResourceAttributes; nonResourceAttributes?: NonResourceAttributes },
): RequestAttributes {
  const qualified = `${kind}.authorization.k8s.io`;
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if (r && n) {
    throw invalid(
      qualified,
      'spec.nonResourceAttributes',
      JSON.stringify(n),
      'cannot be specified in combination with resourceAttributes',
    );
  }
  if (!r && !n) {
    throw invalid(
      qualified,
      'spec.resourceAttributes',
      '"null"',
      'exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  }
  const base = { user, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path: '' };
  if (n) return { ...base, verb: n.verb ?? '', resourceRequest: false, path: n.path ?? '' };
  const attrs: RequestAttributes = {
    ...base,
    verb: r?.verb ?? '',
    apiGroup: r?.group ?? '',
    resource: r?.resource ?? '',
    subresource: r?.subresource ?? '',
    namespace: r?.namespace ?? '',
    name: r?.name ?? '',
    resourceRequest: true,
  };
  // authorization.k8s.io/v1 ≥ 1.31 carries the selector the request would use.
  const selector = (r as { fieldSelector?: { rawSelector?: string } } | undefined)?.fieldSelector
    ?.rawSelector;
  return selector ? { ...attrs, fieldSelector: selector } : attrs;
}

function expectKind<T>(body: unknown, kind: string): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`the request body must be a ${kind}`);
  }
  const k = (body as { kind?: unknown }).kind;
  if (k !== undefined && k !== kind) throw badRequest(`the request body is a ${String(k)}, not a ${kind}`);
  return body as T;
}

/** Kubernetes' NewInvalid for a review (reviews have no name: `… "" is invalid`). */
function invalid(qualifiedKind: string, field: string, value: string, detail: string): ApiError {
  const message = `Invalid value: ${value}: ${detail}`;
  const [kind = '', ...group] = qualifiedKind.split('.');
  return new ApiError(422, 'Invalid', `${qualifiedKind} "" is invalid: ${field}: ${message}`, {
    group: group.join('.'),
    kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
}

import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors';
import { generateServiceAccountKey } from '../../pki/service-account';
import { createAuthenticator } from './authenticator';
import { selfSubjectAccessReview, selfSubjectReview, subjectAccessReview, tokenReview } from './reviews';
import { makeCache, makePod, users } from './test-fixtures';
import { bootstrapTokenSecret, newBootstrapToken } from './tokens';

const cache = makeCache().put('Pod', makePod('web').node('n1').secretVolume('tls').obj());
const lookup = cache.authorizerLookup;

describe('selfSubjectReview', () => {
  it.each(['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1'] as const)(
    'echoes the user in status.userInfo (%s)',
    (apiVersion) => {
      const user = { ...users.serviceAccount('default', 'robot'), extra: { 'x/y': ['z'] } };
      expect(selfSubjectReview(user, { apiVersion, kind: 'SelfSubjectReview' }, apiVersion, 0)).toEqual({
        apiVersion,
        kind: 'SelfSubjectReview',
        metadata: { creationTimestamp: '1970-01-01T00:00:00Z' },
        status: {
          userInfo: {
            username: 'system:serviceaccount:default:robot',
            uid: 'sa-uid',
            groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
            extra: { 'x/y': ['z'] },
          },
        },
      });
    },
  );

  it('omits uid and extra for certificate users', () => {
    expect(selfSubjectReview(users.admin, {}).status?.userInfo).toEqual({
      username: 'pilothouse-admin',
      groups: ['system:masters', 'system:authenticated'],
    });
  });
});

describe('selfSubjectAccessReview', () => {
  it.each([
    [
      users.node('n1'),
      { verb: 'get', resource: 'secrets', namespace: 'default', name: 'tls' },
      { allowed: true },
    ],
    [
      users.node('n2'),
      { verb: 'get', resource: 'secrets', namespace: 'default', name: 'tls' },
      { allowed: false, reason: "no relationship found between node 'n2' and this object" },
    ],
    [
      users.node('n1'),
      { verb: 'list', resource: 'pods', fieldSelector: { rawSelector: 'spec.nodeName=n1' } },
      { allowed: true },
    ],
    [
      users.bootstrap,
      { verb: 'create', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' },
      { allowed: true },
    ],
    [users.bootstrap, { verb: 'list', resource: 'secrets' }, { allowed: false }],
  ])('answers %s for %j', (user, resourceAttributes, status) => {
    const review = selfSubjectAccessReview(
      user,
      { kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } },
      lookup,
    );
    expect(review.status).toMatchObject(status);
    expect(review.spec).toEqual({ resourceAttributes });
  });

  it('answers non-resource questions', () => {
    const ask = (path: string) =>
      selfSubjectAccessReview(
        users.bootstrap,
        { spec: { nonResourceAttributes: { verb: 'get', path } } },
        lookup,
      ).status?.allowed;
    expect(ask('/apis')).toBe(true);
    expect(ask('/metrics')).toBe(false);
  });

  it.each([
    [
      'neither kind of attributes',
      { spec: {} },
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    ],
    [
      'both kinds of attributes',
      { spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { verb: 'get', path: '/' } } },
      /^SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: .*: cannot be specified in combination with resourceAttributes$/,
    ],
  ])('refuses %s with 422', (_what, body, message) => {
    expect(() => selfSubjectAccessReview(users.admin, body, lookup)).toThrow(ApiError);
    expect(() => selfSubjectAccessReview(users.admin, body, lookup)).toThrow(message);
  });

  it('refuses a body of another kind with 400', () => {
    expect(() => selfSubjectAccessReview(users.admin, { kind: 'Pod' }, lookup)).toThrow(
      expect.objectContaining({ code: 400 }),
    );
  });
});

describe('subjectAccessReview', () => {
  it('decides for the user in spec, as a kubelet delegating authorization asks', () => {
    const review = subjectAccessReview(
      {
        spec: {
          user: 'system:node:n1',
          groups: ['system:nodes', 'system:authenticated'],
          resourceAttributes: { verb: 'get', resource: 'secrets', namespace: 'default', name: 'tls' },
        },
      },
      lookup,
    );
    expect(review.status).toEqual({ allowed: true, reason: 'allowed by the node authorizer' });
  });

  it('requires a user or a group (422)', () => {
    expect(() => subjectAccessReview({ spec: { resourceAttributes: { verb: 'get' } } }, lookup)).toThrow(
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
    );
  });
});

describe('tokenReview', () => {
  const ISSUER = 'https://kubernetes.default.svc.cluster.local';
  const t = newBootstrapToken();
  const c = makeCache().put('Secret', bootstrapTokenSecret(t.id, t.secret, 600));
  const authenticator = createAuthenticator({
    ...c,
    serviceAccountKey: generateServiceAccountKey(),
    issuer: ISSUER,
  });

  it('authenticates a token without echoing it', () => {
    expect(tokenReview(authenticator, { kind: 'TokenReview', spec: { token: t.token } })).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: {},
      spec: {},
      status: {
        authenticated: true,
        user: {
          username: `system:bootstrap:${t.id}`,
          groups: ['system:bootstrappers', 'system:authenticated'],
        },
        audiences: [ISSUER],
      },
    });
  });

  it('reports a bad token as not authenticated, with why', () => {
    expect(tokenReview(authenticator, { spec: { token: 'hunter2' } }).status).toEqual({
      authenticated: false,
      error: 'unrecognised bearer token',
    });
  });

  it('requires a token (400)', () => {
    expect(() => tokenReview(authenticator, { spec: {} })).toThrow(expect.objectContaining({ code: 400 }));
  });
});

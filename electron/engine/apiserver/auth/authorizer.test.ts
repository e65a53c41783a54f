import { describe, expect, it } from 'vitest';
import {
  type RequestAttributes,
  NO_POLICY_REASON,
  authorize,
  forbiddenError,
  forbiddenMessage,
} from './authorizer';
import { selectsNode } from './node-authorizer';
import { makeCache, makePod, users } from './test-fixtures';
import type { UserInfo } from './user';

const cache = makeCache()
  .put(
    'Pod',
    makePod('web')
      .node('n1')
      .serviceAccount('robot')
      .secretVolume('tls')
      .projectedSecret('projected')
      .configMapVolume('settings')
      .envSecret('db-password')
      .envFromConfigMap('env-config')
      .pullSecret('registry')
      .initEnvSecret('init-secret')
      .claim('data')
      .ephemeralVolume('scratch')
      .obj(),
  )
  .put('Pod', makePod('other').node('n2').secretVolume('n2-only').obj())
  .put('Pod', makePod('elsewhere').ns('team').node('n1').secretVolume('team-secret').obj());
const lookup = cache.authorizerLookup;

/** Resource request attributes: r(user, 'get', 'pods', { namespace: 'default', name: 'web' }) */
function r(
  user: UserInfo,
  verb: string,
  resource: string,
  more: Partial<RequestAttributes> = {},
): RequestAttributes {
  const [res = '', sub = ''] = resource.split('/');
  return {
    user,
    verb,
    apiGroup: '',
    resource: res,
    subresource: sub,
    namespace: '',
    name: '',
    resourceRequest: true,
    path: '',
    ...more,
  };
}
const path = (user: UserInfo, p: string, verb = 'get'): RequestAttributes => ({
  ...r(user, verb, ''),
  resourceRequest: false,
  path: p,
});

const n1 = users.node('n1');
const inDefault = (name = '') => ({ namespace: 'default', name });

describe('authorize', () => {
  it.each<[string, RequestAttributes, boolean, string?]>([
    // system:masters
    ['admin deletes namespaces', r(users.admin, 'delete', 'namespaces', { name: 'x' }), true],
    ['admin reads any path', path(users.admin, '/metrics'), true],
    // every authenticated user
    [
      'a service account reads discovery',
      path(users.serviceAccount('default', 'robot'), '/apis/apps/v1'),
      true,
    ],
    ['a service account reads /version', path(users.serviceAccount('default', 'robot'), '/version'), true],
    ['a service account reads OpenAPI', path(users.serviceAccount('default', 'robot'), '/openapi/v3'), true],
    [
      'discovery is GET only',
      path(users.serviceAccount('default', 'robot'), '/api', 'post'),
      false,
      NO_POLICY_REASON,
    ],
    [
      '/metrics is not discovery',
      path(users.serviceAccount('default', 'robot'), '/metrics'),
      false,
      NO_POLICY_REASON,
    ],
    ['/apisx is not /apis/*', path(users.bootstrap, '/apisx'), false, NO_POLICY_REASON],
    [
      'anyone may ask who they are',
      r(users.bootstrap, 'create', 'selfsubjectreviews', { apiGroup: 'authentication.k8s.io' }),
      true,
    ],
    [
      'anyone may ask what they may do',
      r(users.serviceAccount('a', 'b'), 'create', 'selfsubjectaccessreviews', {
        apiGroup: 'authorization.k8s.io',
      }),
      true,
    ],
    ['an unauthenticated user gets nothing', path({ name: 'system:anonymous', groups: [] }, '/api'), false],
    // service accounts: no RBAC yet
    [
      'a service account may not list pods',
      r(users.serviceAccount('default', 'robot'), 'list', 'pods', inDefault()),
      false,
      NO_POLICY_REASON,
    ],
    // bootstrappers
    ...(['create', 'get', 'list', 'watch'] as const).map((verb): [string, RequestAttributes, boolean] => [
      `a bootstrapper may ${verb} CSRs`,
      r(users.bootstrap, verb, 'certificatesigningrequests', { apiGroup: 'certificates.k8s.io' }),
      true,
    ]),
    [
      'a bootstrapper may not approve CSRs',
      r(users.bootstrap, 'update', 'certificatesigningrequests/approval', {
        apiGroup: 'certificates.k8s.io',
      }),
      false,
    ],
    ['a bootstrapper may not list nodes', r(users.bootstrap, 'list', 'nodes'), false, NO_POLICY_REASON],
  ])('%s', (_what, attrs, allowed, reason) => {
    const d = authorize(attrs, lookup);
    expect(d.allowed).toBe(allowed);
    if (reason !== undefined) expect(d.reason).toBe(reason);
  });
});

describe('authorize: the node authorizer', () => {
  const none = "no relationship found between node 'n1' and this object";
  it.each<[string, RequestAttributes, boolean, string?]>([
    // its own Node and the others
    ['creates itself', r(n1, 'create', 'nodes'), true],
    ['updates its status', r(n1, 'patch', 'nodes/status', { name: 'n1' }), true],
    ['reads every Node (route programming)', r(n1, 'list', 'nodes'), true],
    ['may not delete Nodes', r(n1, 'delete', 'nodes', { name: 'n1' }), false, ''],
    // pods
    ['lists its pods by spec.nodeName', r(n1, 'list', 'pods', { fieldSelector: 'spec.nodeName=n1' }), true],
    [
      'watches its pods (== form)',
      r(n1, 'watch', 'pods', { fieldSelector: 'status.phase!=Failed,spec.nodeName==n1' }),
      true,
    ],
    [
      'may not list all pods',
      r(n1, 'list', 'pods'),
      false,
      'can only list/watch pods with spec.nodeName field selector',
    ],
    [
      "may not list another node's pods",
      r(n1, 'list', 'pods', { fieldSelector: 'spec.nodeName=n2' }),
      false,
      'can only list/watch pods with spec.nodeName field selector',
    ],
    ['gets a pod bound to it', r(n1, 'get', 'pods', inDefault('web')), true],
    ['may not get a pod bound elsewhere', r(n1, 'get', 'pods', inDefault('other')), false, none],
    ['updates pod status', r(n1, 'update', 'pods/status', inDefault('web')), true],
    ['creates mirror pods', r(n1, 'create', 'pods', inDefault()), true],
    ['evicts pods', r(n1, 'create', 'pods/eviction', inDefault('web')), true],
    ['may not exec into pods', r(n1, 'create', 'pods/exec', inDefault('web')), false, ''],
    // secrets and configmaps referenced by its pods
    ...['tls', 'projected', 'db-password', 'registry', 'init-secret'].map(
      (name): [string, RequestAttributes, boolean] => [
        `gets secret ${name} its pod uses`,
        r(n1, 'get', 'secrets', inDefault(name)),
        true,
      ],
    ),
    ['watches a single secret its pod uses', r(n1, 'watch', 'secrets', inDefault('tls')), true],
    ...['settings', 'env-config'].map((name): [string, RequestAttributes, boolean] => [
      `gets configmap ${name} its pod uses`,
      r(n1, 'get', 'configmaps', inDefault(name)),
      true,
    ]),
    ["may not get another node's secret", r(n1, 'get', 'secrets', inDefault('n2-only')), false, none],
    [
      'may not get a secret of the same name in another namespace',
      r(n1, 'get', 'secrets', { namespace: 'team', name: 'tls' }),
      false,
      none,
    ],
    [
      'gets a secret in another namespace its pod there uses',
      r(n1, 'get', 'secrets', { namespace: 'team', name: 'team-secret' }),
      true,
    ],
    ['may not list secrets', r(n1, 'list', 'secrets', inDefault()), false, 'No Object name found'],
    [
      'may not write secrets',
      r(n1, 'update', 'secrets', inDefault('tls')),
      false,
      'can only read resources of this type',
    ],
    [
      'may not read cluster-wide secrets',
      r(n1, 'list', 'secrets'),
      false,
      'can only read namespaced object of this type',
    ],
    // PVCs
    ['gets a claim its pod uses', r(n1, 'get', 'persistentvolumeclaims', inDefault('data')), true],
    [
      'gets the claim of an ephemeral volume',
      r(n1, 'get', 'persistentvolumeclaims', inDefault('web-scratch')),
      true,
    ],
    [
      'updates status of a claim its pod uses',
      r(n1, 'patch', 'persistentvolumeclaims/status', inDefault('data')),
      true,
    ],
    [
      'may not list claims',
      r(n1, 'list', 'persistentvolumeclaims', inDefault()),
      false,
      'can only get individual resources of this type',
    ],
    // service account tokens
    [
      'creates a token for the account its pod runs as',
      r(n1, 'create', 'serviceaccounts/token', inDefault('robot')),
      true,
    ],
    [
      'may not create a token for another account',
      r(n1, 'create', 'serviceaccounts/token', inDefault('default')),
      false,
      none,
    ],
    [
      'may not read service accounts',
      r(n1, 'get', 'serviceaccounts', inDefault('robot')),
      false,
      'can only create tokens for individual service accounts',
    ],
    // leases
    [
      'renews its lease',
      r(n1, 'update', 'leases', {
        apiGroup: 'coordination.k8s.io',
        namespace: 'kube-node-lease',
        name: 'n1',
      }),
      true,
    ],
    [
      'creates its lease',
      r(n1, 'create', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }),
      true,
    ],
    [
      "may not touch another node's lease",
      r(n1, 'update', 'leases', {
        apiGroup: 'coordination.k8s.io',
        namespace: 'kube-node-lease',
        name: 'n2',
      }),
      false,
      'can only access node lease with the same name as the requesting node',
    ],
    [
      'may not use leases elsewhere',
      r(n1, 'get', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'n1' }),
      false,
      'can only access leases in the "kube-node-lease" system namespace',
    ],
    [
      'may not list leases',
      r(n1, 'list', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }),
      false,
      'can only get, create, update, patch, or delete a node lease',
    ],
    // static rules
    ['watches services', r(n1, 'watch', 'services'), true],
    [
      'watches endpoint slices (kube-proxy)',
      r(n1, 'watch', 'endpointslices', { apiGroup: 'discovery.k8s.io' }),
      true,
    ],
    ['creates events', r(n1, 'create', 'events', inDefault()), true],
    [
      'creates events.k8s.io events',
      r(n1, 'create', 'events', { apiGroup: 'events.k8s.io', namespace: 'default' }),
      true,
    ],
    [
      'creates CSRs (certificate rotation)',
      r(n1, 'create', 'certificatesigningrequests', { apiGroup: 'certificates.k8s.io' }),
      true,
    ],
    [
      'creates token reviews (kubelet API authn)',
      r(n1, 'create', 'tokenreviews', { apiGroup: 'authentication.k8s.io' }),
      true,
    ],
    ['may not create services', r(n1, 'create', 'services', inDefault()), false, ''],
    ['may not list namespaces', r(n1, 'list', 'namespaces'), false, ''],
    [
      'may not get persistent volumes (unsupported edge)',
      r(n1, 'get', 'persistentvolumes', { name: 'pv' }),
      false,
      none,
    ],
    [
      'a node user without a name gets nothing',
      r(users.node(''), 'get', 'nodes'),
      false,
      'unknown node for user "system:node:"',
    ],
    [
      'system:node:n1 outside system:nodes is no node',
      r({ name: 'system:node:n1', groups: ['system:authenticated'] }, 'get', 'nodes', { name: 'n1' }),
      false,
      NO_POLICY_REASON,
    ],
  ])('node n1 %s', (_what, attrs, allowed, reason) => {
    const d = authorize(attrs, lookup);
    expect(d.allowed).toBe(allowed);
    if (reason !== undefined) expect(d.reason).toBe(reason);
  });

  it.each([
    ['spec.nodeName=n1', true],
    ['spec.nodeName==n1', true],
    ['metadata.namespace=x,spec.nodeName=n1', true],
    ['spec.nodeName!=n1', false],
    ['spec.nodeName=n10', false],
    ['spec.nodeNameX=n1', false],
    ['', false],
  ])('selectsNode(%j, n1) = %s', (selector, expected) => {
    expect(selectsNode(selector, 'n1')).toBe(expected);
  });
});

describe('forbiddenMessage', () => {
  const sa = users.serviceAccount('default', 'robot');
  it.each<[string, RequestAttributes, string, string]>([
    [
      'a namespaced list',
      r(n1, 'list', 'pods', inDefault()),
      '',
      'pods is forbidden: User "system:node:n1" cannot list resource "pods" in API group "" in the namespace "default"',
    ],
    [
      'a named object at the cluster scope',
      r(sa, 'get', 'nodes', { name: 'n2' }),
      '',
      'nodes "n2" is forbidden: User "system:serviceaccount:default:robot" cannot get resource "nodes" in API group "" at the cluster scope',
    ],
    [
      'a subresource',
      r(sa, 'get', 'pods/log', inDefault('x')),
      '',
      'pods "x" is forbidden: User "system:serviceaccount:default:robot" cannot get resource "pods/log" in API group "" in the namespace "default"',
    ],
    [
      'a resource in a named group',
      r(sa, 'create', 'deployments', { apiGroup: 'apps', namespace: 'web' }),
      '',
      'deployments.apps is forbidden: User "system:serviceaccount:default:robot" cannot create resource "deployments" in API group "apps" in the namespace "web"',
    ],
    [
      'a denial with a reason',
      r(n1, 'get', 'secrets', inDefault('n2-only')),
      "no relationship found between node 'n1' and this object",
      'secrets "n2-only" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object',
    ],
    [
      'a non-resource path',
      path(sa, '/foo'),
      '',
      'forbidden: User "system:serviceaccount:default:robot" cannot get path "/foo"',
    ],
    [
      'HTML in a path',
      path(sa, '/<script>'),
      '',
      'forbidden: User "system:serviceaccount:default:robot" cannot get path "/&lt;script&gt;"',
    ],
  ])('words %s like kube-apiserver', (_what, attrs, reason, message) => {
    expect(forbiddenMessage(attrs, reason)).toBe(message);
  });

  it('builds the 403 Status with details naming the resource', () => {
    const err = forbiddenError(
      r(sa, 'get', 'deployments', { apiGroup: 'apps', namespace: 'web', name: 'api' }),
    );
    expect(err.status()).toMatchObject({
      kind: 'Status',
      code: 403,
      reason: 'Forbidden',
      details: { name: 'api', group: 'apps', kind: 'deployments' },
    });
  });
});

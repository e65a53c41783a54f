import { describe, expect, it } from 'vitest';
import { requestInfo } from './request-info';

const info = (method: string, path: string) => requestInfo(method, new URL(path, 'https://apiserver'));

/**
 * The cases of kube-apiserver's RequestInfoFactory: method + path (+ query) →
 * verb, prefix, group, version, namespace, resource, subresource, name.
 */
describe('requestInfo: resource requests', () => {
  it.each([
    // method, path, verb, prefix, group, version, namespace, resource, subresource, name
    ['GET', '/api/v1/namespaces', 'list', 'api', '', 'v1', '', 'namespaces', '', ''],
    ['GET', '/api/v1/namespaces/other', 'get', 'api', '', 'v1', 'other', 'namespaces', '', 'other'],
    ['GET', '/api/v1/namespaces/other/pods', 'list', 'api', '', 'v1', 'other', 'pods', '', ''],
    ['GET', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo'],
    ['HEAD', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo'],
    ['GET', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', ''],
    ['HEAD', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', ''],
    // special verbs
    ['GET', '/api/v1/proxy/namespaces/other/pods/foo', 'proxy', 'api', '', 'v1', 'other', 'pods', '', 'foo'],
    [
      'GET',
      '/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource',
      'proxy',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      'foo',
    ],
    ['GET', '/api/v1/watch/pods', 'watch', 'api', '', 'v1', '', 'pods', '', ''],
    ['GET', '/api/v1/pods?watch=true', 'watch', 'api', '', 'v1', '', 'pods', '', ''],
    ['GET', '/api/v1/pods?watch=false', 'list', 'api', '', 'v1', '', 'pods', '', ''],
    ['GET', '/api/v1/watch/namespaces/other/pods', 'watch', 'api', '', 'v1', 'other', 'pods', '', ''],
    ['GET', '/api/v1/namespaces/other/pods?watch=1', 'watch', 'api', '', 'v1', 'other', 'pods', '', ''],
    ['GET', '/api/v1/namespaces/other/pods?watch=True', 'watch', 'api', '', 'v1', 'other', 'pods', '', ''],
    ['GET', '/api/v1/namespaces/other/pods?watch=0', 'list', 'api', '', 'v1', 'other', 'pods', '', ''],
    ['GET', '/api/v1/watch/namespaces/other/pods/foo', 'watch', 'api', '', 'v1', 'other', 'pods', '', 'foo'],
    // ?watch on a named GET is still a get (Kubernetes only turns name-less GETs into list/watch)
    [
      'GET',
      '/api/v1/namespaces/other/pods/foo?watch=true',
      'get',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      'foo',
    ],
    // subresource identification
    [
      'GET',
      '/api/v1/namespaces/other/pods/foo/status',
      'get',
      'api',
      '',
      'v1',
      'other',
      'pods',
      'status',
      'foo',
    ],
    [
      'GET',
      '/api/v1/namespaces/other/pods/foo/proxy/subpath',
      'get',
      'api',
      '',
      'v1',
      'other',
      'pods',
      'proxy',
      'foo',
    ],
    ['GET', '/api/v1/namespaces/other/pods/foo/log', 'get', 'api', '', 'v1', 'other', 'pods', 'log', 'foo'],
    [
      'POST',
      '/api/v1/namespaces/other/pods/foo/exec',
      'create',
      'api',
      '',
      'v1',
      'other',
      'pods',
      'exec',
      'foo',
    ],
    [
      'PUT',
      '/api/v1/namespaces/other/finalize',
      'update',
      'api',
      '',
      'v1',
      'other',
      'namespaces',
      'finalize',
      'other',
    ],
    [
      'PUT',
      '/api/v1/namespaces/other/status',
      'update',
      'api',
      '',
      'v1',
      'other',
      'namespaces',
      'status',
      'other',
    ],
    // verb identification
    ['PATCH', '/api/v1/namespaces/other/pods/foo', 'patch', 'api', '', 'v1', 'other', 'pods', '', 'foo'],
    ['DELETE', '/api/v1/namespaces/other/pods/foo', 'delete', 'api', '', 'v1', 'other', 'pods', '', 'foo'],
    ['POST', '/api/v1/namespaces/other/pods', 'create', 'api', '', 'v1', 'other', 'pods', '', ''],
    ['PUT', '/api/v1/nodes/n1', 'update', 'api', '', 'v1', '', 'nodes', '', 'n1'],
    // deletecollection verb identification
    ['DELETE', '/api/v1/nodes', 'deletecollection', 'api', '', 'v1', '', 'nodes', '', ''],
    ['DELETE', '/api/v1/namespaces', 'deletecollection', 'api', '', 'v1', '', 'namespaces', '', ''],
    ['DELETE', '/api/v1/namespaces/other/pods', 'deletecollection', 'api', '', 'v1', 'other', 'pods', '', ''],
    [
      'DELETE',
      '/apis/extensions/v1/namespaces/other/pods',
      'deletecollection',
      'apis',
      'extensions',
      'v1',
      'other',
      'pods',
      '',
      '',
    ],
    // api group and version identification
    [
      'POST',
      '/apis/extensions/v1/namespaces/other/pods',
      'create',
      'apis',
      'extensions',
      'v1',
      'other',
      'pods',
      '',
      '',
    ],
    [
      'POST',
      '/apis/extensions/v1beta3/namespaces/other/pods',
      'create',
      'apis',
      'extensions',
      'v1beta3',
      'other',
      'pods',
      '',
      '',
    ],
    [
      'GET',
      '/apis/apps/v1/watch/namespaces/ns/deployments/web',
      'watch',
      'apis',
      'apps',
      'v1',
      'ns',
      'deployments',
      '',
      'web',
    ],
    [
      'PUT',
      '/apis/apps/v1/namespaces/ns/deployments/web/scale',
      'update',
      'apis',
      'apps',
      'v1',
      'ns',
      'deployments',
      'scale',
      'web',
    ],
    [
      'GET',
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1',
      'get',
      'apis',
      'coordination.k8s.io',
      'v1',
      'kube-node-lease',
      'leases',
      '',
      'n1',
    ],
    // escaped path segments
    [
      'GET',
      '/api/v1/namespaces/other/configmaps/a%3Ab',
      'get',
      'api',
      '',
      'v1',
      'other',
      'configmaps',
      '',
      'a:b',
    ],
  ])('%s %s → %s', (method, path, verb, prefix, group, version, namespace, resource, subresource, name) => {
    expect(info(method, path)).toMatchObject({
      isResourceRequest: true,
      verb,
      apiPrefix: prefix,
      apiGroup: group,
      apiVersion: version,
      namespace,
      resource,
      subresource,
      name,
    });
  });
});

describe('requestInfo: everything else is a non-resource request', () => {
  it.each([
    ['GET', '/api', 'get'],
    ['GET', '/api/v1', 'get'],
    ['GET', '/apis', 'get'],
    ['GET', '/apis/apps', 'get'],
    ['GET', '/apis/apps/v1', 'get'],
    ['GET', '/openapi/v3/apis/apps/v1', 'get'],
    ['GET', '/healthz', 'get'],
    ['POST', '/logs', 'post'],
    ['GET', '/', 'get'],
  ])('%s %s', (method, path, verb) => {
    const r = info(method, path);
    expect(r.isResourceRequest).toBe(false);
    expect(r.verb).toBe(verb);
    expect(r.path).toBe(path);
  });
});

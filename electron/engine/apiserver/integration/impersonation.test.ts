import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, startTestCluster } from '../testing/cluster';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster();
});
afterAll(async () => {
  await c?.stop();
});

describe('impersonation (kubectl --as / --as-group)', () => {
  it('runs an admin request as the impersonated user, with its groups', async () => {
    const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
    const r = await c.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', review, {
      'impersonate-user': 'bob',
      'impersonate-group': 'team-a',
    });
    expect(r.status).toBe(201);
    expect(r.json.status.userInfo).toEqual({ username: 'bob', groups: ['team-a', 'system:authenticated'] });
  });

  it('authorizes the impersonated user, not the caller', async () => {
    const denied = await c.request('GET', '/api/v1/namespaces', undefined, { 'impersonate-user': 'bob' });
    expect(denied.status).toBe(403);
    expect(denied.json.message).toMatch(
      /^namespaces is forbidden: User "bob" cannot list resource "namespaces"/,
    );
    const allowed = await c.request('GET', '/api/v1/namespaces', undefined, {
      'impersonate-user': 'bob',
      'impersonate-group': 'system:masters',
    });
    expect(allowed.status).toBe(200);
  });

  it('refuses groups without a user', async () => {
    const r = await c.request('GET', '/api/v1/namespaces', undefined, {
      'impersonate-group': 'system:masters',
    });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('requested impersonation of groups without impersonating a user');
  });
});

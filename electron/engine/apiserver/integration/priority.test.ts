/**
 * PriorityClasses and the Priority admission step through real kubectl: the system classes
 * exist from the start, a pod's class becomes its spec.priority, the global default applies to
 * pods without a class, and a missing class or a contradicting priority is refused as
 * kube-apiserver refuses it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/cluster';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllers: false });
});
afterAll(async () => {
  await cluster?.stop();
});

const pod = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

describe('priority classes', () => {
  it('has the two system classes, printed by kubectl get pc', async () => {
    const out = await cluster.kubectl(['get', 'priorityclasses']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/m);
    expect(out.stdout).toMatch(
      /^system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority$/m,
    );
    expect(out.stdout).toMatch(/^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/m);
  });

  it('resolves a pod class to spec.priority and preemptionPolicy', async () => {
    expect(
      (
        await cluster.kubectl([
          'create',
          'priorityclass',
          'high',
          '--value=1000',
          '--preemption-policy=Never',
        ])
      ).code,
    ).toBe(0);
    const res = await cluster.request(
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('p-high', { priorityClassName: 'high' }),
    );
    expect(res.status).toBe(201);
    expect(res.json.spec).toMatchObject({
      priority: 1000,
      preemptionPolicy: 'Never',
      priorityClassName: 'high',
    });
    const critical = await cluster.request(
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('p-crit', { priorityClassName: 'system-cluster-critical' }),
    );
    expect(critical.json.spec.priority).toBe(2000000000);
  });

  it('applies the global default to pods without a class, and 0 without one', async () => {
    const none = await cluster.request('POST', '/api/v1/namespaces/default/pods', pod('p-none'));
    expect(none.json.spec).toMatchObject({ priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
    expect(
      (await cluster.kubectl(['create', 'priorityclass', 'normal', '--value=10', '--global-default'])).code,
    ).toBe(0);
    const dflt = await cluster.request('POST', '/api/v1/namespaces/default/pods', pod('p-default'));
    expect(dflt.json.spec).toMatchObject({ priority: 10, priorityClassName: 'normal' });
  });

  it('refuses a missing class, a contradicting priority, and reserved values', async () => {
    const missing = await cluster.request(
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('p-x', { priorityClassName: 'nope' }),
    );
    expect(missing.status).toBe(403);
    expect(missing.json.message).toBe('pods "p-x" is forbidden: no PriorityClass with name nope was found');
    const contradicting = await cluster.request(
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('p-y', { priorityClassName: 'high', priority: 5 }),
    );
    expect(contradicting.status).toBe(403);
    expect(contradicting.json.message).toMatch(
      /the integer value of priority \(5\) must not be provided in pod spec; priority admission controller computed 1000/,
    );
    const reserved = await cluster.kubectl(['create', 'priorityclass', 'huge', '--value=2000000000']);
    expect(reserved.code).not.toBe(0);
    expect(reserved.stderr).toMatch(/maximum allowed value of a user defined priority is 1000000000/);
    const system = await cluster.kubectl(['create', 'priorityclass', 'system-mine', '--value=1']);
    expect(system.stderr).toMatch(/'system-' prefix are reserved/);
    const changed = await cluster.kubectl(['patch', 'pc', 'high', '-p', '{"value":7}']);
    expect(changed.stderr).toMatch(/value: Invalid value: 7: field is immutable/);
  });
});

import { describe, expect, it } from 'vitest';
import { deployments } from './apps/deployments';
import { jobs } from './batch/jobs';
import { cronjobs } from './batch/cronjobs';
import { configmaps } from './core/configmaps';
import { events } from './core/events';
import { namespaces } from './core/namespaces';
import { nodes } from './core/nodes';
import { secrets } from './core/secrets';
import { services } from './core/services';
import { eventsV1, fromCoreEvent, toCoreEvent } from './events';
import { T0, at, messages } from './testing';
import type { KubeObject, ResourceDefinition } from './types';

const NOW = T0 + 90_000;
const meta = { name: 'web', namespace: 'default', uid: 'uid-1', creationTimestamp: at(0) };
const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] },
};

/** Defaults then validation, as the API server runs them on a create or update. */
function admit(def: ResourceDefinition, obj: KubeObject, old?: KubeObject): string[] {
  def.defaults?.(obj);
  return messages(def.validate?.(obj, old) ?? []);
}

describe('deployments', () => {
  it('defaults like apps/v1 SetDefaults_Deployment and prints its row', () => {
    const d: KubeObject = {
      metadata: { ...meta },
      spec: { selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) },
    };
    expect(admit(deployments, d)).toEqual([]);
    expect(d['spec']).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler' },
      },
    });
    (d as { status?: unknown }).status = { readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 };
    expect(deployments.row?.(d, NOW)).toEqual(['1/1', 1, 1, '90s', 'c', 'nginx:1.25', 'app=web']);
  });

  it.each([
    ['no selector', (s: Record<string, unknown>) => delete s['selector'], ['spec.selector: Required value']],
    [
      'selector not matching',
      (s: Record<string, unknown>) => (s['selector'] = { matchLabels: { app: 'other' } }),
      [
        'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
      ],
    ],
    [
      'negative replicas',
      (s: Record<string, unknown>) => (s['replicas'] = -1),
      ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ],
  ])('rejects %s', (_name, mutate, want) => {
    const spec: Record<string, unknown> = {
      selector: { matchLabels: { app: 'web' } },
      template: structuredClone(template),
    };
    mutate(spec);
    expect(admit(deployments, { metadata: { ...meta }, spec })).toEqual(want);
  });

  it('keeps the selector immutable', () => {
    const old: KubeObject = {
      metadata: { ...meta },
      spec: { selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) },
    };
    deployments.defaults?.(old);
    const next = structuredClone(old);
    (next['spec'] as { selector: unknown }).selector = { matchLabels: { app: 'web', tier: 'x' } };
    expect(admit(deployments, next, old)).toContain(
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable',
    );
  });
});

describe('jobs', () => {
  it('generates the selector and tracking labels from the uid', () => {
    const job: KubeObject = {
      metadata: { ...meta },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    expect(admit(jobs, job)).toEqual([]);
    expect(job['spec']).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } },
      template: {
        metadata: {
          labels: {
            'batch.kubernetes.io/controller-uid': 'uid-1',
            'batch.kubernetes.io/job-name': 'web',
            'controller-uid': 'uid-1',
            'job-name': 'web',
          },
        },
      },
    });
    expect(job.metadata?.labels?.['job-name']).toBe('web');
  });

  it('refuses the pod default restartPolicy Always', () => {
    const job: KubeObject = {
      metadata: { ...meta },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    expect(admit(jobs, job)).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ]);
  });

  it('prints status, completions and duration', () => {
    const job: KubeObject = {
      metadata: { ...meta },
      spec: {
        completions: 1,
        template: structuredClone(template),
        selector: { matchLabels: { app: 'web' } },
      },
      status: {
        succeeded: 1,
        startTime: at(10),
        completionTime: at(25),
        conditions: [{ type: 'Complete', status: 'True' }],
      },
    };
    expect(jobs.row?.(job, NOW).slice(0, 4)).toEqual(['Complete', '1/1', '15s', '90s']);
  });
});

describe('cronjobs', () => {
  it.each([
    ['*/5 * * * *', []],
    ['@hourly', []],
    ['* * *', ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]']],
  ])('schedule %s', (schedule, want) => {
    const cj: KubeObject = {
      metadata: { ...meta },
      spec: {
        schedule,
        jobTemplate: {
          spec: {
            template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'x' }] } },
          },
        },
      },
    };
    expect(admit(cronjobs, cj)).toEqual(want);
    expect(cronjobs.row?.(cj, NOW).slice(0, 5)).toEqual([schedule, '<none>', 'False', 0, '<none>']);
  });
});

describe('services', () => {
  it('defaults ports and policies and prints the row', () => {
    const svc: KubeObject = {
      metadata: { ...meta },
      spec: {
        selector: { app: 'web' },
        clusterIP: '10.43.0.10',
        type: 'NodePort',
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 443, nodePort: 30443 },
        ],
      },
    };
    expect(admit(services, svc)).toEqual([]);
    expect(svc['spec']).toMatchObject({
      sessionAffinity: 'None',
      ports: [
        { port: 80, protocol: 'TCP', targetPort: 80 },
        { port: 443, protocol: 'TCP', targetPort: 443 },
      ],
      clusterIPs: ['10.43.0.10'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      externalTrafficPolicy: 'Cluster',
    });
    expect(services.row?.(svc, NOW)).toEqual([
      'NodePort',
      '10.43.0.10',
      '<none>',
      '80/TCP,443:30443/TCP',
      '90s',
      'app=web',
    ]);
  });

  it.each([
    ['Web', [expect.stringMatching(/^metadata\.name: Invalid value: "Web": a DNS-1035 label must consist/)]],
    ['1web', [expect.stringMatching(/^metadata\.name: Invalid value: "1web": a DNS-1035 label/)]],
  ])('names must be DNS-1035 labels: %s', (name, want) => {
    expect(admit(services, { metadata: { ...meta, name }, spec: { ports: [{ port: 80 }] } })).toEqual(want);
  });

  it('requires ports and keeps the cluster IP', () => {
    expect(admit(services, { metadata: { ...meta }, spec: {} })).toEqual(['spec.ports: Required value']);
    const old: KubeObject = {
      metadata: { ...meta },
      spec: { clusterIP: '10.43.0.10', ports: [{ port: 80 }] },
    };
    services.defaults?.(old);
    const next = structuredClone(old);
    (next['spec'] as { clusterIPs: string[] }).clusterIPs = ['10.43.0.11'];
    expect(admit(services, next, old)).toEqual([
      'spec.clusterIPs[0]: Invalid value: ["10.43.0.11"]: may not change once set',
    ]);
  });
});

describe('namespaces, nodes, configmaps, secrets', () => {
  it('defaults a namespace and prints it', () => {
    const ns: KubeObject = { metadata: { name: 'team-a', creationTimestamp: at(0) } };
    expect(admit(namespaces, ns)).toEqual([]);
    expect(ns).toMatchObject({
      metadata: { labels: { 'kubernetes.io/metadata.name': 'team-a' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    expect(namespaces.row?.(ns, NOW)).toEqual(['Active', '90s']);
    expect(admit(namespaces, { metadata: { name: 'a.b' } })).toEqual([
      'metadata.name: Invalid value: "a.b": must not contain dots',
    ]);
  });

  it('prints a node', () => {
    const node: KubeObject = {
      metadata: {
        name: 'n1',
        creationTimestamp: at(0),
        labels: { 'node-role.kubernetes.io/control-plane': '' },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
        nodeInfo: {
          kubeletVersion: 'v1.33.0',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          kernelVersion: '6.1.0',
          containerRuntimeVersion: 'containerd://1.7.24',
        },
      },
    };
    expect(nodes.row?.(node, NOW)).toEqual([
      'Ready,SchedulingDisabled',
      'control-plane',
      '90s',
      'v1.33.0',
      '10.0.0.5',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0',
      'containerd://1.7.24',
    ]);
    expect(nodes.row?.({ metadata: { name: 'n2' } }, NOW).slice(0, 2)).toEqual(['Unknown', '<none>']);
  });

  it('keeps immutable configmap data', () => {
    const old: KubeObject = { metadata: { ...meta }, data: { a: '1' }, immutable: true };
    const next: KubeObject = { metadata: { ...meta }, data: { a: '2' }, immutable: true };
    expect(admit(configmaps, next, old)).toEqual([
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
    expect(admit(configmaps, { metadata: { ...meta }, data: { 'a b': '1' } })).toEqual([
      expect.stringMatching(/^data\[a b\]: Invalid value: "a b": a valid config key must consist/),
    ]);
  });

  it('merges stringData, checks typed secrets and prints them', () => {
    const s: KubeObject = { metadata: { ...meta }, stringData: { user: 'admin' } };
    expect(admit(secrets, s)).toEqual([]);
    expect(s).toMatchObject({ type: 'Opaque', data: { user: 'YWRtaW4=' } });
    expect(s['stringData']).toBeUndefined();
    expect(secrets.row?.(s, NOW)).toEqual(['Opaque', 1, '90s']);
    expect(admit(secrets, { metadata: { ...meta }, type: 'kubernetes.io/tls', data: {} })).toEqual([
      'data[tls.key]: Required value',
      'data[tls.crt]: Required value',
    ]);
  });
});

describe('events', () => {
  const core = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.17a', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', fieldPath: 'spec.containers{c}' },
    reason: 'Pulled',
    message: 'Successfully pulled image\n',
    type: 'Normal',
    source: { component: 'kubelet', host: 'n1' },
    firstTimestamp: at(0),
    lastTimestamp: at(30),
    count: 2,
  };

  it('prints core events with NAME last', () => {
    expect(events.columnsIncludeName).toBe(true);
    expect(events.row?.(core, NOW)).toEqual([
      '60s',
      'Normal',
      'Pulled',
      'pod/web',
      'spec.containers{c}',
      'kubelet, n1',
      'Successfully pulled image',
      '90s',
      2,
      'web.17a',
    ]);
  });

  it('converts between core/v1 and events.k8s.io/v1 without loss', () => {
    const v1 = fromCoreEvent(core);
    expect(v1).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      regarding: core.involvedObject,
      note: core.message,
      deprecatedSource: core.source,
      deprecatedCount: 2,
    });
    expect(toCoreEvent(v1)).toEqual(core);
    expect(eventsV1.row?.(v1, NOW)).toEqual(events.row?.(core, NOW));
  });

  it('requires who reported a new-API event', () => {
    expect(admit(eventsV1, { metadata: { ...meta }, eventTime: at(0), type: 'Normal' })).toEqual([
      'reportingController: Required value',
      'reportingInstance: Required value',
      'action: Required value',
      'reason: Required value',
    ]);
  });
});

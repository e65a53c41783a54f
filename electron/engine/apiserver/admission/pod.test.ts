import { describe, expect, it } from 'vitest';
import { makePod, messages, type PodObj } from '../resources/testing';
import { computeQOSClass, defaultPod } from './pod';
import { validatePodSpecUpdate, POD_UPDATE_FORBIDDEN } from './pod-update';
import { defaultPullPolicy, validatePodSpec } from './podspec';

function specOf(p: PodObj): NonNullable<PodObj['spec']> {
  if (!p.spec) throw new Error('fixture has no spec');
  return p.spec;
}

function c0(p: PodObj): NonNullable<PodObj['spec']>['containers'][number] {
  const c = specOf(p).containers[0];
  if (!c) throw new Error('fixture has no container');
  return c;
}

describe('pod defaults', () => {
  it('fills what kube-apiserver fills on create', () => {
    const pod = makePod()
      .container('c', 'busybox', { ports: [{ containerPort: 80 }] })
      .obj();
    defaultPod(pod);
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      securityContext: {},
      enableServiceLinks: true,
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
    });
    expect(pod.spec?.containers[0]).toEqual({
      name: 'c',
      image: 'busybox',
      imagePullPolicy: 'Always',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
    expect(pod.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('is idempotent and keeps a toleration the user already gave', () => {
    const pod = makePod()
      .container('c', 'busybox')
      .with((p) => {
        specOf(p).tolerations = [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }];
      })
      .obj();
    defaultPod(pod);
    const once = structuredClone(pod);
    defaultPod(pod);
    expect(pod).toEqual(once);
    expect(pod.spec?.tolerations?.map((t) => t.key)).toEqual([
      'node.kubernetes.io/not-ready',
      'node.kubernetes.io/unreachable',
    ]);
  });

  it.each([
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['busybox:1.36', 'IfNotPresent'],
    ['localhost:5000/busybox', 'Always'],
    ['localhost:5000/busybox:1', 'IfNotPresent'],
    ['busybox@sha256:abc', 'IfNotPresent'],
  ])('pull policy for %s is %s', (image, want) => {
    expect(defaultPullPolicy(image)).toBe(want);
  });

  it.each([
    ['no resources', {}, 'BestEffort'],
    ['requests only', { requests: { cpu: '100m' } }, 'Burstable'],
    ['limits equal requests', { limits: { cpu: '1', memory: '1Gi' } }, 'Guaranteed'],
    ['cpu only limit', { limits: { cpu: '1' } }, 'Burstable'],
    [
      'requests below limits',
      { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
      'Burstable',
    ],
  ])('QoS %s', (_name, resources, want) => {
    const pod = makePod().container('c', 'busybox', { resources }).obj();
    defaultPod(pod); // copies limits into missing requests first, as SetDefaults_Pod
    expect(computeQOSClass(pod)).toBe(want);
    expect(pod.status?.qosClass).toBe(want);
  });
});

describe('pod spec validation', () => {
  const valid = () => {
    const pod = makePod().container('c', 'busybox').obj();
    defaultPod(pod);
    return pod;
  };

  it.each([
    ['valid', () => {}, []],
    ['no containers', (p) => (specOf(p).containers = []), ['spec.containers: Required value']],
    ['no image', (p) => delete c0(p).image, ['spec.containers[0].image: Required value']],
    [
      'duplicate container',
      (p) => specOf(p).containers.push({ ...c0(p) }),
      ['spec.containers[1].name: Duplicate value: "c"'],
    ],
    [
      'bad restart policy',
      (p) => (specOf(p).restartPolicy = 'Sometimes'),
      [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      ],
    ],
    [
      'port out of range',
      (p) => (c0(p).ports = [{ containerPort: 70000, protocol: 'TCP' }]),
      [
        'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      ],
    ],
    [
      'bad protocol',
      (p) => (c0(p).ports = [{ containerPort: 80, protocol: 'HTTP' }]),
      [
        'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      ],
    ],
    [
      'volume without source',
      (p) => (specOf(p).volumes = [{ name: 'v' }]),
      ['spec.volumes[0]: Required value: must specify a volume type'],
    ],
    [
      'toleration without key',
      (p) => (specOf(p).tolerations ??= []).push({ operator: 'Equal', value: 'x' }),
      [
        'spec.tolerations[2].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      ],
    ],
  ] as [string, (p: ReturnType<typeof valid>) => void, string[]][])('%s', (_name, mutate, want) => {
    const pod = valid();
    mutate(pod);
    expect(messages(validatePodSpec(pod.spec, 'spec'))).toEqual(want);
  });
});

describe('pod spec updates', () => {
  const base = () => {
    const pod = makePod().container('c', 'busybox:1').obj();
    defaultPod(pod);
    return pod;
  };

  it.each([
    ['image change', (p) => (c0(p).image = 'busybox:2'), []],
    ['toleration added', (p) => (specOf(p).tolerations ??= []).push({ key: 'k', operator: 'Exists' }), []],
    ['deadline set', (p) => (specOf(p).activeDeadlineSeconds = 10), []],
    [
      'toleration removed',
      (p) => (specOf(p).tolerations ?? []).pop(),
      ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'],
    ],
    [
      'container added',
      (p) => specOf(p).containers.push({ name: 'd', image: 'x' }),
      ['spec.containers: Forbidden: pod updates may not add or remove containers'],
    ],
  ] as [string, (p: ReturnType<typeof base>) => void, string[]][])('%s', (_name, mutate, want) => {
    const old = base();
    const next = base();
    mutate(next);
    expect(messages(validatePodSpecUpdate(next, old))).toEqual(want);
  });

  it('refuses other changes with Kubernetes message and names the changed fields', () => {
    const old = base();
    const next = base();
    c0(next).ports = [{ containerPort: 81, protocol: 'TCP' }];
    specOf(next).nodeName = 'n1';
    const [err, ...rest] = validatePodSpecUpdate(next, old);
    expect(rest).toEqual([]);
    expect(err?.field).toBe('spec');
    expect(err?.message.startsWith(`Forbidden: ${POD_UPDATE_FORBIDDEN}\n`)).toBe(true);
    expect(err?.message).toContain('spec.containers[0].ports');
    expect(err?.message).toContain('spec.nodeName');
  });
});

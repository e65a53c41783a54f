import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors';
import { PROTOBUF_MAGIC, ProtobufDecodeError, decodeKubernetesProtobuf } from './index';
import { kubernetesRoot } from './schema';

const CORE = 'k8s.io.api.core.v1';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** Encodes `message` (protobufjs object form, proto field names) as `typeName`. */
function encode(typeName: string, message: Record<string, unknown>): Uint8Array {
  const type = kubernetesRoot().lookupType(typeName);
  const problem = type.verify(message);
  if (problem) throw new Error(`test fixture does not match ${typeName}: ${problem}`);
  return type.encode(type.fromObject(message)).finish();
}

/** A Kubernetes protobuf body: the magic, then runtime.Unknown around the object's bytes. */
function body(
  apiVersion: string,
  kind: string,
  raw: Uint8Array,
  extra: Record<string, unknown> = {},
): Uint8Array {
  const envelope = encode('k8s.io.apimachinery.pkg.runtime.Unknown', {
    typeMeta: { apiVersion, kind },
    raw,
    ...extra,
  });
  return Uint8Array.from([...PROTOBUF_MAGIC, ...envelope]);
}

function roundTrip(apiVersion: string, kind: string, pkg: string, message: Record<string, unknown>) {
  return decodeKubernetesProtobuf(body(apiVersion, kind, encode(`${pkg}.${kind}`, message)));
}

/** Appends a raw field (tag + payload) to a message's bytes: what a newer client would add. */
function withField(
  bytes: Uint8Array,
  id: number,
  wire: number,
  write: (w: protobuf.Writer) => void,
): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((id << 3) | wire);
  write(w);
  return Uint8Array.from([...bytes, ...w.finish()]);
}

const T_2024 = 1714557600; // 2024-05-01T10:00:00Z

describe('decodeKubernetesProtobuf: round trips through the same schema', () => {
  const cases: {
    name: string;
    apiVersion: string;
    kind: string;
    pkg: string;
    message: Record<string, unknown>;
    json: Record<string, unknown>;
  }[] = [
    {
      name: 'metadata: times, labels, owner references, managed fields (FieldsV1 is JSON)',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      pkg: CORE,
      message: {
        metadata: {
          name: 'c',
          namespace: 'ns',
          uid: 'u-1',
          generation: 3,
          creationTimestamp: { seconds: T_2024, nanos: 5 },
          deletionTimestamp: {},
          deletionGracePeriodSeconds: 0,
          labels: { app: 'x', empty: '' },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u-2', controller: false },
          ],
          finalizers: ['a/b'],
          managedFields: [
            {
              manager: 'kubectl',
              operation: 'Update',
              time: { seconds: T_2024 },
              fieldsType: 'FieldsV1',
              fieldsV1: { Raw: Buffer.from('{"f:data":{".":{}}}') },
            },
          ],
        },
        data: { a: 'b' },
        binaryData: { bin: Uint8Array.of(0, 1, 2, 255) },
        immutable: false,
      },
      json: {
        metadata: {
          name: 'c',
          namespace: 'ns',
          uid: 'u-1',
          generation: 3,
          creationTimestamp: '2024-05-01T10:00:00Z',
          deletionGracePeriodSeconds: 0,
          labels: { app: 'x', empty: '' },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u-2', controller: false },
          ],
          finalizers: ['a/b'],
          managedFields: [
            {
              manager: 'kubectl',
              operation: 'Update',
              time: '2024-05-01T10:00:00Z',
              fieldsType: 'FieldsV1',
              fieldsV1: { 'f:data': { '.': {} } },
            },
          ],
        },
        data: { a: 'b' },
        binaryData: { bin: 'AAEC/w==' },
        immutable: false,
      },
    },
    {
      name: 'Secret data and stringData',
      apiVersion: 'v1',
      kind: 'Secret',
      pkg: CORE,
      message: {
        metadata: { name: 's' },
        data: { p: Buffer.from('q'), empty: new Uint8Array() },
        stringData: { k: 'v' },
        type: 'Opaque',
      },
      json: {
        metadata: { name: 's' },
        data: { p: 'cQ==', empty: '' },
        stringData: { k: 'v' },
        type: 'Opaque',
      },
    },
    {
      name: 'Pod: inline handlers and volume sources, quantities, int-or-string, pointer zeros',
      apiVersion: 'v1',
      kind: 'Pod',
      pkg: CORE,
      message: {
        metadata: { name: 'p', creationTimestamp: {} },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'busybox',
              command: ['sh', '-c'],
              workingDir: '',
              ports: [{ containerPort: 80, protocol: 'TCP', hostPort: 0 }],
              env: [
                { name: 'A', value: '' },
                {
                  name: 'B',
                  valueFrom: {
                    configMapKeyRef: { localObjectReference: { name: 'cm' }, key: 'k', optional: false },
                  },
                },
                { name: 'C', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              resources: {
                limits: { cpu: { string: '500m' }, memory: { string: '64Mi' } },
                requests: { cpu: { string: '100m' } },
              },
              volumeMounts: [{ name: 'v', mountPath: '/data', readOnly: false }],
              livenessProbe: {
                handler: { httpGet: { path: '/healthz', port: { type: 1, strVal: 'http' } } },
                periodSeconds: 0,
                terminationGracePeriodSeconds: 0,
              },
              readinessProbe: { handler: { tcpSocket: { port: { type: 0, intVal: 8080 } } } },
              lifecycle: { preStop: { exec: { command: ['sleep', '1'] } } },
              securityContext: { runAsUser: 0, privileged: false, capabilities: { drop: ['ALL'] } },
              stdin: false,
            },
          ],
          volumes: [
            { name: 'e', volumeSource: { emptyDir: { sizeLimit: { string: '1Gi' } } } },
            { name: 'h', volumeSource: { hostPath: { path: '/var', type: 'Directory' } } },
            {
              name: 'cm',
              volumeSource: {
                configMap: {
                  localObjectReference: { name: 'cm' },
                  items: [{ key: 'a', path: 'a' }],
                  defaultMode: 420,
                },
              },
            },
            { name: 's', volumeSource: { secret: { secretName: 's', optional: true } } },
            {
              name: 'proj',
              volumeSource: {
                projected: {
                  sources: [
                    { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                    {
                      downwardAPI: {
                        items: [
                          { path: 'ns', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
                        ],
                      },
                    },
                  ],
                },
              },
            },
            { name: 'pvc', volumeSource: { persistentVolumeClaim: { claimName: 'data' } } },
            { name: 'nfs', volumeSource: { nfs: { server: 'n', path: '/x' } } },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 0,
          securityContext: { runAsNonRoot: false, fsGroup: 0 },
          tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 0 }],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
              },
            },
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 1,
                  podAffinityTerm: { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'h' },
                },
              ],
            },
          },
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
          ],
        },
        status: { startTime: { seconds: T_2024 } },
      },
      json: {
        metadata: { name: 'p' },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'busybox',
              command: ['sh', '-c'],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [
                { name: 'A' },
                { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: false } } },
                { name: 'C', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m' } },
              volumeMounts: [{ name: 'v', mountPath: '/data' }],
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'http' },
                terminationGracePeriodSeconds: 0,
              },
              readinessProbe: { tcpSocket: { port: 8080 } },
              lifecycle: { preStop: { exec: { command: ['sleep', '1'] } } },
              securityContext: { runAsUser: 0, privileged: false, capabilities: { drop: ['ALL'] } },
            },
          ],
          volumes: [
            { name: 'e', emptyDir: { sizeLimit: '1Gi' } },
            { name: 'h', hostPath: { path: '/var', type: 'Directory' } },
            { name: 'cm', configMap: { name: 'cm', items: [{ key: 'a', path: 'a' }], defaultMode: 420 } },
            { name: 's', secret: { secretName: 's', optional: true } },
            {
              name: 'proj',
              projected: {
                sources: [
                  { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                  {
                    downwardAPI: {
                      items: [
                        { path: 'ns', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
                      ],
                    },
                  },
                ],
              },
            },
            { name: 'pvc', persistentVolumeClaim: { claimName: 'data' } },
            { name: 'nfs', nfs: { server: 'n', path: '/x' } },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 0,
          securityContext: { runAsNonRoot: false, fsGroup: 0 },
          tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 0 }],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
              },
            },
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 1,
                  podAffinityTerm: { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'h' },
                },
              ],
            },
          },
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
          ],
        },
        status: { startTime: '2024-05-01T10:00:00Z' },
      },
    },
    {
      name: 'Service: ports with a named target port, status',
      apiVersion: 'v1',
      kind: 'Service',
      pkg: CORE,
      message: {
        metadata: { name: 's' },
        spec: {
          ports: [
            { name: 'web', protocol: 'TCP', port: 80, targetPort: { type: 1, strVal: 'http' }, nodePort: 0 },
          ],
          selector: { app: 's' },
          type: 'NodePort',
          clusterIPs: ['10.43.0.10'],
          externalTrafficPolicy: 'Cluster',
          sessionAffinity: 'None',
          ipFamilies: ['IPv4'],
          allocateLoadBalancerNodePorts: false,
        },
        status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
      },
      json: {
        metadata: { name: 's' },
        spec: {
          ports: [{ name: 'web', protocol: 'TCP', port: 80, targetPort: 'http' }],
          selector: { app: 's' },
          type: 'NodePort',
          clusterIPs: ['10.43.0.10'],
          externalTrafficPolicy: 'Cluster',
          sessionAffinity: 'None',
          ipFamilies: ['IPv4'],
          allocateLoadBalancerNodePorts: false,
        },
        status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
      },
    },
    {
      name: 'Deployment: replicas 0, rolling update percentages, conditions',
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      pkg: 'k8s.io.api.apps.v1',
      message: {
        metadata: { name: 'd' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'd' } },
          template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: { type: 1, strVal: '25%' }, maxUnavailable: { type: 0, intVal: 0 } },
          },
          revisionHistoryLimit: 10,
          paused: false,
        },
        status: {
          replicas: 0,
          conditions: [
            {
              type: 'Available',
              status: 'True',
              lastUpdateTime: {},
              lastTransitionTime: { seconds: T_2024 },
            },
          ],
        },
      },
      json: {
        metadata: { name: 'd' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'd' } },
          template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
          revisionHistoryLimit: 10,
        },
        status: {
          conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2024-05-01T10:00:00Z' }],
        },
      },
    },
    {
      name: 'CronJob with its job template',
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      pkg: 'k8s.io.api.batch.v1',
      message: {
        metadata: { name: 'cj' },
        spec: {
          schedule: '*/5 * * * *',
          suspend: false,
          jobTemplate: {
            spec: {
              backoffLimit: 0,
              template: { spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'OnFailure' } },
            },
          },
        },
      },
      json: {
        metadata: { name: 'cj' },
        spec: {
          schedule: '*/5 * * * *',
          suspend: false,
          jobTemplate: {
            spec: {
              backoffLimit: 0,
              template: { spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'OnFailure' } },
            },
          },
        },
      },
    },
    {
      name: 'Eviction with delete options',
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      pkg: 'k8s.io.api.policy.v1',
      message: {
        metadata: { name: 'p', namespace: 'ns' },
        deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u' }, dryRun: ['All'] },
      },
      json: {
        metadata: { name: 'p', namespace: 'ns' },
        deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u' }, dryRun: ['All'] },
      },
    },
    {
      name: 'TokenRequest with a bound object (uID is uid in JSON)',
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      pkg: 'k8s.io.api.authentication.v1',
      message: {
        metadata: {},
        spec: {
          audiences: ['https://kubernetes.default.svc'],
          expirationSeconds: 3600,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uID: 'u' },
        },
        status: { token: '', expirationTimestamp: {} },
      },
      json: {
        metadata: {},
        spec: {
          audiences: ['https://kubernetes.default.svc'],
          expirationSeconds: 3600,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' },
        },
        status: { token: '' },
      },
    },
    {
      name: 'SelfSubjectReview: extra values are string lists',
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      pkg: 'k8s.io.api.authentication.v1',
      message: {
        metadata: {},
        status: { userInfo: { username: 'u', extra: { scopes: { items: ['a', 'b'] } } } },
      },
      json: { metadata: {}, status: { userInfo: { username: 'u', extra: { scopes: ['a', 'b'] } } } },
    },
    {
      name: 'SelfSubjectAccessReview: resource and non-resource attributes',
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      pkg: 'k8s.io.api.authorization.v1',
      message: {
        spec: {
          resourceAttributes: {
            namespace: 'ns',
            verb: 'get',
            group: '',
            resource: 'pods',
            subresource: 'log',
          },
          nonResourceAttributes: { path: '/healthz', verb: 'get' },
        },
      },
      json: {
        spec: {
          resourceAttributes: { namespace: 'ns', verb: 'get', resource: 'pods', subresource: 'log' },
          nonResourceAttributes: { path: '/healthz', verb: 'get' },
        },
      },
    },
    {
      name: 'Scale: status replicas 0 is kept (no omitempty), spec replicas 0 is not',
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      pkg: 'k8s.io.api.autoscaling.v1',
      message: { metadata: { name: 'd' }, spec: { replicas: 0 }, status: { replicas: 0, selector: 'app=d' } },
      json: { metadata: { name: 'd' }, spec: {}, status: { replicas: 0, selector: 'app=d' } },
    },
    {
      name: 'Lease: MicroTime keeps microseconds',
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      pkg: 'k8s.io.api.coordination.v1',
      message: {
        metadata: { name: 'n1' },
        spec: {
          holderIdentity: 'n1',
          renewTime: { seconds: T_2024, nanos: 123456789 },
          leaseDurationSeconds: 40,
        },
      },
      json: {
        metadata: { name: 'n1' },
        spec: { holderIdentity: 'n1', renewTime: '2024-05-01T10:00:00.123456Z', leaseDurationSeconds: 40 },
      },
    },
    {
      name: 'ControllerRevision: RawExtension data is the JSON it carries',
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      pkg: 'k8s.io.api.apps.v1',
      message: {
        metadata: { name: 'r' },
        data: { raw: Buffer.from('{"spec":{"template":{}}}') },
        revision: 2,
      },
      json: { metadata: { name: 'r' }, data: { spec: { template: {} } }, revision: 2 },
    },
  ];

  it.each(cases)('$name', ({ apiVersion, kind, pkg, message, json }) => {
    expect(roundTrip(apiVersion, kind, pkg, message)).toStrictEqual({ apiVersion, kind, ...json });
  });

  it.each(['v1', 'apps/v1', 'meta.k8s.io/v1'])('DeleteOptions under %s', (apiVersion) => {
    const raw = encode(`${META}.DeleteOptions`, { propagationPolicy: 'Foreground', orphanDependents: false });
    expect(decodeKubernetesProtobuf(body(apiVersion, 'DeleteOptions', raw))).toStrictEqual({
      apiVersion,
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
      orphanDependents: false,
    });
  });

  it('accepts packed repeated numbers (proto3-style encoders) as Go accepts them', () => {
    const w = protobuf.Writer.create();
    w.uint32((3 << 3) | 2)
      .fork()
      .int32(1)
      .int32(42)
      .ldelim(); // values (field 3) = [1, 42], packed
    const requirement = Uint8Array.from([
      ...encode('k8s.io.api.batch.v1.PodFailurePolicyOnExitCodesRequirement', { operator: 'In' }),
      ...w.finish(),
    ]);
    const type = kubernetesRoot().lookupType('k8s.io.api.batch.v1.PodFailurePolicyOnExitCodesRequirement');
    expect(type.toObject(type.decode(requirement))).toMatchObject({ values: [1, 42] }); // the test bytes are right
    const rule = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(requirement)
      .finish();
    const policy = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(rule)
      .finish();
    const spec = protobuf.Writer.create()
      .uint32((11 << 3) | 2)
      .bytes(policy)
      .finish();
    const job = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(spec)
      .finish();
    expect(decodeKubernetesProtobuf(body('batch/v1', 'Job', job))).toStrictEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: { podFailurePolicy: { rules: [{ onExitCodes: { operator: 'In', values: [1, 42] } }] } },
    });
  });
});

describe('decodeKubernetesProtobuf: refusals', () => {
  const pod = encode(`${CORE}.Pod`, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } });
  const podSpecWith = (id: number, wire: number, write: (w: protobuf.Writer) => void) =>
    protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(withField(encode(`${CORE}.PodSpec`, { containers: [{ name: 'c' }] }), id, wire, write))
      .finish();

  const cases: { name: string; bytes: Uint8Array; code: number; message: string }[] = [
    {
      name: 'empty body',
      bytes: new Uint8Array(),
      code: 400,
      message: 'malformed protobuf body: the body is empty',
    },
    {
      name: 'JSON instead of protobuf',
      bytes: Buffer.from('{"kind":"Pod"}'),
      code: 400,
      message: 'malformed protobuf body: it does not start with the Kubernetes protobuf prefix "k8s\\x00"',
    },
    {
      name: 'only the prefix',
      bytes: PROTOBUF_MAGIC,
      code: 400,
      message: 'malformed protobuf body: nothing follows the "k8s\\x00" prefix',
    },
    {
      name: 'truncated envelope',
      bytes: body('v1', 'Pod', pod).subarray(0, 12),
      code: 400,
      message: 'malformed protobuf body: the runtime.Unknown envelope cannot be read',
    },
    {
      name: 'truncated object',
      bytes: body('v1', 'Pod', pod.subarray(0, pod.length - 2)),
      code: 400,
      message: 'malformed protobuf body:',
    },
    {
      name: 'a kind Pilothouse does not decode',
      bytes: body('rbac.authorization.k8s.io/v1', 'Role', new Uint8Array()),
      code: 415,
      message:
        'Pilothouse cannot decode rbac.authorization.k8s.io/v1 Role from protobuf; send it as application/json',
    },
    {
      name: 'a message type that is not a kind',
      bytes: body('v1', 'PodSpec', new Uint8Array()),
      code: 415,
      message: 'Pilothouse cannot decode v1 PodSpec from protobuf',
    },
    {
      name: 'an unknown top-level field with a value',
      bytes: body(
        'v1',
        'Pod',
        withField(pod, 34, 2, (w) => w.string('x')),
      ),
      code: 415,
      message:
        'this protobuf body carries fields Pilothouse cannot decode (core/v1 Pod field 34); send it as application/json',
    },
    {
      name: 'an unknown nested field with a value',
      bytes: body(
        'v1',
        'Pod',
        podSpecWith(999, 0, (w) => w.uint32(7)),
      ),
      code: 415,
      message:
        'this protobuf body carries fields Pilothouse cannot decode (core/v1 PodSpec field 999 at spec); send it as application/json',
    },
    {
      name: 'an unknown fixed-width field',
      bytes: body(
        'v1',
        'Pod',
        withField(pod, 40, 5, (w) => w.fixed32(0)),
      ),
      code: 415,
      message: '(core/v1 Pod field 40)',
    },
    {
      name: 'a known field with the wrong wire type',
      bytes: body(
        'v1',
        'Pod',
        withField(new Uint8Array(), 1, 0, (w) => w.uint32(1)),
      ),
      code: 400,
      message: 'malformed protobuf body: core/v1 Pod field 1 (metadata) has wire type 0, expected 2',
    },
    {
      name: 'a compressed envelope',
      bytes: body('v1', 'Pod', pod, { contentEncoding: 'gzip' }),
      code: 415,
      message: 'Pilothouse cannot decode protobuf bodies with content encoding "gzip"',
    },
  ];

  it.each(cases)('$name → $code', ({ bytes, code, message }) => {
    const decode = () => decodeKubernetesProtobuf(bytes);
    expect(decode).toThrow(ProtobufDecodeError);
    expect(decode).toThrow(ApiError);
    expect(decode).toThrow(
      expect.objectContaining({
        code,
        reason: code === 415 ? 'UnsupportedMediaType' : 'BadRequest',
        message: expect.stringContaining(message) as unknown,
      }),
    );
  });

  it('tolerates an unknown field whose value is zero (newer Go clients write empty fields they know)', () => {
    const withEmpty = withField(
      withField(pod, 34, 2, (w) => w.string('')),
      35,
      0,
      (w) => w.uint32(0),
    );
    expect(decodeKubernetesProtobuf(body('v1', 'Pod', withEmpty))).toStrictEqual(
      decodeKubernetesProtobuf(body('v1', 'Pod', pod)),
    );
  });
});

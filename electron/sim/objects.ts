/**
 * The objects a simulated node writes, shaped as a kubelet writes them: its Node (labels,
 * capacity, conditions, nodeInfo), its Lease in kube-node-lease, and the status of each pod it
 * "runs" (phase Running, all conditions True, an IP from the node's podCIDR, containers running
 * with `sim://` IDs). Pure functions of their inputs and the time.
 */
import { createHash } from 'node:crypto';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type {
  ContainerStatus,
  Node,
  NodeCondition,
  Pod,
  PodCondition,
  PodStatus,
} from 'kubernetes-types/core/v1';
import { KUBERNETES_MAJOR, KUBERNETES_MINOR, PILOTHOUSE_VERSION } from '../engine/version';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** kubelet's --node-lease-duration-seconds default. */
export const LEASE_DURATION_SECONDS = 40;
/** Label every simulated node carries (and the simulator's node watch selects on). */
export const SIM_LABEL = 'type';
export const SIM_LABEL_VALUE = 'sim';

export interface NodeShape {
  cpu: string;
  memory: string;
  pods: number;
  ephemeralStorage: string;
  labels: Record<string, string>;
}

/** What the simulated kubelet reports about itself. */
export type NodeHealth = 'ready' | 'notReady';

/** metav1.Time: whole seconds. */
export const metaTime = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');
/** metav1.MicroTime, as Lease.spec.renewTime carries it. */
export const microTime = (d: Date): string => d.toISOString().replace(/Z$/, '000Z');

const hex = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

/**
 * The node's address: a loopback address in 127.64.0.0/10 derived from its name. Nothing answers
 * there, so anything the API server tries against a simulated kubelet (logs, exec) fails fast
 * on this machine instead of reaching another host. Two names may share one; nothing relies on
 * node addresses being unique.
 */
export function simNodeIp(name: string): string {
  const h = createHash('sha256').update(name).digest().readUInt32BE(0);
  const x = h % (1 << 22);
  const b = 64 + (x >>> 16);
  const c = (x >>> 8) & 255;
  const d = Math.min(254, Math.max(1, x & 255));
  return `127.${b}.${c}.${d}`;
}

/** The Node a simulated kubelet registers (status included, as kubelet's registration does). */
export function buildNode(name: string, shape: NodeShape, now: Date): Node {
  const capacity = {
    cpu: shape.cpu,
    memory: shape.memory,
    pods: String(shape.pods),
    'ephemeral-storage': shape.ephemeralStorage,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        [SIM_LABEL]: SIM_LABEL_VALUE,
        ...shape.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {},
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: nodeConditions('ready', now, undefined),
      addresses: [
        { type: 'InternalIP', address: simNodeIp(name) },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hex(`machine/${name}`, 32),
        systemUUID: hex(`system/${name}`, 32),
        bootID: hex(`boot/${name}/${now.getTime()}`, 32),
        kernelVersion: '6.1.0-pilothouse-sim',
        osImage: 'Pilothouse simulated node',
        containerRuntimeVersion: `sim://${PILOTHOUSE_VERSION}`,
        kubeletVersion: `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0-sim`,
        kubeProxyVersion: `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0-sim`,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

const CONDITIONS: [type: string, ok: string, reason: string, message: string][] = [
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
];

/**
 * The kubelet's node conditions at `now`. A condition whose status is unchanged from `previous`
 * (what the API server holds) keeps its lastTransitionTime, as the kubelet's setters do.
 */
export function nodeConditions(
  health: NodeHealth,
  now: Date,
  previous: NodeCondition[] | undefined,
): NodeCondition[] {
  const stamp = metaTime(now);
  const make = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const prev = previous?.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: stamp,
      lastTransitionTime:
        prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : stamp,
    };
  };
  return [
    ...CONDITIONS.map(([type, status, reason, message]) => make(type, status, reason, message)),
    health === 'ready'
      ? make('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : make('Ready', 'False', 'KubeletNotReady', 'container runtime is down'),
  ];
}

/** Whether the API server's conditions already say what `wanted` says (times aside). */
export function conditionsMatch(have: NodeCondition[] | undefined, wanted: NodeCondition[]): boolean {
  return wanted.every((w) => {
    const h = have?.find((c) => c.type === w.type);
    return h?.status === w.status && h.reason === w.reason && h.message === w.message;
  });
}

export function buildLease(node: Node, now: Date): Lease {
  const name = node.metadata?.name ?? '';
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: NODE_LEASE_NAMESPACE,
      // The kubelet makes its Node the Lease's owner, so deleting the Node collects the Lease.
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid ?? '' }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) },
  };
}

/** Whether the pod's status already is what a running simulated pod reports. */
export function isReportedRunning(pod: Pod): boolean {
  const s = pod.status;
  if (s?.phase !== 'Running' || !s.podIP) return false;
  return s.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** The status of a pod whose containers all run (kubelet's generateAPIPodStatus for that state). */
export function runningPodStatus(pod: Pod, hostIP: string, podIP: string, now: Date): PodStatus {
  const stamp = metaTime(now);
  const started = pod.status?.startTime ?? stamp;
  const uid = pod.metadata?.uid ?? '';
  const condition = (type: string): PodCondition => {
    const prev = pod.status?.conditions?.find((c) => c.type === type);
    return {
      type,
      status: 'True',
      lastTransitionTime:
        prev?.status === 'True' && prev.lastTransitionTime ? prev.lastTransitionTime : stamp,
    };
  };
  const container = (c: { name: string; image?: string }, running: boolean): ContainerStatus => ({
    name: c.name,
    image: c.image ?? '',
    imageID: `sim://sha256:${hex(c.image ?? '', 64)}`,
    containerID: `sim://${hex(`${uid}/${c.name}`, 64)}`,
    ready: true,
    started: running,
    restartCount: 0,
    state: running
      ? { running: { startedAt: started } }
      : { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started } },
  });
  const initContainers = pod.spec?.initContainers ?? [];
  return {
    phase: 'Running',
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
      condition,
    ),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: started,
    ...(initContainers.length > 0
      ? { initContainerStatuses: initContainers.map((c) => container(c, c.restartPolicy === 'Always')) }
      : {}),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => container(c, true)),
  };
}

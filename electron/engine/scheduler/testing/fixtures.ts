/**
 * Fixture builders for the scheduler's queue, cache, loop and scenario tests:
 *   makePod('web-1').req({ cpu: '500m' }).priority(10).obj()
 *   makeNode('n1').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).zone('z1').obj()
 * Nodes are Ready with allocatable = capacity unless told otherwise, as a kubelet reports them.
 */
import type { Affinity, Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1';

let uidCounter = 0;

/** kubernetes-types marks server-set fields (uid, status) readonly; builders set them anyway. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };
const w = <T>(o: T): Writable<T> => o as Writable<T>;

export class PodBuilder {
  private readonly pod: Pod;

  constructor(name: string) {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', uid: `uid-${name}-${++uidCounter}`, labels: {} },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] },
      status: { phase: 'Pending' },
    };
  }

  private get spec() {
    return this.pod.spec ?? (this.pod.spec = { containers: [] });
  }

  ns(namespace: string): this {
    if (this.pod.metadata) this.pod.metadata.namespace = namespace;
    return this;
  }

  uid(uid: string): this {
    if (this.pod.metadata) w(this.pod.metadata).uid = uid;
    return this;
  }

  /** Without a uid (for objects sent to the API server). */
  noUid(): this {
    if (this.pod.metadata) delete w(this.pod.metadata).uid;
    return this;
  }

  labels(labels: Record<string, string>): this {
    if (this.pod.metadata) this.pod.metadata.labels = { ...this.pod.metadata.labels, ...labels };
    return this;
  }

  node(nodeName: string): this {
    this.spec.nodeName = nodeName;
    return this;
  }

  /** Requests of the first container. */
  req(requests: Record<string, string>): this {
    const c = this.spec.containers[0];
    if (c) c.resources = { ...c.resources, requests };
    return this;
  }

  priority(p: number): this {
    this.spec.priority = p;
    return this;
  }

  schedulerName(name: string): this {
    this.spec.schedulerName = name;
    return this;
  }

  nodeSelector(sel: Record<string, string>): this {
    this.spec.nodeSelector = sel;
    return this;
  }

  affinity(a: Affinity): this {
    this.spec.affinity = a;
    return this;
  }

  toleration(t: Toleration): this {
    this.spec.tolerations = [...(this.spec.tolerations ?? []), t];
    return this;
  }

  hostPort(port: number): this {
    const c = this.spec.containers[0];
    if (c) c.ports = [...(c.ports ?? []), { containerPort: port, hostPort: port }];
    return this;
  }

  phase(phase: string): this {
    w(this.pod).status = { ...this.pod.status, phase };
    return this;
  }

  startTime(iso: string): this {
    w(this.pod).status = { ...this.pod.status, startTime: iso };
    return this;
  }

  obj(): Pod {
    return structuredClone(this.pod);
  }
}

export class NodeBuilder {
  private readonly node: Node;

  constructor(name: string) {
    this.node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid: `uid-node-${name}-${++uidCounter}`, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: {
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          },
        ],
      },
    };
  }

  /** Capacity and allocatable both. */
  capacity(res: Record<string, string>): this {
    if (this.node.status) {
      this.node.status.capacity = { ...res };
      this.node.status.allocatable = { ...res };
    }
    return this;
  }

  labels(labels: Record<string, string>): this {
    if (this.node.metadata) this.node.metadata.labels = { ...this.node.metadata.labels, ...labels };
    return this;
  }

  zone(zone: string): this {
    return this.labels({ 'topology.kubernetes.io/zone': zone });
  }

  taint(t: Taint): this {
    const spec = this.node.spec ?? (this.node.spec = {});
    spec.taints = [...(spec.taints ?? []), t];
    return this;
  }

  unschedulable(): this {
    const spec = this.node.spec ?? (this.node.spec = {});
    spec.unschedulable = true;
    return this;
  }

  images(images: { names: string[]; sizeBytes: number }[]): this {
    if (this.node.status) this.node.status.images = images;
    return this;
  }

  noUid(): this {
    if (this.node.metadata) delete w(this.node.metadata).uid;
    return this;
  }

  obj(): Node {
    return structuredClone(this.node);
  }
}

export const makePod = (name: string): PodBuilder => new PodBuilder(name);
export const makeNode = (name: string): NodeBuilder => new NodeBuilder(name);

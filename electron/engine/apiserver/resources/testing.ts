/** Fixture builders for resource tests: `makePod('web').container('c', 'busybox').obj()`. */
import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1';
import type { KubeObject } from './types';

export type PodObj = Pod & KubeObject;

export const T0 = Date.parse('2024-05-01T10:00:00Z');
/** An ISO timestamp `seconds` after T0 (negative: before). */
export const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

export class PodBuilder {
  private readonly pod: PodObj;
  constructor(name: string) {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', creationTimestamp: at(0) },
      spec: { containers: [] },
    };
  }
  private get spec() {
    return this.pod.spec ?? { containers: [] };
  }
  private get status() {
    return ((this.pod as { status?: NonNullable<Pod['status']> }).status ??= {});
  }
  container(name: string, image: string, extra: Partial<Container> = {}): this {
    this.spec.containers.push({ name, image, ...extra });
    return this;
  }
  init(name: string, image: string, extra: Partial<Container> = {}): this {
    (this.spec.initContainers ??= []).push({ name, image, ...extra });
    return this;
  }
  node(name: string): this {
    this.spec.nodeName = name;
    return this;
  }
  phase(phase: string): this {
    this.status.phase = phase;
    return this;
  }
  containerStatus(s: Partial<ContainerStatus> & { name: string }): this {
    (this.status.containerStatuses ??= []).push({
      image: '',
      imageID: '',
      ready: false,
      restartCount: 0,
      ...s,
    });
    return this;
  }
  initStatus(s: Partial<ContainerStatus> & { name: string }): this {
    (this.status.initContainerStatuses ??= []).push({
      image: '',
      imageID: '',
      ready: false,
      restartCount: 0,
      ...s,
    });
    return this;
  }
  condition(type: string, status: string): this {
    (this.status.conditions ??= []).push({ type, status });
    return this;
  }
  ip(ip: string): this {
    this.status.podIPs = [{ ip }];
    this.status.podIP = ip;
    return this;
  }
  deleting(): this {
    // Read-only in kubernetes-types (the server sets it); fixtures play the server.
    const meta = (this.pod.metadata ??= {}) as { deletionTimestamp?: string };
    meta.deletionTimestamp = at(50);
    return this;
  }
  with(mutate: (pod: PodObj) => void): this {
    mutate(this.pod);
    return this;
  }
  obj(): PodObj {
    return structuredClone(this.pod);
  }
}

export const makePod = (name = 'web'): PodBuilder => new PodBuilder(name);

/** "<field>: <message>" lines, as kubectl prints field errors. */
export function messages(errs: { field: string; message: string }[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

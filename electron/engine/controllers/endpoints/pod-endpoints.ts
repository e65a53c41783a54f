/**
 * What the Endpoints and EndpointSlice controllers share (pkg/controller/util/endpoint and
 * endpointslice/util): which pods belong to a Service, their address, and how a Service port
 * resolves against a pod's container ports.
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1';
import { selectorMatches } from '../../../kube/selectors';

export type IPFamily = 'IPv4' | 'IPv6';

/** spec.selector as a label selector, or undefined for a Service whose endpoints are user-managed. */
export function serviceSelector(svc: Service): { matchLabels: Record<string, string> } | undefined {
  const sel = svc.spec?.selector;
  // An empty selector is dropped on the wire (omitempty), so it reads as none, as in Kubernetes.
  if (!sel || Object.keys(sel).length === 0) return undefined;
  return { matchLabels: sel };
}

export function serviceSelects(svc: Service, pod: Pod): boolean {
  const sel = serviceSelector(svc);
  return sel !== undefined && selectorMatches(sel, pod.metadata?.labels ?? {});
}

export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/** The Service's IP families: spec.ipFamilies, else from clusterIP, else IPv4. */
export function serviceFamilies(svc: Service): IPFamily[] {
  const fams = (svc.spec?.ipFamilies ?? []).filter((f): f is IPFamily => f === 'IPv4' || f === 'IPv6');
  if (fams.length > 0) return fams;
  const ip = svc.spec?.clusterIP;
  if (ip && ip !== 'None' && ip.includes(':')) return ['IPv6'];
  return ['IPv4'];
}

/** The pod's IP of `family`, if it has one. */
export function podIP(pod: Pod, family: IPFamily): string | undefined {
  const ips = (pod.status?.podIPs ?? []).flatMap((p) => (p.ip ? [p.ip] : []));
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips.find((ip) => ip.includes(':') === (family === 'IPv6'));
}

/**
 * ShouldPodBeInEndpoints: not terminal (Succeeded/Failed), has an IP, and — unless terminating
 * pods are wanted — not being deleted.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!pod.status?.podIP && (pod.status?.podIPs ?? []).length === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/**
 * podutil.FindPort: a numeric targetPort as is; a named one from the containers' ports with
 * that name and the Service port's protocol (restartable init containers too, as sidecars).
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The pod's hostname for DNS, when it is in the Service's subdomain (and namespace). */
export function endpointHostname(pod: Pod, svc: Service): string | undefined {
  const h = pod.spec?.hostname;
  if (!h || pod.spec?.subdomain !== svc.metadata?.name) return undefined;
  return pod.metadata?.namespace === svc.metadata?.namespace ? h : undefined;
}

export function podRef(pod: Pod) {
  return {
    kind: 'Pod',
    namespace: pod.metadata?.namespace,
    name: pod.metadata?.name,
    uid: pod.metadata?.uid,
  };
}

/** podEndpointsChanged: whether an update can change any Service's endpoints. */
export function podEndpointsChanged(a: Pod, b: Pod): boolean {
  const view = (p: Pod) =>
    JSON.stringify([
      p.metadata?.labels,
      p.metadata?.deletionTimestamp,
      p.status?.phase,
      p.status?.podIP,
      p.status?.podIPs,
      p.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      p.spec?.nodeName,
      p.spec?.hostname,
      p.spec?.subdomain,
    ]);
  return view(a) !== view(b);
}

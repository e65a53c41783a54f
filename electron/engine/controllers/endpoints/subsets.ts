/**
 * The Endpoints object a Service should have (endpoints_controller.go syncService): one
 * address per selected pod with an IP of the Service's primary family, ready or not ready,
 * for each Service port the pod resolves; then RepackSubsets — addresses with the same set
 * of ports share one subset — in a stable order so that unchanged input writes nothing.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1';
import { isPodReady } from '../util/pods';
import {
  endpointHostname,
  findPort,
  isHeadless,
  podIP,
  podRef,
  serviceFamilies,
  shouldPodBeInEndpoints,
} from './pod-endpoints';

/** maxCapacity: Endpoints beyond this many addresses are truncated (and annotated). */
export const MAX_ENDPOINTS_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

interface Entry {
  key: string;
  address: EndpointAddress;
  ready: boolean;
  ports: Map<string, EndpointPort>;
}

const portKey = (p: EndpointPort) =>
  `${p.name ?? ''}/${p.protocol ?? 'TCP'}/${p.port}/${p.appProtocol ?? ''}`;

function byIPThenUid(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  return (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
}

export interface DesiredEndpoints {
  subsets: EndpointSubset[];
  truncated: boolean;
}

export function desiredSubsets(svc: Service, pods: Pod[]): DesiredEndpoints {
  const tolerateUnready = svc.spec?.publishNotReadyAddresses ?? false;
  const family = serviceFamilies(svc)[0] ?? 'IPv4';
  const servicePorts = svc.spec?.ports ?? [];
  const entries = new Map<string, Entry>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const ip = podIP(pod, family);
    if (!ip) continue;
    const address: EndpointAddress = { ip, targetRef: podRef(pod) };
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
    const hostname = endpointHostname(pod, svc);
    if (hostname) address.hostname = hostname;
    const key = `${ip}/${pod.metadata?.uid ?? ''}`;
    const entry: Entry = { key, address, ready: tolerateUnready || isPodReady(pod), ports: new Map() };
    if (servicePorts.length === 0) {
      // Only headless services list addresses without ports.
      if (isHeadless(svc)) entries.set(key, entry);
      continue;
    }
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const ep: EndpointPort = { name: sp.name, port, protocol: sp.protocol ?? 'TCP' };
      if (!sp.name) delete ep.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      entry.ports.set(portKey(ep), ep);
    }
    if (entry.ports.size > 0) entries.set(key, entry);
  }
  // Repack: group addresses by their exact set of ports.
  const groups = new Map<
    string,
    { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >();
  for (const e of entries.values()) {
    const keys = [...e.ports.keys()].sort();
    const gk = keys.join('|');
    let g = groups.get(gk);
    if (!g) {
      g = { ports: keys.map((k) => e.ports.get(k) as EndpointPort), ready: [], notReady: [] };
      groups.set(gk, g);
    }
    (e.ready ? g.ready : g.notReady).push(e.address);
  }
  let budget = MAX_ENDPOINTS_CAPACITY;
  let truncated = false;
  const subsets: EndpointSubset[] = [];
  const ordered = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  // Over capacity: ready addresses are kept first, as truncateEndpoints does.
  for (const kind of ['ready', 'notReady'] as const) {
    for (const g of ordered) {
      g[kind].sort(byIPThenUid);
      if (g[kind].length > budget) {
        g[kind] = g[kind].slice(0, budget);
        truncated = true;
      }
      budget -= g[kind].length;
    }
  }
  for (const g of ordered) {
    if (g.ready.length === 0 && g.notReady.length === 0) continue;
    const ss: EndpointSubset = {};
    if (g.ready.length > 0) ss.addresses = g.ready;
    if (g.notReady.length > 0) ss.notReadyAddresses = g.notReady;
    if (g.ports.length > 0) ss.ports = g.ports;
    subsets.push(ss);
  }
  return { subsets, truncated };
}

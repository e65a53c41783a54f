/**
 * The EndpointSlice reconciler (pkg/controller/endpointslice/reconciler.go), as a pure plan:
 * given a Service, its pods and the slices this controller already manages for it, which
 * slices to create, update and delete.
 *
 * Per address type, endpoints are grouped by their resolved port set (one slice never mixes
 * port sets). An endpoint stays in the slice that holds it when it can, new endpoints fill
 * existing slices with room before new slices are made (at most `maxPerSlice` each), emptied
 * slices are deleted, and a Service with no endpoints at all keeps one empty placeholder
 * slice. Only slices whose content changed are written, so a steady state writes nothing.
 *
 * Known limitation: Kubernetes also repacks half-empty slices over time and sets topology
 * hints; neither is done here.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1';
import { isPodReady } from '../util/pods';
import {
  type IPFamily,
  endpointHostname,
  findPort,
  isHeadless,
  podIP,
  podRef,
  serviceFamilies,
  shouldPodBeInEndpoints,
} from '../endpoints/pod-endpoints';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface Plan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

interface Group {
  ports: EndpointPort[];
  /** endpoint key → endpoint, not yet placed in a slice. */
  pending: Map<string, Endpoint>;
}

const portKey = (p: EndpointPort) =>
  `${p.name ?? ''}/${p.protocol ?? 'TCP'}/${p.port ?? ''}/${p.appProtocol ?? ''}`;
const portsKey = (ports: EndpointPort[] | undefined) => (ports ?? []).map(portKey).sort().join('|');
/** An endpoint's identity across syncs: its pod, and its address. */
const endpointKey = (e: Endpoint) => `${e.targetRef?.uid ?? ''}/${(e.addresses ?? []).join(',')}`;
const byAddress = (a: Endpoint, b: Endpoint) =>
  (a.addresses?.[0] ?? '') < (b.addresses?.[0] ?? '') ? -1 : 1;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** setEndpointSliceLabels: the Service's labels, plus the controller's own. */
export function sliceLabels(svc: Service): Record<string, string> {
  const {
    [SERVICE_NAME_LABEL]: _n,
    [MANAGED_BY_LABEL]: _m,
    [HEADLESS_LABEL]: _h,
    ...labels
  } = svc.metadata?.labels ?? {};
  const out: Record<string, string> = {
    ...labels,
    [SERVICE_NAME_LABEL]: svc.metadata?.name ?? '',
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
  if (isHeadless(svc)) out[HEADLESS_LABEL] = '';
  return out;
}

/** podToEndpoint: ready = (serving and not terminating), or publishNotReadyAddresses. */
function podToEndpoint(
  svc: Service,
  pod: Pod,
  ip: string,
  zoneOf: (node: string) => string | undefined,
): Endpoint {
  const serving = isPodReady(pod);
  const terminating = Boolean(pod.metadata?.deletionTimestamp);
  const ep: Endpoint = {
    addresses: [ip],
    conditions: {
      ready: (svc.spec?.publishNotReadyAddresses ?? false) || (serving && !terminating),
      serving,
      terminating,
    },
    targetRef: podRef(pod),
  };
  const node = pod.spec?.nodeName;
  if (node) {
    ep.nodeName = node;
    const zone = zoneOf(node);
    if (zone) ep.zone = zone;
  }
  const hostname = endpointHostname(pod, svc);
  if (hostname) ep.hostname = hostname;
  return ep;
}

/** Desired endpoints of one address type, grouped by port set. */
function desiredGroups(
  svc: Service,
  pods: Pod[],
  family: IPFamily,
  zoneOf: (node: string) => string | undefined,
): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const pod of pods) {
    // Terminating pods stay listed (ready=false, terminating=true) so proxies can drain them.
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIP(pod, family);
    if (!ip) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const p: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : 1));
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, pending: new Map() }));
    const ep = podToEndpoint(svc, pod, ip, zoneOf);
    g.pending.set(endpointKey(ep), ep);
  }
  return groups;
}

function newSlice(
  svc: Service,
  family: IPFamily,
  ports: EndpointPort[],
  endpoints: Endpoint[],
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata?.name ?? ''}-`,
      namespace: svc.metadata?.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: svc.metadata?.name ?? '',
          uid: svc.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType: family,
    endpoints: [...endpoints].sort(byAddress),
    ports,
  };
}

export function planSlices(
  svc: Service,
  pods: Pod[],
  existing: EndpointSlice[],
  opts: { maxPerSlice?: number; zoneOf?: (node: string) => string | undefined } = {},
): Plan {
  const max = opts.maxPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
  const zoneOf = opts.zoneOf ?? (() => undefined);
  const plan: Plan = { create: [], update: [], delete: [] };
  const families = serviceFamilies(svc);
  const labels = sliceLabels(svc);
  // Slices of an address type the Service no longer has go.
  for (const s of existing) if (!families.includes(s.addressType as IPFamily)) plan.delete.push(s);
  let total = 0;
  const kept: EndpointSlice[] = [];
  for (const family of families) {
    const groups = desiredGroups(svc, pods, family, zoneOf);
    for (const g of groups.values()) total += g.pending.size;
    /** Per port set: the slices kept, with their new endpoint lists. */
    const slots: { slice: EndpointSlice; group: Group; endpoints: Endpoint[] }[] = [];
    for (const slice of existing.filter((s) => s.addressType === family)) {
      const group = groups.get(portsKey(slice.ports));
      const endpoints: Endpoint[] = [];
      for (const e of slice.endpoints ?? []) {
        const want = group?.pending.get(endpointKey(e));
        if (!want || !group) continue;
        endpoints.push(want);
        group.pending.delete(endpointKey(e));
      }
      if (!group || endpoints.length === 0) {
        plan.delete.push(slice);
        continue;
      }
      slots.push({ slice, group, endpoints });
    }
    // New endpoints fill slices with room first, then new slices.
    for (const slot of slots) {
      for (const [k, e] of slot.group.pending) {
        if (slot.endpoints.length >= max) break;
        slot.endpoints.push(e);
        slot.group.pending.delete(k);
      }
      const next = { ...slot.slice, endpoints: [...slot.endpoints].sort(byAddress), ports: slot.group.ports };
      next.metadata = { ...slot.slice.metadata, labels };
      const changed =
        !same(next.endpoints, [...(slot.slice.endpoints ?? [])].sort(byAddress)) ||
        !same(next.ports, slot.slice.ports ?? []) ||
        !same(next.metadata.labels, slot.slice.metadata?.labels);
      if (changed) plan.update.push(next);
      kept.push(next);
    }
    for (const g of groups.values()) {
      const rest = [...g.pending.values()];
      for (let i = 0; i < rest.length; i += max)
        plan.create.push(newSlice(svc, family, g.ports, rest.slice(i, i + max)));
    }
  }
  if (total === 0) {
    // No endpoints: keep (or make) one empty placeholder slice of the primary family.
    const family = families[0] ?? 'IPv4';
    const placeholder = plan.delete.find((s) => s.addressType === family);
    if (placeholder) {
      plan.delete = plan.delete.filter((s) => s !== placeholder);
      const next = {
        ...placeholder,
        endpoints: [],
        ports: [],
        metadata: { ...placeholder.metadata, labels },
      };
      const changed =
        (placeholder.endpoints ?? []).length > 0 ||
        (placeholder.ports ?? []).length > 0 ||
        !same(labels, placeholder.metadata?.labels);
      if (changed) plan.update.push(next);
    } else if (kept.length === 0) {
      plan.create.push(newSlice(svc, family, [], []));
    }
  }
  return plan;
}

/**
 * core/v1 services: `/registry/services/specs/<ns>/<name>`. Cluster IP allocation is not done
 * here; defaults only normalise clusterIP/clusterIPs and fill Kubernetes' field defaults
 * (single-stack IPv4, as in a cluster whose service CIDR is IPv4 only).
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1';
import { duplicate, forbidden, invalid, notSupported, required } from '../../admission/field';
import { validateLabels } from '../../admission/meta';
import {
  isDNS1123Label,
  isValidIP,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
} from '../../admission/names';
import { formatLabels } from '../../../../kube/selectors';
import type { FieldError } from '../types';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, col, since } from '../printers';

type S = Obj<Service>;

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const AFFINITIES = ['ClientIP', 'None'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];

function defaults(svc: S): void {
  const spec = (svc.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= { clientIP: { timeoutSeconds: 10800 } };
  }
  for (const port of spec.ports ?? []) {
    port.protocol ??= 'TCP';
    // An unset (or zero) targetPort means the same number as the service port.
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') {
      port.targetPort = port.port;
    }
  }
  if (spec.type === 'ExternalName') return;
  spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && spec.clusterIPs?.[0]) spec.clusterIP = spec.clusterIPs[0];
  spec.ipFamilyPolicy ??= 'SingleStack';
  spec.ipFamilies ??= ['IPv4'];
}

function validatePort(
  port: ServicePort,
  p: string,
  type: string,
  many: boolean,
  names: Set<string>,
): FieldError[] {
  const errs: FieldError[] = [];
  if (many && !port.name) errs.push(required(`${p}.name`));
  if (port.name) {
    for (const m of isDNS1123Label(port.name)) errs.push(invalid(`${p}.name`, port.name, m));
    if (names.has(port.name)) errs.push(duplicate(`${p}.name`, port.name));
    names.add(port.name);
  }
  for (const m of isValidPortNum(port.port)) errs.push(invalid(`${p}.port`, port.port, m));
  if (!port.protocol) errs.push(required(`${p}.protocol`));
  else if (!PROTOCOLS.includes(port.protocol))
    errs.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  const target = port.targetPort;
  if (typeof target === 'number') {
    for (const m of isValidPortNum(target)) errs.push(invalid(`${p}.targetPort`, target, m));
  } else if (typeof target === 'string') {
    for (const m of isValidPortName(target)) errs.push(invalid(`${p}.targetPort`, target, m));
  }
  if (port.nodePort && type === 'ClusterIP') {
    errs.push(forbidden(`${p}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
  }
  return errs;
}

function validateSpec(svc: S): FieldError[] {
  const spec = svc.spec ?? {};
  const type = spec.type ?? '';
  const errs: FieldError[] = [];
  if (!TYPES.includes(type)) errs.push(notSupported('spec.type', type, TYPES));
  if (spec.sessionAffinity && !AFFINITIES.includes(spec.sessionAffinity)) {
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, AFFINITIES));
  }
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((port, i) =>
    errs.push(...validatePort(port, `spec.ports[${i}]`, type, ports.length > 1, names)),
  );
  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
  }
  for (const [i, ip] of (spec.clusterIPs ?? []).entries()) {
    if (ip !== 'None' && !isValidIP(ip)) {
      errs.push(invalid(`spec.clusterIPs[${i}]`, ip, "must be empty, 'None', or a valid IP address"));
    }
  }
  for (const [i, ip] of (spec.externalIPs ?? []).entries()) {
    if (!isValidIP(ip)) errs.push(invalid(`spec.externalIPs[${i}]`, ip, 'must be a valid IP address'));
  }
  for (const key of ['externalTrafficPolicy', 'internalTrafficPolicy'] as const) {
    const v = spec[key];
    if (v && !TRAFFIC_POLICIES.includes(v)) errs.push(notSupported(`spec.${key}`, v, TRAFFIC_POLICIES));
  }
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  return errs;
}

function validateUpdate(svc: S, old: S): FieldError[] {
  const prev = old.spec?.clusterIPs?.[0] ?? old.spec?.clusterIP;
  const next = svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP;
  const toOrFromExternalName = svc.spec?.type === 'ExternalName' || old.spec?.type === 'ExternalName';
  if (prev && next && prev !== next && !toOrFromExternalName) {
    return [invalid('spec.clusterIPs[0]', svc.spec?.clusterIPs ?? [next], 'may not change once set')];
  }
  return [];
}

/** getServiceExternalIP. */
function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [
        ...new Set(
          (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean),
        ),
      ].sort();
      const all = [...lb, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: `80/TCP`, `80:30080/TCP` with a node port. */
function portsCell(ports: ServicePort[] | undefined): string {
  const s = (ports ?? [])
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`))
    .join(',');
  return s || '<none>';
}

export const services = defineResource<S>({
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  storagePrefix: 'services/specs',
  status: true,
  generation: false,
  special: ['proxy'],
  defaults,
  validate: validator<S>({ namespaced: true, name: nameIsDNS1035Label }, (svc, old) => [
    ...validateSpec(svc),
    ...(old ? validateUpdate(svc, old) : []),
  ]),
  columns: [
    col('Type', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'clusterIP is the IP address of the service.'),
    col(
      'External-IP',
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
    ),
    col('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', {
      wide: true,
    }),
  ],
  row: (svc, now) => [
    svc.spec?.type ?? '',
    svc.spec?.clusterIPs?.[0] ?? '<none>',
    externalIP(svc),
    portsCell(svc.spec?.ports),
    since(svc.metadata?.creationTimestamp, now),
    formatLabels(svc.spec?.selector),
  ],
});

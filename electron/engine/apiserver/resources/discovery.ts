/** discovery.k8s.io/v1 endpointslices: `/registry/endpointslices/<ns>/<name>`. */
import type { EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1';
import { duplicate, immutable, invalid, notSupported, required, tooMany } from '../admission/field';
import { isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPortNum } from '../admission/names';
import { defineResource, validator, type Obj } from './define';
import { AGE_COLUMN, col, since } from './printers';
import type { FieldError, ResourceDefinition } from './types';

type ES = Obj<EndpointSlice>;

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;

function addressError(type: string, address: string): string | undefined {
  if (type === 'IPv4')
    return isValidIP(address) && !address.includes(':') ? undefined : 'must be a valid IPv4 address';
  if (type === 'IPv6')
    return isValidIP(address) && address.includes(':') ? undefined : 'must be a valid IPv6 address';
  return isDNS1123Subdomain(address)[0];
}

function validateSlice(es: ES): FieldError[] {
  const errs: FieldError[] = [];
  const type = es.addressType ?? '';
  if (!type) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(type)) errs.push(notSupported('addressType', type, ADDRESS_TYPES));
  const endpoints = es.endpoints ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  endpoints.forEach((ep, i) => {
    const p = `endpoints[${i}].addresses`;
    const addresses = ep.addresses ?? [];
    if (addresses.length === 0) errs.push(required(p, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(p, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => {
      const err = ADDRESS_TYPES.includes(type) ? addressError(type, a) : undefined;
      if (err) errs.push(invalid(`${p}[${j}]`, a, err));
    });
  });
  const ports = es.ports ?? [];
  if (ports.length > MAX_PORTS) errs.push(tooMany('ports', ports.length, MAX_PORTS));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `ports[${i}]`;
    const name = port.name ?? '';
    if (name) for (const m of isDNS1123Label(name)) errs.push(invalid(`${p}.name`, name, m));
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    names.add(name);
    if (port.port !== undefined)
      for (const m of isValidPortNum(port.port)) errs.push(invalid(`${p}.port`, port.port, m));
    if (!port.protocol) errs.push(required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol))
      errs.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  return errs;
}

function listWithMore(list: string[], count: number, max: number): string {
  if (count > max) return `${list.join(',')} + ${count - max} more...`;
  return list.join(',') || '<unset>';
}

/** formatDiscoveryPorts: port numbers (or names, or `*`), three at most. */
function portsCell(ports: EndpointPort[] | undefined): string {
  const list = (ports ?? []).slice(0, 3).map((p) => (p.port !== undefined ? String(p.port) : p.name || '*'));
  return listWithMore(list, (ports ?? []).length, 3);
}

/** formatDiscoveryEndpoints: addresses, three at most. */
function endpointsCell(es: EndpointSlice): string {
  const all = (es.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMore(all.slice(0, 3), all.length, 3);
}

export const endpointslices = defineResource<ES>({
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  storagePrefix: 'endpointslices',
  defaults(es) {
    for (const port of es.ports ?? []) {
      port.name ??= '';
      port.protocol ??= 'TCP';
    }
  },
  validate: validator<ES>({ namespaced: true }, (es, old) => [
    ...validateSlice(es),
    ...(old ? immutable('addressType', es.addressType, old.addressType) : []),
  ]),
  columns: [
    col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
    AGE_COLUMN,
  ],
  row: (es, now) => [
    es.addressType ?? '',
    portsCell(es.ports),
    endpointsCell(es),
    since(es.metadata?.creationTimestamp, now),
  ],
});

export const DISCOVERY_RESOURCES: ResourceDefinition[] = [endpointslices];

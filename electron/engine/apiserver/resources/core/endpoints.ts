/** core/v1 endpoints: `/registry/services/endpoints/<ns>/<name>`. */
import type { Endpoints } from 'kubernetes-types/core/v1';
import { invalid, notSupported, required } from '../../admission/field';
import { isValidIP, isValidPortNum, nameIsDNSSubdomain } from '../../admission/names';
import type { FieldError } from '../types';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, col, since } from '../printers';

type E = Obj<Endpoints>;
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateSubsets(ep: E): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      (ss[key] ?? []).forEach((a, j) => {
        if (!isValidIP(a.ip)) errs.push(invalid(`${p}.${key}[${j}].ip`, a.ip, 'must be a valid IP address'));
      });
    }
    const ports = ss.ports ?? [];
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if (ports.length > 1 && !port.name) errs.push(required(`${pp}.name`));
      for (const m of isValidPortNum(port.port)) errs.push(invalid(`${pp}.port`, port.port, m));
      if (!port.protocol) errs.push(required(`${pp}.protocol`));
      else if (!PROTOCOLS.includes(port.protocol))
        errs.push(notSupported(`${pp}.protocol`, port.protocol, PROTOCOLS));
    });
  });
  return errs;
}

/** formatEndpoints: up to three `ip:port` entries, then `+ N more...`; `<none>` when empty. */
export function endpointsCell(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  const max = 3;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) if (list.length < max) list.push(a.ip);
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length < max)
          list.push(a.ip.includes(':') ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
      }
    }
  }
  const joined = list.join(',');
  return count > max ? `${joined} + ${count - max} more...` : joined;
}

export const endpoints = defineResource<E>({
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  shortNames: ['ep'],
  namespaced: true,
  storagePrefix: 'services/endpoints',
  defaults(ep) {
    for (const ss of ep.subsets ?? []) for (const port of ss.ports ?? []) port.protocol ??= 'TCP';
  },
  validate: validator<E>({ namespaced: true, name: nameIsDNSSubdomain }, validateSubsets),
  columns: [col('Endpoints', 'The set of all endpoints is the union of all subsets.'), AGE_COLUMN],
  row: (ep, now) => [endpointsCell(ep), since(ep.metadata?.creationTimestamp, now)],
});

/**
 * API discovery, both forms kubectl uses:
 * - legacy: /api (APIVersions), /apis (APIGroupList), /apis/<group> (APIGroup), and per
 *   group-version APIResourceList with subresources as `pods/status`-style entries;
 * - aggregated (apidiscovery.k8s.io v2, and v2beta1 for kubectl ≤ 1.29): the whole catalog
 *   in one response per prefix, negotiated by `Accept: …;as=APIGroupDiscoveryList`.
 * Built once from the resource catalog, with an ETag so clients revalidate cheaply.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceDefinition, SpecialSubresource, Verb } from '../resources/types';
import { groupVersion } from '../resources/types';

const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface ResponseKind {
  group: string;
  version: string;
  kind: string;
}

interface Sub {
  name: string;
  kind: ResponseKind;
  verbs: string[];
}

/** Resources served outside the generic registry (reviews, metrics), declared for discovery. */
export interface ExtraResource {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

function subresources(def: ResourceDefinition): Sub[] {
  const own: ResponseKind = { group: def.group, version: def.version, kind: def.kind };
  const subs: Sub[] = [];
  if (def.status) subs.push({ name: 'status', kind: own, verbs: ['get', 'patch', 'update'] });
  if (def.scale)
    subs.push({
      name: 'scale',
      kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    });
  const special: Record<SpecialSubresource, { kind: ResponseKind; verbs: string[] }> = {
    binding: { kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] },
    eviction: { kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
    log: { kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
    exec: { kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
    attach: { kind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] },
    portforward: {
      kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' },
      verbs: ['create', 'get'],
    },
    proxy: {
      kind: { group: '', version: 'v1', kind: `${def.kind}ProxyOptions` },
      verbs: ['create', 'delete', 'get', 'head', 'options', 'patch', 'put'],
    },
    token: {
      kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
      verbs: ['create'],
    },
    finalize: { kind: own, verbs: ['update'] },
  };
  for (const s of def.special ?? []) subs.push({ name: s, ...special[s] });
  return subs;
}

function storageVersionHash(def: ResourceDefinition): string {
  return createHash('sha256')
    .update(`${groupVersion(def)}/${def.kind}`)
    .digest()
    .subarray(0, 8)
    .toString('base64');
}

interface GroupEntry {
  name: string;
  versions: Map<string, { defs: ResourceDefinition[]; extras: ExtraResource[] }>;
}

export class Discovery {
  private groups = new Map<string, GroupEntry>();
  private cache = new Map<string, { body: string; etag: string; type: string }>();

  constructor(defs: ResourceDefinition[], extras: ExtraResource[] = []) {
    for (const def of defs) this.version(def.group, def.version).defs.push(def);
    for (const x of extras) this.version(x.group, x.version).extras.push(x);
  }

  private version(group: string, version: string) {
    let g = this.groups.get(group);
    if (!g) this.groups.set(group, (g = { name: group, versions: new Map() }));
    let v = g.versions.get(version);
    if (!v) g.versions.set(version, (v = { defs: [], extras: [] }));
    return v;
  }

  /** Serve a discovery path; false when the path is not discovery. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const parts = path.split('/').filter(Boolean);
    const p1 = parts[1] ?? '';
    const p2 = parts[2] ?? '';
    const accept = req.headers.accept ?? '';
    const aggregated = /as=APIGroupDiscoveryList/.exec(accept)
      ? /v=v2(?!beta)/.test(accept)
        ? 'v2'
        : /v=v2beta1/.test(accept)
          ? 'v2beta1'
          : null
      : null;
    let key: string;
    let build: () => { body: unknown; type: string };
    if (parts.length === 1 && (parts[0] === 'api' || parts[0] === 'apis')) {
      const prefix = parts[0];
      if (aggregated) {
        key = `agg:${prefix}:${aggregated}`;
        build = () => ({
          body: this.aggregated(prefix, aggregated),
          type: `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`,
        });
      } else {
        key = `legacy:${prefix}`;
        build = () => ({
          body: prefix === 'api' ? this.apiVersions(req) : this.groupList(),
          type: 'application/json',
        });
      }
    } else if (parts.length === 2 && parts[0] === 'api' && this.groups.get('')?.versions.has(p1)) {
      key = `gv::${p1}`;
      build = () => ({ body: this.resourceList('', p1), type: 'application/json' });
    } else if (parts.length === 2 && parts[0] === 'apis' && p1 && this.groups.has(p1)) {
      key = `g:${p1}`;
      build = () => ({
        body: { kind: 'APIGroup', apiVersion: 'v1', ...this.groupInfo(p1) },
        type: 'application/json',
      });
    } else if (parts.length === 3 && parts[0] === 'apis' && this.groups.get(p1)?.versions.has(p2)) {
      key = `gv:${p1}:${p2}`;
      build = () => ({ body: this.resourceList(p1, p2), type: 'application/json' });
    } else {
      return false;
    }
    let entry = this.cache.get(key);
    if (!entry) {
      const built = build();
      const body = JSON.stringify(built.body);
      entry = {
        body,
        type: built.type,
        etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
      };
      // /api embeds the address the client used; do not cache it across clients.
      if (key !== 'legacy:api') this.cache.set(key, entry);
    }
    const headers = {
      'content-type': entry.type,
      etag: entry.etag,
      vary: 'Accept',
      'cache-control': 'no-cache, private',
    };
    if (req.headers['if-none-match'] === entry.etag) {
      res.writeHead(304, headers);
      res.end();
    } else {
      res.writeHead(200, headers);
      res.end(entry.body);
    }
    return true;
  }

  private apiVersions(req: IncomingMessage) {
    return {
      kind: 'APIVersions',
      versions: [...(this.groups.get('')?.versions.keys() ?? [])],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }],
    };
  }

  private namedGroups(): GroupEntry[] {
    return [...this.groups.values()].filter((g) => g.name !== '');
  }

  private groupInfo(name: string) {
    const versions = [...(this.groups.get(name)?.versions.keys() ?? [])].map((v) => ({
      groupVersion: `${name}/${v}`,
      version: v,
    }));
    return { name, versions, preferredVersion: versions[0] };
  }

  private groupList() {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: this.namedGroups().map((g) => this.groupInfo(g.name)),
    };
  }

  private resourceList(group: string, version: string) {
    const v = this.groups.get(group)?.versions.get(version) ?? { defs: [], extras: [] };
    const resources: Record<string, unknown>[] = [];
    for (const def of v.defs) {
      resources.push({
        name: def.plural,
        singularName: def.singular,
        namespaced: def.namespaced,
        kind: def.kind,
        verbs: def.verbs ?? ALL_VERBS,
        ...(def.shortNames?.length ? { shortNames: def.shortNames } : {}),
        ...(def.categories?.length ? { categories: def.categories } : {}),
        storageVersionHash: storageVersionHash(def),
      });
      for (const s of subresources(def)) {
        resources.push({
          name: `${def.plural}/${s.name}`,
          singularName: '',
          namespaced: def.namespaced,
          ...(s.kind.group !== group || s.kind.version !== version
            ? { group: s.kind.group, version: s.kind.version }
            : {}),
          kind: s.kind.kind,
          verbs: s.verbs,
        });
      }
    }
    for (const x of v.extras) {
      resources.push({
        name: x.plural,
        singularName: x.singular,
        namespaced: x.namespaced,
        kind: x.kind,
        verbs: x.verbs,
      });
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources,
    };
  }

  private aggregated(prefix: 'api' | 'apis', version: 'v2' | 'v2beta1') {
    const core = this.groups.get('');
    const groups = prefix === 'api' ? (core ? [core] : []) : this.namedGroups();
    return {
      kind: 'APIGroupDiscoveryList',
      apiVersion: `apidiscovery.k8s.io/${version}`,
      metadata: {},
      items: groups.map((g) => ({
        metadata: { name: g.name, creationTimestamp: null },
        versions: [...g.versions.entries()].map(([ver, v]) => ({
          version: ver,
          resources: [
            ...v.defs.map((def) => ({
              resource: def.plural,
              responseKind: { group: def.group, version: def.version, kind: def.kind },
              scope: def.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: def.singular,
              verbs: def.verbs ?? ALL_VERBS,
              ...(def.shortNames?.length ? { shortNames: def.shortNames } : {}),
              ...(def.categories?.length ? { categories: def.categories } : {}),
              ...(subresources(def).length
                ? {
                    subresources: subresources(def).map((s) => ({
                      subresource: s.name,
                      responseKind: s.kind,
                      verbs: s.verbs,
                    })),
                  }
                : {}),
            })),
            ...v.extras.map((x) => ({
              resource: x.plural,
              responseKind: { group: x.group, version: x.version, kind: x.kind },
              scope: x.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: x.singular,
              verbs: x.verbs,
            })),
          ],
          freshness: 'Current',
        })),
      })),
    };
  }
}

/**
 * API discovery for controllers that act on every resource (the garbage collector, the
 * namespace controller): the resources the server serves, in each group's preferred version,
 * with their verbs — what client-go's ServerPreferredResources returns. Reading discovery rather
 * than a fixed list means a resource the API server starts serving is covered without a change
 * here, as in Kubernetes.
 */
import type { KubeClient, ResourceRef } from '../../../kube/types';

export interface DiscoveredResource extends ResourceRef {
  verbs: string[];
}

interface APIResourceList {
  groupVersion?: string;
  resources?: { name: string; namespaced: boolean; kind: string; verbs?: string[] }[];
}

interface APIGroupList {
  groups?: {
    name: string;
    versions?: { groupVersion: string; version: string }[];
    preferredVersion?: { groupVersion: string; version: string };
  }[];
}

/** Failures of single group versions; the rest of the answer is still usable (ErrGroupDiscoveryFailed). */
export class GroupDiscoveryError extends Error {
  constructor(readonly groups: Map<string, Error>) {
    super(
      `unable to retrieve the complete list of server APIs: ${[...groups]
        .map(([gv, e]) => `${gv}: ${e.message}`)
        .join(', ')}`,
    );
    this.name = 'GroupDiscoveryError';
  }
}

export interface Discovery {
  resources: DiscoveredResource[];
  /** Group versions that could not be read (empty when discovery was complete). */
  failed: Map<string, Error>;
}

function toRefs(list: APIResourceList, group: string, version: string): DiscoveredResource[] {
  return (list.resources ?? [])
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({
      group,
      version,
      plural: r.name,
      kind: r.kind,
      namespaced: r.namespaced,
      verbs: r.verbs ?? [],
    }));
}

/** Every top-level resource in its group's preferred version. Throws only if nothing could be read. */
export async function discoverResources(client: KubeClient): Promise<Discovery> {
  const failed = new Map<string, Error>();
  const resources: DiscoveredResource[] = [];
  const core = client.request<APIResourceList>('GET', '/api/v1').then(
    (list) => resources.push(...toRefs(list, '', 'v1')),
    (err: unknown) => failed.set('v1', err as Error),
  );
  const groups = await client.request<APIGroupList>('GET', '/apis');
  await Promise.all([
    core,
    ...(groups.groups ?? []).map(async (g) => {
      const pv = g.preferredVersion ?? g.versions?.[0];
      if (!pv) return;
      try {
        const list = await client.request<APIResourceList>('GET', `/apis/${pv.groupVersion}`);
        resources.push(...toRefs(list, g.name, pv.version));
      } catch (err) {
        failed.set(pv.groupVersion, err as Error);
      }
    }),
  ]);
  if (resources.length === 0 && failed.size > 0) throw new GroupDiscoveryError(failed);
  return { resources, failed };
}

/** Whether `r` supports every verb in `verbs`. */
export function supports(r: DiscoveredResource, ...verbs: string[]): boolean {
  return verbs.every((v) => r.verbs.includes(v));
}

/** group/kind → resource, for resolving ownerReferences (any version of a group maps to its preferred one). */
export function kindIndex(
  resources: DiscoveredResource[],
): (apiVersion: string, kind: string) => DiscoveredResource | undefined {
  const byGroupKind = new Map<string, DiscoveredResource>();
  for (const r of resources) byGroupKind.set(`${r.group}/${r.kind}`, r);
  return (apiVersion, kind) => {
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    return byGroupKind.get(`${group}/${kind}`);
  };
}

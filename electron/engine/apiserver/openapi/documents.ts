/**
 * The OpenAPI documents of a resource catalog, each built on first request and then kept, with
 * the entity tag kube-openapi gives it: the upper-case hex SHA-512 of its JSON bytes. The v2
 * protobuf shares the JSON's tag (as in kube-openapi; responses carry `Vary: Accept`), and the v3
 * index links each group-version as `/openapi/v3/<gv>?hash=<tag>`, so clients can cache those URLs
 * forever.
 *
 * The catalog is fixed for the life of the instance (built-in resources only). Known limitation:
 * when CustomResourceDefinitions are served, their group-versions need a way to invalidate the
 * cached documents.
 */
import { createHash } from 'node:crypto';
import type { ResourceDefinition } from '../resources/types';
import type { ApiPath } from './model';
import { groupVersionPath, resourcePaths } from './operations';
import { annotatedDefinitions, type PatchMetaLookup } from './patch-meta';
import { encodeV2Document } from './v2-protobuf';
import { allDefinitions, definitionName, type Definitions, referencedDefinitions } from './schemas';
import { swaggerDocument, type SwaggerDocument } from './v2';
import { v3Document } from './v3';

export interface OpenApiSources {
  resources: readonly ResourceDefinition[];
  /** Strategic-merge metadata per kind (patch/meta.ts); none when omitted. */
  patchMetaFor?: PatchMetaLookup;
  /** `info.version`, e.g. `v1.33.0+pilothouse.0.1.0`. */
  version: string;
}

/** One representation of a document, ready to send. */
export interface Representation {
  body: Buffer;
  /** Unquoted entity tag. */
  etag: string;
}

export interface OpenApiDocuments {
  v2(): SwaggerDocument;
  v2Json(): Representation;
  v2Protobuf(): Representation;
  /** The /openapi/v3 index: `{ paths: { 'apis/apps/v1': { serverRelativeURL } } }`. */
  v3Index(): Representation;
  /** One group-version's document (`api/v1`, `apis/apps/v1`), or undefined if not served. */
  v3(groupVersion: string): Representation | undefined;
}

export function entityTag(body: Buffer): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

function representation(value: unknown): Representation {
  const body = Buffer.from(JSON.stringify(value));
  return { body, etag: entityTag(body) };
}

/** Memoizes a zero-argument builder. */
function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/** Definitions named by the paths' bodies, plus what they reference. */
function reachedBy(paths: ApiPath[], definitions: Readonly<Definitions>): Definitions {
  const roots = new Set<string>(['io.k8s.apimachinery.pkg.apis.meta.v1.Status']);
  for (const p of paths) {
    for (const op of p.operations) {
      for (const body of [op.requestBody, ...Object.values(op.responses)]) {
        if (body && 'definition' in body) roots.add(body.definition);
      }
    }
  }
  const out: Definitions = {};
  for (const name of referencedDefinitions(roots, definitions))
    out[name] = definitions[name] as Definitions[string];
  return out;
}

export function createOpenApiDocuments(sources: OpenApiSources): OpenApiDocuments {
  const definitions = once(() => {
    const kinds = sources.resources.flatMap((r) => {
      const definition = definitionName(r.group, r.version, r.kind);
      return definition ? [{ group: r.group, kind: r.kind, definition }] : [];
    });
    const lookup = sources.patchMetaFor;
    return lookup ? annotatedDefinitions(allDefinitions(), kinds, lookup) : allDefinitions();
  });
  const byGroupVersion = once(() => {
    const grouped = new Map<string, ApiPath[]>();
    for (const r of sources.resources) {
      const key = groupVersionPath(r);
      grouped.set(key, [...(grouped.get(key) ?? []), ...resourcePaths(r)]);
    }
    return grouped;
  });
  const v2 = once(() => {
    const paths = [...byGroupVersion().values()].flat();
    return swaggerDocument(paths, reachedBy(paths, definitions()), sources.version);
  });
  const v2Json = once(() => representation(v2()));
  const v2Protobuf = once(() => ({ body: encodeV2Document(v2()), etag: v2Json().etag }));
  const v3Cache = new Map<string, Representation>();
  const v3 = (groupVersion: string) => {
    const cached = v3Cache.get(groupVersion);
    if (cached) return cached;
    const paths = byGroupVersion().get(groupVersion);
    if (!paths) return undefined;
    const built = representation(v3Document(paths, reachedBy(paths, definitions()), sources.version));
    v3Cache.set(groupVersion, built);
    return built;
  };
  const v3Index = once(() => {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const groupVersion of [...byGroupVersion().keys()].sort()) {
      const doc = v3(groupVersion) as Representation;
      paths[groupVersion] = { serverRelativeURL: `/openapi/v3/${groupVersion}?hash=${doc.etag}` };
    }
    return representation({ paths });
  });
  return { v2, v2Json, v2Protobuf, v3Index, v3 };
}

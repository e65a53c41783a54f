/**
 * Serves /openapi/v2, /openapi/v3 and /openapi/v3/<group-version> as kube-openapi's handlers do:
 *
 * - content negotiation on `Accept` (missing means `*∕*`), best clause first by q-value and
 *   specificity: v2 offers JSON and gnostic protobuf (both protobuf media type spellings; the
 *   response names the dotted one), v3 group-versions offer JSON only — kubectl 1.27–1.33 fetch v3
 *   as JSON (client-go openapi3.Root, kubectl explain, apply); the v3 protobuf that some
 *   controllers request is not implemented and gets 406 NotAcceptable, as does any other type;
 * - `ETag` (quoted upper-case SHA-512 of the JSON), `If-None-Match` → 304, `Vary: Accept`;
 * - v3 group-version URLs with `?hash=` matching the current tag are immutable
 *   (`Cache-Control: public, immutable`, `Expires` a year ahead); a stale hash redirects (301) to
 *   the current URL; everything else is `Cache-Control: no-cache, private` (kube-apiserver's default);
 * - gzip when the client accepts it (the v2 document is large; Go clients ask for gzip).
 *
 * The caller authenticates first; this module only answers paths under /openapi/.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { patchMetaFor } from '../patch/meta';
import { ALL_RESOURCES } from '../resources';
import { failureStatus } from '../status';
import { versionInfo } from '../../version';
import {
  createOpenApiDocuments,
  type OpenApiDocuments,
  type OpenApiSources,
  type Representation,
} from './documents';

const JSON_TYPE = 'application/json';
export const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
export const V2_PROTOBUF_DEPRECATED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

interface Offer {
  type: string;
  /** What the response's Content-Type says. */
  contentType: string;
  get(): Representation;
}

interface Clause {
  type: string;
  subtype: string;
  q: number;
}

/** Parses Accept into clauses, best first (q, then specificity), dropping q=0. */
export function parseAccept(header: string | undefined): Clause[] {
  const clauses: Clause[] = [];
  for (const part of (header || '*/*').split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim());
    const [type, subtype] = range.split('/');
    if (!type || !subtype) continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    clauses.push({ type, subtype, q });
  }
  const specificity = (c: Clause) => (c.type === '*' ? 0 : c.subtype === '*' ? 1 : 2);
  return clauses.sort((a, b) => b.q - a.q || specificity(b) - specificity(a));
}

function negotiate(accept: string | undefined, offers: Offer[]): Offer | undefined {
  for (const clause of parseAccept(accept)) {
    for (const offer of offers) {
      const [type, subtype] = offer.type.split('/');
      if (
        (clause.type === '*' || clause.type === type) &&
        (clause.subtype === '*' || clause.subtype === subtype)
      ) {
        return offer;
      }
    }
  }
  return undefined;
}

function sendStatus(res: ServerResponse, code: number, reason: string, message: string) {
  res.writeHead(code, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache, private' });
  res.end(JSON.stringify(failureStatus(code, reason, message)));
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === `"${etag}"`;
  });
}

const gzipCache = new WeakMap<Buffer, Buffer>();

function send(req: IncomingMessage, res: ServerResponse, offer: Offer, headers: Record<string, string>) {
  const rep = offer.get();
  res.setHeader('Vary', 'Accept, Accept-Encoding');
  res.setHeader('Etag', `"${rep.etag}"`);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (matchesEtag(req.headers['if-none-match'], rep.etag)) {
    res.writeHead(304).end();
    return;
  }
  let body = rep.body;
  if (body.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    const zipped = gzipCache.get(rep.body) ?? gzipSync(rep.body);
    gzipCache.set(rep.body, zipped);
    body = zipped;
    res.setHeader('Content-Encoding', 'gzip');
  }
  res.writeHead(200, { 'Content-Type': offer.contentType, 'Content-Length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * A handler over `docs`: answers and returns true for /openapi/v2, /openapi/v3 and
 * /openapi/v3/<gv>; returns false (without touching `res`) for any other path.
 */
export function createOpenApiHandler(docs: OpenApiDocuments) {
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (path !== '/openapi/v2' && path !== '/openapi/v3' && !path.startsWith('/openapi/v3/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendStatus(
        res,
        405,
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource`,
      );
      return true;
    }
    const fresh = { 'Cache-Control': 'no-cache, private' };
    let offers: Offer[];
    if (path === '/openapi/v2') {
      offers = [
        { type: JSON_TYPE, contentType: JSON_TYPE, get: docs.v2Json },
        { type: V2_PROTOBUF_DEPRECATED, contentType: V2_PROTOBUF, get: docs.v2Protobuf },
        { type: V2_PROTOBUF, contentType: V2_PROTOBUF, get: docs.v2Protobuf },
      ];
    } else if (path === '/openapi/v3') {
      offers = [{ type: JSON_TYPE, contentType: JSON_TYPE, get: docs.v3Index }];
    } else {
      const groupVersion = path.slice('/openapi/v3/'.length);
      const doc = docs.v3(groupVersion);
      if (!doc) {
        sendStatus(res, 404, 'NotFound', `the server could not find the requested resource`);
        return true;
      }
      offers = [{ type: JSON_TYPE, contentType: JSON_TYPE, get: () => doc }];
      const hash = new URL(req.url ?? path, 'http://x').searchParams.get('hash');
      if (hash && hash !== doc.etag) {
        res.writeHead(301, { Location: `/openapi/v3/${groupVersion}?hash=${doc.etag}`, ...fresh }).end();
        return true;
      }
      if (hash) {
        const nextYear = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
        Object.assign(fresh, { 'Cache-Control': 'public, immutable', Expires: nextYear });
      }
    }
    const offer = negotiate(req.headers.accept, offers);
    if (!offer) {
      const types = [...new Set(offers.map((o) => o.type))].join(', ');
      sendStatus(res, 406, 'NotAcceptable', `only the following media types are accepted: ${types}`);
      return true;
    }
    send(req, res, offer, fresh);
    return true;
  };
}

let defaultHandler: ReturnType<typeof createOpenApiHandler> | undefined;

/** The built-in catalog (ALL_RESOURCES) with the patch engine's metadata. */
export function defaultOpenApiSources(): OpenApiSources {
  return { resources: ALL_RESOURCES, patchMetaFor, version: versionInfo().gitVersion };
}

/** Serves the OpenAPI paths for the built-in catalog; false for paths it does not own. */
export function handleOpenApi(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  defaultHandler ??= createOpenApiHandler(createOpenApiDocuments(defaultOpenApiSources()));
  return defaultHandler(req, res, path);
}

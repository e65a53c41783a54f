/**
 * HTTP plumbing shared by the handlers: content negotiation (JSON, YAML, server-side Table,
 * PartialObjectMetadata — the media types kubectl and client-go send), bounded body reading,
 * decoding, and responses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import { ApiError, badRequest, notAcceptable, tooLarge, unsupportedMediaType } from '../errors';
import { decodeKubernetesProtobuf } from '../protobuf';
import type { StatusBody } from '../status';

/** kube-apiserver's --max-request-bytes-ish body limit for resource requests (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export type OutputFormat =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partial'; version: 'v1' | 'v1beta1' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseMedia(value: string): MediaRange[] {
  return value
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim());
      const p: Record<string, string> = {};
      for (const kv of params) {
        const eq = kv.indexOf('=');
        if (eq > 0) p[kv.slice(0, eq).trim().toLowerCase()] = kv.slice(eq + 1).trim();
      }
      return { type: type.toLowerCase(), params: p };
    })
    .filter((m) => m.type !== '');
}

/** Pick what to answer from the Accept header; 406 when nothing offered is served. */
export function negotiate(accept: string | undefined): OutputFormat {
  if (!accept) return { kind: 'json' };
  for (const m of parseMedia(accept)) {
    const isJson = m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
    if (isJson && m.params.as) {
      if (m.params.g !== 'meta.k8s.io') continue;
      const version = m.params.v === 'v1beta1' ? 'v1beta1' : m.params.v === 'v1' ? 'v1' : null;
      if (!version) continue;
      if (m.params.as === 'Table') return { kind: 'table', version };
      if (m.params.as === 'PartialObjectMetadata' || m.params.as === 'PartialObjectMetadataList') {
        return { kind: 'partial', version };
      }
      continue;
    }
    if (isJson) return { kind: 'json' };
    if (m.type === 'application/yaml') return { kind: 'yaml' };
  }
  throw notAcceptable('application/json, application/yaml');
}

/** Read the body, refusing more than MAX_BODY_BYTES with 413. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export type BodyType =
  'json' | 'yaml' | 'protobuf' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

export function bodyType(contentType: string | undefined): BodyType {
  const type = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  switch (type) {
    case '':
    case 'application/json':
      return 'json';
    case 'application/yaml':
      return 'yaml';
    case 'application/vnd.kubernetes.protobuf':
      return 'protobuf';
    case 'application/json-patch+json':
      return 'json-patch';
    case 'application/merge-patch+json':
      return 'merge-patch';
    case 'application/strategic-merge-patch+json':
      return 'strategic-merge-patch';
    case 'application/apply-patch+yaml':
      return 'apply-patch';
  }
  throw unsupportedMediaType(type);
}

/** Parse a body as JSON, or YAML for the YAML types; 400 with the parser's reason otherwise. */
export function decodeBody(buf: Buffer, type: BodyType): unknown {
  if (type === 'protobuf') {
    if (buf.length === 0) throw badRequest('the request body is empty');
    return decodeKubernetesProtobuf(buf);
  }
  const text = buf.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty');
  try {
    if (type === 'yaml' || type === 'apply-patch') {
      const docs = YAML.parseAllDocuments(text);
      const [doc] = docs;
      if (docs.length !== 1 || !doc) throw new Error(`expected one YAML document, got ${docs.length}`);
      const [first] = doc.errors;
      if (first) throw first;
      return doc.toJS({ maxAliasCount: 100 });
    }
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const what = type === 'yaml' || type === 'apply-patch' ? 'yaml' : 'json';
    throw badRequest(`the body of the request could not be decoded as ${what}: ${(err as Error).message}`);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read and decode an object body (JSON, YAML or Kubernetes protobuf, by Content-Type). */
export async function readObjectBody(req: IncomingMessage): Promise<unknown> {
  const type = bodyType(req.headers['content-type']);
  if (type !== 'json' && type !== 'yaml' && type !== 'protobuf') {
    throw unsupportedMediaType(req.headers['content-type'] ?? '');
  }
  return decodeBody(await readBody(req), type);
}

const COMMON_HEADERS = { 'cache-control': 'no-cache, private', 'x-content-type-options': 'nosniff' };

/** Send a JSON body already encoded (cached object JSON is reused as is). */
export function sendRaw(
  res: ServerResponse,
  code: number,
  json: string,
  format: OutputFormat = { kind: 'json' },
  headers: Record<string, string> = {},
) {
  if (format.kind === 'yaml') {
    const text = YAML.stringify(JSON.parse(json));
    res.writeHead(code, { ...COMMON_HEADERS, ...headers, 'content-type': 'application/yaml' });
    res.end(text);
    return;
  }
  res.writeHead(code, { ...COMMON_HEADERS, ...headers, 'content-type': 'application/json' });
  res.end(json);
}

export function sendObject(
  res: ServerResponse,
  code: number,
  body: unknown,
  format: OutputFormat = { kind: 'json' },
  headers: Record<string, string> = {},
) {
  sendRaw(res, code, JSON.stringify(body), format, headers);
}

export function sendStatus(res: ServerResponse, status: StatusBody, headers: Record<string, string> = {}) {
  sendObject(res, status.code, status, { kind: 'json' }, headers);
}

export function sendError(res: ServerResponse, err: ApiError) {
  sendStatus(res, err.status(), err.headers);
}

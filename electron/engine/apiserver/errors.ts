/**
 * API errors with Kubernetes' codes, reasons and message wording (k8s.io/apimachinery
 * pkg/api/errors), so kubectl and client libraries react to them as they would to
 * kube-apiserver: `kubectl apply` retries a Conflict, informers re-list on Expired (410), etc.
 */
import type { FieldError } from './resources/types';
import { type StatusBody, type StatusDetails, failureStatus } from './status';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  status(): StatusBody {
    return failureStatus(this.code, this.reason, this.message, this.details);
  }
}

/** What errors name: the resource (plural) and group, as Kubernetes' GroupResource. */
export interface Resource {
  group: string;
  plural: string;
}

/** `pods` or `deployments.apps`, Kubernetes' qualified resource string. */
export function qualified(r: Resource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export const notFound = (r: Resource, name: string) =>
  new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, {
    name,
    group: r.group || undefined,
    kind: r.plural,
  });

export const alreadyExists = (r: Resource, name: string) =>
  new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, {
    name,
    group: r.group || undefined,
    kind: r.plural,
  });

export const conflict = (r: Resource, name: string, why: string) =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
    name,
    group: r.group || undefined,
    kind: r.plural,
  });

export const MODIFIED =
  'the object has been modified; please apply your changes to the latest version and try again';

/**
 * 422 with field causes; the message lists them like Kubernetes' NewInvalid, which names the
 * kind qualified by its group (`Deployment.apps "web" is invalid: …`, `Pod "p" is invalid: …`).
 */
export function invalid(kind: string, group: string, name: string, errs: FieldError[]): ApiError {
  const texts = errs.map((e) => `${e.field}: ${e.message}`);
  const list = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, {
    name,
    group: group || undefined,
    kind,
    causes: errs.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
  });
}

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);

export const forbidden = (message: string, r?: Resource, name?: string) =>
  new ApiError(
    403,
    'Forbidden',
    message,
    r ? { name, group: r.group || undefined, kind: r.plural } : undefined,
  );

export const methodNotAllowed = () =>
  new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

/** 410 Expired: the resourceVersion asked for is older than what the server keeps. */
export const expired = (message: string) => new ApiError(410, 'Expired', message);

export const gone = (message: string) => new ApiError(410, 'Gone', message);

export const tooLarge = (limit: number) =>
  new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);

export const unsupportedMediaType = (type: string) =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${JSON.stringify(type)})`,
  );

export const notAcceptable = (accepted: string) =>
  new ApiError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted}`);

export const timeout = (message: string, retryAfterSeconds = 1) =>
  new ApiError(504, 'Timeout', message, { retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) });

export const unavailable = (message: string) =>
  new ApiError(503, 'ServiceUnavailable', message, { retryAfterSeconds: 1 }, { 'retry-after': '1' });

export const internal = (message: string) =>
  new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });

export function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

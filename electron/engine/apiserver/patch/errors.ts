/**
 * Patch failures, with the HTTP code, reason and wording kube-apiserver uses for them
 * (k8s.io/apiserver endpoints/handlers/patch.go), so kubectl prints the same thing.
 *
 * - 400 BadRequest: the patch itself is malformed (not an object, a bad directive format).
 * - 413 RequestEntityTooLarge: a JSON patch with more than 10000 operations.
 * - 422 Invalid: a well-formed patch that cannot be applied to this object (a failed JSON patch
 *   `test`, a missing path). Kubernetes puts the library's message in a cause and a generic
 *   message on top; `causes` carries it.
 * - 500 with an empty reason: errors Kubernetes does not classify, e.g. a merge-list element
 *   without its merge key (kube-apiserver answers those with a 500 too).
 */
export type PatchErrorCode = 400 | 413 | 422 | 500;

export interface PatchErrorCause {
  reason: string;
  message: string;
}

export class PatchError extends Error {
  override name = 'PatchError';
  constructor(
    readonly code: PatchErrorCode,
    /** metav1.StatusReason: BadRequest, RequestEntityTooLarge, Invalid, or '' (unknown). */
    readonly reason: string,
    message: string,
    readonly causes?: PatchErrorCause[],
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new PatchError(400, 'BadRequest', message);

/** A patch Kubernetes could not classify (reported by kube-apiserver as a 500 without reason). */
export const unclassified = (message: string) => new PatchError(500, '', message);

/**
 * NewGenericServerResponse(422): the fixed message on top, the library's message as the cause,
 * which is what `kubectl patch --type=json` shows for a failed `test`.
 */
export const unprocessable = (cause: string) =>
  new PatchError(422, 'Invalid', 'the server rejected our request due to an error in our request', [
    { reason: 'UnexpectedServerResponse', message: cause },
  ]);

/**
 * Formats a JSON value the way Go's `%v` prints decoded JSON, for messages Kubernetes builds
 * with it: `map[image:nginx name:web]`, `[a b]`, `<nil>`. Map keys are sorted, as Go prints them.
 */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${k}:${goFormat((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/** Go's JSON type name in "cannot unmarshal X into Go value" messages. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/**
 * The 403 Kubernetes answers when authorization denies a request (k8s.io/apiserver
 * responsewriters.Forbidden + apimachinery errors.NewForbidden), word for word, because users
 * and scripts match on it:
 *   pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "default"
 *   nodes "n2" is forbidden: User "u" cannot get resource "nodes" in API group "" at the cluster scope
 *   pods "x" is forbidden: User "u" cannot get resource "pods/log" in API group "" in the namespace "default"
 *   forbidden: User "u" cannot get path "/foo"
 * followed by ": <reason>" when the authorizer gave one.
 */
import { ApiError } from '../errors';
import type { RequestAttributes } from './authorizer';

/** Go's %q for the strings that appear here (printable text: JSON quoting is the same). */
const q = (s: string) => JSON.stringify(s);

/** Kubernetes keeps error text from looking like HTML. */
const sanitize = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The sentence after "is forbidden: " (responsewriters' forbiddenMessage). */
function denial(attrs: RequestAttributes): string {
  const user = attrs.user.name;
  if (!attrs.resourceRequest) return `User ${q(user)} cannot ${attrs.verb} path ${q(attrs.path)}`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const scope = attrs.namespace ? `in the namespace ${q(attrs.namespace)}` : 'at the cluster scope';
  return `User ${q(user)} cannot ${attrs.verb} resource ${q(resource)} in API group ${q(attrs.apiGroup)} ${scope}`;
}

/** The full message of the 403 Status for a denied request; `reason` as the Decision gave it. */
export function forbiddenMessage(attrs: RequestAttributes, reason = ''): string {
  const why = sanitize(denial(attrs)) + (reason ? `: ${reason}` : '');
  const resource = attrs.resourceRequest ? attrs.resource : '';
  if (!resource && !attrs.apiGroup) return `forbidden: ${why}`;
  const qualified = attrs.apiGroup ? `${resource}.${attrs.apiGroup}` : resource;
  return attrs.name
    ? `${qualified} ${q(attrs.name)} is forbidden: ${why}`
    : `${qualified} is forbidden: ${why}`;
}

/** The 403 as an ApiError (reason Forbidden, details naming the resource like Kubernetes). */
export function forbiddenError(attrs: RequestAttributes, reason = ''): ApiError {
  const resource = attrs.resourceRequest ? attrs.resource : '';
  return new ApiError(403, 'Forbidden', forbiddenMessage(attrs, reason), {
    ...(attrs.name ? { name: attrs.name } : {}),
    ...(attrs.apiGroup ? { group: attrs.apiGroup } : {}),
    ...(resource ? { kind: resource } : {}),
  });
}

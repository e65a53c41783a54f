/**
 * Kubernetes' node authorizer (plugin/pkg/auth/authorizer/node) for `system:node:<name>`:
 *  - secrets, configmaps: get/list/watch of a single named object a pod bound to the node uses;
 *  - persistentvolumeclaims: get (and status update/patch) when a pod on the node uses it;
 *  - serviceaccounts/token: create for an account a pod on the node runs as;
 *  - leases (coordination.k8s.io) in kube-node-lease named after the node;
 *  - pods: get a pod bound to the node; list/watch only with fieldSelector spec.nodeName=<node>
 *    (Kubernetes' AuthorizeNodeWithSelectors behaviour); create/delete (mirror pods), status
 *    update/patch and eviction, narrowed by NodeRestriction;
 *  - everything else by the static node rules (bootstrappolicy.NodeRules).
 * Reasons are Kubernetes' own strings.
 *
 * Deliberate differences, each because one Pilothouse agent is both kubelet and kube-proxy with
 * a single node identity: nodes may get/list/watch every Node (route programming needs every
 * node's podCIDR; Kubernetes ≥ 1.32 narrows this to the node's own Node), and endpoints and
 * discovery.k8s.io endpointslices are readable (kube-proxy's system:node-proxier role).
 *
 * Known limitations: persistentvolumes, volumeattachments, resourceclaims and resourceslices are
 * denied (the lookup knows no PVC→PV edges and Pilothouse serves no DRA or CSI objects).
 */
import type { AuthorizerLookup, Decision, RequestAttributes } from './authorizer';
import { podReferences } from './pod-references';

const NODE_LEASE_NAMESPACE = 'kube-node-lease';

interface Rule {
  group: string;
  resources: string[];
  verbs: string[];
}
const READ = ['get', 'list', 'watch'];

/** The node rules that need no graph (bootstrappolicy.NodeRules, plus kube-proxy's reads). */
const STATIC_RULES: Rule[] = [
  { group: 'authentication.k8s.io', resources: ['tokenreviews'], verbs: ['create'] },
  {
    group: 'authorization.k8s.io',
    resources: ['subjectaccessreviews', 'localsubjectaccessreviews'],
    verbs: ['create'],
  },
  { group: '', resources: ['services', 'endpoints'], verbs: READ },
  { group: 'discovery.k8s.io', resources: ['endpointslices'], verbs: READ },
  { group: '', resources: ['nodes'], verbs: ['create', 'get', 'list', 'watch', 'update', 'patch'] },
  { group: '', resources: ['nodes/status'], verbs: ['update', 'patch'] },
  { group: '', resources: ['events'], verbs: ['create', 'update', 'patch'] },
  { group: 'events.k8s.io', resources: ['events'], verbs: ['create', 'update', 'patch'] },
  { group: 'certificates.k8s.io', resources: ['certificatesigningrequests'], verbs: ['create', ...READ] },
  { group: 'storage.k8s.io', resources: ['csidrivers'], verbs: READ },
  { group: 'node.k8s.io', resources: ['runtimeclasses'], verbs: READ },
];

const allow = (reason = 'allowed by the node authorizer'): Decision => ({ allowed: true, reason });
const deny = (reason: string): Decision => ({ allowed: false, reason });

export function authorizeNode(node: string, a: RequestAttributes, lookup: AuthorizerLookup): Decision {
  if (node === '') return deny(`unknown node for user ${JSON.stringify(a.user.name)}`);
  if (a.resourceRequest) {
    const relation = related(node, a, lookup);
    switch (`${a.apiGroup}/${a.resource}`) {
      case '/secrets':
        return readNamespacedObject(node, a, () => relation('secrets'));
      case '/configmaps':
        return readNamespacedObject(node, a, () => relation('configMaps'));
      case '/persistentvolumeclaims':
        if (a.subresource === 'status') {
          if (a.verb !== 'update' && a.verb !== 'patch') return deny('can only get/update/patch this type');
          return named(node, a, () => relation('persistentVolumeClaims'));
        }
        return getOnly(node, a, () => relation('persistentVolumeClaims'));
      case '/persistentvolumes':
      case 'storage.k8s.io/volumeattachments':
        return getOnly(node, a, () => false);
      case '/serviceaccounts':
        if (a.verb !== 'create' || !a.name)
          return deny('can only create tokens for individual service accounts');
        if (a.subresource !== 'token') return deny('can only create token subresource of serviceaccount');
        return relation('serviceAccount') ? allow() : deny(noRelationship(node));
      case 'coordination.k8s.io/leases':
        return lease(node, a);
      case '/pods':
        return pod(node, a, lookup);
    }
  }
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const ok =
    a.resourceRequest &&
    STATIC_RULES.some(
      (r) => r.group === a.apiGroup && r.resources.includes(resource) && r.verbs.includes(a.verb),
    );
  return ok ? allow() : deny('');
}

type Edge = 'secrets' | 'configMaps' | 'persistentVolumeClaims' | 'serviceAccount';

/** Whether a pod bound to the node, in the request's namespace, references the named object. */
function related(node: string, a: RequestAttributes, lookup: AuthorizerLookup) {
  return (edge: Edge): boolean =>
    lookup.podsOnNode(node).some((p) => {
      if ((p.metadata?.namespace ?? '') !== a.namespace) return false;
      const refs = podReferences(p);
      return edge === 'serviceAccount' ? refs.serviceAccount === a.name : refs[edge].has(a.name);
    });
}

const noRelationship = (node: string) => `no relationship found between node '${node}' and this object`;

function named(node: string, a: RequestAttributes, isRelated: () => boolean): Decision {
  if (!a.name) return deny('No Object name found');
  return isRelated() ? allow() : deny(noRelationship(node));
}

function getOnly(node: string, a: RequestAttributes, isRelated: () => boolean): Decision {
  if (a.verb !== 'get') return deny('can only get individual resources of this type');
  if (a.subresource) return deny('cannot get subresource');
  return named(node, a, isRelated);
}

function readNamespacedObject(node: string, a: RequestAttributes, isRelated: () => boolean): Decision {
  if (!READ.includes(a.verb)) return deny('can only read resources of this type');
  if (a.subresource) return deny('cannot read subresource');
  if (!a.namespace) return deny('can only read namespaced object of this type');
  return named(node, a, isRelated);
}

function lease(node: string, a: RequestAttributes): Decision {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) {
    return deny('can only get, create, update, patch, or delete a node lease');
  }
  if (a.namespace !== NODE_LEASE_NAMESPACE) {
    return deny(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  }
  // A create carries no name here; NodeRestriction checks the object's name.
  if (a.verb !== 'create' && a.name !== node) {
    return deny('can only access node lease with the same name as the requesting node');
  }
  return allow();
}

function pod(node: string, a: RequestAttributes, lookup: AuthorizerLookup): Decision {
  const boundHere = () => lookup.pod(a.namespace, a.name)?.spec?.nodeName === node;
  switch (a.subresource) {
    case '':
      if (a.verb === 'get') return getOnly(node, a, boundHere);
      if (a.verb === 'list' || a.verb === 'watch') {
        if (selectsNode(a.fieldSelector, node)) return allow();
        if (a.name) return named(node, a, boundHere);
        return deny('can only list/watch pods with spec.nodeName field selector');
      }
      if (a.verb === 'create' || a.verb === 'delete') return allow();
      break;
    case 'status':
      if (a.verb === 'update' || a.verb === 'patch') return allow();
      break;
    case 'eviction':
      if (a.verb === 'create') return allow();
      break;
  }
  return deny('');
}

/** Whether a field selector requires spec.nodeName=<node> (`=` or `==`). */
export function selectsNode(selector: string | undefined, node: string): boolean {
  for (const term of (selector ?? '').split(',')) {
    const m = /^\s*spec\.nodeName\s*={1,2}\s*(.*?)\s*$/.exec(term);
    if (m && !term.includes('!=') && m[1] === node) return true;
  }
  return false;
}

import type { Node, Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/types';
import {
  type AdmissionOperation,
  MIRROR_POD_ANNOTATION,
  type NodeAdmissionAttributes,
  admitNodeRequest,
} from './node-restriction';
import { makePod, users } from './test-fixtures';

const n1 = users.node('n1');
const NODE_UID = 'node-uid-n1';
const lookup = {
  pod: (ns: string, name: string) =>
    ({ web: makePod('web').node('n1').obj(), other: makePod('other').node('n2').obj() })[name] as
      Pod | undefined,
  node: (name: string): Node | undefined =>
    name === 'n1' ? { metadata: { name: 'n1', uid: NODE_UID } } : undefined,
};

function attrs(
  operation: AdmissionOperation,
  resource: string,
  more: Partial<NodeAdmissionAttributes> = {},
): NodeAdmissionAttributes {
  const [res = '', sub = ''] = resource.split('/');
  return {
    user: n1,
    operation,
    apiGroup: '',
    resource: res,
    subresource: sub,
    namespace: '',
    name: '',
    ...more,
  };
}

const node = (labels: Record<string, string> = {}, spec: Node['spec'] = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', labels },
  spec,
});

const mirror = () =>
  makePod('static-web')
    .node('n1')
    .annotations({ [MIRROR_POD_ANNOTATION]: 'hash' })
    .owner({ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: NODE_UID, controller: true });

type Case = [string, NodeAdmissionAttributes, object | undefined, object | undefined, string | null];

describe('admitNodeRequest', () => {
  it.each<Case>([
    // its own Node
    ['registers itself', attrs('CREATE', 'nodes'), node({ 'kubernetes.io/hostname': 'h1' }), undefined, null],
    [
      'registers with kubelet labels',
      attrs('CREATE', 'nodes'),
      node({
        'node.kubernetes.io/exclude-from-external-load-balancers': '',
        'kubernetes.io/arch': 'amd64',
        team: 'a',
      }),
      undefined,
      null,
    ],
    [
      'may not register another node',
      attrs('CREATE', 'nodes'),
      { ...node(), metadata: { name: 'n2' } },
      undefined,
      'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
    ],
    [
      'may not register with restricted labels',
      attrs('CREATE', 'nodes'),
      node({ 'node-restriction.kubernetes.io/secure': 'yes', 'node-role.kubernetes.io/control-plane': '' }),
      undefined,
      'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/secure, node-role.kubernetes.io/control-plane',
    ],
    [
      'may not register with a config source',
      attrs('CREATE', 'nodes'),
      node(
        {},
        { configSource: { configMap: { name: 'c', namespace: 'kube-system', kubeletConfigKey: 'k' } } },
      ),
      undefined,
      'nodes "n1" is forbidden: node "n1" is not allowed to create pods with a non-nil configSource',
    ],
    ['updates its status', attrs('UPDATE', 'nodes/status', { name: 'n1' }), node(), node(), null],
    [
      'may not update another Node',
      attrs('UPDATE', 'nodes/status', { name: 'n2' }),
      node(),
      node(),
      'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
    ],
    [
      'may not change its taints',
      attrs('UPDATE', 'nodes', { name: 'n1' }),
      node({}, { taints: [] }),
      node({}, { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] }),
      'nodes "n1" is forbidden: node "n1" is not allowed to modify taints',
    ],
    [
      'treats absent and empty taints alike',
      attrs('UPDATE', 'nodes', { name: 'n1' }),
      node({}, { taints: [] }),
      node(),
      null,
    ],
    [
      'may not remove a kubernetes.io label it does not own',
      attrs('UPDATE', 'nodes', { name: 'n1' }),
      node(),
      node({ 'node-role.kubernetes.io/worker': '' }),
      'nodes "n1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/worker',
    ],
    [
      'changes its own labels',
      attrs('UPDATE', 'nodes', { name: 'n1' }),
      node({ 'kubelet.kubernetes.io/x': 'b', mine: '2' }),
      node({ 'kubelet.kubernetes.io/x': 'a', mine: '1' }),
      null,
    ],
    // pods
    [
      'creates a mirror pod',
      attrs('CREATE', 'pods', { namespace: 'default' }),
      mirror().obj(),
      undefined,
      null,
    ],
    [
      'may not create an ordinary pod',
      attrs('CREATE', 'pods', { namespace: 'default' }),
      makePod('x').node('n1').obj(),
      undefined,
      'pods "x" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
    ],
    [
      'may not create a mirror pod for another node',
      attrs('CREATE', 'pods', { namespace: 'default' }),
      mirror().node('n2').obj(),
      undefined,
      'pods "static-web" is forbidden: node "n1" can only create pods with spec.nodeName set to itself',
    ],
    [
      'may not create a mirror pod owned by a stale Node uid',
      attrs('CREATE', 'pods', { namespace: 'default' }),
      makePod('m')
        .node('n1')
        .annotations({ [MIRROR_POD_ANNOTATION]: 'h' })
        .owner({ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'old', controller: true })
        .obj(),
      undefined,
      `pods "m" is forbidden: node n1 UID mismatch: expected old got ${NODE_UID}`,
    ],
    [
      'may not create a mirror pod that uses a secret',
      attrs('CREATE', 'pods', { namespace: 'default' }),
      mirror().secretVolume('s').obj(),
      undefined,
      'pods "static-web" is forbidden: node "n1" can not create pods that reference secrets',
    ],
    [
      'may not create a mirror pod that uses a service account',
      attrs('CREATE', 'pods', { namespace: 'default' }),
      mirror().serviceAccount('robot').obj(),
      undefined,
      'pods "static-web" is forbidden: node "n1" can not create pods that reference a service account',
    ],
    [
      'deletes its own pod',
      attrs('DELETE', 'pods', { namespace: 'default', name: 'web' }),
      undefined,
      lookup.pod('', 'web'),
      null,
    ],
    [
      "may not delete another node's pod",
      attrs('DELETE', 'pods', { namespace: 'default', name: 'other' }),
      undefined,
      lookup.pod('', 'other'),
      'pods "other" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself',
    ],
    [
      'may not update a pod spec',
      attrs('UPDATE', 'pods', { namespace: 'default', name: 'web' }),
      lookup.pod('', 'web'),
      lookup.pod('', 'web'),
      'pods "web" is forbidden: unexpected operation "UPDATE", node "n1" can only create and delete mirror pods',
    ],
    [
      'updates status of its pod',
      attrs('UPDATE', 'pods/status', { namespace: 'default', name: 'web' }),
      { ...makePod('web').node('n1').obj(), status: { phase: 'Running' } },
      lookup.pod('', 'web'),
      null,
    ],
    [
      "may not update status of another node's pod",
      attrs('UPDATE', 'pods/status', { namespace: 'default', name: 'other' }),
      lookup.pod('', 'other'),
      lookup.pod('', 'other'),
      'pods "other" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
    ],
    [
      'may not relabel its pod through status',
      attrs('UPDATE', 'pods/status', { namespace: 'default', name: 'web' }),
      makePod('web').node('n1').labels({ app: 'evil' }).obj(),
      lookup.pod('', 'web'),
      'pods "web" is forbidden: node "n1" cannot update labels through pod status',
    ],
    [
      "may not evict another node's pod",
      attrs('CREATE', 'pods/eviction', { namespace: 'default', name: 'other' }),
      { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } },
      lookup.pod('', 'other'),
      'pods "other" is forbidden: node n1 can only evict pods with spec.nodeName set to itself',
    ],
    [
      'may not use other pod subresources',
      attrs('CREATE', 'pods/exec', { namespace: 'default', name: 'web' }),
      undefined,
      undefined,
      `pods "web" is forbidden: unexpected pod subresource "exec", only 'status' and 'eviction' are allowed`,
    ],
    // leases
    [
      'creates its own lease',
      attrs('CREATE', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }),
      { metadata: { name: 'n1' } },
      undefined,
      null,
    ],
    [
      "may not create another node's lease",
      attrs('CREATE', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }),
      { metadata: { name: 'n2' } },
      undefined,
      'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
    ],
    [
      'may not use leases outside kube-node-lease',
      attrs('UPDATE', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'n1' }),
      { metadata: { name: 'n1' } },
      { metadata: { name: 'n1' } },
      'leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace',
    ],
    // service account tokens
    [
      'requests a token bound to its pod',
      attrs('CREATE', 'serviceaccounts/token', { namespace: 'default', name: 'robot' }),
      { spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'uid-web' } } },
      undefined,
      null,
    ],
    [
      'may not request an unbound token',
      attrs('CREATE', 'serviceaccounts/token', { namespace: 'default', name: 'robot' }),
      { spec: { audiences: [] } },
      undefined,
      'serviceaccounts "robot" is forbidden: node requested token not bound to a pod',
    ],
    [
      "may not request a token bound to another node's pod",
      attrs('CREATE', 'serviceaccounts/token', { namespace: 'default', name: 'robot' }),
      { spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'other', uid: 'uid-other' } } },
      undefined,
      'serviceaccounts "robot" is forbidden: node requested token bound to a pod scheduled on a different node',
    ],
    // others are not its business
    [
      'other users pass',
      { ...attrs('UPDATE', 'nodes', { name: 'n2' }), user: users.admin },
      node(),
      node(),
      null,
    ],
    [
      'events pass',
      attrs('CREATE', 'events', { namespace: 'default' }),
      { metadata: { name: 'e' } },
      undefined,
      null,
    ],
  ])('node n1 %s', (_what, a, obj, old, expected) => {
    expect(admitNodeRequest(a, obj as KubeObject | undefined, old as KubeObject | undefined, lookup)).toBe(
      expected,
    );
  });
});

/** core/v1 nodes: `/registry/minions/<name>` (the historical etcd name). */
import type { Node } from 'kubernetes-types/core/v1';
import { forbidden, invalid, notSupported, required } from '../../admission/field';
import { isQualifiedName, isLabelValue } from '../../admission/names';
import { TAINT_EFFECTS } from '../../admission/podspec';
import type { FieldError } from '../types';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, col, since } from '../printers';

type N = Obj<Node>;

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

/** findNodeRoles: `node-role.kubernetes.io/<role>` keys and the legacy `kubernetes.io/role`. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === ROLE_LABEL && v) roles.add(v);
  }
  return [...roles].sort();
}

/** printNode's STATUS: Ready/NotReady (or Unknown without a Ready condition), SchedulingDisabled. */
export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const status = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function address(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

function validateTaints(node: N): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (node.spec?.taints ?? []).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    for (const m of isQualifiedName(t.key ?? '')) errs.push(invalid(`${p}.key`, t.key ?? '', m));
    if (t.value) for (const m of isLabelValue(t.value)) errs.push(invalid(`${p}.value`, t.value, m));
    if (!t.effect) errs.push(required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect))
      errs.push(notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    const id = `${t.key}:${t.effect}`;
    if (seen.has(id)) {
      errs.push({
        field: `${p}`,
        type: 'FieldValueDuplicate',
        message: `Duplicate value: ${JSON.stringify({ effect: t.effect, key: t.key })}: taints must be unique by key and effect pair`,
      });
    }
    seen.add(id);
  });
  return errs;
}

function validateNodeUpdate(node: N, old: N): FieldError[] {
  const errs: FieldError[] = [];
  const prevCIDRs = old.spec?.podCIDRs ?? (old.spec?.podCIDR ? [old.spec.podCIDR] : []);
  const nextCIDRs = node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : []);
  if (prevCIDRs.length > 0 && JSON.stringify(prevCIDRs) !== JSON.stringify(nextCIDRs)) {
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

export const nodes = defineResource<N>({
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  shortNames: ['no'],
  namespaced: false,
  storagePrefix: 'minions',
  status: true,
  // The agent registers its Node with capacity and conditions already filled in (as kubelet does).
  keepStatusOnCreate: true,
  generation: false,
  special: ['proxy'],
  defaults(node) {
    // SetDefaults_NodeStatus: what is allocatable defaults to the whole capacity.
    const status = node.status;
    if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
  },
  validate: validator<N>({ namespaced: false }, (node, old) => [
    ...validateTaints(node),
    ...(old ? validateNodeUpdate(node, old) : []),
  ]),
  fieldSelectors: { 'spec.unschedulable': (n) => String(n.spec?.unschedulable ?? false) },
  columns: [
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE_COLUMN,
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node.', { wide: true }),
    col('External-IP', 'List of addresses reachable to the node.', { wide: true }),
    col(
      'OS-Image',
      'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
      {
        wide: true,
      },
    ),
    col(
      'Kernel-Version',
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      {
        wide: true,
      },
    ),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API.', {
      wide: true,
    }),
  ],
  row(node, now) {
    const info = node.status?.nodeInfo;
    return [
      nodeStatus(node),
      nodeRoles(node).join(',') || '<none>',
      since(node.metadata?.creationTimestamp, now),
      info?.kubeletVersion ?? '',
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
});

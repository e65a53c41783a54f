/**
 * Patch metadata of the built-in kinds: which lists merge (and by which key), which lists and maps
 * are atomic, which structs retain keys. It is the one source read by strategic merge patch,
 * server-side apply and the OpenAPI documents (as x-kubernetes-patch-merge-key,
 * x-kubernetes-patch-strategy, x-kubernetes-list-type, x-kubernetes-list-map-keys and
 * x-kubernetes-map-type).
 *
 * The facts are the struct tags and `+listType`/`+mapType`/`+structType` markers of k8s.io/api
 * (v1.30). Only fields that carry metadata, or lead to fields that do, are declared; an
 * undeclared field behaves as Kubernetes treats a field without tags: maps and structs merge key
 * by key, lists are replaced whole (strategic merge) and owned whole (server-side apply).
 *
 * Sub-trees (ObjectMeta, PodSpec, Container…) are shared by reference and frozen, so a PodSpec
 * is declared once and mounted wherever a pod template appears.
 */

export interface FieldPatchMeta {
  patchStrategy?: 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
}

/** A node of the tree: meta for this field, its children (object fields) and, for lists and maps, the element node. */
export interface PatchMetaNode {
  meta?: FieldPatchMeta;
  fields?: Record<string, PatchMetaNode>;
  items?: PatchMetaNode;
}

// ---- builders -------------------------------------------------------------------------------

const struct = (fields: Record<string, PatchMetaNode>, meta?: FieldPatchMeta): PatchMetaNode =>
  meta ? { meta, fields } : { fields };

/** `+listType=atomic`: replaced whole by strategic merge, owned whole by apply. */
const atomicList = (items?: PatchMetaNode): PatchMetaNode =>
  items ? { meta: { listType: 'atomic' }, items } : { meta: { listType: 'atomic' } };

/** A list of objects merged by `key` (patchStrategy merge) and keyed by `mapKeys` for apply. */
const keyedList = (
  items: PatchMetaNode,
  key: string,
  mapKeys: string[] = [key],
  patchStrategy: 'merge' | 'merge,retainKeys' = 'merge',
): PatchMetaNode => ({
  meta: { patchStrategy, patchMergeKey: key, listType: 'map', listMapKeys: mapKeys },
  items,
});

/** `+listType=map` without a patch strategy: keyed for apply, replaced by strategic merge. */
const mapList = (items: PatchMetaNode, mapKeys: string[]): PatchMetaNode => ({
  meta: { listType: 'map', listMapKeys: mapKeys },
  items,
});

/** A struct or map that is one value (`+structType=atomic` / `+mapType=atomic`). */
const ATOMIC_STRUCT: PatchMetaNode = { meta: { mapType: 'atomic' } };

const CONDITIONS = keyedList({}, 'type');

// ---- meta/v1 --------------------------------------------------------------------------------

const labelSelector: PatchMetaNode = struct(
  { matchExpressions: atomicList(struct({ values: atomicList() })) },
  { mapType: 'atomic' },
);

const objectMeta: PatchMetaNode = struct({
  finalizers: { meta: { patchStrategy: 'merge', listType: 'set' } },
  ownerReferences: keyedList(ATOMIC_STRUCT, 'uid'),
  managedFields: atomicList(),
});

// ---- core/v1 pod ----------------------------------------------------------------------------

const nodeSelectorTerm = struct(
  {
    matchExpressions: atomicList(struct({ values: atomicList() })),
    matchFields: atomicList(struct({ values: atomicList() })),
  },
  { mapType: 'atomic' },
);
const nodeSelector = struct({ nodeSelectorTerms: atomicList(nodeSelectorTerm) }, { mapType: 'atomic' });

const podAffinityTerm = struct({
  labelSelector,
  namespaceSelector: labelSelector,
  namespaces: atomicList(),
  matchLabelKeys: atomicList(),
  mismatchLabelKeys: atomicList(),
});
const podAffinity = struct({
  requiredDuringSchedulingIgnoredDuringExecution: atomicList(podAffinityTerm),
  preferredDuringSchedulingIgnoredDuringExecution: atomicList(struct({ podAffinityTerm })),
});
const affinity = struct({
  nodeAffinity: struct({
    requiredDuringSchedulingIgnoredDuringExecution: nodeSelector,
    preferredDuringSchedulingIgnoredDuringExecution: atomicList(struct({ preference: nodeSelectorTerm })),
  }),
  podAffinity,
  podAntiAffinity: podAffinity,
});

const execAction = struct({ command: atomicList() });
const httpGetAction = struct({ httpHeaders: atomicList() });
const probe = struct({ exec: execAction, httpGet: httpGetAction });
const lifecycleHandler = struct({ exec: execAction, httpGet: httpGetAction });

const resourceRequirements = struct({ claims: mapList({}, ['name']) });

const envVar = struct({
  valueFrom: struct({ fieldRef: ATOMIC_STRUCT, resourceFieldRef: ATOMIC_STRUCT }),
});

/** Container and EphemeralContainer (which shares EphemeralContainerCommon's tags). */
const container: PatchMetaNode = struct({
  command: atomicList(),
  args: atomicList(),
  ports: keyedList({}, 'containerPort', ['containerPort', 'protocol']),
  envFrom: atomicList(),
  env: keyedList(envVar, 'name'),
  resources: resourceRequirements,
  resizePolicy: atomicList(),
  volumeMounts: keyedList({}, 'mountPath'),
  volumeDevices: keyedList({}, 'devicePath'),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle: struct({ postStart: lifecycleHandler, preStop: lifecycleHandler }),
  securityContext: struct({
    capabilities: struct({ add: atomicList(), drop: atomicList() }),
  }),
});

const keyItems = struct({ items: atomicList() });
const pvcSpec = struct({
  accessModes: atomicList(),
  selector: labelSelector,
  dataSource: ATOMIC_STRUCT,
});

const volume: PatchMetaNode = struct({
  configMap: keyItems,
  secret: keyItems,
  downwardAPI: keyItems,
  projected: struct({
    sources: atomicList(struct({ configMap: keyItems, secret: keyItems, downwardAPI: keyItems })),
  }),
  iscsi: struct({ portals: atomicList(), secretRef: ATOMIC_STRUCT }),
  cephfs: struct({ monitors: atomicList(), secretRef: ATOMIC_STRUCT }),
  rbd: struct({ monitors: atomicList(), secretRef: ATOMIC_STRUCT }),
  csi: struct({ nodePublishSecretRef: ATOMIC_STRUCT }),
  flexVolume: struct({ secretRef: ATOMIC_STRUCT }),
  ephemeral: struct({
    volumeClaimTemplate: struct({ metadata: objectMeta, spec: pvcSpec }),
  }),
});

const podSpec: PatchMetaNode = struct({
  volumes: keyedList(volume, 'name', ['name'], 'merge,retainKeys'),
  initContainers: keyedList(container, 'name'),
  containers: keyedList(container, 'name'),
  ephemeralContainers: keyedList(container, 'name'),
  nodeSelector: { meta: { mapType: 'atomic' } },
  securityContext: struct({ supplementalGroups: atomicList(), sysctls: atomicList() }),
  imagePullSecrets: keyedList(ATOMIC_STRUCT, 'name'),
  affinity,
  tolerations: atomicList(),
  hostAliases: keyedList(struct({ hostnames: atomicList() }), 'ip'),
  dnsConfig: struct({ nameservers: atomicList(), searches: atomicList(), options: atomicList() }),
  readinessGates: atomicList(),
  topologySpreadConstraints: keyedList(
    struct({ labelSelector, matchLabelKeys: atomicList() }),
    'topologyKey',
    ['topologyKey', 'whenUnsatisfiable'],
  ),
  schedulingGates: keyedList({}, 'name'),
  resourceClaims: keyedList({}, 'name', ['name'], 'merge,retainKeys'),
});

const podStatus: PatchMetaNode = struct({
  conditions: CONDITIONS,
  // Merged by ip in strategic merge patch, yet atomic for apply (as tagged upstream).
  hostIPs: { meta: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' } },
  podIPs: keyedList({}, 'ip'),
  initContainerStatuses: atomicList(),
  containerStatuses: atomicList(),
  ephemeralContainerStatuses: atomicList(),
  resourceClaimStatuses: keyedList({}, 'name', ['name'], 'merge,retainKeys'),
});

const podTemplateSpec: PatchMetaNode = struct({ metadata: objectMeta, spec: podSpec });

// ---- core/v1 others -------------------------------------------------------------------------

const serviceSpec = struct({
  ports: keyedList({}, 'port', ['port', 'protocol']),
  selector: { meta: { mapType: 'atomic' } },
  clusterIPs: atomicList(),
  externalIPs: atomicList(),
  loadBalancerSourceRanges: atomicList(),
  ipFamilies: atomicList(),
});
const loadBalancerStatus = struct({
  ingress: atomicList(struct({ ports: atomicList() })),
});

const nodeSpec = struct({
  podCIDRs: { meta: { patchStrategy: 'merge', listType: 'set' } },
  taints: atomicList(),
});
const nodeStatus = struct({
  conditions: CONDITIONS,
  addresses: keyedList({}, 'type'),
  images: atomicList(struct({ names: atomicList() })),
  volumesInUse: atomicList(),
  volumesAttached: atomicList(),
});

const pvSpec = struct({
  accessModes: atomicList(),
  // ObjectReference is an atomic struct, but PersistentVolumeSpec.claimRef overrides it.
  claimRef: struct({}, { mapType: 'granular' }),
  mountOptions: atomicList(),
  nodeAffinity: struct({ required: nodeSelector }),
  iscsi: struct({ portals: atomicList() }),
  cephfs: struct({ monitors: atomicList() }),
  rbd: struct({ monitors: atomicList() }),
});

const pvcStatus = struct({ accessModes: atomicList(), conditions: CONDITIONS });

const endpointSubset = struct({
  addresses: atomicList(ATOMIC_STRUCT),
  notReadyAddresses: atomicList(ATOMIC_STRUCT),
  ports: atomicList(ATOMIC_STRUCT),
});

const coreEvent = struct({
  metadata: objectMeta,
  involvedObject: ATOMIC_STRUCT,
  related: ATOMIC_STRUCT,
});

// ---- apps/v1, batch/v1 ----------------------------------------------------------------------

const workloadStatus = struct({ conditions: CONDITIONS });

const jobSpec = struct({
  selector: labelSelector,
  template: podTemplateSpec,
  podFailurePolicy: struct({
    rules: atomicList(
      struct({
        onExitCodes: struct({ values: { meta: { listType: 'set' } } }),
        onPodConditions: atomicList(),
      }),
    ),
  }),
  successPolicy: struct({ rules: atomicList() }),
});

// ---- kinds ----------------------------------------------------------------------------------

const withMeta = (fields: Record<string, PatchMetaNode>): PatchMetaNode =>
  struct({ metadata: objectMeta, ...fields });

const KINDS: Record<string, PatchMetaNode> = {
  '/Namespace': withMeta({
    spec: struct({ finalizers: atomicList() }),
    status: struct({ conditions: CONDITIONS }),
  }),
  '/Node': withMeta({ spec: nodeSpec, status: nodeStatus }),
  '/Pod': withMeta({ spec: podSpec, status: podStatus }),
  '/Service': withMeta({
    spec: serviceSpec,
    status: struct({ loadBalancer: loadBalancerStatus, conditions: CONDITIONS }),
  }),
  '/Endpoints': withMeta({ subsets: atomicList(endpointSubset) }),
  '/ConfigMap': withMeta({}),
  '/Secret': withMeta({}),
  '/ServiceAccount': withMeta({
    secrets: keyedList(ATOMIC_STRUCT, 'name'),
    imagePullSecrets: atomicList(ATOMIC_STRUCT),
  }),
  '/Event': coreEvent,
  '/PersistentVolume': withMeta({ spec: pvSpec }),
  '/PersistentVolumeClaim': withMeta({ spec: pvcSpec, status: pvcStatus }),
  '/ReplicationController': withMeta({
    spec: struct({ selector: { meta: { mapType: 'atomic' } }, template: podTemplateSpec }),
    status: workloadStatus,
  }),
  'apps/Deployment': withMeta({
    spec: struct({
      selector: labelSelector,
      template: podTemplateSpec,
      strategy: { meta: { patchStrategy: 'retainKeys' } },
    }),
    status: workloadStatus,
  }),
  'apps/ReplicaSet': withMeta({
    spec: struct({ selector: labelSelector, template: podTemplateSpec }),
    status: workloadStatus,
  }),
  'apps/StatefulSet': withMeta({
    spec: struct({
      selector: labelSelector,
      template: podTemplateSpec,
      volumeClaimTemplates: atomicList(),
    }),
    status: workloadStatus,
  }),
  'apps/DaemonSet': withMeta({
    spec: struct({ selector: labelSelector, template: podTemplateSpec }),
    status: workloadStatus,
  }),
  'apps/ControllerRevision': withMeta({}),
  'batch/Job': withMeta({
    spec: jobSpec,
    // Merged by type in strategic merge patch, atomic for apply (as tagged upstream).
    status: struct({
      conditions: { meta: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' } },
      uncountedTerminatedPods: struct({
        succeeded: { meta: { listType: 'set' } },
        failed: { meta: { listType: 'set' } },
      }),
    }),
  }),
  'batch/CronJob': withMeta({
    spec: struct({ jobTemplate: struct({ metadata: objectMeta, spec: jobSpec }) }),
    status: struct({ active: atomicList(ATOMIC_STRUCT) }),
  }),
  'coordination.k8s.io/Lease': withMeta({}),
  'scheduling.k8s.io/PriorityClass': withMeta({}),
  'discovery.k8s.io/EndpointSlice': withMeta({
    endpoints: atomicList(
      struct({
        addresses: { meta: { listType: 'set' } },
        hints: struct({ forZones: atomicList(), forNodes: atomicList() }),
      }),
    ),
    ports: atomicList(ATOMIC_STRUCT),
  }),
  'events.k8s.io/Event': withMeta({ regarding: ATOMIC_STRUCT, related: ATOMIC_STRUCT }),
};

function deepFreeze(node: PatchMetaNode, seen: Set<PatchMetaNode>): void {
  if (seen.has(node)) return;
  seen.add(node);
  if (node.meta) {
    if (node.meta.listMapKeys) Object.freeze(node.meta.listMapKeys);
    Object.freeze(node.meta);
  }
  if (node.items) deepFreeze(node.items, seen);
  if (node.fields) {
    for (const child of Object.values(node.fields)) deepFreeze(child, seen);
    Object.freeze(node.fields);
  }
  Object.freeze(node);
}

const frozen = new Set<PatchMetaNode>();
for (const root of Object.values(KINDS)) deepFreeze(root, frozen);

const UNKNOWN: PatchMetaNode = Object.freeze({});

/**
 * Root node of `group`/`kind` ('' is the core group). Unknown kinds get `{}`: every map merges
 * and every list is atomic, like a custom resource without a structural schema. The tree is
 * frozen and shared; callers must not modify it.
 */
export function patchMetaFor(group: string, kind: string): PatchMetaNode {
  return KINDS[`${group}/${kind}`] ?? UNKNOWN;
}

/** The kinds with declared metadata, as `group/Kind` ('/Pod' for the core group). */
export function knownPatchMetaKinds(): string[] {
  return Object.keys(KINDS);
}

/** Child node of an object field (undefined when undeclared). */
export function fieldNode(node: PatchMetaNode | undefined, field: string): PatchMetaNode | undefined {
  const fields = node?.fields;
  return fields && Object.hasOwn(fields, field) ? fields[field] : undefined;
}

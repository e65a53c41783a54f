/**
 * The Kubernetes protobuf schema Pilothouse decodes, and which message each apiVersion/kind is.
 *
 * The .proto files under proto/ hold one Kubernetes package each (k8s.io/api `<group>/<version>`,
 * apimachinery meta/v1, runtime, intstr, resource), limited to the messages reachable from the
 * kinds in {@link KINDS}. Message and field names and numbers are Kubernetes' (they are the wire
 * format); the field options are ours and describe how Go's JSON encoding shows the field, which
 * the wire alone cannot tell:
 * - `(inline)`: Go embeds the struct (`json:",inline"`), so its fields belong to the parent object
 *   (Probe's handler, Volume's volumeSource, the LocalObjectReference in ConfigMap/Secret refs).
 * - `(keep_zero)`: the Go field is a pointer or has no `omitempty`, so a zero value on the wire
 *   (`replicas: 0`, `optional: false`, `containerPort: 0`) is kept. Without it a zero scalar is
 *   dropped: Go clients write every non-pointer field, empty or not, and `omitempty` hides it in JSON.
 * - `(json)`: the JSON name differs from the proto name (authentication/v1 BoundObjectReference `uID`).
 *
 * To decode another kind: add its package's messages (names, numbers and types from k8s.io/api
 * `<group>/<version>/generated.proto`; options from the Go struct tags in its types.go) and list the
 * kind in KINDS. A field left out is safe: a body that sets it is refused with a 415.
 *
 * The texts are imported with Vite's `?raw` (see ../openapi/raw-modules.d.ts): Vitest resolves it
 * from the source tree and electron-vite inlines the text into the bundle, so no file has to be
 * found at run time.
 */
import protobuf from 'protobufjs';
import apiResource from './proto/api-resource.proto?raw';
import appsV1 from './proto/apps-v1.proto?raw';
import authenticationV1 from './proto/authentication-v1.proto?raw';
import authorizationV1 from './proto/authorization-v1.proto?raw';
import autoscalingV1 from './proto/autoscaling-v1.proto?raw';
import batchV1 from './proto/batch-v1.proto?raw';
import coordinationV1 from './proto/coordination-v1.proto?raw';
import coreV1 from './proto/core-v1.proto?raw';
import discoveryV1 from './proto/discovery-v1.proto?raw';
import eventsV1 from './proto/events-v1.proto?raw';
import metaV1 from './proto/meta-v1.proto?raw';
import policyV1 from './proto/policy-v1.proto?raw';
import runtime from './proto/runtime.proto?raw';
import schedulingV1 from './proto/scheduling-v1.proto?raw';
import schedulingV1alpha3 from './proto/scheduling-v1alpha3.proto?raw';
import utilIntstr from './proto/util-intstr.proto?raw';

const PROTO_TEXTS = [
  metaV1,
  runtime,
  utilIntstr,
  apiResource,
  coreV1,
  appsV1,
  batchV1,
  schedulingV1,
  schedulingV1alpha3,
  policyV1,
  authenticationV1,
  authorizationV1,
  autoscalingV1,
  coordinationV1,
  discoveryV1,
  eventsV1,
];

/** The kinds a protobuf body may carry, by apiVersion, and the proto package holding them. */
export const KINDS: Record<string, { pkg: string; kinds: readonly string[] }> = {
  v1: {
    pkg: 'k8s.io.api.core.v1',
    kinds: [
      'Binding',
      'ConfigMap',
      'Endpoints',
      'Event',
      'Namespace',
      'Node',
      'PersistentVolume',
      'PersistentVolumeClaim',
      'Pod',
      'ReplicationController',
      'Secret',
      'Service',
      'ServiceAccount',
    ],
  },
  'apps/v1': {
    pkg: 'k8s.io.api.apps.v1',
    kinds: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'],
  },
  'batch/v1': { pkg: 'k8s.io.api.batch.v1', kinds: ['CronJob', 'Job'] },
  'policy/v1': { pkg: 'k8s.io.api.policy.v1', kinds: ['Eviction'] },
  // kubectl drain falls back to policy/v1beta1 on old servers; its Eviction has the same wire form.
  'policy/v1beta1': { pkg: 'k8s.io.api.policy.v1', kinds: ['Eviction'] },
  'authentication.k8s.io/v1': {
    pkg: 'k8s.io.api.authentication.v1',
    kinds: ['SelfSubjectReview', 'TokenRequest'],
  },
  'authorization.k8s.io/v1': {
    pkg: 'k8s.io.api.authorization.v1',
    kinds: ['SelfSubjectAccessReview'],
  },
  'autoscaling/v1': { pkg: 'k8s.io.api.autoscaling.v1', kinds: ['Scale'] },
  'coordination.k8s.io/v1': { pkg: 'k8s.io.api.coordination.v1', kinds: ['Lease'] },
  'discovery.k8s.io/v1': { pkg: 'k8s.io.api.discovery.v1', kinds: ['EndpointSlice'] },
  'events.k8s.io/v1': { pkg: 'k8s.io.api.events.v1', kinds: ['Event'] },
  'scheduling.k8s.io/v1': { pkg: 'k8s.io.api.scheduling.v1', kinds: ['PriorityClass'] },
};

/** meta/v1 DeleteOptions is registered in every group version (client-go encodes it with the target's). */
const DELETE_OPTIONS = 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions';

let root: protobuf.Root | undefined;

/** Every message above, parsed once and resolved (protobufjs reflection, field names as written). */
export function kubernetesRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    for (const text of PROTO_TEXTS) protobuf.parse(text, r, { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

/** The message for an apiVersion/kind, or undefined when Pilothouse does not decode that kind. */
export function messageFor(apiVersion: string, kind: string): protobuf.Type | undefined {
  if (kind === 'DeleteOptions' && (apiVersion === 'meta.k8s.io/v1' || apiVersion in KINDS)) {
    return kubernetesRoot().lookupType(DELETE_OPTIONS);
  }
  const entry = Object.hasOwn(KINDS, apiVersion) ? KINDS[apiVersion] : undefined;
  if (!entry?.kinds.includes(kind)) return undefined;
  return kubernetesRoot().lookupType(`${entry.pkg}.${kind}`);
}

/** `core/v1 PodSpec`, `meta/v1 ObjectMeta`: how errors name a message. */
export function messageLabel(type: protobuf.Type): string {
  const pkg = (type.parent?.fullName ?? '')
    .replace(/^\.k8s\.io\.api\./, '')
    .replace(/^\.k8s\.io\.apimachinery\.pkg\.(apis\.)?/, '');
  return `${pkg.split('.').join('/')} ${type.name}`;
}

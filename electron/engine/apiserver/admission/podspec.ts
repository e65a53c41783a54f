/**
 * PodSpec defaulting and validation shared by pods and every pod template (deployments, replica
 * sets, stateful sets, daemon sets, jobs, cron jobs, replication controllers). Defaults follow
 * pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec, _Container, _Volume, probes, ports);
 * validation follows ValidatePodSpec and its helpers, with Kubernetes' messages.
 *
 * Known limitations: resource quantities, probes, security contexts, affinity, topology spread,
 * env var names and volume sources' own fields are not validated; a volumeMount naming a missing
 * volume is not reported (Kubernetes reports `Not found`, which FieldError has no type for).
 */
import type { Container, PodSpec, PodTemplateSpec, Probe, Volume } from 'kubernetes-types/core/v1';
import type { FieldError } from '../resources/types';
import { duplicate, forbidden, invalid, notSupported, required } from './field';
import { validateLabels, validateTemplateMeta } from './meta';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelValue,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
} from './names';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const MESSAGE_POLICIES = ['FallbackToLogsOnError', 'File'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const VOLUME_DEFAULT_MODE = 0o644;

/**
 * The pull policy Kubernetes picks when none is given: Always for `:latest` or an untagged image
 * (which means latest), IfNotPresent for any other tag or a digest.
 */
export function defaultPullPolicy(image: string): string {
  const [named, digest] = image.split('@');
  const lastSlash = (named ?? '').lastIndexOf('/');
  const colon = (named ?? '').lastIndexOf(':');
  const tag = colon > lastSlash ? (named ?? '').slice(colon + 1) : '';
  if (!tag) return digest ? 'IfNotPresent' : 'Always';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: Probe | undefined): void {
  if (!probe) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  if (probe.httpGet) {
    probe.httpGet.path ??= '/';
    probe.httpGet.scheme ??= 'HTTP';
  }
}

/** SetDefaults_Container plus its ports, probes, env field refs and lifecycle handlers. */
export function defaultContainer(c: Container): void {
  if (c.image && !c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const port of c.ports ?? []) port.protocol ??= 'TCP';
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  for (const handler of [c.lifecycle?.postStart, c.lifecycle?.preStop]) {
    if (handler?.httpGet) {
      handler.httpGet.path ??= '/';
      handler.httpGet.scheme ??= 'HTTP';
    }
  }
  for (const env of c.env ?? []) {
    if (env.valueFrom?.fieldRef) env.valueFrom.fieldRef.apiVersion ??= 'v1';
  }
}

/** The volume source keys a Volume may carry (exactly one must be set). */
function volumeSources(v: Volume): string[] {
  return Object.keys(v).filter((k) => k !== 'name' && (v as unknown as Record<string, unknown>)[k] != null);
}

function defaultVolume(v: Volume): void {
  if (volumeSources(v).length === 0) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= VOLUME_DEFAULT_MODE;
  if (v.configMap) v.configMap.defaultMode ??= VOLUME_DEFAULT_MODE;
  if (v.projected) v.projected.defaultMode ??= VOLUME_DEFAULT_MODE;
  if (v.downwardAPI) v.downwardAPI.defaultMode ??= VOLUME_DEFAULT_MODE;
  if (v.hostPath) v.hostPath.type ??= '';
}

/** SetDefaults_PodSpec and the defaults of everything inside it. Idempotent. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const c of all) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c as Container);
  if (spec.hostNetwork) {
    // With host networking the container port is the host port.
    for (const c of all) for (const p of c.ports ?? []) p.hostPort ??= p.containerPort;
  }
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

/** Defaults for a template: the pod spec's, nothing pod-only (no admission, no status). */
export function defaultPodTemplate(template: PodTemplateSpec | undefined): void {
  if (!template) return;
  template.spec ??= { containers: [] };
  defaultPodSpec(template.spec);
}

function validateContainer(c: Container, path: string, names: Set<string>, init: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(`${path}.name`));
  else {
    for (const msg of isDNS1123Label(c.name)) errs.push(invalid(`${path}.name`, c.name, msg));
    if (names.has(c.name)) errs.push(duplicate(`${path}.name`, c.name));
    names.add(c.name);
  }
  if (!c.image) errs.push(required(`${path}.image`));
  if (!c.imagePullPolicy) {
    if (c.image) errs.push(required(`${path}.imagePullPolicy`));
  } else if (!PULL_POLICIES.includes(c.imagePullPolicy)) {
    errs.push(notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  if (c.terminationMessagePolicy && !MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.push(notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, MESSAGE_POLICIES));
  }
  if (init && c.restartPolicy !== undefined && c.restartPolicy !== 'Always') {
    errs.push(notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
  }
  if (!init && c.restartPolicy !== undefined) {
    errs.push(forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
  }
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((port, i) => {
    const p = `${path}.ports[${i}]`;
    if (!port.containerPort) errs.push(required(`${p}.containerPort`));
    else
      for (const msg of isValidPortNum(port.containerPort))
        errs.push(invalid(`${p}.containerPort`, port.containerPort, msg));
    if (port.hostPort) {
      for (const msg of isValidPortNum(port.hostPort))
        errs.push(invalid(`${p}.hostPort`, port.hostPort, msg));
    }
    if (!port.protocol) errs.push(required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol))
      errs.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
    if (port.name) {
      for (const msg of isValidPortName(port.name)) errs.push(invalid(`${p}.name`, port.name, msg));
      if (portNames.has(port.name)) errs.push(duplicate(`${p}.name`, port.name));
      portNames.add(port.name);
    }
  });
  (c.volumeMounts ?? []).forEach((m, i) => {
    const p = `${path}.volumeMounts[${i}]`;
    if (!m.name) errs.push(required(`${p}.name`));
    if (!m.mountPath) errs.push(required(`${p}.mountPath`));
  });
  return errs;
}

/** ValidateTolerations. */
export function validateTolerations(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (spec.tolerations ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (t.key) for (const msg of isQualifiedName(t.key)) errs.push(invalid(`${p}.key`, t.key, msg));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(
        invalid(
          `${p}.operator`,
          t.operator ?? '',
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(
        invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"),
      );
    }
    if (t.operator === undefined || t.operator === '' || t.operator === 'Equal') {
      for (const msg of isLabelValue(t.value ?? '')) errs.push(invalid(`${p}.operator`, t.value, msg));
    } else if (t.operator === 'Exists') {
      if (t.value) errs.push(invalid(p, t, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !TAINT_EFFECTS.includes(t.effect)) {
      errs.push(notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    }
  });
  return errs;
}

/** ValidatePodSpec (the parts listed in this module's header). */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  if (!spec) return [required(path)];
  const errs: FieldError[] = [];
  const volumeNames = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    const p = `${path}.volumes[${i}]`;
    if (!v.name) errs.push(required(`${p}.name`));
    else {
      for (const msg of isDNS1123Label(v.name)) errs.push(invalid(`${p}.name`, v.name, msg));
      if (volumeNames.has(v.name)) errs.push(duplicate(`${p}.name`, v.name));
      volumeNames.add(v.name);
    }
    const sources = volumeSources(v);
    if (sources.length === 0) errs.push(required(p, 'must specify a volume type'));
    else if (sources.length > 1) errs.push(forbidden(p, 'may not specify more than 1 volume type'));
  });
  const names = new Set<string>();
  (spec.initContainers ?? []).forEach((c, i) =>
    errs.push(...validateContainer(c, `${path}.initContainers[${i}]`, names, true)),
  );
  if (!spec.containers || spec.containers.length === 0) errs.push(required(`${path}.containers`));
  (spec.containers ?? []).forEach((c, i) =>
    errs.push(...validateContainer(c, `${path}.containers[${i}]`, names, false)),
  );
  if (!spec.restartPolicy) errs.push(required(`${path}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(spec.restartPolicy)) {
    errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  }
  if (!spec.dnsPolicy) errs.push(required(`${path}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(spec.dnsPolicy)) {
    errs.push(notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  if (spec.serviceAccountName) {
    for (const msg of isDNS1123Subdomain(spec.serviceAccountName)) {
      errs.push(invalid(`${path}.serviceAccountName`, spec.serviceAccountName, msg));
    }
  }
  if (spec.nodeName) {
    for (const msg of isDNS1123Subdomain(spec.nodeName))
      errs.push(invalid(`${path}.nodeName`, spec.nodeName, msg));
  }
  for (const key of ['hostname', 'subdomain'] as const) {
    const v = spec[key];
    if (v) for (const msg of isDNS1123Label(v)) errs.push(invalid(`${path}.${key}`, v, msg));
  }
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && (deadline < 1 || deadline > 2147483647)) {
    errs.push(
      invalid(`${path}.activeDeadlineSeconds`, deadline, 'must be between 1 and 2147483647, inclusive'),
    );
  }
  errs.push(...validateTolerations(spec, `${path}.tolerations`));
  return errs;
}

/**
 * ValidatePodTemplateSpec for a workload: template labels/annotations, the pod spec, and the
 * restart policies the workload allows (Deployments etc. only `Always`; Jobs `OnFailure`/`Never`).
 */
export function validatePodTemplate(
  template: PodTemplateSpec | undefined,
  path: string,
  restartPolicies?: string[],
): FieldError[] {
  if (!template) return [required(path)];
  const errs = [
    ...validateTemplateMeta(template.metadata, `${path}.metadata`),
    ...validatePodSpec(template.spec, `${path}.spec`),
  ];
  const policy = template.spec?.restartPolicy;
  if (restartPolicies && policy && !restartPolicies.includes(policy)) {
    errs.push(notSupported(`${path}.spec.restartPolicy`, policy, restartPolicies));
  }
  if (template.spec?.activeDeadlineSeconds !== undefined && restartPolicies?.includes('Always')) {
    errs.push(
      invalid(
        `${path}.spec.activeDeadlineSeconds`,
        template.spec.activeDeadlineSeconds,
        'activeDeadlineSeconds in ReplicaSet is not Supported',
      ),
    );
  }
  return errs;
}

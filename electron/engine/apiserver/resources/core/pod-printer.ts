/**
 * The pod row kubectl shows, as printPod in pkg/printers/internalversion: READY counts ready
 * containers (restartable init containers included), STATUS walks init containers then
 * containers for the most telling reason (`Init:0/1`, `ContainerCreating`, `CrashLoopBackOff`,
 * `Completed`, `Terminating`…), RESTARTS adds `(<age> ago)` of the last restart.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1';
import { since } from '../printers';

const NODE_UNREACHABLE_REASON = 'NodeLost';

function isRestartableInit(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** Cells after NAME: Ready, Status, Restarts, Age, IP, Node, Nominated Node, Readiness Gates. */
export function podRow(pod: Pod, now: number): unknown[] {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const conditions = status.conditions ?? [];
  let restarts = 0;
  let restartableRestarts = 0;
  let total = (spec.containers ?? []).length;
  let ready = 0;
  let lastRestart: string | undefined;
  let lastRestartableRestart: string | undefined;

  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  const inits = new Map<string, Container>();
  for (const c of spec.initContainers ?? []) {
    inits.set(c.name, c);
    if (isRestartableInit(c)) total++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    if (!cs) continue;
    restarts += cs.restartCount ?? 0;
    const finished = cs.lastState?.terminated?.finishedAt;
    lastRestart = later(lastRestart, finished);
    const restartable = isRestartableInit(inits.get(cs.name));
    if (restartable) {
      restartableRestarts += cs.restartCount ?? 0;
      lastRestartableRestart = later(lastRestartableRestart, finished);
    }
    const term = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (restartable && cs.started) {
      if (cs.ready) ready++;
      continue;
    }
    if (term) {
      reason = term.reason
        ? `Init:${term.reason}`
        : term.signal
          ? `Init:Signal:${term.signal}`
          : `Init:ExitCode:${term.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initialized = conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = restartableRestarts;
    lastRestart = lastRestartableRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      if (!cs) continue;
      restarts += cs.restartCount ?? 0;
      lastRestart = later(lastRestart, cs.lastState?.terminated?.finishedAt);
      const waiting = cs.state?.waiting;
      const term = cs.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp && status.reason === NODE_UNREACHABLE_REASON) {
    reason = 'Unknown';
  } else if (pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  const restartsCell =
    restarts !== 0 && lastRestart ? `${restarts} (${since(lastRestart, now)} ago)` : String(restarts);

  const gates = spec.readinessGates ?? [];
  let readinessGates = '<none>';
  if (gates.length > 0) {
    const met = gates.filter(
      (g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True',
    ).length;
    readinessGates = `${met}/${gates.length}`;
  }
  return [
    `${ready}/${total}`,
    reason,
    restartsCell,
    since(pod.metadata?.creationTimestamp, now),
    status.podIPs?.[0]?.ip || '<none>',
    spec.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    readinessGates,
  ];
}

/**
 * DefaultPreemption, the PostFilter plugin (kube-scheduler plugins/defaultpreemption and
 * framework/preemption Evaluator.Preempt): when no node fits a pod, find nodes where deleting
 * lower-priority pods makes it fit (dry runs on copies), pick the node kube-scheduler would,
 * delete its victims (marked DisruptionTarget / PreemptionByScheduler first, with a "Preempted"
 * event each), clear the nomination of lower-priority pods nominated there, and nominate the
 * pod to that node. The pod itself is retried when the victims' deletion events arrive.
 *
 * Messages are kube-scheduler's: "preemption: 0/3 nodes are available: 1 No preemption victims
 * found for incoming pod, 2 Preemption is not helpful for scheduling.",
 * "preemption: not eligible due to preemptionPolicy=Never.".
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { EventRecorder } from '../../../kube/events';
import { isNotFound } from '../../../kube/errors';
import type { Logger } from '../../../kube/log';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import { fitErrorMessage, newDiagnosis } from '../framework/fit-error';
import {
  Code,
  Status,
  unschedulable,
  type CycleState,
  type Handle,
  type NodeToStatus,
  type PluginFactory,
  type PodInfo,
  type PostFilterPlugin,
  type PostFilterResult,
} from '../framework/types';
import type { Nominator } from '../queue/nominator';
import {
  type Candidate,
  type DryRunner,
  numCandidates,
  pickCandidate,
  podPriority,
  selectVictimsOnNode,
} from './victims';

export const NAME = 'DefaultPreemption';
export const REASON_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const REASON_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const REASON_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';

export interface PreemptionDeps {
  client: KubeClient;
  recorder: EventRecorder;
  nominator: Nominator;
  log: Logger;
  /** The latest version of a pod from the informer (namespace/name), if it still exists. */
  currentPod(key: string): Pod | undefined;
  /** Pending pods nominated to a node (to clear lower-priority nominations there). */
  now?: () => number;
  random?: () => number;
}

const ruleOut = (): Status => new Status(Code.UnschedulableAndUnresolvable, [REASON_NOT_HELPFUL]);

/** The status of a node in a FitError's map (nodes PreFilter left out: `absent`). */
function statusOf(filtered: NodeToStatus, name: string): Status {
  return filtered.map.get(name) ?? filtered.absent ?? ruleOut();
}

export function createDefaultPreemption(deps: PreemptionDeps): PluginFactory {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const pods = deps.client.resource<Pod>(R.pods);

  return (_args, handle: Handle) => {
    const runner = handle as unknown as DryRunner;
    if (typeof runner.runFilterPlugins !== 'function')
      throw new Error(`${NAME}: the framework handle cannot run filter plugins`);

    const fail = (message: string, clear = false): PostFilterResult => ({
      nominatingInfo: clear ? { nominatedNodeName: '', mode: 'Override' } : null,
      status: unschedulable(`preemption: ${message}`),
    });

    /** PodEligibleToPreemptOthers: '' when eligible, else why not. */
    function notEligible(pod: Pod, filtered: NodeToStatus): string {
      if (pod.spec?.preemptionPolicy === 'Never') return REASON_POLICY_NEVER;
      const nominated = pod.status?.nominatedNodeName;
      if (!nominated) return '';
      // A nominated node the filters now rule out for good: preempt elsewhere.
      if (statusOf(filtered, nominated).code === Code.UnschedulableAndUnresolvable) return '';
      const ni = handle.snapshot().get(nominated);
      const priority = podPriority(pod);
      // Victims of an earlier preemption still terminating there: wait for them.
      if (ni?.pods.some((p) => podPriority(p.pod) < priority && p.pod.metadata?.deletionTimestamp))
        return REASON_TERMINATING;
      return '';
    }

    async function evict(victim: PodInfo, preemptor: Pod, nodeName: string): Promise<void> {
      const condition = {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'PreemptionByScheduler',
        message: `${preemptor.spec?.schedulerName ?? 'default-scheduler'}: preempting to accommodate a higher priority pod`,
        lastTransitionTime: new Date(now()).toISOString().replace(/\.\d+Z$/, 'Z'),
      };
      try {
        await pods.patch(
          victim.namespace,
          victim.name,
          'strategic',
          { status: { conditions: [condition] } },
          {
            subresource: 'status',
          },
        );
        await pods.delete(victim.namespace, victim.name, { preconditions: { uid: victim.uid } });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      deps.recorder.event(
        victim.pod,
        'Normal',
        'Preempted',
        `Preempted by pod ${preemptor.metadata?.uid ?? ''} on node ${nodeName}`,
        'Preempting',
      );
    }

    /** Pods of lower priority nominated to the node lose their nomination (kube: prepareCandidate). */
    async function clearLowerNominations(preemptor: Pod, nodeName: string): Promise<void> {
      const priority = podPriority(preemptor);
      const lower = deps.nominator
        .podsFor(nodeName)
        .filter((p) => podPriority(p) < priority && p.metadata?.uid !== preemptor.metadata?.uid);
      await Promise.all(
        lower.map(async (p) => {
          deps.nominator.delete(p);
          if (!p.status?.nominatedNodeName) return;
          await pods
            .patch(
              p.metadata?.namespace ?? '',
              p.metadata?.name ?? '',
              'merge',
              { status: { nominatedNodeName: null } },
              {
                subresource: 'status',
              },
            )
            .catch((err: unknown) => {
              if (!isNotFound(err))
                deps.log.warn({ err: (err as Error).message }, 'could not clear a nomination');
            });
        }),
      );
    }

    const plugin = {
      name: NAME,
      async postFilter(
        state: CycleState,
        podInfo: PodInfo,
        filtered: NodeToStatus,
      ): Promise<PostFilterResult> {
        const pod = deps.currentPod(podInfo.key) ?? podInfo.pod;
        const why = notEligible(pod, filtered);
        if (why) return fail(why);

        const allNodes = handle.snapshot().nodeInfos();
        if (allNodes.length === 0)
          return { nominatingInfo: null, status: new Status(Code.Error, ['no nodes available']) };
        const diagnosis = newDiagnosis();
        const potential = allNodes.filter((n) => {
          if (statusOf(filtered, n.name).code !== Code.UnschedulableAndUnresolvable) return true;
          diagnosis.nodeToStatus.map.set(n.name, ruleOut());
          return false;
        });
        if (potential.length === 0) return fail(fitErrorMessage(allNodes.length, diagnosis), true);

        // DryRunPreemption: from a random offset until enough candidates are found.
        const offset = Math.floor(random() * potential.length);
        const want = numCandidates(potential.length);
        const candidates: Candidate[] = [];
        const t = now();
        for (let i = 0; i < potential.length && candidates.length < want; i++) {
          const ni = potential[(offset + i) % potential.length];
          if (!ni) continue;
          const { victims, status } = selectVictimsOnNode(runner, state.clone(), podInfo, ni.clone(), t);
          if (status === null && victims.length > 0)
            candidates.push({ nodeName: ni.name, victims, numPDBViolations: 0 });
          else if (status === null)
            diagnosis.nodeToStatus.map.set(
              ni.name,
              new Status(Code.Error, [`expected at least one victim pod on node ${ni.name}`]),
            );
          else diagnosis.nodeToStatus.map.set(ni.name, status);
        }
        if (candidates.length === 0) return fail(fitErrorMessage(allNodes.length, diagnosis), true);

        const best = pickCandidate(candidates, t);
        if (!best) return { nominatingInfo: null, status: unschedulable('no candidate node for preemption') };
        deps.log.info(
          {
            pod: podInfo.key,
            node: best.nodeName,
            victims: best.victims.map((v) => v.key),
          },
          'preempting lower-priority pods',
        );
        try {
          await Promise.all(best.victims.map((v) => evict(v, pod, best.nodeName)));
          await clearLowerNominations(pod, best.nodeName);
        } catch (err) {
          return {
            nominatingInfo: null,
            status: new Status(Code.Error, [(err as Error).message], NAME, err as Error),
          };
        }
        return { nominatingInfo: { nominatedNodeName: best.nodeName, mode: 'Override' }, status: null };
      },
    } satisfies PostFilterPlugin;
    return plugin;
  };
}

import type { Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { ListSnapshot } from './framework/snapshot';
import { NodeInfo, newPodInfo } from './framework/types';
import { inTreeRegistry } from './plugins/registry';
import { Nominator } from './queue/nominator';
import { SchedulerFramework } from './scheduler-framework';
import { makeNode, makePod } from './testing/fixtures';

/** One 2-cpu node holding a 1-cpu pod, and a 1-cpu pod of priority 100 nominated to it. */
function setup() {
  const ni = new NodeInfo(makeNode('n1').capacity({ cpu: '2', memory: '8Gi', pods: '110' }).obj());
  ni.addPod(newPodInfo(makePod('running').node('n1').req({ cpu: '1' }).obj()));
  const nominator = new Nominator();
  const nominated = makePod('nominated').priority(100).req({ cpu: '1' }).obj();
  nominator.add(nominated, 'n1');
  const fw = new SchedulerFramework(
    { schedulerName: 'default-scheduler', plugins: [{ name: 'NodeResourcesFit' }] },
    inTreeRegistry,
    nominator,
    { snapshot: new ListSnapshot([ni]) },
  );
  const filter = (pod: Pod) => {
    const info = newPodInfo(pod);
    const state = fw.newCycleState();
    fw.runPreFilterPlugins(state, info);
    return fw.runFilterPlugins(state, info, ni)?.message() ?? 'fits';
  };
  return { filter, nominator, nominated };
}

describe('SchedulerFramework: filters count nominated pods', () => {
  it.each([
    { name: 'a lower-priority pod does not take the nominated room', priority: 10, want: 'Insufficient cpu' },
    { name: 'an equal-priority pod does not either', priority: 100, want: 'Insufficient cpu' },
    { name: 'a higher-priority pod ignores the nomination', priority: 1000, want: 'fits' },
  ])('$name', ({ priority, want }) => {
    const { filter } = setup();
    expect(filter(makePod('newcomer').priority(priority).req({ cpu: '1' }).obj())).toBe(want);
  });

  it('the nominated pod itself fits, and nobody is held back once the nomination is gone', () => {
    const { filter, nominator, nominated } = setup();
    expect(filter(nominated)).toBe('fits');
    nominator.delete(nominated);
    expect(filter(makePod('newcomer').priority(10).req({ cpu: '1' }).obj())).toBe('fits');
  });
});

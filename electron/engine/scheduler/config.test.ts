import { describe, expect, it } from 'vitest';
import { type ConfigBase, SchedulerConfigError, parseSchedulerConfig } from './config';
import type { Profile } from './framework/profile';

/** kube-scheduler v1.30's default plugins (multiPoint) and score weights. */
const DEFAULT: Profile = {
  schedulerName: 'default-scheduler',
  plugins: [
    { name: 'PrioritySort' },
    { name: 'NodeUnschedulable' },
    { name: 'NodeName' },
    { name: 'TaintToleration', weight: 3 },
    { name: 'NodeAffinity', weight: 2 },
    { name: 'NodePorts' },
    { name: 'NodeResourcesFit', weight: 1 },
    { name: 'VolumeBinding' },
    { name: 'PodTopologySpread', weight: 2 },
    { name: 'InterPodAffinity', weight: 2 },
    { name: 'DefaultPreemption' },
    { name: 'NodeResourcesBalancedAllocation', weight: 1 },
    { name: 'ImageLocality', weight: 1 },
    { name: 'DefaultBinder' },
  ],
};
const base: ConfigBase = {
  profile: DEFAULT,
  registered: new Set([...DEFAULT.plugins.map((p) => p.name), 'OutOfTreeFilter']),
};

const weights = (p: Profile) => Object.fromEntries(p.plugins.map((r) => [r.name, r.weight ?? 1]));

describe('parseSchedulerConfig', () => {
  it('an empty file gives the defaults', () => {
    const c = parseSchedulerConfig('', base);
    expect(c.profile.schedulerName).toBe('default-scheduler');
    expect(c.profile.plugins).toEqual(DEFAULT.plugins);
    expect(c.profile.disabled).toEqual({});
    expect(c).toMatchObject({
      podInitialBackoffMs: 1000,
      podMaxBackoffMs: 10_000,
      podMaxInUnschedulableMs: 300_000,
    });
  });

  it('reads scheduler name, back-off, percentage, weights and NodeResourcesFit args', () => {
    const c = parseSchedulerConfig(
      `
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
podInitialBackoffSeconds: 2
podMaxBackoffSeconds: 20
profiles:
- schedulerName: bin-packer
  plugins:
    score:
      enabled:
      - name: NodeResourcesFit
        weight: 5
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources: [{ name: cpu, weight: 1 }, { name: memory, weight: 1 }]
`,
      base,
    );
    expect(c.profile.schedulerName).toBe('bin-packer');
    expect(c.profile.percentageOfNodesToScore).toBe(30);
    expect(c.podInitialBackoffMs).toBe(2000);
    expect(c.podMaxBackoffMs).toBe(20_000);
    expect(weights(c.profile).NodeResourcesFit).toBe(5);
    expect(weights(c.profile).TaintToleration).toBe(3);
    expect(c.profile.pluginArgs?.NodeResourcesFit).toMatchObject({
      scoringStrategy: { type: 'MostAllocated' },
    });
  });

  it.each([
    {
      name: 'disabling one filter plugin',
      plugins: { filter: { disabled: [{ name: 'NodePorts' }] } },
      want: { filter: ['NodePorts'] },
    },
    {
      name: "disabling every score plugin but one with '*'",
      plugins: { score: { disabled: [{ name: '*' }], enabled: [{ name: 'ImageLocality', weight: 4 }] } },
      want: {
        score: [
          'PrioritySort',
          'NodeUnschedulable',
          'NodeName',
          'TaintToleration',
          'NodeAffinity',
          'NodePorts',
          'NodeResourcesFit',
          'VolumeBinding',
          'PodTopologySpread',
          'InterPodAffinity',
          'DefaultPreemption',
          'NodeResourcesBalancedAllocation',
          'DefaultBinder',
        ],
      },
    },
    {
      name: 'adding a plugin at filter only (with its PreFilter)',
      plugins: { filter: { enabled: [{ name: 'OutOfTreeFilter' }] } },
      want: {
        postFilter: ['OutOfTreeFilter'],
        preScore: ['OutOfTreeFilter'],
        score: ['OutOfTreeFilter'],
        reserve: ['OutOfTreeFilter'],
        permit: ['OutOfTreeFilter'],
        preBind: ['OutOfTreeFilter'],
        bind: ['OutOfTreeFilter'],
        postBind: ['OutOfTreeFilter'],
      },
    },
  ])('$name', ({ plugins, want }) => {
    const c = parseSchedulerConfig(JSON.stringify({ profiles: [{ plugins }] }), base);
    expect(c.profile.disabled).toEqual(want);
  });

  it('multiPoint can drop and add plugins', () => {
    const c = parseSchedulerConfig(
      JSON.stringify({
        profiles: [
          {
            plugins: {
              multiPoint: { disabled: [{ name: 'ImageLocality' }], enabled: [{ name: 'OutOfTreeFilter' }] },
            },
          },
        ],
      }),
      base,
    );
    const names = c.profile.plugins.map((p) => p.name);
    expect(names).not.toContain('ImageLocality');
    expect(names.at(-1)).toBe('OutOfTreeFilter');
    expect(c.profile.disabled).toEqual({});
  });

  it.each([
    { name: 'bad YAML', text: 'profiles: [', field: '(document)' },
    { name: 'wrong apiVersion', text: 'apiVersion: v1', field: 'apiVersion' },
    { name: 'wrong kind', text: 'kind: Pod', field: 'kind' },
    { name: 'unknown top-level field', text: 'parallelism: 4', field: 'parallelism' },
    {
      name: 'percentage out of range',
      text: 'percentageOfNodesToScore: 101',
      field: 'percentageOfNodesToScore',
    },
    {
      name: 'max back-off below initial',
      text: 'podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2',
      field: 'podMaxBackoffSeconds',
    },
    { name: 'two profiles', text: 'profiles: [{}, {}]', field: 'profiles' },
    {
      name: 'unknown plugin',
      text: 'profiles: [{plugins: {filter: {enabled: [{name: Nope}]}}}]',
      field: 'profiles[0].plugins.filter.enabled[0].name',
    },
    {
      name: 'weight on a filter plugin',
      text: 'profiles: [{plugins: {filter: {enabled: [{name: NodePorts, weight: 2}]}}}]',
      field: 'profiles[0].plugins.filter.enabled[0].weight',
    },
    {
      name: 'zero score weight',
      text: 'profiles: [{plugins: {score: {enabled: [{name: ImageLocality, weight: 0}]}}}]',
      field: 'profiles[0].plugins.score.enabled[0].weight',
    },
    {
      name: 'unknown scoring strategy',
      text: 'profiles: [{pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {type: Random}}}]}]',
      field: 'profiles[0].pluginConfig[0].args.scoringStrategy.type',
    },
    {
      name: 'empty schedulerName',
      text: "profiles: [{schedulerName: ''}]",
      field: 'profiles[0].schedulerName',
    },
    {
      name: 'unknown extension point',
      text: 'profiles: [{plugins: {sort: {}}}]',
      field: 'profiles[0].plugins.sort',
    },
  ])('rejects $name naming $field', ({ text, field }) => {
    const parse = () => parseSchedulerConfig(text, base);
    expect(parse).toThrow(SchedulerConfigError);
    expect(parse).toThrow(expect.objectContaining({ field, message: expect.stringContaining(field) }));
  });
});

import { describe, expect, it } from 'vitest';
import { T0, at, makePod } from '../testing';
import { pods } from './pods';

const NOW = T0 + 300_000; // five minutes after creation
const row = (pod: ReturnType<ReturnType<typeof makePod>['obj']>) => pods.row?.(pod, NOW).slice(0, 4);

describe('pod rows (printPod)', () => {
  it.each([
    ['pending, unscheduled', makePod().container('c', 'x').phase('Pending'), ['0/1', 'Pending', '0', '5m']],
    [
      'creating',
      makePod()
        .container('c', 'x')
        .phase('Pending')
        .containerStatus({ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }),
      ['0/1', 'ContainerCreating', '0', '5m'],
    ],
    [
      'running and ready',
      makePod()
        .container('a', 'x')
        .container('b', 'x')
        .phase('Running')
        .containerStatus({ name: 'a', ready: true, state: { running: {} } })
        .containerStatus({ name: 'b', ready: false, state: { running: {} } }),
      ['1/2', 'Running', '0', '5m'],
    ],
    [
      'crash looping with restarts',
      makePod()
        .container('c', 'x')
        .phase('Running')
        .containerStatus({
          name: 'c',
          restartCount: 3,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, finishedAt: at(180) } },
        }),
      ['0/1', 'CrashLoopBackOff', '3 (2m ago)', '5m'],
    ],
    [
      'completed',
      makePod()
        .container('c', 'x')
        .phase('Succeeded')
        .containerStatus({ name: 'c', state: { terminated: { exitCode: 0, reason: 'Completed' } } }),
      ['0/1', 'Completed', '0', '5m'],
    ],
    [
      'exit code without reason',
      makePod()
        .container('c', 'x')
        .phase('Failed')
        .containerStatus({ name: 'c', state: { terminated: { exitCode: 2 } } }),
      ['0/1', 'ExitCode:2', '0', '5m'],
    ],
    [
      'waiting on an init container',
      makePod()
        .init('setup', 'x')
        .container('c', 'x')
        .phase('Pending')
        .initStatus({ name: 'setup', state: { running: {} } }),
      ['0/1', 'Init:0/1', '0', '5m'],
    ],
    [
      'init container failing',
      makePod()
        .init('setup', 'x')
        .container('c', 'x')
        .phase('Pending')
        .initStatus({ name: 'setup', state: { waiting: { reason: 'CrashLoopBackOff' } } }),
      ['0/1', 'Init:CrashLoopBackOff', '0', '5m'],
    ],
    [
      'sidecar counts as a container',
      makePod()
        .init('proxy', 'x', { restartPolicy: 'Always' })
        .container('c', 'x')
        .phase('Running')
        .condition('Initialized', 'True')
        .initStatus({ name: 'proxy', started: true, ready: true, state: { running: {} } })
        .containerStatus({ name: 'c', ready: true, state: { running: {} } }),
      ['2/2', 'Running', '0', '5m'],
    ],
    [
      'terminating',
      makePod()
        .container('c', 'x')
        .phase('Running')
        .containerStatus({ name: 'c', ready: true, state: { running: {} } })
        .deleting(),
      ['1/1', 'Terminating', '0', '5m'],
    ],
  ])('%s', (_name, builder, want) => {
    expect(row(builder.obj())).toEqual(want);
  });

  it('fills the wide columns', () => {
    const pod = makePod().container('c', 'x').node('n1').ip('10.42.0.5').obj();
    expect(pods.row?.(pod, NOW).slice(4)).toEqual(['10.42.0.5', 'n1', '<none>', '<none>']);
    expect(pods.row?.(makePod().container('c', 'x').obj(), NOW).slice(4)).toEqual([
      '<none>',
      '<none>',
      '<none>',
      '<none>',
    ]);
  });

  it('has one cell per column', () => {
    expect(pods.row?.(makePod().obj(), NOW)).toHaveLength(pods.columns?.length ?? -1);
    expect(pods.columns?.map((c) => `${c.name}${c.priority ? '*' : ''}`)).toEqual([
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP*',
      'Node*',
      'Nominated Node*',
      'Readiness Gates*',
    ]);
  });

  it('selects by field', () => {
    const pod = makePod().container('c', 'x').node('n1').phase('Running').obj();
    pods.defaults?.(pod);
    const sel = pods.fieldSelectors ?? {};
    expect(sel['spec.nodeName']?.(pod)).toBe('n1');
    expect(sel['status.phase']?.(pod)).toBe('Running');
    expect(sel['spec.serviceAccountName']?.(pod)).toBe('default');
  });
});

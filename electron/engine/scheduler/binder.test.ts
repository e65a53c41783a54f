import type { Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { failureStatusPatch } from './binder';
import { makePod } from './testing/fixtures';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const withStatus = (status: Pod['status']): Pod => ({ ...makePod('p').obj(), status });
const cond = (reason: string, message: string, at = '2024-05-01T11:00:00Z') => ({
  type: 'PodScheduled',
  status: 'False',
  reason,
  message,
  lastTransitionTime: at,
});

describe('failureStatusPatch', () => {
  it.each([
    {
      name: 'first failure: condition with the current time',
      pod: withStatus({ phase: 'Pending' }),
      f: { reason: 'Unschedulable', message: 'm1' },
      want: {
        status: {
          conditions: [{ ...cond('Unschedulable', 'm1', '2024-05-01T12:00:00Z'), lastProbeTime: null }],
        },
      },
    },
    {
      name: 'same failure again: nothing to write',
      pod: withStatus({ conditions: [cond('Unschedulable', 'm1')] }),
      f: { reason: 'Unschedulable', message: 'm1' },
      want: null,
    },
    {
      name: 'new message: the transition time stays (status unchanged)',
      pod: withStatus({ conditions: [cond('Unschedulable', 'm1')] }),
      f: { reason: 'Unschedulable', message: 'm2' },
      want: { status: { conditions: [{ ...cond('Unschedulable', 'm2'), lastProbeTime: null }] } },
    },
    {
      name: 'nomination only',
      pod: withStatus({ conditions: [cond('Unschedulable', 'm1')] }),
      f: { reason: 'Unschedulable', message: 'm1', nominatedNodeName: 'n1' },
      want: { status: { nominatedNodeName: 'n1' } },
    },
    {
      name: 'clearing a nomination writes null',
      pod: withStatus({ nominatedNodeName: 'n1', conditions: [cond('Unschedulable', 'm1')] }),
      f: { reason: 'Unschedulable', message: 'm1', nominatedNodeName: '' },
      want: { status: { nominatedNodeName: null } },
    },
    {
      name: 'undefined nomination leaves it alone',
      pod: withStatus({ nominatedNodeName: 'n1', conditions: [cond('Unschedulable', 'm1')] }),
      f: { reason: 'Unschedulable', message: 'm1' },
      want: null,
    },
  ])('$name', ({ pod, f, want }) => {
    expect(failureStatusPatch(pod, f, NOW)).toEqual(want);
  });
});

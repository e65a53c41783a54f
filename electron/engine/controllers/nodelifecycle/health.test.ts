import type { Node, NodeCondition } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { checkNodeHealth, evictionRate, type HealthRecord, zoneState } from './health';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
const GRACE = 40_000;

function node(ready?: { status: string; heartbeat: number; transition?: number }): Node {
  const conditions: NodeCondition[] = [
    { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: at(0), lastTransitionTime: at(0) },
  ];
  if (ready) {
    conditions.push({
      type: 'Ready',
      status: ready.status,
      reason: 'KubeletReady',
      lastHeartbeatTime: at(ready.heartbeat),
      lastTransitionTime: at(ready.transition ?? 0),
    });
  }
  return { metadata: { name: 'n', creationTimestamp: at(0) }, status: { conditions } };
}

const check = (n: Node, saved: HealthRecord | undefined, nowS: number, leaseRenewS?: number) =>
  checkNodeHealth({
    node: n,
    saved,
    leaseRenew: leaseRenewS === undefined ? undefined : T0 + leaseRenewS * 1000,
    now: T0 + nowS * 1000,
    monitorGraceMs: GRACE,
    startupGraceMs: 60_000,
  });

describe('checkNodeHealth', () => {
  it('gives a node first seen a full grace period from now', () => {
    const r = check(node({ status: 'True', heartbeat: 0 }), undefined, 100);
    expect(r.record.probeTimestamp).toBe(T0 + 100_000);
    expect(r.status).toBeUndefined();
  });

  it('turns a node silent past the grace period Unknown', () => {
    const first = check(node({ status: 'True', heartbeat: 0 }), undefined, 0);
    expect(check(node({ status: 'True', heartbeat: 0 }), first.record, 40).status).toBeUndefined();
    const r = check(node({ status: 'True', heartbeat: 0 }), first.record, 41);
    expect(r.observed.status).toBe('True');
    expect(r.current?.status).toBe('Unknown');
    const byType = Object.fromEntries((r.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.Ready).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: at(0),
      lastTransitionTime: at(41),
    });
    expect(byType.MemoryPressure?.status).toBe('Unknown');
    // Conditions the kubelet never posted are added as never updated.
    expect(byType.DiskPressure).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated' });
    expect(byType.PIDPressure?.status).toBe('Unknown');
  });

  it.each([
    ['a new status heartbeat', node({ status: 'True', heartbeat: 30 }), undefined],
    ['a renewed Lease', node({ status: 'True', heartbeat: 0 }), 30],
  ])('keeps a node alive on %s', (_what, later, leaseS) => {
    const first = check(
      node({ status: 'True', heartbeat: 0 }),
      undefined,
      0,
      leaseS === undefined ? undefined : 0,
    );
    const seen = check(later, first.record, 30, leaseS);
    expect(seen.record.probeTimestamp).toBe(T0 + 30_000);
    expect(check(later, seen.record, 69, leaseS).status).toBeUndefined();
    expect(check(later, seen.record, 71, leaseS).status).toBeDefined();
  });

  it('does not count an old Lease again', () => {
    const first = check(node({ status: 'True', heartbeat: 0 }), undefined, 0, 0);
    expect(check(node({ status: 'True', heartbeat: 0 }), first.record, 50, 0).current?.status).toBe(
      'Unknown',
    );
  });

  it('writes nothing when the node is already Unknown', () => {
    const n = node({ status: 'Unknown', heartbeat: 0 });
    const first = check(n, undefined, 0);
    expect(check(n, first.record, 100).status).toBeUndefined();
  });

  it('gives a node that never posted Ready the startup grace period from its creation', () => {
    const n = node();
    expect(check(n, undefined, 59).status).toBeUndefined();
    const r = check(n, undefined, 61);
    expect(r.observed.status).toBe('Unknown');
    expect(r.current).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated' });
  });
});

describe('zoneState and evictionRate', () => {
  const c = (...s: string[]) => s.map((status) => ({ type: 'Ready', status }));
  it.each([
    ['all ready', c('True', 'True'), 'Normal', 0.1],
    ['one of two down', c('True', 'Unknown'), 'Normal', 0.1],
    ['none ready', c('Unknown', 'False'), 'FullDisruption', 0.1],
    ['three of four down', c('True', 'Unknown', 'Unknown', 'False'), 'PartialDisruption', 0],
    ['two of three down (not more than 2)', c('True', 'Unknown', 'False'), 'Normal', 0.1],
  ])('%s', (_what, conds, state, rate) => {
    const z = zoneState(conds);
    expect(z.state).toBe(state);
    expect(evictionRate(z.state, conds.length, 0.1)).toBe(rate);
  });

  it('evicts slowly in a large partially disrupted cluster', () => {
    expect(evictionRate('PartialDisruption', 51, 0.1)).toBe(0.01);
  });
});

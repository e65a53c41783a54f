/** What the simulator keeps per node, shared by its heartbeat and pod workers. */
import type { Lease } from 'kubernetes-types/coordination/v1';

/**
 * - ready: heartbeats (Lease and status) and runs pods, reporting Ready=True;
 * - notReady: heartbeats but reports Ready=False; starts no new pods, still finishes deletions;
 * - silent: the kubelet is gone: no Lease renewal, no status, no pod work at all;
 * - removed: the Node was deleted; nothing more is done for it.
 */
export type SimMode = 'ready' | 'notReady' | 'silent' | 'removed';

export interface SimNode {
  readonly name: string;
  mode: SimMode;
  /** The Node's uid once registered (the Lease's ownerReference). */
  uid: string;
  /** The Lease as last written or read (its resourceVersion makes renewals conditional). */
  lease?: Lease;
  /** When the status was last written (ms), for the periodic report. */
  lastReport: number;
}

/** Node name → its state; only this simulator's nodes. */
export type SimNodeMap = Map<string, SimNode>;

/** The simulator's nodes keep working in these modes. */
export const isAlive = (s: SimNode | undefined): s is SimNode =>
  s?.mode === 'ready' || s?.mode === 'notReady';

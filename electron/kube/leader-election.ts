/**
 * Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection:
 * - a candidate takes the Lease when nobody holds it, or when its holder has not renewed it for
 *   `leaseDurationMs` — measured on this candidate's own clock from when it last saw the record
 *   change, so clock skew between machines does not matter;
 * - the leader renews every `retryPeriodMs`; if it cannot renew within `renewDeadlineMs` it stops
 *   leading (onStoppedLeading) before anyone else may take over (renewDeadline < leaseDuration);
 * - every write is conditional on the resourceVersion read, so two candidates can never both win;
 * - stop() releases a held Lease (holder emptied) so a successor takes over at once, as client-go
 *   does with ReleaseOnCancel.
 * Defaults are kube-controller-manager's and kube-scheduler's: 15 s / 10 s / 2 s.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import { isConflict, isNotFound, isAlreadyExists } from './errors';
import type { Logger } from './log';
import { R } from './resources';
import type { KubeClient } from './types';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace?: string;
  /** Lease name, e.g. "kube-scheduler". */
  name: string;
  /** Unique per candidate, e.g. "<hostname>_<random>". */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log: Logger;
  /** Called when this candidate becomes leader; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void;
  /** Called once leadership is lost or given up (not called if it was never held). */
  onStoppedLeading(): void;
  /** Called with the holder's identity whenever a new leader is observed. */
  onNewLeader?(identity: string): void;
}

export interface LeaderElector {
  isLeader(): boolean;
  /** The holder last observed ('' if none). */
  leader(): string;
  /** Stops campaigning; releases the Lease if held. */
  stop(): Promise<void>;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function startLeaderElection(opts: LeaderElectionOptions): LeaderElector {
  const namespace = opts.namespace ?? 'kube-system';
  const leaseDurationMs = opts.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
  const leases = opts.client.resource<Lease>(R.leases);
  const log = opts.log;

  let stopped = false;
  let leading: AbortController | null = null;
  let observed: { holder: string; at: number; record: string } = {
    holder: '',
    at: 0,
    record: '',
  };
  let lastRenew = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();

  const spec = (acquire: boolean, prior?: Lease['spec']): Lease['spec'] => {
    const now = microTime(new Date());
    return {
      holderIdentity: opts.identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      acquireTime: acquire ? now : (prior?.acquireTime ?? now),
      renewTime: now,
      leaseTransitions:
        (prior?.leaseTransitions ?? 0) + (acquire && prior?.holderIdentity !== opts.identity ? 1 : 0),
    };
  };

  /** One attempt to acquire or renew; true when we hold the Lease afterwards. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    let current: Lease | null = null;
    try {
      current = await leases.get(namespace, opts.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!current) {
      try {
        const created = await leases.create(namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: opts.name, namespace },
          spec: spec(true),
        });
        observe(created);
        return true;
      } catch (err) {
        if (isAlreadyExists(err) || isConflict(err)) return false;
        throw err;
      }
    }
    observe(current);
    const holder = current.spec?.holderIdentity ?? '';
    const mine = holder === opts.identity;
    const expired = holder === '' || Date.now() - observed.at > leaseDurationMs;
    if (!mine && !expired) return false;
    try {
      const updated = await leases.update({ ...current, spec: spec(!mine, current.spec) });
      observe(updated);
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  function observe(lease: Lease) {
    const holder = lease.spec?.holderIdentity ?? '';
    const record = JSON.stringify(lease.spec ?? {});
    if (record !== observed.record) {
      observed = { holder, at: Date.now(), record };
      if (holder) opts.onNewLeader?.(holder);
    }
  }

  function stopLeading(why: string) {
    if (!leading) return;
    log.warn({ lease: opts.name, identity: opts.identity, why }, 'leadership lost');
    leading.abort();
    leading = null;
    opts.onStoppedLeading();
  }

  async function tick() {
    if (stopped) return;
    try {
      const held = await tryAcquireOrRenew();
      if (held) {
        lastRenew = Date.now();
        if (!leading && !stopped) {
          leading = new AbortController();
          log.info({ lease: opts.name, identity: opts.identity }, 'became leader');
          opts.onStartedLeading(leading.signal);
        }
      } else if (leading) {
        stopLeading(`lease taken by ${observed.holder}`);
      }
    } catch (err) {
      log.debug({ lease: opts.name, err: (err as Error).message }, 'lease attempt failed');
    }
    if (leading && Date.now() - lastRenew > renewDeadlineMs)
      stopLeading('could not renew within the renew deadline');
  }

  const schedule = () => {
    if (stopped) return;
    // client-go adds jitter to the retry period of candidates (factor 1.2); the leader renews on time.
    const wait = leading ? retryPeriodMs : retryPeriodMs * (1 + Math.random() * 0.2);
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, wait);
  };
  running = tick().finally(schedule);

  return {
    isLeader: () => leading !== null,
    leader: () => observed.holder,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running.catch(() => undefined);
      if (!leading) return;
      const wasLeading = leading;
      leading = null;
      wasLeading.abort();
      opts.onStoppedLeading();
      try {
        const current = await leases.get(namespace, opts.name);
        if (current.spec?.holderIdentity === opts.identity) {
          await leases.update({
            ...current,
            spec: {
              ...current.spec,
              holderIdentity: '',
              leaseDurationSeconds: 1,
              renewTime: microTime(new Date()),
            },
          });
        }
      } catch (err) {
        log.debug({ lease: opts.name, err: (err as Error).message }, 'could not release the lease');
      }
    },
  };
}

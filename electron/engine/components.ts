/**
 * The control plane's in-process components — the scheduler and the controller manager — run
 * as Kubernetes clients of this process's own API server over HTTPS on loopback (as k3s runs
 * them), each with its own client certificate issued in memory at start (never written to
 * disk). With leader election (the default, kube-scheduler's and kube-controller-manager's
 * --leader-elect), each runs only while this process holds its Lease in kube-system, so several
 * `pilothouse server`s sharing one etcd run exactly one active scheduler and one controller
 * manager between them; the others stand by and take over when the Lease expires.
 *
 * Losing the Lease stops the component (kube components exit the process instead; here the
 * API server keeps serving) and the candidate campaigns again.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { createKubeClient } from '../kube/client';
import { startLeaderElection, type LeaderElector } from '../kube/leader-election';
import type { KubeClient } from '../kube/types';
import type { Logger } from './log';
import { type CertificateAuthority, issueCertificate } from './pki/certs';

/** A component that can be started and stopped (once each per instance). */
export interface Component {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface LeaderElectionTiming {
  /** --leader-elect-lease-duration. */
  leaseDurationMs: number;
  /** --leader-elect-renew-deadline. */
  renewDeadlineMs: number;
  /** --leader-elect-retry-period. */
  retryPeriodMs: number;
}

/**
 * Shorter than kube's 15 s / 10 s / 2 s so that a standby takes over within 15 s of the leader
 * dying: a standby measures the lease from when *it* saw the last renewal (up to one jittered
 * retry period late) and checks once per retry period, so takeover comes at most
 * lease + 2 × 1.2 × retry after the last renewal — 14.8 s here, ~20 s with kube's defaults.
 */
export const DEFAULT_LEADER_ELECTION: LeaderElectionTiming = {
  leaseDurationMs: 10_000,
  renewDeadlineMs: 7_000,
  retryPeriodMs: 2_000,
};

export interface ComponentSpec {
  /** Lease name and log name: "kube-scheduler", "kube-controller-manager". */
  name: string;
  /** The user the component's certificate names (system:kube-scheduler…). */
  user: string;
  /** Builds a fresh instance each time leadership is gained. */
  create(client: KubeClient): Component;
}

export interface RunningComponents {
  /** Names of the components this process leads now. */
  leading(): string[];
  stop(): Promise<void>;
}

export interface ComponentsOptions {
  apiUrl: string;
  ca: CertificateAuthority;
  log: Logger;
  leaderElect: boolean;
  timing?: Partial<LeaderElectionTiming>;
  /** Added to the Lease holder identity so operators can tell servers apart (e.g. "host:6443"). */
  instance?: string;
  specs: ComponentSpec[];
}

/** Issues a client certificate for `user` and returns a client of the API server with it. */
async function componentClient(apiUrl: string, ca: CertificateAuthority, user: string): Promise<KubeClient> {
  const issued = await issueCertificate(ca, {
    commonName: user,
    // No RBAC yet: the components act with cluster-admin rights, under their own names.
    organizations: ['system:masters'],
    usages: ['clientAuth'],
    validityDays: 365,
  });
  return createKubeClient({
    server: apiUrl,
    caPem: ca.certPem,
    certPem: issued.certPem,
    keyPem: issued.keyPem,
  });
}

export async function startComponents(opts: ComponentsOptions): Promise<RunningComponents> {
  const timing = { ...DEFAULT_LEADER_ELECTION, ...opts.timing };
  const identity = `${opts.instance ?? os.hostname()}_${randomUUID()}`;
  const runners: {
    spec: ComponentSpec;
    client: KubeClient;
    elector?: LeaderElector;
    stop(): Promise<void>;
  }[] = [];
  const active = new Set<string>();

  for (const spec of opts.specs) {
    const client = await componentClient(opts.apiUrl, opts.ca, spec.user);
    const log = opts.log.child({ component: spec.name });
    // Start and stop run one after another, so a quick lose-then-win never overlaps instances.
    let chain: Promise<void> = Promise.resolve();
    let current: Component | null = null;
    const begin = () => {
      chain = chain.then(async () => {
        current = spec.create(client);
        try {
          await current.start();
          active.add(spec.name);
          log.info({ identity }, 'started');
        } catch (err) {
          log.error({ err }, 'failed to start');
        }
      });
    };
    const end = () => {
      chain = chain.then(async () => {
        const c = current;
        current = null;
        active.delete(spec.name);
        if (c) await c.stop().catch((err: unknown) => log.warn({ err }, 'error while stopping'));
      });
    };
    if (!opts.leaderElect) {
      begin();
      await chain;
      runners.push({
        spec,
        client,
        async stop() {
          end();
          await chain;
        },
      });
      continue;
    }
    const elector = startLeaderElection({
      client,
      name: spec.name,
      identity,
      ...timing,
      log,
      onStartedLeading: begin,
      onStoppedLeading: end,
      onNewLeader: (holder) => log.info({ holder }, 'leader observed'),
    });
    runners.push({
      spec,
      client,
      elector,
      async stop() {
        await elector.stop();
        await chain;
      },
    });
  }

  return {
    leading: () => [...active],
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
      for (const r of runners) r.client.close();
    },
  };
}

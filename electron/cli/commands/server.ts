/** `pilothouse server`: the control plane and the UI, headless. */
import path from 'node:path';
import { Command, Option } from 'commander';
import { DEFAULT_DATA_DIR, DEFAULTS, type StoreSettings } from '../../engine/config';
import type { ControlPlaneInfo } from '../../engine/control-plane';
import type { StoreBackend } from '../../engine/store';
import { PILOTHOUSE_VERSION } from '../../engine/version';
import { createLogger, type LogLevel } from '../../engine/log';
import { startHeadless } from '../../server';
import { CliError } from '../errors';
import {
  collect,
  oneOf,
  parseCidr,
  parseCount,
  parseDuration,
  parseIp,
  parseNonNegative,
  parseLogLevel,
  parseLoopback,
  parsePort,
  parseSeconds,
  parseUrlList,
} from '../options';
import { builtPaths } from '../paths';

interface ServerFlags {
  dataDir: string;
  bindAddress: string;
  securePort: number;
  uiHost: string;
  uiPort: number;
  clusterCidr: string;
  serviceClusterIpRange: string;
  tlsSan: string[];
  store: StoreBackend;
  storeRetention: number;
  etcdPort: number;
  etcdServers?: string[];
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  logLevel: LogLevel;
  disableScheduler: boolean;
  disableControllerManager: boolean;
  leaderElect: boolean;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
  nodeMonitorPeriod: number;
  nodeMonitorGracePeriod: number;
  nodeEvictionRate: number;
  terminatedPodGcThreshold: number;
  schedulerConfig?: string;
}

const BACKENDS: readonly StoreBackend[] = ['embedded', 'memory', 'etcd'];

export function serverCommand(): Command {
  return new Command('server')
    .description('run the control plane and the web UI headless (Ctrl-C stops both)')
    .addOption(new Option('--data-dir <dir>', 'state directory').default(DEFAULT_DATA_DIR, '~/.pilothouse'))
    .addOption(
      new Option('--bind-address <ip>', 'address the Kubernetes API listens on')
        .default(DEFAULTS.bindAddress)
        .argParser(parseIp),
    )
    .addOption(
      new Option('--secure-port <port>', 'HTTPS port of the Kubernetes API (0: any free port)')
        .default(DEFAULTS.securePort)
        .argParser(parsePort),
    )
    .addOption(
      new Option('--ui-host <ip>', 'loopback address of the web UI')
        .default('127.0.0.1')
        .argParser(parseLoopback),
    )
    .addOption(
      new Option('--ui-port <port>', 'HTTP port of the web UI (0: any free port)')
        .default(7080)
        .argParser(parsePort),
    )
    .addOption(
      new Option('--cluster-cidr <cidr>', 'pod network, a /24 per node')
        .default(DEFAULTS.clusterCidr)
        .argParser(parseCidr),
    )
    .addOption(
      new Option('--service-cluster-ip-range <cidr>', 'Service ClusterIP range')
        .default(DEFAULTS.serviceClusterIpRange)
        .argParser(parseCidr),
    )
    .addOption(
      new Option('--tls-san <name>', 'extra DNS name or IP for the API certificate (repeatable)')
        .default([])
        .argParser(collect),
    )
    .addOption(
      new Option('--store <backend>', 'cluster store: embedded (LMDB in DATA_DIR/store), memory, or etcd')
        .default(DEFAULTS.store.backend)
        .argParser(oneOf(BACKENDS)),
    )
    .addOption(
      new Option('--store-retention <seconds>', 'history kept before automatic compaction (0: never)')
        .default(DEFAULTS.store.retentionSeconds)
        .argParser(parseSeconds),
    )
    .addOption(
      new Option('--etcd-port <port>', 'port of the etcd endpoint on 127.0.0.1 (0: any free port)')
        .default(DEFAULTS.etcdPort)
        .argParser(parsePort),
    )
    .addOption(
      new Option('--etcd-servers <urls>', 'etcd client URLs, comma-separated (with --store etcd)').argParser(
        parseUrlList,
      ),
    )
    .addOption(new Option('--etcd-cafile <file>', 'CA bundle verifying the etcd servers (--store etcd)'))
    .addOption(new Option('--etcd-certfile <file>', 'client certificate for etcd (--store etcd)'))
    .addOption(new Option('--etcd-keyfile <file>', 'client key for etcd (--store etcd)'))
    .addOption(new Option('--disable-scheduler', 'do not run the scheduler in this server').default(false))
    .addOption(
      new Option('--disable-controller-manager', 'do not run the controllers in this server').default(false),
    )
    .addOption(
      new Option(
        '--no-leader-elect',
        'run the scheduler and controllers without leader election (only for a single server)',
      ),
    )
    .addOption(
      new Option('--leader-elect-lease-duration <duration>', 'how long a standby waits before taking over')
        .default(DEFAULTS.leaderElection.leaseDurationMs, '10s')
        .argParser(parseDuration),
    )
    .addOption(
      new Option(
        '--leader-elect-renew-deadline <duration>',
        'how long the leader retries renewing before it stops',
      )
        .default(DEFAULTS.leaderElection.renewDeadlineMs, '7s')
        .argParser(parseDuration),
    )
    .addOption(
      new Option('--leader-elect-retry-period <duration>', 'interval between lease attempts')
        .default(DEFAULTS.leaderElection.retryPeriodMs, '2s')
        .argParser(parseDuration),
    )
    .addOption(
      new Option('--node-monitor-period <duration>', 'how often node health is checked')
        .default(DEFAULTS.controllers.nodeMonitorPeriodMs, '5s')
        .argParser(parseDuration),
    )
    .addOption(
      new Option('--node-monitor-grace-period <duration>', 'silence after which a node is marked Unknown')
        .default(DEFAULTS.controllers.nodeMonitorGracePeriodMs, '40s')
        .argParser(parseDuration),
    )
    .addOption(
      new Option('--node-eviction-rate <rate>', 'nodes per second whose pods are evicted')
        .default(DEFAULTS.controllers.nodeEvictionRate)
        .argParser(parseNonNegative),
    )
    .addOption(
      new Option('--terminated-pod-gc-threshold <n>', 'terminated pods kept before the oldest are deleted')
        .default(DEFAULTS.controllers.terminatedPodGcThreshold)
        .argParser(parseCount),
    )
    .addOption(new Option('--scheduler-config <file>', 'KubeSchedulerConfiguration file (plugins, weights)'))
    .addOption(
      new Option('--log-level <level>', 'log verbosity on stderr: debug, info, warn, error, silent')
        .default('warn')
        .argParser(parseLogLevel),
    )
    .action(async (flags: ServerFlags, command: Command) => runServer(flags, storeSettings(flags, command)));
}

/** The store flags as config; inconsistent combinations are usage errors (exit 2). */
function storeSettings(flags: ServerFlags, command: Command): StoreSettings {
  const etcdOnly = (['etcdServers', 'etcdCafile', 'etcdCertfile', 'etcdKeyfile'] as const).filter(
    (k) => flags[k] !== undefined,
  );
  if (flags.store !== 'etcd') {
    if (etcdOnly.length > 0) {
      const names = etcdOnly.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      command.error(`${names.join(', ')} only apply with --store etcd`, { exitCode: 2 });
    }
    return { backend: flags.store, retentionSeconds: flags.storeRetention };
  }
  if (!flags.etcdServers) {
    command.error('--store etcd needs --etcd-servers https://HOST:2379[,…]', { exitCode: 2 });
  }
  return {
    backend: 'etcd',
    retentionSeconds: flags.storeRetention,
    etcd: {
      endpoints: flags.etcdServers,
      caFile: flags.etcdCafile,
      certFile: flags.etcdCertfile,
      keyFile: flags.etcdKeyfile,
    },
  };
}

/** The etcd lines of the start-up banner, with an etcdctl command line ready to paste. */
export function etcdBanner(info: ControlPlaneInfo): string[] {
  const where = info.storeBackend === 'etcd' ? 'etcd cluster' : `${info.storeBackend} store, mutual TLS`;
  const lines = [`  etcd:        ${info.etcdUrl} (${where})`];
  const tlsFlags = [
    info.etcdCaPath && `--cacert ${shellQuote(info.etcdCaPath)}`,
    info.etcdCertPath && `--cert ${shellQuote(info.etcdCertPath)}`,
    info.etcdKeyPath && `--key ${shellQuote(info.etcdKeyPath)}`,
  ].filter((f): f is string => typeof f === 'string' && f !== '');
  if (info.etcdCertPath) lines.push(`  etcd cert:   ${info.etcdCertPath}`);
  if (info.etcdKeyPath) lines.push(`  etcd key:    ${info.etcdKeyPath}`);
  lines.push(
    `  etcdctl:     ETCDCTL_API=3 etcdctl --endpoints ${info.etcdUrl} ${tlsFlags.join(' ')} endpoint status`,
  );
  return lines;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function runServer(flags: ServerFlags, store: StoreSettings): Promise<void> {
  const log = createLogger('server', flags.logLevel);
  const { rendererDir, engineEntry } = builtPaths();

  // Signal handlers go in before anything is printed or started: a Ctrl-C that arrives before
  // Node has a handler kills the process outright, leaving the engine and its lock behind.
  let signals = 0;
  let requestStop: (signal: NodeJS.Signals) => void = () => undefined;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (requestStop = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(130); // a second Ctrl-C does not wait
    requestStop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let server;
  try {
    server = await startHeadless({
      engine: {
        dataDir: flags.dataDir,
        bindAddress: flags.bindAddress,
        securePort: flags.securePort,
        clusterCidr: flags.clusterCidr,
        serviceClusterIpRange: flags.serviceClusterIpRange,
        tlsSans: flags.tlsSan,
        store,
        etcdPort: flags.etcdPort,
        disableScheduler: flags.disableScheduler,
        disableControllerManager: flags.disableControllerManager,
        leaderElect: flags.leaderElect,
        leaderElection: {
          leaseDurationMs: flags.leaderElectLeaseDuration,
          renewDeadlineMs: flags.leaderElectRenewDeadline,
          retryPeriodMs: flags.leaderElectRetryPeriod,
        },
        controllers: {
          ...DEFAULTS.controllers,
          nodeMonitorPeriodMs: flags.nodeMonitorPeriod,
          nodeMonitorGracePeriodMs: flags.nodeMonitorGracePeriod,
          nodeEvictionRate: flags.nodeEvictionRate,
          terminatedPodGcThreshold: flags.terminatedPodGcThreshold,
        },
        ...(flags.schedulerConfig ? { schedulerConfigFile: path.resolve(flags.schedulerConfig) } : {}),
      },
      uiHost: flags.uiHost,
      uiPort: flags.uiPort,
      rendererDir,
      engineEntry,
      logLevel: flags.logLevel,
      log,
    });
  } catch (err) {
    throw CliError.from(err);
  }
  const { info } = server;
  process.stdout.write(
    [
      `Pilothouse ${PILOTHOUSE_VERSION} is running (Kubernetes API ${info.gitVersion})`,
      `  API server:  ${info.apiUrl}`,
      `  kubeconfig:  ${info.kubeconfigPath}`,
      `  CA:          ${info.caCertPath}`,
      `  UI:          ${server.loginUrl}`,
      ...etcdBanner(info),
      `Press Ctrl-C to stop.`,
      '',
    ].join('\n'),
  );

  const engineDied = new Promise<string>((resolve) => {
    server.engine.events.on('state', (state, error) => {
      if (state === 'failed' && error?.code === 'ENGINE_EXITED') resolve(error.message);
    });
  });
  const reason = await Promise.race([
    stopRequested.then((signal) => ({ signal })),
    engineDied.then((message) => ({ message })),
  ]);
  if ('signal' in reason) {
    process.stdout.write(`\n${reason.signal}: stopping…\n`);
  } else {
    process.stderr.write(`pilothouse: ${reason.message}; stopping the server\n`);
    process.exitCode = 1;
  }
  await server.stop();
  process.stdout.write('stopped\n');
}

/** `pilothouse server`: the control plane and the UI, headless. */
import { Command, Option } from 'commander';
import { DEFAULT_DATA_DIR, DEFAULTS } from '../../engine/config';
import { PILOTHOUSE_VERSION } from '../../engine/version';
import { createLogger, type LogLevel } from '../../engine/log';
import { startHeadless } from '../../server';
import { CliError } from '../errors';
import { collect, parseCidr, parseIp, parseLogLevel, parseLoopback, parsePort } from '../options';
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
  logLevel: LogLevel;
}

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
      new Option('--log-level <level>', 'log verbosity on stderr: debug, info, warn, error, silent')
        .default('warn')
        .argParser(parseLogLevel),
    )
    .action(async (flags: ServerFlags) => runServer(flags));
}

async function runServer(flags: ServerFlags): Promise<void> {
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

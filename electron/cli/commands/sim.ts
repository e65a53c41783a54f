/**
 * `pilothouse sim nodes`: simulated nodes (electron/sim) against any cluster the kubeconfig
 * reaches, by default this machine's `pilothouse server`. Runs until Ctrl-C; the nodes stay
 * registered afterwards (they go Unknown, as nodes whose kubelet stopped) unless --cleanup.
 * Failure flags make chosen nodes stop heartbeating or report NotReady after a delay.
 */
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_DATA_DIR } from '../../engine/config';
import { createLogger, type LogLevel } from '../../engine/log';
import { createKubeClient } from '../../kube/client';
import { loadKubeconfig } from '../../sim/kubeconfig';
import { type SimNodes, startSimNodes } from '../../sim/nodes';
import { CliError } from '../errors';
import { parseLogLevel, parseSeconds } from '../options';

interface SimNodesFlags {
  count: number;
  namePrefix: string;
  cpu: string;
  memory: string;
  pods: number;
  kubeconfig?: string;
  dataDir: string;
  heartbeat: number;
  stopHeartbeat?: string[];
  stopHeartbeatAfter?: number;
  notReady?: string[];
  notReadyAfter: number;
  cleanup: boolean;
  logLevel: LogLevel;
}

/** How often the progress line is printed (when it changed). */
const PROGRESS_MS = 10_000;

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100_000) {
    throw new InvalidArgumentError(`expected a number of nodes from 1 to 100000, got '${value}'`);
  }
  return n;
}

function parseNames(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0)
    throw new InvalidArgumentError(`expected node names separated by commas, got '${value}'`);
  return names;
}

function parseQuantityFlag(value: string): string {
  if (!/^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.test(value)) {
    throw new InvalidArgumentError(`expected a Kubernetes quantity such as 8, 500m or 32Gi, got '${value}'`);
  }
  return value;
}

export function simCommand(): Command {
  const nodes = new Command('nodes')
    .helpOption('-h, --help', 'show help')
    .description('register simulated nodes that heartbeat and run pods without containers (Ctrl-C stops)')
    .requiredOption('--count <n>', 'number of nodes', parseCount)
    .addOption(new Option('--name-prefix <prefix>', 'nodes are named <prefix><i>').default('sim-'))
    .addOption(
      new Option('--cpu <quantity>', 'CPU capacity of each node').default('8').argParser(parseQuantityFlag),
    )
    .addOption(
      new Option('--memory <quantity>', 'memory capacity of each node')
        .default('32Gi')
        .argParser(parseQuantityFlag),
    )
    .addOption(new Option('--pods <n>', 'pod capacity of each node').default(110).argParser(parseCount))
    .addOption(new Option('--kubeconfig <file>', 'cluster to join (default: DATA_DIR/kubeconfig.yaml)'))
    .addOption(
      new Option('--data-dir <dir>', 'Pilothouse data dir').default(DEFAULT_DATA_DIR, '~/.pilothouse'),
    )
    .addOption(
      new Option('--heartbeat <seconds>', 'Lease renewal and status check period')
        .default(10)
        .argParser(parseSeconds),
    )
    .addOption(
      new Option('--stop-heartbeat <names>', 'nodes whose kubelet "dies" (comma-separated)').argParser(
        parseNames,
      ),
    )
    .addOption(
      new Option(
        '--stop-heartbeat-after <seconds>',
        'stop those heartbeats this long after start (default 0)',
      ).argParser(parseSeconds),
    )
    .addOption(
      new Option('--not-ready <names>', 'nodes that report Ready=False (comma-separated)').argParser(
        parseNames,
      ),
    )
    .addOption(
      new Option('--not-ready-after <seconds>', 'report NotReady this long after start')
        .default(0)
        .argParser(parseSeconds),
    )
    .addOption(new Option('--cleanup', 'delete the nodes and their Leases on exit').default(false))
    .addOption(
      new Option('--log-level <level>', 'log verbosity on stderr: debug, info, warn, error, silent')
        .default('warn')
        .argParser(parseLogLevel),
    )
    .action(async (flags: SimNodesFlags, command: Command) => runSimNodes(flags, command));
  nodes.exitOverride().configureOutput({
    outputError: (text, write) => write(`pilothouse sim nodes: ${text.replace(/^error: /, '')}`),
  });
  return new Command('sim')
    .helpOption('-h, --help', 'show help')
    .description('simulated nodes for tests, benchmarks and trying workloads at scale')
    .addCommand(nodes);
}

async function runSimNodes(flags: SimNodesFlags, command: Command): Promise<void> {
  const names = new Set(Array.from({ length: flags.count }, (_, i) => `${flags.namePrefix}${i}`));
  for (const n of [...(flags.stopHeartbeat ?? []), ...(flags.notReady ?? [])]) {
    if (!names.has(n)) {
      command.error(
        `${n} is not one of the simulated nodes (${flags.namePrefix}0 … ${flags.namePrefix}${flags.count - 1})`,
        {
          exitCode: 2,
        },
      );
    }
  }
  if (flags.stopHeartbeatAfter !== undefined && !flags.stopHeartbeat) {
    command.error('--stop-heartbeat-after needs --stop-heartbeat NAMES', { exitCode: 2 });
  }
  const log = createLogger('sim', flags.logLevel);
  const kubeconfig = flags.kubeconfig ?? path.join(flags.dataDir, 'kubeconfig.yaml');

  let signals = 0;
  let requestStop: (signal: NodeJS.Signals) => void = () => undefined;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (requestStop = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C does not wait
    requestStop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const conn = await loadKubeconfig(kubeconfig).catch((err: unknown) => {
    throw new CliError((err as Error).message);
  });
  const client = createKubeClient(conn);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const last = `${flags.namePrefix}${flags.count - 1}`;
  out(`Registering ${flags.count} simulated nodes (${flags.namePrefix}0 … ${last}) with ${conn.server}`);
  const started = Date.now();
  let sim: SimNodes;
  try {
    sim = await startSimNodes({
      client,
      count: flags.count,
      namePrefix: flags.namePrefix,
      cpu: flags.cpu,
      memory: flags.memory,
      pods: flags.pods,
      heartbeatMs: Math.max(1, flags.heartbeat) * 1000,
      log,
    });
  } catch (err) {
    client.close();
    throw CliError.from(err);
  }
  out(
    `Registered ${flags.count} nodes in ${((Date.now() - started) / 1000).toFixed(1)} s. ` +
      `Press Ctrl-C to stop (${flags.cleanup ? 'the nodes are deleted then' : 'the nodes are kept; --cleanup deletes them'}).`,
  );

  const timers: NodeJS.Timeout[] = [];
  const later = (seconds: number, fn: () => void) => timers.push(setTimeout(fn, seconds * 1000));
  if (flags.stopHeartbeat) {
    const victims = flags.stopHeartbeat;
    later(flags.stopHeartbeatAfter ?? 0, () => {
      for (const n of victims) sim.stopHeartbeat(n);
      out(`heartbeat stopped: ${victims.join(', ')}`);
    });
  }
  if (flags.notReady) {
    const victims = flags.notReady;
    later(flags.notReadyAfter, () => {
      void Promise.all(victims.map((n) => sim.setNotReady(n))).then(() =>
        out(`reporting NotReady: ${victims.join(', ')}`),
      );
    });
  }
  let lastLine = '';
  const progress = setInterval(() => {
    const s = sim.stats();
    const line = `nodes: ${s.nodes} (${s.ready} ready, ${s.notReady} not ready, ${s.silent} silent), pods running: ${s.podsRunning}`;
    if (line !== lastLine) out(line);
    lastLine = line;
  }, PROGRESS_MS);

  const signal = await stopRequested;
  out(`\n${signal}: stopping…`);
  clearInterval(progress);
  for (const t of timers) clearTimeout(t);
  await sim.stop({ cleanup: flags.cleanup });
  client.close();
  out(flags.cleanup ? `stopped; deleted ${flags.count} nodes` : 'stopped; the nodes are kept');
}

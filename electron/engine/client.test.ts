/**
 * createEngineClient against an in-memory HostChannel. The fake stands in for the engine's host
 * process (Electron utility process or Node child process); the integration tests run the real
 * one. Here the test plays the host: it reads the commands sent and reports states back.
 */
import { describe, expect, it, vi } from 'vitest';
import { type HostChannel, createEngineClient } from './client';
import { withDefaults } from './config';
import type { ControlPlaneInfo, ControlPlaneState } from './control-plane';
import { EngineError, type EngineErrorCode } from './errors';
import type { HostCommand, HostMessage } from './host-protocol';

const config = withDefaults({ dataDir: '/tmp/pilothouse-client-test', securePort: 0 });

const info: ControlPlaneInfo = {
  dataDir: config.dataDir,
  apiUrl: 'https://127.0.0.1:6443',
  kubeconfigPath: `${config.dataDir}/kubeconfig.yaml`,
  caCertPath: `${config.dataDir}/pki/ca.crt`,
  gitVersion: 'v1.33.0+pilothouse.0.0.0-test',
  storeBackend: 'embedded',
  etcdUrl: 'https://127.0.0.1:2379',
  etcdCaPath: `${config.dataDir}/pki/ca.crt`,
  etcdCertPath: `${config.dataDir}/pki/etcd-client.crt`,
  etcdKeyPath: `${config.dataDir}/pki/etcd-client.key`,
};

class FakeHost implements HostChannel {
  readonly sent: HostCommand[] = [];
  kills = 0;
  readonly killKinds: ('graceful' | 'force')[] = [];
  exited = false;
  /** Whether kill() ends the process (a real one would, unless it hangs). */
  exitOnKill = true;
  private messageHandlers: ((msg: HostMessage) => void)[] = [];
  private exitHandlers: ((code: number | null) => void)[] = [];

  send(cmd: HostCommand): void {
    this.sent.push(cmd);
  }
  onMessage(handler: (msg: HostMessage) => void): void {
    this.messageHandlers.push(handler);
  }
  onExit(handler: (code: number | null) => void): void {
    this.exitHandlers.push(handler);
  }
  kill(how: 'graceful' | 'force'): void {
    this.kills++;
    this.killKinds.push(how);
    // A process ends some time after the signal, not inside kill().
    if (this.exitOnKill) setImmediate(() => this.exit(null));
  }

  /** The host reports a state, as host.ts does on every change. */
  report(
    state: ControlPlaneState,
    extra: { info?: ControlPlaneInfo; error?: { code: EngineErrorCode; message: string } } = {},
  ): void {
    const msg: HostMessage = { type: 'state', state, info: extra.info ?? null, error: extra.error ?? null };
    for (const h of this.messageHandlers) h(msg);
  }

  exit(code: number | null): void {
    if (this.exited) return;
    this.exited = true;
    for (const h of this.exitHandlers) h(code);
  }
}

function makeClient() {
  const hosts: FakeHost[] = [];
  const spawn = vi.fn(() => {
    const host = new FakeHost();
    hosts.push(host);
    return host;
  });
  const client = createEngineClient(spawn, config, 'debug');
  const states: ControlPlaneState[] = [];
  client.events.on('state', (s) => states.push(s));
  /** The most recently spawned host. */
  const host = () => {
    const last = hosts.at(-1);
    if (!last) throw new Error('no host spawned yet');
    return last;
  };
  return { client, spawn, hosts, host, states };
}

/** A client whose engine has started and is running. */
async function runningClient() {
  const fixture = makeClient();
  const started = fixture.client.start();
  fixture.host().report('starting');
  fixture.host().report('running', { info });
  await started;
  return fixture;
}

/** Let pending promise callbacks and immediates run, to see whether something has settled. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function track<T>(promise: Promise<T>) {
  const t = { settled: false };
  promise.then(
    () => (t.settled = true),
    () => (t.settled = true),
  );
  return t;
}

describe('createEngineClient start', () => {
  it('spawns the host, sends start with the config and resolves with the info on running', async () => {
    const { client, spawn, host, states } = makeClient();
    expect(client.alive).toBe(false);

    const started = client.start();
    expect(spawn).toHaveBeenCalledTimes(1);
    expect(host().sent).toEqual([{ type: 'start', config, logLevel: 'debug' }]);
    host().report('starting');
    expect(client.state).toBe('starting');
    host().report('running', { info });

    await expect(started).resolves.toEqual(info);
    expect(client).toMatchObject({ state: 'running', info, error: null, alive: true });
    expect(states).toEqual(['starting', 'running']);
  });

  it('returns the info at once when already running, without another start command', async () => {
    const { client, spawn, host } = await runningClient();
    await expect(client.start()).resolves.toEqual(info);
    expect(spawn).toHaveBeenCalledTimes(1);
    expect(host().sent).toHaveLength(1);
  });

  it('rejects with the engine error when the host reports failed', async () => {
    const { client, host } = makeClient();
    const started = client.start();
    host().report('starting');
    host().report('failed', { error: { code: 'PORT_IN_USE', message: 'port 6443 is in use' } });

    await expect(started).rejects.toBeInstanceOf(EngineError);
    await expect(started).rejects.toMatchObject({ code: 'PORT_IN_USE', message: 'port 6443 is in use' });
    expect(client.state).toBe('failed');
    expect(client.error).toMatchObject({ code: 'PORT_IN_USE' });
    // The host process stays up so that start can be retried in it.
    expect(client.alive).toBe(true);
  });

  it('does not let a failed state from a previous attempt end a new start', async () => {
    const { client, spawn, host } = makeClient();
    const first = client.start();
    host().report('failed', { error: { code: 'PORT_IN_USE', message: 'port 6443 is in use' } });
    await expect(first).rejects.toMatchObject({ code: 'PORT_IN_USE' });

    const second = client.start();
    const progress = track(second);
    await settle();
    expect(progress.settled).toBe(false);
    expect(spawn).toHaveBeenCalledTimes(1);
    expect(host().sent.map((c) => c.type)).toEqual(['start', 'start']);

    host().report('starting');
    host().report('running', { info });
    await expect(second).resolves.toEqual(info);
    expect(client.error).toBeNull();
  });

  it('rejects with ENGINE_EXITED and turns failed when the process exits during start', async () => {
    const { client, host } = makeClient();
    const started = client.start();
    host().report('starting');
    host().exit(1);

    await expect(started).rejects.toMatchObject({
      code: 'ENGINE_EXITED',
      message: expect.stringContaining('code 1'),
    });
    expect(client).toMatchObject({ state: 'failed', alive: false, info: null });
    expect(client.error?.code).toBe('ENGINE_EXITED');
  });

  it('rejects with ENGINE_EXITED when the process dies before reporting anything', async () => {
    const { client, host } = makeClient();
    const started = client.start();
    host().exit(1);

    await expect(started).rejects.toMatchObject({ code: 'ENGINE_EXITED' });
    expect(client).toMatchObject({ state: 'failed', alive: false });
    expect(client.error?.code).toBe('ENGINE_EXITED');
  });

  it('reports the new exit, not an earlier failure, when a retried start dies', async () => {
    const { client, host } = makeClient();
    const first = client.start();
    host().report('failed', { error: { code: 'PORT_IN_USE', message: 'port 6443 is in use' } });
    await expect(first).rejects.toMatchObject({ code: 'PORT_IN_USE' });

    const retry = client.start();
    host().exit(1);
    await expect(retry).rejects.toMatchObject({ code: 'ENGINE_EXITED' });
    expect(client.error?.code).toBe('ENGINE_EXITED');
  });

  it('turns failed when a running engine process exits', async () => {
    const { client, host, states } = await runningClient();
    host().exit(null);

    expect(client).toMatchObject({ state: 'failed', info: null, alive: false });
    expect(client.error?.code).toBe('ENGINE_EXITED');
    expect(states.at(-1)).toBe('failed');
  });

  it('spawns a new host process on start after the previous one exited', async () => {
    const { client, spawn, hosts, host } = await runningClient();
    host().exit(1);

    const restarted = client.start();
    expect(spawn).toHaveBeenCalledTimes(2);
    expect(hosts[1]?.sent).toEqual([{ type: 'start', config, logLevel: 'debug' }]);
    // The dead process can no longer change the client's state.
    hosts[0]?.report('running', { info });
    expect(client.state).toBe('failed');

    host().report('running', { info });
    await expect(restarted).resolves.toEqual(info);
    expect(client.state).toBe('running');
  });
});

describe('createEngineClient stop', () => {
  it('sends stop and resolves once the host reports stopped', async () => {
    const { client, host } = await runningClient();
    const stopped = client.stop();
    const progress = track(stopped);
    expect(host().sent.at(-1)).toEqual({ type: 'stop' });

    host().report('stopping');
    await settle();
    expect(progress.settled).toBe(false);
    host().report('stopped');

    await expect(stopped).resolves.toBeUndefined();
    expect(client.state).toBe('stopped');
    expect(client.alive).toBe(true);
  });

  it('resolves when the process exits while stopping', async () => {
    const { client, host } = await runningClient();
    const stopped = client.stop();
    host().report('stopping');
    host().exit(0);
    await expect(stopped).resolves.toBeUndefined();
  });

  it('does nothing when no engine is running', async () => {
    const { client, spawn } = makeClient();
    await expect(client.stop()).resolves.toBeUndefined();
    expect(spawn).not.toHaveBeenCalled();
  });
});

describe('createEngineClient dispose', () => {
  it('stops the engine, kills the process and resolves once it has exited', async () => {
    const { client, host } = await runningClient();
    const disposed = client.dispose();
    const progress = track(disposed);
    expect(host().sent.at(-1)).toEqual({ type: 'stop' });
    expect(host().kills).toBe(0);

    host().report('stopping');
    host().report('stopped');
    await settle();
    expect(host().kills).toBe(1);

    await expect(disposed).resolves.toBeUndefined();
    expect(progress.settled).toBe(true);
    expect(host().exited).toBe(true);
    expect(client.alive).toBe(false);
  });

  it('does not resolve before the process has exited', async () => {
    const { client, host } = await runningClient();
    host().exitOnKill = false;
    const progress = track(client.dispose(60_000));
    host().report('stopped');
    await settle();

    expect(host().kills).toBe(1);
    expect(progress.settled).toBe(false);
    host().exit(0);
    await settle();
    expect(progress.settled).toBe(true);
  });

  it('kills the process after the timeout when stop never completes', async () => {
    const { client, host } = await runningClient();
    const disposed = client.dispose(50);
    host().report('stopping');
    const progress = track(disposed);
    await settle();
    expect(host().kills).toBe(0);
    expect(progress.settled).toBe(false);

    await expect(disposed).resolves.toBeUndefined();
    expect(host().killKinds).toContain('force');
    expect(host().exited).toBe(true);
    // Disposed on purpose: the engine is stopped, not failed.
    expect(client).toMatchObject({ alive: false, state: 'stopped' });
  });

  it('resolves at once when no process is alive', async () => {
    const { client, spawn } = makeClient();
    await expect(client.dispose()).resolves.toBeUndefined();
    expect(spawn).not.toHaveBeenCalled();
  });
});

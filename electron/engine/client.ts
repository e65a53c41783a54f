/**
 * The parent's handle on the engine's host process, whatever starts it (Electron's
 * utilityProcess or Node's child_process): spawns it on start (again after it died), mirrors its
 * state, and turns start/stop into promises. It satisfies EngineHandle like an in-process
 * ControlPlane does, so the backend does not care which it has.
 */
import { EventEmitter } from 'node:events';
import type { ControlPlaneConfig } from './config';
import type { ControlPlaneEvents, ControlPlaneInfo, ControlPlaneState } from './control-plane';
import { EngineError } from './errors';
import type { HostCommand, HostMessage } from './host-protocol';
import type { LogLevel } from './log';

/** One running host process, as both process kinds can provide it. */
export interface HostChannel {
  send(cmd: HostCommand): void;
  onMessage(handler: (msg: HostMessage) => void): void;
  /** Called once when the process has ended, however it ended. */
  onExit(handler: (code: number | null) => void): void;
  /** Ask the process to end (SIGTERM: it stops the control plane first), or end it at once. */
  kill(how: 'graceful' | 'force'): void;
}

/** What the backend needs from an engine, in-process or not. */
export interface EngineHandle {
  readonly state: ControlPlaneState;
  readonly info: ControlPlaneInfo | null;
  readonly error: EngineError | null;
  readonly events: EventEmitter<ControlPlaneEvents>;
  start(): Promise<ControlPlaneInfo>;
  stop(): Promise<void>;
}

export interface EngineClient extends EngineHandle {
  /** Whether a host process is currently alive. */
  readonly alive: boolean;
  /** Stop the control plane, then end the host process (killed after `timeoutMs`). */
  dispose(timeoutMs?: number): Promise<void>;
}

type Verdict = 'done' | 'fail' | 'wait';

export function createEngineClient(
  spawn: () => HostChannel,
  config: ControlPlaneConfig,
  logLevel: LogLevel,
): EngineClient {
  const events = new EventEmitter<ControlPlaneEvents>();
  let state: ControlPlaneState = 'stopped';
  let info: ControlPlaneInfo | null = null;
  let error: EngineError | null = null;
  let channel: HostChannel | null = null;
  let exitWaiters: (() => void)[] = [];
  /** Set while dispose() ends the process on purpose. */
  let disposing = false;

  const setState = (next: ControlPlaneState, nextInfo: ControlPlaneInfo | null, err: EngineError | null) => {
    state = next;
    info = nextInfo;
    error = err;
    events.emit('state', state, error);
  };

  const ensureChannel = (): HostChannel => {
    if (channel) return channel;
    const ch = spawn();
    channel = ch;
    ch.onMessage((msg) => {
      if (msg.type !== 'state' || channel !== ch) return;
      setState(msg.state, msg.info, msg.error ? new EngineError(msg.error.code, msg.error.message) : null);
    });
    ch.onExit((code) => {
      if (channel !== ch) return;
      channel = null;
      // Any exit we did not ask for is a failure, even from 'stopped' or an earlier 'failed':
      // a start in flight must see this error, not a stale one.
      if (!disposing) {
        setState(
          'failed',
          null,
          new EngineError('ENGINE_EXITED', `the engine process exited unexpectedly (code ${code})`),
        );
      }
      const waiters = exitWaiters;
      exitWaiters = [];
      for (const w of waiters) w();
    });
    return ch;
  };

  /**
   * Resolve at the first state reported after this call for which `outcome` says 'done', reject
   * at 'fail' or when the process exits first. Earlier states do not count, so a 'failed' left
   * over from a previous attempt does not end a new one.
   */
  const waitFor = (outcome: (s: ControlPlaneState) => Verdict) =>
    new Promise<void>((resolve, reject) => {
      const finish = () => {
        events.off('state', onState);
        exitWaiters = exitWaiters.filter((w) => w !== onExit);
      };
      const onState = (s: ControlPlaneState) => {
        const verdict = outcome(s);
        if (verdict === 'wait') return;
        finish();
        if (verdict === 'done') resolve();
        else reject(error ?? new EngineError('INTERNAL', `the engine reported ${s}`));
      };
      const onExit = () => {
        finish();
        if (outcome(state) === 'done') resolve();
        else reject(error ?? new EngineError('ENGINE_EXITED', 'the engine process has exited'));
      };
      events.on('state', onState);
      exitWaiters.push(onExit);
    });

  const client: EngineClient = {
    get state() {
      return state;
    },
    get info() {
      return info;
    },
    get error() {
      return error;
    },
    get alive() {
      return channel !== null;
    },
    events,
    async start() {
      if (state === 'running' && info) return info;
      const ch = ensureChannel();
      const outcome = waitFor((s) => (s === 'running' ? 'done' : s === 'failed' ? 'fail' : 'wait'));
      ch.send({ type: 'start', config, logLevel });
      await outcome;
      if (!info) throw new EngineError('INTERNAL', 'the engine reported running without its info');
      return info;
    },
    async stop() {
      if (!channel || state === 'stopped' || state === 'failed') return;
      const outcome = waitFor((s) => (s === 'stopped' || s === 'failed' ? 'done' : 'wait'));
      channel.send({ type: 'stop' });
      await outcome;
    },
    async dispose(timeoutMs = 5000) {
      const ch = channel;
      if (!ch) return;
      const gone = new Promise<void>((resolve) => exitWaiters.push(resolve));
      // However the graceful path goes, the process is gone by the deadline.
      const timer = setTimeout(() => ch.kill('force'), timeoutMs);
      try {
        await Promise.race([client.stop().catch(() => undefined), gone]);
        disposing = true;
        ch.kill('graceful');
        await gone;
      } finally {
        clearTimeout(timer);
        disposing = false;
      }
      if (state !== 'stopped') setState('stopped', null, null);
    },
  };
  return client;
}

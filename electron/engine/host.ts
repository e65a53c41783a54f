/**
 * Entry point of the engine's own process. Electron starts it with utilityProcess.fork (messages
 * over process.parentPort); `pilothouse server` with child_process.fork (process.send). Both
 * speak host-protocol.ts. The parent owns the lifecycle: this process stops the control plane and
 * exits when told to, on SIGTERM, or when the parent goes away.
 */
import { createControlPlane, type ControlPlane } from './control-plane';
import type { HostCommand, HostMessage } from './host-protocol';
import { createLogger, type Logger } from './log';

interface ParentLink {
  send(msg: HostMessage): void;
  onCommand(handler: (cmd: HostCommand) => void): void;
  onGone(handler: () => void): void;
}

/** The part of Electron's utility-process `process.parentPort` used here (no Electron import). */
interface UtilityParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function parentLink(): ParentLink {
  const parentPort = (process as { parentPort?: UtilityParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (msg) => parentPort.postMessage(msg),
      onCommand: (h) => parentPort.on('message', (e) => h(e.data as HostCommand)),
      // A utility process dies with its parent; nothing to watch for.
      onGone: () => undefined,
    };
  }
  if (process.send) {
    return {
      // After the parent is gone the channel is closed; a send would throw from inside stop().
      send: (msg) => {
        if (process.connected) process.send?.(msg);
      },
      onCommand: (h) => process.on('message', (m) => h(m as HostCommand)),
      onGone: (h) => process.on('disconnect', h),
    };
  }
  throw new Error('the engine host must be started by Pilothouse (no parent channel)');
}

const link = parentLink();
let plane: ControlPlane | null = null;
let log: Logger = createLogger('engine');

function report() {
  if (!plane) return;
  link.send({
    type: 'state',
    state: plane.state,
    info: plane.info,
    error: plane.error ? plane.error.toJSON() : null,
  });
}

async function shutdown(code: number) {
  try {
    await plane?.stop();
  } finally {
    process.exit(code);
  }
}

link.onCommand((cmd) => {
  switch (cmd.type) {
    case 'start':
      if (!plane) {
        log = createLogger('engine', cmd.logLevel);
        plane = createControlPlane(cmd.config, log);
        plane.events.on('state', report);
      }
      // The outcome reaches the parent as a state message; nothing to do with the promise.
      plane.start().catch(() => undefined);
      return;
    case 'stop':
      if (plane) plane.stop().catch((err: unknown) => log.error({ err }, 'stop failed'));
      else link.send({ type: 'state', state: 'stopped', info: null, error: null });
      return;
  }
});
link.onGone(() => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// Ctrl-C in a terminal reaches the whole process group; the parent coordinates the shutdown.
process.on('SIGINT', () => undefined);

import { utilityProcess } from 'electron';
import type { HostChannel } from '../engine/client';
import type { HostCommand, HostMessage } from '../engine/host-protocol';

/** Start the engine host as an Electron utility process (its own event loop and V8 heap). */
export function spawnUtilityEngine(entry: string): HostChannel {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Pilothouse engine', stdio: 'inherit' });
  return {
    send: (cmd: HostCommand) => child.postMessage(cmd),
    onMessage: (h) => child.on('message', (m: unknown) => h(m as HostMessage)),
    onExit: (h) => child.once('exit', (code) => h(code)),
    kill: (how) => {
      if (how === 'force' && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      else child.kill();
    },
  };
}

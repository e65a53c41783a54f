/**
 * Messages between the engine's host process (utility process in the desktop app, child process
 * in `pilothouse server`) and its parent. Structured-clone-safe plain objects only.
 */
import type { ControlPlaneConfig } from './config';
import type { ControlPlaneInfo, ControlPlaneState } from './control-plane';
import type { EngineErrorCode } from './errors';
import type { LogLevel } from './log';

export type HostCommand =
  { type: 'start'; config: ControlPlaneConfig; logLevel: LogLevel } | { type: 'stop' };

export type HostMessage = {
  type: 'state';
  state: ControlPlaneState;
  info: ControlPlaneInfo | null;
  error: { code: EngineErrorCode; message: string } | null;
};
